/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * time.clock: the local clock against the Date header of the platform's first URL. The request
 * is verified like the platform's own (TLS, the profile's CA), so the time comes from the real
 * server. But certificates fail on a wrong clock: when verification is what fails, the time is
 * asked again without it, and the result says the reference was not authenticated.
 */
#include <errno.h>
#include <inttypes.h>

#include "platform/td-error-text.h"
#include "platform/td-http.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

#define DEADLINE_MARGIN_MS 250
#define PROBE_MIN_MS 200
#define PROBE_MAX_MS 15000
#define DEFAULT_MAX_SKEW_S 300u

static char *iso8601(time_t t) {
        struct tm tm;
        char buf[64];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return td_strdup_printf("%lld", (long long) t);
        return strdup(buf);
}

static char *unit_text(unsigned unit, unsigned long n) {
        switch (unit) {
        case 0:
                return td_strdup_printf(dngettext(GETTEXT_PACKAGE, "%lu day", "%lu days", n), n);
        case 1:
                return td_strdup_printf(dngettext(GETTEXT_PACKAGE, "%lu hour", "%lu hours", n), n);
        case 2:
                return td_strdup_printf(dngettext(GETTEXT_PACKAGE, "%lu minute", "%lu minutes", n), n);
        default:
                return td_strdup_printf(dngettext(GETTEXT_PACKAGE, "%lu second", "%lu seconds", n), n);
        }
}

/* "2 hours 3 minutes": the two largest units, which is what a person reads. */
static char *duration_text(uint64_t seconds) {
        static const uint64_t unit_s[] = { 86400, 3600, 60, 1 };
        unsigned first = 3;
        for (unsigned i = 0; i < ELEMENTSOF(unit_s); i++)
                if (seconds >= unit_s[i]) {
                        first = i;
                        break;
                }
        unsigned long big = (unsigned long) (seconds / unit_s[first]);
        _cleanup_free_ char *a = unit_text(first, big);
        if (!a)
                return NULL;
        if (first == 3)
                return TAKE_PTR(a);
        unsigned long small = (unsigned long) (seconds % unit_s[first] / unit_s[first + 1]);
        if (small == 0)
                return TAKE_PTR(a);
        _cleanup_free_ char *b = unit_text(first + 1, small);
        if (!b)
                return NULL;
        return td_strdup_printf("%s %s", a, b);
}

