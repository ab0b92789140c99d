/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * platform.helper: the platform driver's local signing service (签名服务/驱动助手), which the
 * platform's web page talks to at the profile's [helper] url, answers on loopback over TLS that
 * verifies.
 *
 *   - the profile names no helper: SKIP (skip_reason "not-configured");
 *   - nothing listens, the connection is cut, or nothing answers in time: FAIL helper.down;
 *   - it answers, but its certificate does not verify: FAIL helper.untrusted, with the
 *     verification error and the certificate itself, fetched again without verification;
 *   - it answers over verified TLS (or plain http:// when the profile says so): PASS, whatever
 *     the HTTP status, since any answer shows the service runs.
 *
 * Trust is the system store plus the profile's [helper] tls_ca. That is an approximation of
 * the browser's: Chrome and Firefox read their own NSS databases (browser.trust reads them for
 * the platform's CA; the helper's certificate is not looked up there yet), so the details say
 * which store was used ("trust_store").
 *
 * The request never leaves the machine: the profile loader refuses a non-loopback url, this
 * check refuses one again (a profile can be built in code), no proxy is used, and redirects
 * are not followed.
 */
#include <errno.h>

#include "platform/td-error-text.h"
#include "platform/td-http.h"
#include "platform/td-x509.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

#define DEADLINE_MARGIN_MS 250
#define PROBE_MIN_MS 200
/*
 * A service on this machine answers in milliseconds; the web page's own requests give up
 * after a few seconds, so one that takes longer is as good as down.
 */
#define PROBE_MAX_MS 5000

static char *iso8601(time_t t) {
        struct tm tm;
        char buf[64];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return td_strdup_printf("%lld", (long long) t);
        return strdup(buf);
}

static void add_probe_details(TdResult *result, const TdHttpProbe *p) {
        if (p->primary_ip)
                td_detail_set_string(result, NULL, "ip", "%s", p->primary_ip);
        td_detail_set_int(result, NULL, "total_ms", p->total_ms);
        if (p->http_status > 0)
                td_detail_set_int(result, NULL, "http_status", p->http_status);
        if (p->cause) {
                td_detail_set_string(result, NULL, "stage", "%s", td_http_stage_to_string(p->stage));
                td_detail_set_string(result, NULL, "error", "%s", p->error ? p->error : "");
        }
        /* Only a judged certificate has a result worth showing (see peer_rejected). */
        if (p->peer_rejected && p->verify_result > 0)
                td_detail_set_int(result, NULL, "verify_result", p->verify_result);
}

/* The certificate the service shows, for support to see whose it is and whether it is current. */
static int add_certificate(TdContext *ctx, TdResult *result, const char *pem) {
        TdCertInfo info = {};
        int r = td_x509_parse_pem(pem, &info);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* the verdict stands without it */
        _cleanup_free_ char *not_before = iso8601(info.not_before);
        _cleanup_free_ char *not_after = iso8601(info.not_after);
        if (!not_before || !not_after) {
                td_cert_info_clear(&info);
                return -ENOMEM;
        }
        struct json_object *o = td_detail_add_object(result, NULL, "certificate");
        if (o) {
                time_t now = td_context_now(ctx);
                td_detail_set_string(result, o, "subject", "%s", info.subject);
                td_detail_set_string(result, o, "issuer", "%s", info.issuer);
                td_detail_set_string(result, o, "serial", "%s", info.serial);
                td_detail_set_string(result, o, "not_before", "%s", not_before);
                td_detail_set_string(result, o, "not_after", "%s", not_after);
                td_detail_set_bool(result, o, "self_signed", streq(info.subject, info.issuer));
                td_detail_set_bool(result, o, "expired", now > info.not_after);
                td_detail_set_bool(result, o, "not_yet_valid", now < info.not_before);
        }
        td_cert_info_clear(&info);
        return 0;
}

static const char *why_text(const TdHttpProbe *p) {
        return p->error ? p->error : p->cause;
}

