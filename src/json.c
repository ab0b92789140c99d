/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-json.h"

/* Every string in our JSON is valid UTF-8, whatever a file or a server gave us. */
static json_object *json_text(const char *s) {
        _cleanup_free_ char *clean = td_utf8_sanitize(s);
        return json_object_new_string(clean ? clean : "");
}

static json_object *string_or_null(const char *s) {
        return s ? json_text(s) : NULL;
}

static json_object *strv_to_json(const char *const *v) {
        json_object *array = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(array, json_object_new_string(*v));
        return array;
}

static json_object *fix_to_json(const TdResult *r) {
        if (!td_result_has_fix(r))
                return NULL;
        json_object *fix = json_object_new_object();
        json_object_object_add(fix, "id", json_object_new_string(r->check->id));
        json_object_object_add(fix, "privileged", json_object_new_boolean(r->check->fix->privileged));
        json_object_object_add(fix, "summary", json_object_new_string(td_gettext(r->check->fix->summary)));
        return fix;
}

static json_object *result_to_json(const TdResult *r) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(r->check->id));
        json_object_object_add(o, "category", json_object_new_string(r->check->category));
        json_object_object_add(o, "status", json_object_new_string(td_status_to_string(r->status)));
        json_object_object_add(o, "title", json_object_new_string(td_gettext(r->check->title)));
        json_object_object_add(o, "message", json_text(r->message ? r->message : ""));
        json_object_object_add(o, "cause", string_or_null(r->status == TD_STATUS_PASS ? NULL : r->cause));
        json_object_object_add(
                o, "advice", string_or_null(r->status == TD_STATUS_PASS ? NULL : td_cause_advice(r->cause)));
        json_object_object_add(o, "fix", fix_to_json(r));
        json_object *details = json_object_new_object();
        for (size_t i = 0; i < r->n_details; i++)
                json_object_object_add(details, r->details[i].key, json_text(r->details[i].value));
        json_object_object_add(o, "details", details);
        json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
        return o;
}

static char *to_text(json_object *root, bool pretty) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
        const char *text = json_object_to_json_string_ext(root, flags);
        char *copy = text ? strdup(text) : NULL;
        json_object_put(root);
        return copy;
}

char *td_report_to_json(const TdReport *report, const char *profile_id, bool pretty) {
        json_object *root = json_object_new_object();
        json_object_object_add(root, "tool", json_object_new_string("tokendoctor"));
        json_object_object_add(root, "version", json_object_new_string(TD_VERSION));
        json_object_object_add(root, "profile", string_or_null(profile_id));

        char started[32];
        struct tm tm;
        gmtime_r(&report->started, &tm);
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_object_add(root, "started", json_object_new_string(started));
        json_object_object_add(root, "duration_ms", json_object_new_int64(report->duration_ms));
        /* Cancelled (Ctrl-C, the window's Cancel): the results not final are skip_reason "cancelled". */
        json_object_object_add(root, "cancelled", json_object_new_boolean(report->cancelled));

        json_object *results = json_object_new_array();
        for (size_t i = 0; i < report->n_results; i++)
                json_object_array_add(results, result_to_json(&report->results[i]));
        json_object_object_add(root, "results", results);

        json_object *summary = json_object_new_object();
        for (int s = 0; s < _TD_STATUS_MAX; s++)
                json_object_object_add(summary, td_status_to_string((TdStatus) s),
                                       json_object_new_int((int) report->counts[s]));
        json_object_object_add(root, "summary", summary);
        return to_text(root, pretty);
}

char *td_checks_to_json(const TdCheck *const *checks, size_t n_checks, bool pretty) {
        json_object *array = json_object_new_array();
        for (size_t i = 0; i < n_checks; i++) {
                const TdCheck *c = checks[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_string(c->id));
                json_object_object_add(o, "category", json_object_new_string(c->category));
                json_object_object_add(o, "title", json_object_new_string(td_gettext(c->title)));
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
        return to_text(array, pretty);
}