static int no_reference(TdResult *result, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int no_reference(TdResult *result, int error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = td_result_setv(result, TD_STATUS_ERROR, "time.no-reference", fmt, ap);
        va_end(ap);
        /* The check could not decide: the verdict above says why. */
        return r < 0 ? r : error;
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile || !profile->urls || !profile->urls[0])
                return no_reference(result, -ENOENT,
                                    _("The system clock could not be checked: the profile names no "
                                      "platform address to compare it with."));
        const char *url = profile->urls[0];
        unsigned max_skew = profile->max_clock_skew_s ? profile->max_clock_skew_s : DEFAULT_MAX_SKEW_S;

        td_detail_set_string(result, NULL, "url", "%s", url);
        int r;

        int64_t left = td_result_remaining_ms(result) - DEADLINE_MARGIN_MS;
        if (left < PROBE_MIN_MS)
                return no_reference(result, -ETIME,
                                    _("The system clock could not be checked: there was no time left to "
                                      "ask the platform website %s for the time. Run the check again."),
                                    url);

        TdHttpOptions opts = {
                .verify = true,
                .ca_file = profile->platform_tls_ca,
                .timeout_ms = (unsigned) (left < PROBE_MAX_MS ? left : PROBE_MAX_MS),
                .ctx = ctx,
        };
        /* net.platform asks the same verified question of the same server: one request for both. */
        const TdHttpProbe *probe = NULL;
        r = td_http_probe_shared(ctx, url, &opts, &probe);
        bool authenticated = true;
        _cleanup_http_probe_free_ TdHttpProbe *unverified_probe = NULL;
        if (r == 0 && probe->cause && streq(probe->cause, "net.tls")) {
                /* Perhaps the very clock we check makes the certificate look invalid. */
                left = td_result_remaining_ms(result) - DEADLINE_MARGIN_MS;
                if (left < PROBE_MIN_MS)
                        return no_reference(result, -ETIME,
                                            _("The system clock could not be checked: there was no time "
                                              "left to ask the platform website %s for the time. Run the "
                                              "check again."),
                                            url);
                opts.verify = false;
                opts.ca_file = NULL;
                opts.timeout_ms = (unsigned) (left < PROBE_MAX_MS ? left : PROBE_MAX_MS);
                r = td_http_probe(url, &opts, &unverified_probe);
                probe = unverified_probe;
                authenticated = false;
        }
        if (r == -EINVAL)
                return no_reference(result, r,
                                    _("The system clock could not be checked: the platform address %s in "
                                      "the profile is not a valid http:// or https:// URL. Contact the "
                                      "platform's support."),
                                    url);
        if (r < 0)
                return r;
        /* Take the local time at once: every millisecond after the answer is skew we'd invent. */
        time_t local_now = td_context_now(ctx);
        int64_t mono_now = td_now_monotonic_ms();

        if (probe->proxy)
                td_detail_set_string(result, NULL, "proxy", "%s", probe->proxy);
        if (probe->cause) {
                td_detail_set_string(result, NULL, "reference_error", "%s",
                                     probe->error ? probe->error : probe->cause);
                _cleanup_free_ char *why = td_error_text(probe->error ? probe->error : probe->cause);
                if (!why)
                        return -ENOMEM;
                return no_reference(result, -EHOSTUNREACH,
                                    _("The system clock could not be checked: the platform website cannot "
                                      "be reached; deal with the network problem above first. (Technical "
                                      "detail: %s; %s)"),
                                    url, why);
        }
        if (!probe->date)
                return no_reference(result, -ENODATA,
                                    _("The system clock could not be checked: the platform website does not "
                                      "tell the time. Check the date and time of this computer yourself. "
                                      "(Technical detail: %s sent no Date header)"),
                                    url);
        td_detail_set_string(result, NULL, "date_header", "%s", probe->date);
        td_detail_set_bool(result, NULL, "reference_authenticated", authenticated);

        time_t server;
        r = td_http_parse_date_relative(probe->date, local_now, &server);
        if (r < 0)
                return no_reference(result, -ENODATA,
                                    _("The system clock could not be checked: the time the platform website "
                                      "tells cannot be read. Check the date and time of this computer "
                                      "yourself. (Technical detail: the Date header of %s, \"%s\", is not "
                                      "a valid HTTP date)"),
                                    url, probe->date);

        /*
         * The server stamped its Date about half a round trip before the answer reached us,
         * and the answer came (mono_now - answer) ms before we read the local clock.
         */
        int64_t sent_ms = probe->tls_ms >= 0 ? probe->tls_ms : probe->connect_ms;
        int64_t rtt_ms = probe->first_byte_ms >= 0 && sent_ms >= 0 && probe->first_byte_ms > sent_ms
                                 ? probe->first_byte_ms - sent_ms
                                 : 0;
        int64_t since_answer_ms = probe->answer_mono_ms > 0 ? mono_now - probe->answer_mono_ms : 0;
        int64_t local_ms = (int64_t) local_now * 1000 - since_answer_ms - rtt_ms / 2;
        int64_t skew_ms = local_ms - (int64_t) server * 1000;
        int64_t skew_s = (skew_ms + (skew_ms >= 0 ? 500 : -500)) / 1000;
        time_t local_at_answer = (time_t) ((local_ms - (local_ms < 0 ? 999 : 0)) / 1000);

        _cleanup_free_ char *local_text = iso8601(local_at_answer);
        _cleanup_free_ char *server_text = iso8601(server);
        if (!local_text || !server_text)
                return -ENOMEM;
        td_detail_set_string(result, NULL, "local_time", "%s", local_text);
        td_detail_set_string(result, NULL, "server_time", "%s", server_text);
        td_detail_set_int(result, NULL, "skew_s", skew_s);
        td_detail_set_int(result, NULL, "max_skew_s", max_skew);
        td_detail_set_int(result, NULL, "round_trip_ms", rtt_ms);

        /* Said in every verdict: a time from a server we could not verify may not be the platform's. */
        const char *unverified = authenticated ? ""
                                               : _("; the server's certificate could not be verified, so "
                                                   "its time was taken without proof that it is the "
                                                   "platform's");
        uint64_t magnitude = skew_s < 0 ? (uint64_t) -skew_s : (uint64_t) skew_s;
        if (magnitude <= max_skew)
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("The system clock agrees with the platform server %s (difference "
                                       "%" PRId64 " seconds, at most %u allowed%s)."),
                                     url, skew_s, max_skew, unverified);

        _cleanup_free_ char *amount = duration_text(magnitude);
        if (!amount)
                return -ENOMEM;
        if (skew_s > 0)
                return td_result_set(result, TD_STATUS_FAIL, "time.skew",
                                     _("The system clock is %s ahead of the platform's server. With a "
                                       "wrong clock, certificates and secure connections to the platform "
                                       "fail. Set this computer's date and time right. (Technical detail: "
                                       "server %s, allowed difference %u seconds%s)"),
                                     amount, url, max_skew, unverified);
        return td_result_set(result, TD_STATUS_FAIL, "time.skew",
                             _("The system clock is %s behind the platform's server. With a wrong clock, "
                               "certificates and secure connections to the platform fail. Set this "
                               "computer's date and time right. (Technical detail: server %s, allowed "
                               "difference %u seconds%s)"),
                             amount, url, max_skew, unverified);
}

/*
 * Only a skew is repaired, and only on the running system: a clock that has no reference to
 * compare with is not known to be wrong.
 */
static bool offer_ntp(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        if (td_context_has_root(ctx) || !streq_ptr(r->cause, "time.skew"))
                return false;
        *ret = (TdFixOffer){ .summary = N_("Turn on network time synchronisation (NTP)"),
                             .privileged = true };
        return true;
}

static int plan_ntp(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        int ret = td_fix_plan_helper(plan, "enable-ntp", NULL,
                                     _("Turn on network time synchronisation (timedatectl set-ntp true)"));
        if (ret == 0)
                ret = td_fix_plan_set_afterwards(
                        plan, _("Wait a minute for the clock to be set, then check again."));
        return ret;
}

static const TdFix fix = {
        .summary = N_("Turn on network time synchronisation (NTP)"),
        .privileged = true,
        .offer = offer_ntp,
        .plan = plan_ntp,
};

const TdCheck td_check_time_clock = {
        .id = "time.clock",
        .category = "system",
        .title = N_("System time"),
        .flags = TD_CHECK_NEEDS_NETWORK,
        .causes = TD_STRV("time.skew", "time.no-reference"),
        .run = run,
        .fix = &fix,
        .timeout_ms = 15000,
};