static int verdict_down(TdResult *result, const TdHttpProbe *p, const char *url, long port) {
        _cleanup_free_ char *why = td_error_text(why_text(p));
        if (!why)
                return -ENOMEM;
        if (streq(p->cause, "net.timeout"))
                return td_result_set(result, TD_STATUS_FAIL, "helper.down",
                                     _("The platform's local signing service (签名服务) does not answer in "
                                       "time, so the platform's web page cannot use the CA token. Restart "
                                       "the platform driver's service or the computer, then run the check "
                                       "again. (Technical detail: %s, port %ld; %s)"),
                                     url, port, why);
        if (streq(p->cause, "net.tls"))
                return td_result_set(result, TD_STATUS_FAIL, "helper.down",
                                     _("The platform's local signing service (签名服务) does not complete a "
                                       "secure connection, so the platform's web page cannot use the CA "
                                       "token. Restart the platform driver's service or the computer; if "
                                       "that does not help, re-install the platform driver. (Technical "
                                       "detail: %s, port %ld; %s)"),
                                     url, port, why);
        return td_result_set(result, TD_STATUS_FAIL, "helper.down",
                             _("The platform's local signing service (签名服务/驱动助手) is not running, so "
                               "the platform's web page cannot use the CA token. Start the platform "
                               "driver's service, or restart the computer, then run the check again. "
                               "(Technical detail: nothing answers at %s, port %ld; %s)"),
                             url, port, why);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile)
                return -EINVAL;
        const char *url = profile->helper_url;
        if (!url) {
                td_result_add_detail(result, "skip_reason", "not-configured");
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("The profile names no local signing service of the platform to "
                                       "check."));
        }
        td_detail_set_string(result, NULL, "url", "%s", url);
        /* The loader refuses such a profile; one made in code must not get through either. */
        if (!td_profile_url_is_loopback(url)) {
                td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                              _("The platform's local signing service cannot be checked: its address %s "
                                "in the profile is not on this computer. Contact the platform's "
                                "support."),
                              url);
                return -EINVAL;
        }
        long port = 0;
        int r = td_http_url_port(url, &port);
        if (r == -EINVAL) {
                td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                              _("The platform's local signing service cannot be checked: its address %s "
                                "in the profile is not a valid http:// or https:// URL. Contact the "
                                "platform's support."),
                              url);
                return r;
        }
        if (r < 0)
                return r;
        td_detail_set_int(result, NULL, "port", port);
        bool https = td_startswith_nocase(url, "https://");
        td_detail_set_bool(result, NULL, "tls", https);
        if (https) {
                td_detail_set_string(result, NULL, "trust_store", "%s",
                                     profile->helper_tls_ca ? "system+tls_ca" : "system");
                if (profile->helper_tls_ca)
                        td_detail_set_string(result, NULL, "tls_ca", "%s", profile->helper_tls_ca);
        }

        int64_t left = td_result_remaining_ms(result) - DEADLINE_MARGIN_MS;
        if (left < PROBE_MIN_MS)
                return td_result_set(result, TD_STATUS_FAIL, "helper.down",
                                     _("There was no time left to check the platform's local signing "
                                       "service at %s. Run the check again."),
                                     url);
        TdHttpOptions opts = {
                .ca_file = profile->helper_tls_ca,
                .verify = true,
                .timeout_ms = (unsigned) (left < PROBE_MAX_MS ? left : PROBE_MAX_MS),
                .ctx = ctx,
                .direct = true,
                .want_peer_cert = true,
        };
        _cleanup_http_probe_free_ TdHttpProbe *probe = NULL;
        r = td_http_probe(url, &opts, &probe);
        if (r < 0)
                return r;
        add_probe_details(result, probe);

        if (!probe->cause) {
                if ((r = add_certificate(ctx, result, probe->peer_cert_pem)) < 0)
                        return r;
                if (!https)
                        return td_result_set(result, TD_STATUS_PASS, NULL,
                                             _("The platform's local signing service answers at %s (HTTP "
                                               "status %ld; plain HTTP on this computer, no certificate "
                                               "involved)."),
                                             url, probe->http_status);
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("The platform's local signing service answers at %s over a verified "
                                       "secure connection (HTTP status %ld)."),
                                     url, probe->http_status);
        }
        if (probe->ca_file_unusable) {
                /* The profile's mistake: nothing is known about the service's certificate. */
                _cleanup_free_ char *why = td_error_text(why_text(probe));
                if (!why)
                        return -ENOMEM;
                td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                              _("The platform's local signing service cannot be checked: the certificate "
                                "file that the profile names for it cannot be used. Contact the platform's "
                                "support. (Technical detail: [helper] tls_ca %s; %s)"),
                              profile->helper_tls_ca ? profile->helper_tls_ca : "", why);
                return -ENOENT;
        }
        /* A handshake that breaks off is a broken service; only a refused certificate is trust. */
        if (!probe->peer_rejected)
                return verdict_down(result, probe, url, port);

        /* Whose certificate it is tells support which driver installed it: ask without verifying. */
        left = td_result_remaining_ms(result) - DEADLINE_MARGIN_MS;
        if (left >= PROBE_MIN_MS) {
                opts.verify = false;
                opts.ca_file = NULL;
                opts.timeout_ms = (unsigned) (left < PROBE_MAX_MS ? left : PROBE_MAX_MS);
                _cleanup_http_probe_free_ TdHttpProbe *unverified = NULL;
                if ((r = td_http_probe(url, &opts, &unverified)) == -ENOMEM)
                        return r;
                if (r == 0 && (r = add_certificate(ctx, result, unverified->peer_cert_pem)) < 0)
                        return r;
        }
        _cleanup_free_ char *why = td_error_text(why_text(probe));
        if (!why)
                return -ENOMEM;
        return td_result_set(result, TD_STATUS_FAIL, "helper.untrusted",
                             _("The platform's local signing service runs, but its certificate is not "
                               "trusted, so the browser refuses to talk to it and the platform's web page "
                               "cannot use the CA token. Re-install the platform driver, which installs the "
                               "service's certificate, then restart the browser. (Technical detail: %s; "
                               "%s)"),
                             url, why);
}

const TdCheck td_check_platform_helper = {
        .id = "platform.helper",
        .category = "network",
        .title = N_("Local signing service"),
        .flags = TD_CHECK_NEEDS_NETWORK,
        .causes = TD_STRV("helper.down", "helper.untrusted"),
        .run = run,
        .timeout_ms = 12000,
};
