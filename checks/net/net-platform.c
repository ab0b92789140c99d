/* SPDX-License-Identifier: GPL-3.0-or-later */
/* net.platform: every platform URL answers over a verified HTTPS connection. */
#include <errno.h>
#include <inttypes.h>

#include "platform/td-error-text.h"
#include "platform/td-http.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* Leave the engine this much of our deadline to collect the verdict. */
#define DEADLINE_MARGIN_MS 250
/* A probe with less time than this cannot tell anything: stop instead. */
#define PROBE_MIN_MS 200
#define PROBE_MAX_MS 20000

static const char *stage_title(TdHttpStage stage) {
        switch (stage) {
        case TD_HTTP_STAGE_DNS:
                return _("DNS");
        case TD_HTTP_STAGE_CONNECT:
                return _("TCP connect");
        case TD_HTTP_STAGE_TLS:
                return _("TLS");
        default:
                return _("HTTP");
        }
}

/* The per-URL details: stage durations (not libcurl's cumulative clocks), address, proxy. */
static void add_details(TdResult *result, struct json_object *u, const TdHttpProbe *p) {
        if (!u)
                return; /* out of memory, already marked: a NULL group would mean the top level */
        if (p->primary_ip)
                td_detail_set_string(result, u, "ip", "%s", p->primary_ip);
        if (p->dns_ms >= 0)
                td_detail_set_int(result, u, "dns_ms", p->dns_ms);
        if (p->connect_ms >= 0)
                td_detail_set_int(result, u, "connect_ms", p->connect_ms - (p->dns_ms > 0 ? p->dns_ms : 0));
        if (p->tls_ms >= 0 && p->connect_ms >= 0)
                td_detail_set_int(result, u, "tls_ms", p->tls_ms - p->connect_ms);
        if (p->first_byte_ms >= 0)
                td_detail_set_int(result, u, "first_byte_ms", p->first_byte_ms);
        td_detail_set_int(result, u, "total_ms", p->total_ms);
        if (p->http_status > 0)
                td_detail_set_int(result, u, "http_status", p->http_status);
        if (p->http_status >= 300 && p->http_status < 400)
                td_detail_set_string(result, u, "redirect",
                                     _("not followed (a redirect shows the server answers): %s"),
                                     p->location ? p->location : _("no Location header"));
        if (p->proxy)
                td_detail_set_string(result, u, "proxy", "%s", p->proxy);
        if (p->cause) {
                td_detail_set_string(result, u, "stage", "%s", td_http_stage_to_string(p->stage));
                td_detail_set_string(result, u, "error", "%s", p->error ? p->error : "");
        }
        if (p->verify_result > 0)
                td_detail_set_int(result, u, "verify_result", p->verify_result);
}

/*
 * The verdict for the first URL that failed: what it means and the test the user can make (the
 * address in a browser) first, then for support the stage, curl's words and the proxy.
 */
