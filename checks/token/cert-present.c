/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert.present: a signing certificate is on the token (证书显示). */
#include <errno.h>
#include <json-c/json.h>
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
        json_object *certs = td_detail_add_array(result, NULL, "certificates");
        for (size_t i = 0; i < token->n_certs; i++) {
                TdCertInfo info;
                json_object *c = td_detail_append_object(result, certs);
                td_detail_set_string(result, c, "label", "%s", token->certs[i].label);
                if (td_x509_parse(token->certs[i].der, token->certs[i].der_len, &info) < 0) {
                        td_detail_set_bool(result, c, "readable", false);
                        continue;
                }
                td_detail_set_bool(result, c, "readable", true);
                td_detail_set_string(result, c, "subject", "%s", info.subject);
                td_detail_set_string(result, c, "serial", "%s", info.serial);
                td_detail_set_string(result, c, "key_type", "%s", info.key_type);
                td_detail_set_int(result, c, "key_bits", info.key_bits);
                td_detail_set_bool(result, c, "signing", info.signing);
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
        .title = N_("Digital certificate"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("token.module"),
        .causes = TD_STRV("cert.none"),
        .run = run,
        .timeout_ms = 20000,
};
