/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert.issuer: the certificate comes from the platform's CA (证书颁发机构). */
#include <errno.h>

#include "td-i18n.h"
#include "td-token.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdP11Token *token;
        int r = td_token_find(ctx, result, &token);
        if (r < 0)
                return r;
        TdCertInfo info;
        int idx = td_token_signing_cert(token, &info);
        if (idx < 0)
                return idx;
        const TdP11Cert *cert = &token->certs[idx];
        td_result_add_detail(result, "issuer", "%s", info.issuer);
        td_result_add_detail(result, "expected", "%s", profile->ca_issuer);

        r = td_x509_issuer_matches(cert->der, cert->der_len, profile->ca_issuer);
        if (r == 0)
                r = td_result_set(result, TD_STATUS_FAIL, "cert.wrong-issuer",
                                  _("The certificate was issued by %s, not by the platform's CA (%s): this "
                                    "token belongs to another CA or platform."),
                                  info.issuer, profile->ca_issuer);
        else if (r > 0 && !isempty(profile->ca_cert)) {
                const char *reason = NULL;
                r = td_x509_verify_chain(cert->der, cert->der_len, profile->ca_cert, td_context_now(ctx),
                                         &reason);
                if (r == -EBADMSG)
                        r = td_result_set(result, TD_STATUS_FAIL, "cert.chain",
                                          _("The certificate names the platform's CA but does not verify "
                                            "against its certificate %s: %s."),
                                          profile->ca_cert, reason ? reason : "");
                else if (r == 0)
                        r = td_result_set(result, TD_STATUS_PASS, NULL,
                                          _("Issued by the platform's CA %s; the chain verifies."),
                                          info.issuer);
        } else if (r > 0)
                r = td_result_set(result, TD_STATUS_PASS, NULL, _("Issued by the platform's CA %s."),
                                  info.issuer);
        td_cert_info_clear(&info);
        return r;
}

const TdCheck td_check_cert_issuer = {
        .id = "cert.issuer",
        .category = "certificate",
        .title = N_("Certificate issuer"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("cert.present"),
        .causes = TD_STRV("cert.wrong-issuer", "cert.chain"),
        .run = run,
        .timeout_ms = 20000,
};
