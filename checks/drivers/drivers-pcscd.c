/* SPDX-License-Identifier: GPL-3.0-or-later */
/* drivers.pcscd: the PC/SC service answers this user. */
#include "platform/td-pcsc.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static int run(TdContext *ctx, TdResult *result) {
        const TdPcscState *st;
        int r = td_pcsc_get_state(ctx, &st);
        if (r < 0)
                return r;
        if (st->cause) {
                td_detail_set_string(result, NULL, "pcsc_error", "%s", st->error ? st->error : "");
                if (streq(st->cause, "pcscd.denied"))
                        return td_result_set(
                                result, TD_STATUS_FAIL, st->cause,
                                _("The PC/SC service (pcscd) refused this user (%s): its polkit "
                                  "policy allows only active local sessions, so tokens cannot be "
                                  "used from here."),
                                st->error ? st->error : "");
                return td_result_set(
                        result, TD_STATUS_FAIL, st->cause,
                        _("The PC/SC service (pcscd) does not answer (%s): no program can reach "
                          "the CA token."),
                        st->error ? st->error : "");
        }
        td_detail_set_int(result, NULL, "readers", (int64_t) st->n_readers);
        return td_result_set(result, TD_STATUS_PASS, NULL, _("The PC/SC service (pcscd) answers."));
}

const TdCheck td_check_drivers_pcscd = {
        .id = "drivers.pcscd",
        .category = "drivers",
        .title = N_("Smart card service (pcscd)"),
        .causes = TD_STRV("pcscd.down", "pcscd.denied"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Start the PC/SC service (pcscd)"), .privileged = true },
        .timeout_ms = 10000,
};
