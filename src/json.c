/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-verdict.h"

/* Every string in our JSON is valid UTF-8, whatever a file or a server gave us. */
static json_object *json_text(const char *s) {
        /* A document read back may lack a text (a fix without its summary): write it empty. */
        _cleanup_free_ char *clean = td_utf8_sanitize(s ? s : "");
        return json_object_new_string(clean ? clean : "");
}

static json_object *string_or_null(const char *s) {
        return s ? json_text(s) : NULL;
}

static json_object *strv_to_json(const char *const *v) {
        json_object *array = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(array, json_text(*v));
        return array;
}

static void format_utc(time_t t, char *buf, size_t size) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The members every document starts with. */
static json_object *document_new(void) {
        json_object *root = json_object_new_object();
        json_object_object_add(root, "schema", json_object_new_int(TD_JSON_SCHEMA));
        json_object_object_add(root, "tool", json_object_new_string("tokendoctor"));
        json_object_object_add(root, "version", json_object_new_string(TD_VERSION));
        return root;
}

static char *to_text(json_object *root, bool pretty) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
        const char *text = root ? json_object_to_json_string_ext(root, flags) : NULL;
        char *copy = text ? strdup(text) : NULL;
        json_object_put(root);
        return copy;
}

static json_object *fix_to_json(const TdResult *r) {
        if (!td_result_has_fix(r))
                return NULL;
        json_object *fix = json_object_new_object();
        json_object_object_add(fix, "id", json_object_new_string(r->check->id));
        json_object_object_add(fix, "privileged", json_object_new_boolean(r->fix.privileged));
        json_object_object_add(fix, "summary", json_text(td_gettext(r->fix.summary)));
        return fix;
}

/* @contact: the profile's [support] contact, which advice that sends the user to 客服 names. */
static json_object *result_to_json(const TdResult *r, const char *contact) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_text(r->check->id));
        json_object_object_add(o, "category", json_text(r->check->category));
        json_object_object_add(o, "status", json_object_new_string(td_status_to_string(r->status)));
        json_object_object_add(o, "title", json_text(td_gettext(r->check->title)));
        json_object_object_add(o, "message", json_text(r->message ? r->message : ""));
        json_object_object_add(o, "cause", string_or_null(r->status == TD_STATUS_PASS ? NULL : r->cause));
        _cleanup_free_ char *advice =
                r->status == TD_STATUS_PASS ? NULL : td_cause_advice_for(r->cause, contact);
        json_object_object_add(o, "advice", string_or_null(advice));
        json_object_object_add(o, "fix", fix_to_json(r));
        /* Shared, not copied: the document only lives while it is written out. */
        json_object_object_add(o, "details",
                               r->details ? json_object_get(r->details) : json_object_new_object());
        json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
        return o;
}

static json_object *verdict_to_json(const TdVerdict *v, const char *contact) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "code", json_object_new_string(td_verdict_code_to_string(v->code)));
        _cleanup_free_ char *text = td_verdict_text(v);
        json_object_object_add(o, "text", json_text(text));
        json_object *problems = json_object_new_array();
        for (size_t i = 0; i < v->n_items; i++) {
                const TdResult *r = v->items[i].result;
                json_object *p = json_object_new_object();
                json_object_object_add(p, "id", json_text(r->check->id));
                json_object_object_add(p, "next",
                                       json_object_new_string(td_next_step_to_string(v->items[i].next)));
                _cleanup_free_ char *command =
                        v->items[i].next == TD_NEXT_SUPPORT
                                ? NULL
                                : td_strdup_printf("tokendoctor fix %s", r->check->id);
                json_object_object_add(p, "command", string_or_null(command));
                json_object_array_add(problems, p);
        }
        json_object_object_add(o, "problems", problems);
        json_object_object_add(o, "warnings", json_object_new_int64((int64_t) v->n_warnings));
        json_object_object_add(o, "contact", string_or_null(contact));
        return o;
}

char *td_report_to_json(const TdReport *report, const char *profile_id, bool pretty) {
        return td_check_report_to_json(report, profile_id, NULL, NULL, pretty);
}

