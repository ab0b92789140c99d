/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The token and its certificates for the frontends (td-token.h), from the memoised listing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "td-token.h"
#include "td-util.h"
#include "tokendoctor/td-token.h"

void td_token_info_free(TdTokenInfo *info) {
        if (!info)
                return;
        for (size_t i = 0; i < info->n_certs; i++)
                td_cert_info_clear(&info->certs[i]);
        free(info->certs);
        free(info->label);
        free(info->serial);
        free(info->manufacturer);
        free(info->model);
        free(info->module);
        free(info);
}

static inline void td_token_info_freep(TdTokenInfo **p) {
        td_token_info_free(*p);
}

long td_cert_days_left(const TdCertInfo *cert, time_t now) {
        return (long) ((cert->not_after - now) / 86400);
}

int td_token_info_get(TdContext *ctx, unsigned timeout_ms, TdTokenInfo **ret_info) {
        /* The token facts are bounded like a check's: a hanging driver cannot hold us. */
        TdResult bound = { .deadline_ms = td_now_monotonic_ms() + timeout_ms };
        const TdP11Token *token;
        const char *module;
        int r = td_token_find_with_module(ctx, &bound, &token, &module);
        if (r < 0)
                return r;

        __attribute__((cleanup(td_token_info_freep))) TdTokenInfo *info = calloc(1, sizeof *info);
        if (!info || !(info->certs = calloc(token->n_certs ? token->n_certs : 1, sizeof(TdCertInfo))) ||
            !(info->label = strdup(token->label)) || !(info->serial = strdup(token->serial)) ||
            !(info->manufacturer = strdup(token->manufacturer)) || !(info->model = strdup(token->model)) ||
            !(info->module = strdup(module)))
                return -ENOMEM;
        for (size_t i = 0; i < token->n_certs; i++) {
                r = td_x509_parse(token->certs[i].der, token->certs[i].der_len, &info->certs[info->n_certs]);
                if (r == -EBADMSG)
                        info->n_broken++;
                else if (r < 0)
                        return r;
                else
                        info->n_certs++;
        }
        *ret_info = TAKE_PTR(info);
        return 0;
}
