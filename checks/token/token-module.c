/* SPDX-License-Identifier: GPL-3.0-or-later */
/* token.module: the profile's PKCS#11 module loads (out of process) and sees a token. */
#include <stdio.h>

#include "platform/td-p11.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* Leave the engine time to collect the verdict after the probe's own deadline. */
#define MARGIN_MS 500
#define PROBE_MAX_MS 15000

/*
 * When no module sees a token, the most telling finding decides: a crash or hang first; then
 * an installed driver for another CPU; then a driver that loads but sees nothing; a driver
 * that is simply not installed (another vendor's, usually) last.
 */
static int severity(const TdP11Listing *l) {
        static const char *const order[] = { "module.crash", "module.hang", "module.wrong-arch" };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (l->cause && streq(l->cause, order[i]))
                        return (int) (ELEMENTSOF(order) - i) + 1;
        return l->cause ? 0 : 1;
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdP11Listing *worst = NULL, *found = NULL;
        unsigned probed = 0;
        for (size_t i = 0; profile && i < profile->n_tokens && !found; i++) {
                const char *module = profile->tokens[i].module;
                if (isempty(module))
                        continue;
                unsigned budget = td_result_budget_ms(result, MARGIN_MS, 0, PROBE_MAX_MS);
                if (budget < 200)
                        break;
                const TdP11Listing *l;
                int r = td_p11_list(ctx, module, budget, &l);
                if (r < 0)
                        return r;
                probed++;
                char key[32];
                snprintf(key, sizeof key, "module%u", probed);
                td_result_add_detail(result, key, "%s", l->module);
                snprintf(key, sizeof key, "module%u.result", probed);
                td_result_add_detail(result, key, "%s",
                                     l->cause      ? l->message
                                     : l->n_tokens ? "token found"
                                                   : "no token");
                if (!l->cause && l->n_tokens > 0)
                        found = l;
                else if (!worst || severity(l) > severity(worst))
                        worst = l;
        }
        if (probed == 0)
                return td_result_set(result, TD_STATUS_FAIL, "module.missing",
                                     _("The profile names no PKCS#11 module for the CA token."));
        if (found) {
                const TdP11Token *t = &found->tokens[0];
                td_result_add_detail(result, "module", "%s", found->module);
                td_result_add_detail(result, "token_label", "%s", t->label);
                td_result_add_detail(result, "token_serial", "%s", t->serial);
                td_result_add_detail(result, "token_model", "%s", t->model);
                td_result_add_detail(result, "slot", "%s", t->slot_description);
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("%s sees the token \"%s\" (serial %s)."), found->module, t->label,
                                     t->serial);
        }
        if (!worst->cause)
                return td_result_set(result, TD_STATUS_FAIL, "module.no-token",
                                     _("%s loads but sees no token: the CA token is not inserted, or this "
                                       "driver does not handle it."),
                                     worst->module);
        if (streq(worst->cause, "module.crash"))
                return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                                     _("The token driver crashed: %s. tokendoctor ran it apart, so nothing "
                                       "else was affected."),
                                     worst->message);
        if (streq(worst->cause, "module.hang"))
                return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                                     _("The token driver hangs: %s; it was stopped."), worst->message);
        if (streq(worst->cause, "module.wrong-arch"))
                return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                                     _("The token driver is built for another processor: %s."),
                                     worst->message);
        return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                             _("The token driver cannot be loaded: %s."), worst->message);
}

const TdCheck td_check_token_module = {
        .id = "token.module",
        .category = "token",
        .title = N_("Token driver (PKCS#11 module) sees the token"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .causes = TD_STRV("module.missing", "module.wrong-arch", "module.crash", "module.hang",
                          "module.no-token"),
        .run = run,
        .timeout_ms = 20000,
};
