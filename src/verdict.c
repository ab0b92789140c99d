/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-strv.h"
#include "tokendoctor/td-verdict.h"

static const char *const verdict_codes[_TD_VERDICT_MAX] = {
        [TD_VERDICT_READY] = "ready",       [TD_VERDICT_INSERT_TOKEN] = "insert-token",
        [TD_VERDICT_PROBLEMS] = "problems", [TD_VERDICT_CANCELLED] = "cancelled",
        [TD_VERDICT_PARTIAL] = "partial",
};

static const char *const next_steps[_TD_NEXT_MAX] = {
        [TD_NEXT_FIX] = "fix",
        [TD_NEXT_ADMIN] = "admin",
        [TD_NEXT_SUPPORT] = "support",
};

const char *td_verdict_code_to_string(TdVerdictCode code) {
        return code >= 0 && code < _TD_VERDICT_MAX ? verdict_codes[code] : NULL;
}

const char *td_next_step_to_string(TdNextStep next) {
        return next >= 0 && next < _TD_NEXT_MAX ? next_steps[next] : NULL;
}

void td_verdict_clear(TdVerdict *v) {
        if (!v)
                return;
        free(v->items);
        *v = (TdVerdict){ 0 };
}

/* A repair the user can start: as themselves, or with the administrator's password. */
static TdNextStep next_step_for(const TdResult *r) {
        if (!td_result_has_fix(r))
                return TD_NEXT_SUPPORT;
        return r->fix.privileged ? TD_NEXT_ADMIN : TD_NEXT_FIX;
}

int td_verdict_from_report(const TdReport *report, bool no_token, TdVerdict *ret) {
        *ret = (TdVerdict){ 0 };
        size_t n = 0;
        for (size_t i = 0; i < report->n_results; i++) {
                const TdResult *r = &report->results[i];
                n += r->status == TD_STATUS_FAIL || r->status == TD_STATUS_ERROR;
                ret->n_warnings += r->status == TD_STATUS_WARN;
                if (td_result_is_shown(r))
                        ret->shown[r->status]++;
                ret->n_deferred += td_result_is_deferred(r);
        }
        if (n > 0) {
                ret->items = calloc(n, sizeof *ret->items);
                if (!ret->items)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < report->n_results; i++) {
                const TdResult *r = &report->results[i];
                if (r->status == TD_STATUS_FAIL || r->status == TD_STATUS_ERROR)
                        ret->items[ret->n_items++] =
                                (TdVerdictItem){ .result = r, .next = next_step_for(r) };
        }
        /* With --only, passing what was selected says nothing of the rest. */
        bool partial = false;
        for (size_t i = 0; i < report->n_results; i++)
                partial |=
                        streq_ptr(td_result_get_detail(&report->results[i], "skip_reason"), "not-selected");
        ret->code = report->cancelled  ? TD_VERDICT_CANCELLED
                    : ret->n_items > 0 ? TD_VERDICT_PROBLEMS
                    : partial          ? TD_VERDICT_PARTIAL
                    : no_token         ? TD_VERDICT_INSERT_TOKEN
                                       : TD_VERDICT_READY;
        return 0;
}

char *td_verdict_text(const TdVerdict *v) {
        switch (v->code) {
        case TD_VERDICT_READY:
                return strdup(_("Verdict: the check passed; you can go on with 【CA 续期】 (CA renewal)."));
        case TD_VERDICT_INSERT_TOKEN:
                return strdup(
                        _("Verdict: the check without the token (【无锁一键检测】) passed. Insert the CA "
                          "token and run the check with it (【插锁一键检测】: “tokendoctor check”)."));
        case TD_VERDICT_PROBLEMS:
                return td_strdup_printf(
                        dngettext(GETTEXT_PACKAGE,
                                  "Verdict: %zu problem needs attention; do not start 【CA 续期】 "
                                  "(CA renewal) before it is dealt with.",
                                  "Verdict: %zu problems need attention; do not start 【CA 续期】 "
                                  "(CA renewal) before they are dealt with.",
                                  v->n_items),
                        v->n_items);
        case TD_VERDICT_PARTIAL:
                return strdup(
                        _("Verdict: the checks that were run passed; run the whole check (“tokendoctor "
                          "check”) before 【CA 续期】 (CA renewal)."));
        default:
                return strdup(_("Verdict: the check was stopped before it ended; run it again."));
        }
}

/* In the order of the one-click check: the computer, then the way to the platform, then the token. */
static const struct {
        const char *category;
        const char *title;
} categories[] = {
        { "system", N_("System") },        { "drivers", N_("Drivers") },
        { "browser", N_("Browser") },      { "network", N_("Network") },
        { "token", N_("CA token") },       { "certificate", N_("Certificate") },
        { "seal", N_("Electronic seal") },
};