char *td_check_report_to_json(const TdReport *report, const char *profile_id, const TdVerdict *verdict,
                              const char *contact, bool pretty) {
        json_object *root = document_new();
        json_object_object_add(root, "profile", string_or_null(profile_id));

        char started[32];
        format_utc(report->started, started, sizeof started);
        json_object_object_add(root, "started", json_object_new_string(started));
        json_object_object_add(root, "duration_ms", json_object_new_int64(report->duration_ms));
        /* Cancelled (Ctrl-C, the window's Cancel): the results not final are skip_reason "cancelled". */
        json_object_object_add(root, "cancelled", json_object_new_boolean(report->cancelled));

        json_object *results = json_object_new_array();
        for (size_t i = 0; i < report->n_results; i++)
                json_object_array_add(results, result_to_json(&report->results[i], contact));
        json_object_object_add(root, "results", results);

        json_object *summary = json_object_new_object();
        for (int s = 0; s < _TD_STATUS_MAX; s++)
                json_object_object_add(summary, td_status_to_string((TdStatus) s),
                                       json_object_new_int((int) report->counts[s]));
        json_object_object_add(root, "summary", summary);
        if (verdict)
                json_object_object_add(root, "verdict", verdict_to_json(verdict, contact));
        return to_text(root, pretty);
}

static const char *const change_kinds[_TD_CHANGE_MAX] = {
        [TD_CHANGE_WRITE_FILE] = "write-file", [TD_CHANGE_MOVE_ASIDE] = "move-aside",
        [TD_CHANGE_WRITE_LINK] = "write-link", [TD_CHANGE_RUN] = "run",
        [TD_CHANGE_HELPER] = "helper",
};

static json_object *change_to_json(const TdChange *c) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string(change_kinds[c->kind]));
        json_object_object_add(o, "summary", json_text(c->summary));
        json_object_object_add(o, "privileged", json_object_new_boolean(c->kind == TD_CHANGE_HELPER));
        switch (c->kind) {
        case TD_CHANGE_WRITE_FILE:
                json_object_object_add(o, "path", json_text(c->path));
                json_object_object_add(o, "mode", json_object_new_int((int) c->mode));
                json_object_object_add(o, "content", json_text(c->content));
                break;
        case TD_CHANGE_MOVE_ASIDE:
        case TD_CHANGE_WRITE_LINK:
                json_object_object_add(o, "path", json_text(c->path));
                json_object_object_add(o, "target", json_text(c->target));
                break;
        case TD_CHANGE_RUN:
                json_object_object_add(o, "argv", strv_to_json((const char *const *) c->argv));
                json_object_object_add(o, "paths", strv_to_json((const char *const *) c->paths));
                break;
        case TD_CHANGE_HELPER:
                json_object_object_add(o, "verb", json_text(c->verb));
                json_object_object_add(o, "arg", string_or_null(c->arg));
                break;
        default:
                break;
        }
        return o;
}

static json_object *plan_to_json(const TdFixPlan *plan) {
        if (!plan)
                return NULL;
        json_object *o = json_object_new_object();
        json_object *changes = json_object_new_array();
        for (size_t i = 0; i < plan->n_changes; i++)
                json_object_array_add(changes, change_to_json(&plan->changes[i]));
        json_object_object_add(o, "changes", changes);
        json_object_object_add(o, "privileged", json_object_new_boolean(td_fix_plan_is_privileged(plan)));
        json_object_object_add(o, "afterwards", string_or_null(plan->afterwards));
        return o;
}

static json_object *outcome_to_json(const TdRepairOutcome *out) {
        if (!out)
                return NULL;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "journal", string_or_null(out->journal_id));
        json_object_object_add(o, "changes_made", json_object_new_int64((int64_t) out->n_done));
        json_object_object_add(o, "failed_change",
                               out->failed_change >= 0 ? json_object_new_int64(out->failed_change) : NULL);
        json_object_object_add(o, "error", string_or_null(out->error));
        json_object_object_add(o, "how_to", string_or_null(out->how_to));
        json_object_object_add(o, "rolled_back", json_object_new_boolean(out->rolled_back));
        json_object_object_add(o, "rollback_failed", json_object_new_boolean(out->rollback_failed));
        return o;
}

