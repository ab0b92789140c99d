/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert.expiry: the signing certificate is within its validity, with time before renewal. */
#include <errno.h>
#include <time.h>

#include "td-i18n.h"
#include "td-token.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

static void iso_date(time_t t, char *buf, size_t size) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdP11Token *token;
        int r = td_token_find(ctx, result, &token);
        if (r < 0)
                return r;
        TdCertInfo info;
        r = td_token_signing_cert(token, &info);
        if (r < 0)
                return r;
        time_t now = td_context_now(ctx);
        char from[40], until[40];
        iso_date(info.not_before, from, sizeof from);
        iso_date(info.not_after, until, sizeof until);
        long days_left = (long) ((info.not_after - now) / 86400);
        td_result_add_detail(result, "not_before", "%s", from);
        td_result_add_detail(result, "not_after", "%s", until);
        td_detail_set_int(result, NULL, "days_left", days_left);
        unsigned warn_days = td_context_get_profile(ctx)->ca_expiry_warn_days;

        if (now < info.not_before)
                r = td_result_set(result, TD_STATUS_FAIL, "cert.not-yet-valid",
                                  _("The certificate of %s is not valid before %s: check the system clock."),
                                  info.subject_cn, from);
        else if (now > info.not_after)
                r = td_result_set(result, TD_STATUS_FAIL, "cert.expired",
                                  _("The certificate of %s expired on %s. Renew it on the platform: "
                                    "【CA 管理】-【CA 续期】."),
                                  info.subject_cn, until);
        else if (days_left < (long) warn_days)
                r = td_result_set(result, TD_STATUS_WARN, "cert.expiring",
                                  _("The certificate of %s expires in %ld days (%s): renewal is due, on the "
                                    "platform under 【CA 管理】-【CA 续期】."),
                                  info.subject_cn, days_left, until);
        else
                r = td_result_set(result, TD_STATUS_PASS, NULL,
                                  _("The certificate of %s is valid until %s (%ld days left)."),
                                  info.subject_cn, until, days_left);
        td_cert_info_clear(&info);
        return r;
}

const TdCheck td_check_cert_expiry = {
        .id = "cert.expiry",
        .category = "certificate",
        .title = N_("Certificate validity"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .depends = TD_STRV("cert.present"),
        .causes = TD_STRV("cert.expired", "cert.expiring", "cert.not-yet-valid"),
        .run = run,
        .timeout_ms = 20000,
};