static int set_failure(TdResult *result, const TdHttpProbe *p) {
        _cleanup_free_ char *via =
                p->proxy ? td_strdup_printf(_("; through the proxy %s"), p->proxy) : strdup("");
        _cleanup_free_ char *why = td_error_text(p->error);
        if (!via || !why)
                return -ENOMEM;

        if (!p->cause)
                return td_result_set(result, TD_STATUS_FAIL, "net.http",
                                     _("The platform website answers with an error, so it cannot be used "
                                       "right now. Try opening %s in the browser first; if it does not open "
                                       "there either, try again later. (Technical detail: HTTP status "
                                       "%ld%s)"),
                                     p->url, p->http_status, via);
        if (streq(p->cause, "net.dns"))
                return td_result_set(result, TD_STATUS_FAIL, p->cause,
                                     _("The platform website cannot be reached: this computer cannot look "
                                       "up its address, usually because the network is down or its DNS "
                                       "setting is wrong. Try opening %s in the browser first. (Technical "
                                       "detail: the DNS lookup failed; %s%s)"),
                                     p->url, why, via);
        if (streq(p->cause, "net.connect"))
                return td_result_set(result, TD_STATUS_FAIL, p->cause,
                                     _("The platform website cannot be reached: its server accepts no "
                                       "connection. The network may be down, a firewall may block it, or "
                                       "the server may be out of service for now. Try opening %s in the "
                                       "browser first. (Technical detail: the TCP connection failed; "
                                       "%s%s)"),
                                     p->url, why, via);
        if (streq(p->cause, "net.tls"))
                return td_result_set(result, TD_STATUS_FAIL, p->cause,
                                     _("The platform website cannot be reached: no secure connection to it "
                                       "can be made. A wrong clock on this computer also causes this: check "
                                       "the date and time first, then try opening %s in the browser. "
                                       "(Technical detail: the TLS handshake failed; %s%s)"),
                                     p->url, why, via);
        if (streq(p->cause, "net.timeout"))
                return td_result_set(result, TD_STATUS_FAIL, p->cause,
                                     _("The platform website did not answer in time: the network is slow, "
                                       "or the platform's server is busy. Try opening %s in the browser "
                                       "first, and run the check again later. (Technical detail: the %s "
                                       "stage timed out; %s%s)"),
                                     p->url, stage_title(p->stage), why, via);
        return td_result_set(result, TD_STATUS_FAIL, p->cause,
                             _("The platform website cannot be reached. Try opening %s in the browser "
                               "first. (Technical detail: the %s stage failed; %s%s)"),
                             p->url, stage_title(p->stage), why, via);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile || !profile->urls || !profile->urls[0])
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("The profile names no platform address to check."));

        /* A redirect is not followed: any answer below 400 shows the platform is reachable. */
        td_detail_set_string(result, NULL, "redirects", "not-followed");
        /* One object per profile URL, in the profile's order: {"url": ..., "ip": ..., ...}. */
        struct json_object *urls = td_detail_add_array(result, NULL, "urls");
        int r;

        bool failed = false;
        unsigned idx = 0, passed = 0;
        for (char **u = profile->urls; *u; u++) {
                idx++;
                struct json_object *u_detail = td_detail_append_object(result, urls);
                if (u_detail)
                        td_detail_set_string(result, u_detail, "url", "%s", *u);
                int64_t left = td_result_remaining_ms(result) - DEADLINE_MARGIN_MS;
                if (left < PROBE_MIN_MS) {
                        if (u_detail)
                                td_detail_set_string(result, u_detail, "error", "%s",
                                                     _("not checked: out of time"));
                        if (!failed && (r = td_result_set(result, TD_STATUS_FAIL, "net.timeout",
                                                          _("There was no time left to check the platform "
                                                            "website %s. Run the check again."),
                                                          *u)) < 0)
                                return r;
                        failed = true;
                        continue;
                }

                TdHttpOptions opts = {
                        .ca_file = profile->platform_tls_ca,
                        .verify = true,
                        .timeout_ms = (unsigned) (left < PROBE_MAX_MS ? left : PROBE_MAX_MS),
                        .ctx = ctx,
                };
                /* time.clock asks the first URL the same question: one request answers both. */
                const TdHttpProbe *probe = NULL;
                r = td_http_probe_shared(ctx, *u, &opts, &probe);
                if (r == -EINVAL) {
                        /* A profile mistake, not a network diagnosis: the check cannot decide. */
                        td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                                      _("The platform website cannot be checked: its address %s in the "
                                        "profile is not a valid http:// or https:// URL. Contact the "
                                        "platform's support."),
                                      *u);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
                add_details(result, u_detail, probe);

                if (!probe->cause && probe->http_status < 400) {
                        passed++;
                        continue;
                }
                if (!failed && (r = set_failure(result, probe)) < 0)
                        return r;
                failed = true;
        }
        if (failed)
                return 0;

        if (idx == 1) {
                const char *status = td_result_get_detail(result, "urls.0.http_status");
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("%s answered over a verified secure connection (HTTP status %s)."),
                                     profile->urls[0], status ? status : "?");
        }
        return td_result_set(result, TD_STATUS_PASS, NULL,
                             _("All %u platform addresses answered over verified secure connections."),
                             passed);
}

const TdCheck td_check_net_platform = {
        .id = "net.platform",
        .category = "network",
        .title = N_("Connection to the platform's website"),
        .flags = TD_CHECK_NEEDS_NETWORK,
        .causes = TD_STRV("net.dns", "net.connect", "net.tls", "net.http", "net.timeout"),
        .run = run,
        .timeout_ms = 20000,
};
