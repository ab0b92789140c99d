/* SPDX-License-Identifier: GPL-3.0-or-later */
/* token.card: a card answers in a reader and its ATR is identified. */
#include <errno.h>

#include "platform/td-atr.h"
#include "platform/td-pcsc.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static int run(TdContext *ctx, TdResult *result) {
        const TdPcscState *st;
        int r = td_pcsc_get_state(ctx, &st);
        if (r < 0)
                return r;
        const TdPcscReader *mute = NULL, *card = NULL;
        for (size_t i = 0; i < st->n_readers && !card; i++) {
                const TdPcscReader *rd = &st->readers[i];
                if (rd->card_present && rd->card_mute)
                        mute = mute ? mute : rd;
                else if (rd->card_present && rd->atr_len > 0)
                        card = rd;
        }
        if (!card && mute)
                return td_result_set(result, TD_STATUS_FAIL, "card.mute",
                                     _("The CA token is plugged in but does not answer. Take the CA "
                                       "token out and plug it in again, or try another USB port. "
                                       "(Technical detail: the card in the reader \"%s\" is mute)"),
                                     mute->name);
        if (!card)
                return td_result_set(result, TD_STATUS_FAIL, "card.absent",
                                     _("The CA token does not answer: it is not plugged in properly, or "
                                       "not recognised. Take the CA token out and plug it in again, or "
                                       "try another USB port. (Technical detail: no card answers in any "
                                       "PC/SC reader)"));

        _cleanup_free_ char *atr = td_atr_to_string(card->atr, card->atr_len);
        if (!atr)
                return -ENOMEM;
        _cleanup_free_ char *model = td_atr_identify(ctx, atr);
        td_detail_set_string(result, NULL, "reader", "%s", card->name);
        td_detail_set_string(result, NULL, "atr", "%s", atr);
        td_detail_set_string(result, NULL, "model", "%s", model ? model : "unknown");
        td_detail_set_bool(result, NULL, "exclusive", card->exclusive);
        if (!model)
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("A card answers in %s (ATR %s, model unknown)."), card->name, atr);
        return td_result_set(result, TD_STATUS_PASS, NULL, _("A card answers in %s: %s (ATR %s)."),
                             card->name, model, atr);
}

const TdCheck td_check_token_card = {
        .id = "token.card",
        .category = "token",
        .title = N_("CA token communication"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("token.reader"),
        .causes = TD_STRV("card.absent", "card.mute"),
        .run = run,
        .timeout_ms = 10000,
};