char *td_fix_report_to_json(const TdFixReportItem *items, size_t n_items, const char *profile_id,
                            const char *contact, bool dry_run, bool pretty) {
        json_object *root = document_new();
        json_object_object_add(root, "profile", string_or_null(profile_id));
        json_object_object_add(root, "dry_run", json_object_new_boolean(dry_run));
        json_object *fixes = json_object_new_array();
        for (size_t i = 0; i < n_items; i++) {
                const TdFixReportItem *it = &items[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_text(it->check->id));
                json_object_object_add(o, "status", json_text(it->status));
                json_object_object_add(o, "before", it->before ? result_to_json(it->before, contact) : NULL);
                json_object_object_add(o, "plan", plan_to_json(it->plan));
                json_object_object_add(o, "why", string_or_null(it->why));
                json_object_object_add(o, "outcome", outcome_to_json(it->outcome));
                json_object_object_add(o, "after", it->after ? result_to_json(it->after, contact) : NULL);
                json_object_array_add(fixes, o);
        }
        json_object_object_add(root, "fixes", fixes);
        return to_text(root, pretty);
}

char *td_undo_report_to_json(const TdRepairOutcome *outcome, bool ok, bool pretty) {
        json_object *root = document_new();
        json_object *o = outcome_to_json(outcome);
        json_object_object_add(o, "status", json_object_new_string(ok ? "undone" : "failed"));
        json_object_object_add(root, "undo", o);
        return to_text(root, pretty);
}

char *td_checks_to_json(const TdCheck *const *checks, size_t n_checks, bool pretty) {
        json_object *root = document_new();
        json_object *array = json_object_new_array();
        for (size_t i = 0; i < n_checks; i++) {
                const TdCheck *c = checks[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_string(c->id));
                json_object_object_add(o, "category", json_object_new_string(c->category));
                json_object_object_add(o, "title", json_text(td_gettext(c->title)));
                json_object_object_add(o, "needs_token",
                                       json_object_new_boolean(c->flags & TD_CHECK_NEEDS_TOKEN));
                json_object_object_add(o, "needs_network",
                                       json_object_new_boolean(c->flags & TD_CHECK_NEEDS_NETWORK));
                json_object_object_add(o, "can_fix", json_object_new_boolean(c->fix != NULL));
                json_object_object_add(o, "fix_privileged",
                                       json_object_new_boolean(c->fix && c->fix->privileged));
                json_object_object_add(o, "depends", strv_to_json(c->depends));
                json_object_object_add(o, "causes", strv_to_json(c->causes));
                json_object_array_add(array, o);
        }
        json_object_object_add(root, "checks", array);
        return to_text(root, pretty);
}

static json_object *cert_to_json(const TdCertInfo *c, time_t now) {
        char from[32], until[32];
        format_utc(c->not_before, from, sizeof from);
        format_utc(c->not_after, until, sizeof until);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "serial", json_text(c->serial));
        json_object_object_add(o, "subject", json_text(c->subject));
        json_object_object_add(o, "subject_cn", json_text(c->subject_cn));
        json_object_object_add(o, "issuer", json_text(c->issuer));
        json_object_object_add(o, "not_before", json_object_new_string(from));
        json_object_object_add(o, "not_after", json_object_new_string(until));
        json_object_object_add(o, "days_left",
                               json_object_new_int64((int64_t) ((c->not_after - now) / 86400)));
        json_object_object_add(o, "key_type", json_text(c->key_type));
        json_object_object_add(o, "key_bits", json_object_new_int(c->key_bits));
        json_object_object_add(o, "signing", json_object_new_boolean(c->signing));
        return o;
}

char *td_token_info_to_json(const TdTokenInfo *token, time_t now, bool pretty) {
        json_object *root = document_new();
        json_object *t = json_object_new_object();
        json_object_object_add(t, "label", json_text(token->label));
        json_object_object_add(t, "serial", json_text(token->serial));
        json_object_object_add(t, "manufacturer", json_text(token->manufacturer));
        json_object_object_add(t, "model", json_text(token->model));
        json_object_object_add(t, "module", json_text(token->module));
        json_object_object_add(t, "broken_certificates", json_object_new_int64((int64_t) token->n_broken));
        json_object_object_add(root, "token", t);
        json_object *certs = json_object_new_array();
        for (size_t i = 0; i < token->n_certs; i++)
                json_object_array_add(certs, cert_to_json(&token->certs[i], now));
        json_object_object_add(root, "certificates", certs);
        return to_text(root, pretty);
}