int td_category_rank(const char *category) {
        for (size_t i = 0; i < ELEMENTSOF(categories); i++)
                if (streq_ptr(category, categories[i].category))
                        return (int) i;
        return (int) ELEMENTSOF(categories);
}

const char *td_category_title(const char *category) {
        int rank = td_category_rank(category);
        return rank < (int) ELEMENTSOF(categories) ? _(categories[rank].title) : category;
}

const char *td_status_word(TdStatus status) {
        switch (status) {
        case TD_STATUS_PASS:
                return _("Passed");
        case TD_STATUS_WARN:
                /* TRANSLATORS: a warning: worth knowing, does not stop 【CA 续期】 */
                return _("Note");
        case TD_STATUS_FAIL:
                return _("Fix needed");
        case TD_STATUS_SKIP:
                return _("Not checked");
        default:
                /* TRANSLATORS: the check could not decide (something it needs failed) */
                return _("Can't check");
        }
}

bool td_result_is_deferred(const TdResult *r) {
        return r->status == TD_STATUS_SKIP && streq_ptr(td_result_get_detail(r, "skip_reason"), "no-token");
}

bool td_result_is_shown(const TdResult *r) {
        return !td_result_is_deferred(r) &&
               !(r->status == TD_STATUS_SKIP &&
                 streq_ptr(td_result_get_detail(r, "skip_reason"), "not-selected"));
}

bool td_result_needs_help(const TdResult *r) {
        return (r->status == TD_STATUS_FAIL || r->status == TD_STATUS_ERROR) && !td_result_has_fix(r);
}

char *td_result_support_text(const TdResult *r, const char *contact) {
        if (!td_result_needs_help(r) || td_cause_advice_names_contact(r->cause))
                return NULL;
        return td_support_request_text(contact);
}

char *td_result_problem_code(const TdResult *r) {
        return r->cause ? td_strdup_printf(_("%s (check %s, for 客服)"), r->cause, r->check->id) : NULL;
}

/* The items of @list joined by the list separator, or NULL for no items (or ENOMEM). */
static char *list_text(const char *const *list) {
        return list ? td_strv_join(list, _(", ")) : NULL;
}

char *td_verdict_next_text(const TdVerdict *v, const char *fix_options) {
        if (v->n_items == 0)
                return NULL;
        _cleanup_strv_free_ TdStrv own = NULL, admin = NULL, advice = NULL;
        for (size_t i = 0; i < v->n_items; i++) {
                const TdResult *r = v->items[i].result;
                _cleanup_free_ char *command = td_strdup_printf(_("“tokendoctor fix %s%s”"), r->check->id,
                                                                fix_options ? fix_options : "");
                if (!command)
                        return NULL;
                int k = v->items[i].next == TD_NEXT_FIX ? td_strv_push(&own, command)
                        : v->items[i].next == TD_NEXT_ADMIN
                                ? td_strv_push(&admin, command)
                                : td_strv_push(&advice, td_gettext(r->check->title));
                if (k < 0)
                        return NULL;
        }
        _cleanup_strv_free_ TdStrv parts = NULL;
        _cleanup_free_ char *own_text = list_text((const char *const *) own),
                            *admin_text = list_text((const char *const *) admin),
                            *advice_text = list_text((const char *const *) advice);
        char *part[] = {
                own_text ? td_strdup_printf(_("run %s"), own_text) : NULL,
                admin_text
                        ? td_strdup_printf(_("ask this computer's administrator to run %s (it asks for the "
                                             "administrator's password)"),
                                           admin_text)
                        : NULL,
                advice_text ? td_strdup_printf(_("for %s, do what 【建议修复项】 says above"), advice_text)
                            : NULL,
        };
        int k = 0;
        for (size_t i = 0; i < ELEMENTSOF(part); i++) {
                if (part[i] && k >= 0)
                        k = td_strv_push(&parts, part[i]);
                free(part[i]);
        }
        if (k < 0 || !parts)
                return NULL;
        /* TRANSLATORS: between the next steps of one sentence */
        _cleanup_free_ char *steps = td_strv_join((const char *const *) parts, _("; "));
        return steps ? td_strdup_printf(_("Next: %s."), steps) : NULL;
}

char *td_support_request_text(const char *contact) {
        const char *how = td_support_contact(contact);
        /* The profile's text may end a sentence of its own. */
        size_t len = strlen(how);
        if (td_endswith(how, "。"))
                len -= strlen("。");
        else if (td_endswith(how, "."))
                len -= 1;
        return td_strdup_printf(_("Platform 客服: %.*s; when you ask them for help, send the file "
                                  "tokendoctor.json that “tokendoctor check --json > tokendoctor.json” "
                                  "saves."),
                                (int) len, how);
}
