/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert.present: a signing certificate is on the token (证书显示). */
#include <errno.h>
#include <stdio.h>

#include "td-i18n.h"
#include "td-token.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static int run(TdContext *ctx, TdResult *result) {
        const TdP11Token *token;
        int r = td_token_find(ctx, result, &token);
        if (r == -ENODEV)
                return td_result_set(result, TD_STATUS_FAIL, "cert.none",
                                     _("No token is seen, so no certificate can be read."));
        if (r < 0)
                return r;
        for (size_t i = 0; i < token->n_certs; i++) {
                TdCertInfo info;
                char key[32];
                snprintf(key, sizeof key, "cert%zu", i + 1);
                if (td_x509_parse(token->certs[i].der, token->certs[i].der_len, &info) < 0) {
                        td_result_add_detail(result, key, "%s", _("unreadable certificate"));
                        continue;
                }
                td_result_add_detail(result, key, "%s", info.subject);
                snprintf(key, sizeof key, "cert%zu.serial", i + 1);
                td_result_add_detail(result, key, "%s", info.serial);
                snprintf(key, sizeof key, "cert%zu.key", i + 1);
                td_result_add_detail(result, key, "%s %d", info.key_type, info.key_bits);
                td_cert_info_clear(&info);
        }
        TdCertInfo info;
        r = td_token_signing_cert(token, &info);
        if (r == -ENOENT || r == -EBADMSG)
                return td_result_set(result, TD_STATUS_FAIL, "cert.none",
                                     token->n_certs
                                             ? _("The token \"%s\" holds no usable signing certificate.")
                                             : _("The token \"%s\" holds no certificate."),
                                     token->label);
        if (r < 0)
                return r;
        td_result_add_detail(result, "subject", "%s", info.subject);
        td_result_add_detail(result, "serial", "%s", info.serial);
        td_result_add_detail(result, "issuer", "%s", info.issuer);
        r = td_result_set(result, TD_STATUS_PASS, NULL, _("Signing certificate of %s (serial %s) found."),
                          info.subject_cn, info.serial);
        td_cert_info_clear(&info);
        return r;
}

const TdCheck td_check_cert_present = {
        .id = "cert.present",
        .category = "certificate",
        .title = N_("Signing certificate on the token"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("token.module"),
        .causes = TD_STRV("cert.none"),
        .run = run,
        .timeout_ms = 20000,
};
