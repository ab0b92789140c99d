/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>

#include "td-token.h"
#include "td-util.h"

#define PROBE_MAX_MS 15000

int td_token_find_with_module(TdContext *ctx, const TdResult *result, const TdP11Token **ret_token,
                              const char **ret_module) {
        const TdProfile *profile = td_context_get_profile(ctx);
        for (size_t i = 0; profile && i < profile->n_tokens; i++) {
                if (isempty(profile->tokens[i].module))
                        continue;
                const TdP11Listing *l;
                int r = td_p11_list(ctx, profile->tokens[i].module,
                                    td_result_budget_ms(result, 500, 200, PROBE_MAX_MS), &l);
                if (r < 0)
                        return r;
                if (!l->cause && l->n_tokens > 0) {
                        *ret_token = &l->tokens[0];
                        if (ret_module)
                                *ret_module = l->module;
                        return 0;
                }
        }
        return -ENODEV;
}

int td_token_find(TdContext *ctx, const TdResult *result, const TdP11Token **ret_token) {
        return td_token_find_with_module(ctx, result, ret_token, NULL);
}

int td_token_signing_cert(const TdP11Token *token, TdCertInfo *info) {
        if (token->n_certs == 0)
                return -ENOENT;
        int broken = 0;
        for (size_t i = 0; i < token->n_certs; i++) {
                int r = td_x509_parse(token->certs[i].der, token->certs[i].der_len, info);
                if (r == -EBADMSG) {
                        broken++;
                        continue;
                }
                if (r < 0)
                        return r;
                if (info->signing)
                        return (int) i;
                td_cert_info_clear(info);
        }
        return broken == (int) token->n_certs ? -EBADMSG : -ENOENT;
}
