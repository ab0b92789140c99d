/* SPDX-License-Identifier: GPL-3.0-or-later */
/* token.reader: PC/SC lists a reader (a CCID token is its own reader). */
#include <stdio.h>

#include "platform/td-pcsc.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static int run(TdContext *ctx, TdResult *result) {
        const TdPcscState *st;
        int r = td_pcsc_get_state(ctx, &st);
        if (r < 0)
                return r;
        if (st->n_readers == 0)
                return td_result_set(
                        result, TD_STATUS_FAIL, "reader.none",
                        _("No CA token is seen: it is not plugged in properly, or this computer lacks "
                          "the reader driver for it. Take the CA token out and plug it in again, or try "
                          "another USB port. (Technical detail: pcscd lists no PC/SC reader)"));
        struct json_object *readers = td_detail_add_array(result, NULL, "readers");
        for (size_t i = 0; i < st->n_readers; i++)
                td_detail_append_string(result, readers, "%s", st->readers[i].name);
        return td_result_set(result, TD_STATUS_PASS, NULL, _("%zu reader(s) found: %s."), st->n_readers,
                             st->readers[0].name);
}

const TdCheck td_check_token_reader = {
        .id = "token.reader",
        .category = "token",
        .title = N_("CA token reader"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("drivers.pcscd"),
        .causes = TD_STRV("reader.none"),
        .run = run,
        .timeout_ms = 10000,
};