char *td_watch_event_to_json(const TdWatchEvent *e, const char *when) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "schema", json_object_new_int(TD_JSON_SCHEMA));
        json_object_object_add(o, "time", json_object_new_string(when));
        json_object_object_add(o, "event", json_object_new_string(td_watch_event_to_string(e->type)));
        json_object_object_add(o, "initial", json_object_new_boolean(e->initial));
        if (e->reader)
                json_object_object_add(o, "reader", json_text(e->reader));
        if (e->atr_text) {
                json_object_object_add(o, "atr", json_text(e->atr_text));
                json_object_object_add(o, "model", string_or_null(e->model));
        }
        if (e->error)
                json_object_object_add(o, "error", json_text(e->error));
        return to_text(o, false);
}

char *td_error_to_json(const char *code, const char *message) {
        json_object *root = document_new();
        json_object *error = json_object_new_object();
        json_object_object_add(error, "code", json_text(code));
        json_object_object_add(error, "message", json_text(message));
        json_object_object_add(root, "error", error);
        return to_text(root, true);
}

/* ---- reading a check document back ------------------------------------------------------- */

typedef struct {
        TdReportDocument *doc;
        TdStrvBuilder strings; /* every string the descriptors point to */
        char **ret_error;
} Reader;

static int bad(Reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(Reader *rd, const char *fmt, ...) {
        if (rd->ret_error && !*rd->ret_error) {
                va_list ap;
                va_start(ap, fmt);
                *rd->ret_error = td_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

/* Member @key of @o with type @type, or NULL. */
static json_object *member(json_object *o, const char *key, json_type type) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

/* A copy of string member @key kept by the reader (NULL when absent); -ENOMEM. */
static int keep_string(Reader *rd, json_object *o, const char *key, const char **ret) {
        json_object *v = member(o, key, json_type_string);
        *ret = NULL;
        if (!v)
                return 0;
        char *copy = strdup(json_object_get_string(v));
        if (td_strv_builder_take(&rd->strings, copy) < 0)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

static int read_result(Reader *rd, json_object *o, size_t i) {
        TdReportDocument *doc = rd->doc;
        TdCheck *check = &doc->checks[i];
        TdResult *r = &doc->report.results[i];
        if (!json_object_is_type(o, json_type_object))
                return bad(rd, "results[%zu] is not an object", i);
        json_object *status = member(o, "status", json_type_string);
        TdStatus st = status ? td_status_from_string(json_object_get_string(status)) : _TD_STATUS_INVALID;
        if (st == _TD_STATUS_INVALID)
                return bad(rd, "results[%zu] has no valid status", i);
        if (keep_string(rd, o, "id", &check->id) < 0 ||
            keep_string(rd, o, "category", &check->category) < 0 ||
            keep_string(rd, o, "title", &check->title) < 0)
                return -ENOMEM;
        if (!check->id)
                return bad(rd, "results[%zu] has no id", i);
        if (!check->category)
                check->category = "";
        if (!check->title)
                check->title = check->id;

        json_object *fix = member(o, "fix", json_type_object);
        if (fix) {
                TdFix *f = &doc->fixes[i];
                if (keep_string(rd, fix, "summary", &f->summary) < 0)
                        return -ENOMEM;
                json_object *priv = member(fix, "privileged", json_type_boolean);
                f->privileged = priv && json_object_get_boolean(priv);
                check->fix = f;
        }

        td_result_init(r, check);
        json_object *message = member(o, "message", json_type_string);
        json_object *cause = member(o, "cause", json_type_string);
        if ((st == TD_STATUS_WARN || st == TD_STATUS_FAIL || st == TD_STATUS_ERROR) && !cause)
                return bad(rd, "results[%zu] (%s) is a problem without a cause", i, check->id);
        int ret = td_result_set(r, st, cause ? json_object_get_string(cause) : NULL, "%s",
                                message ? json_object_get_string(message) : "");
        if (ret < 0)
                return ret;
        if (fix && (st == TD_STATUS_WARN || st == TD_STATUS_FAIL))
                r->fix = (TdFixOffer){ .offered = true,
                                       .privileged = check->fix->privileged,
                                       .summary = check->fix->summary ? check->fix->summary : "" };
        json_object *details = member(o, "details", json_type_object);
        if (details)
                r->details = json_object_get(details);
        json_object *duration = member(o, "duration_ms", json_type_int);
        r->duration_ms = duration ? json_object_get_int64(duration) : 0;
        doc->report.counts[st]++;
        return 0;
}

static int read_document(Reader *rd, json_object *root) {
        TdReportDocument *doc = rd->doc;
        if (!json_object_is_type(root, json_type_object))
                return bad(rd, "not a JSON object");
        json_object *schema = member(root, "schema", json_type_int);
        json_object *tool = member(root, "tool", json_type_string);
        if (!tool || !streq(json_object_get_string(tool), "tokendoctor"))
                return bad(rd, "not a tokendoctor document (no \"tool\": \"tokendoctor\")");
        /* Documents from before the schema member are schema 0: their details are all text. */
        doc->schema = schema ? json_object_get_int(schema) : 0;
        if (doc->schema > TD_JSON_SCHEMA) {
                if (rd->ret_error)
                        *rd->ret_error = td_strdup_printf("schema %d is newer than this tokendoctor's (%d)",
                                                          doc->schema, TD_JSON_SCHEMA);
                return -EPROTONOSUPPORT;
        }
        json_object *results = member(root, "results", json_type_array);
        if (!results)
                return bad(rd, "no \"results\" array (is this the output of `tokendoctor check --json`?)");

        json_object *version = member(root, "version", json_type_string);
        json_object *profile = member(root, "profile", json_type_string);
        if ((version && !(doc->tool_version = strdup(json_object_get_string(version)))) ||
            (profile && !(doc->profile = strdup(json_object_get_string(profile)))))
                return -ENOMEM;
        json_object *cancelled = member(root, "cancelled", json_type_boolean);
        doc->report.cancelled = cancelled && json_object_get_boolean(cancelled);
        json_object *started = member(root, "started", json_type_string);
        struct tm tm = { 0 };
        if (started && strptime(json_object_get_string(started), "%Y-%m-%dT%H:%M:%SZ", &tm))
                doc->report.started = timegm(&tm);
        json_object *duration = member(root, "duration_ms", json_type_int);
        doc->report.duration_ms = duration ? json_object_get_int64(duration) : 0;

        size_t n = json_object_array_length(results);
        doc->checks = calloc(n ? n : 1, sizeof(TdCheck));
        doc->fixes = calloc(n ? n : 1, sizeof(TdFix));
        doc->report.results = calloc(n ? n : 1, sizeof(TdResult));
        if (!doc->checks || !doc->fixes || !doc->report.results)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = read_result(rd, json_object_array_get_idx(results, i), i);
                doc->report.n_results = i + 1; /* so a failure frees what was read */
                if (r < 0)
                        return r;
        }
        return 0;
}

void td_report_document_free(TdReportDocument *doc) {
        if (!doc)
                return;
        for (size_t i = 0; i < doc->report.n_results; i++)
                td_result_clear(&doc->report.results[i]);
        free(doc->report.results);
        /* The descriptors' strings were kept in one list, stored after the fixes. */
        td_strv_free((TdStrv) doc->checks_strings);
        free(doc->checks);
        free(doc->fixes);
        free(doc->tool_version);
        free(doc->profile);
        free(doc);
}

int td_report_document_from_json(const char *text, TdReportDocument **ret_doc, char **ret_error) {
        if (ret_error)
                *ret_error = NULL;
        json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_object *root = json_tokener_parse_ex(tok, text, (int) strlen(text));
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (!root || jerr != json_tokener_success) {
                json_object_put(root);
                if (ret_error)
                        *ret_error = td_strdup_printf("not valid JSON: %s", json_tokener_error_desc(jerr));
                return -EBADMSG;
        }
        Reader rd = { .doc = calloc(1, sizeof(TdReportDocument)),
                      .strings = TD_STRV_BUILDER_INIT,
                      .ret_error = ret_error };
        int r = rd.doc ? read_document(&rd, root) : -ENOMEM;
        json_object_put(root);
        if (rd.doc)
                rd.doc->checks_strings = td_strv_builder_steal(&rd.strings);
        td_strv_builder_clear(&rd.strings);
        if (r == 0 && rd.doc && !rd.doc->checks_strings)
                r = -ENOMEM;
        if (r < 0) {
                td_report_document_free(rd.doc);
                return r;
        }
        *ret_doc = rd.doc;
        return 0;
}
