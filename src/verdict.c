/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"
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
                TdStatus s = report->results[i].status;
                n += s == TD_STATUS_FAIL || s == TD_STATUS_ERROR;
                ret->n_warnings += s == TD_STATUS_WARN;
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
