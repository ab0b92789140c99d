/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The HTTP adapter, one header for its pieces:
 *   td-http.c        HTTP(S) probes over libcurl: the only code that includes curl; it turns
 *                    curl's codes into tokendoctor's stable cause codes in one table;
 *   td-http-proxy.c  the proxy rules libcurl applies to the environment (pure);
 *   td-http-date.c   HTTP-date parsing for time.clock (pure).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tokendoctor/td-context.h"

/* How far a request got, for messages ("the TLS handshake failed"). */
typedef enum {
        TD_HTTP_STAGE_DNS,     /* resolving the host name (of the proxy, when one applies) */
        TD_HTTP_STAGE_CONNECT, /* TCP connect */
        TD_HTTP_STAGE_TLS,     /* TLS handshake and certificate verification */
        TD_HTTP_STAGE_HTTP,    /* request sent, waiting for or reading the answer */
        _TD_HTTP_STAGE_MAX,
        _TD_HTTP_STAGE_INVALID = -1,
} TdHttpStage;

/* "dns", "connect", "tls", "http": stable names for details. */
const char *td_http_stage_to_string(TdHttpStage stage);

typedef struct {
        /*
         * Extra CA certificates (PEM file) trusted besides the system store, or NULL for the
         * system store alone. Ignored when @verify is false.
         */
        const char *ca_file;
        /*
         * Verify the server's certificate and host name. time.clock turns this off: a wrong
         * clock is exactly what makes verification fail, and it only needs the Date header.
         */
        bool verify;
        /* The whole request ends by then; 0 = 30 s. */
        unsigned timeout_ms;
        /* TCP connect (and DNS) end by then; 0 = the smaller of @timeout_ms and 10 s. */
        unsigned connect_timeout_ms;
        /*
         * Where the proxy variables (https_proxy, HTTPS_PROXY, http_proxy, all_proxy,
         * ALL_PROXY, no_proxy, NO_PROXY) are read, with libcurl's rules: the context's
         * environment snapshot, or the process environment when NULL.
         */
        const TdContext *ctx;
        /*
         * Connect straight to the host, whatever the proxy variables say. For loopback services
         * (platform.helper): a proxy would carry the request off the machine, and browsers never
         * send loopback requests through one either.
         */
        bool direct;
        /* Keep the server's certificate (https only, and only when the handshake completed). */
        bool want_peer_cert;
} TdHttpOptions;

/*
 * What one GET found. Times are milliseconds since the request started, as libcurl counts
 * them (cumulative: connect_ms includes dns_ms), -1 for a stage never reached.
 */
typedef struct {
        char *url;
        bool verified;     /* made with certificate verification */
        int curl_code;     /* CURLcode; 0 when an answer arrived (whatever its status) */
        const char *cause; /* static: NULL when an answer arrived, else "net.dns" ... */
        TdHttpStage stage; /* the stage that failed, or TD_HTTP_STAGE_HTTP on an answer */
        char *error;       /* curl's own explanation, or NULL */
        long http_status;  /* 0 when no answer arrived */
        int64_t dns_ms;
        int64_t connect_ms;
        int64_t tls_ms; /* -1 for plain http:// too */
        int64_t first_byte_ms;
        int64_t total_ms;
        char *primary_ip;       /* the address connected to (the proxy's with a proxy), or NULL */
        long verify_result;     /* OpenSSL X509_V_* code of the peer's chain; -1 unknown */
        char *date;             /* the raw Date header of the answer, or NULL */
        char *location;         /* the Location header of the answer (a redirect), or NULL */
        int64_t answer_mono_ms; /* td_now_monotonic_ms() when the answer's status line came, 0 if none */
        bool body_truncated;    /* we stopped reading a long body (not an error) */
        char *proxy;            /* the proxy that applied, user:password redacted; NULL for none */
        char *peer_cert_pem;    /* with want_peer_cert: the server's own certificate (PEM), or NULL */
        bool peer_rejected;     /* the TLS failure is the server's certificate or name not verifying */
        bool ca_file_unusable;  /* the TLS failure is @ca_file: missing, unreadable or no certificate */
} TdHttpProbe;

/*
 * Load and initialise libcurl now rather than at the first probe (td-curl.h). Idempotent and
 * thread-safe. Returns 0, -ENOENT (libcurl cannot be loaded) or -EIO.
 */
int td_http_global_init(void);

/*
 * GET @url (http or https only, redirects are not followed) and describe what happened.
 * The body is read and discarded, at most 64 KiB of it. A failure to reach the server or
 * a bad answer is not an error of this function: it is described in the probe. Returns 0
 * and a new probe (td_http_probe_free()), -EINVAL for a URL curl rejects or a scheme
 * other than http/https, -ENOMEM, or -EIO when curl cannot be set up. Thread-safe.
 */
int td_http_probe(const char *url, const TdHttpOptions *opts, TdHttpProbe **ret_probe);

/*
 * The same, asked once per run: net.platform and time.clock both put the platform's first URL
 * the same verified question, and one request answers both (time.clock corrects for the age
 * of the answer with answer_mono_ms). Memoised on @ctx by URL, verification and CA file; the
 * first caller's timeout applies. 0 and *@ret_probe borrowed from @ctx, or td_http_probe()'s
 * errors (remembered too). Thread-safe: a second caller waits for the first. @opts's direct and
 * want_peer_cert are not part of the key: the callers that share leave them off.
 */
int td_http_probe_shared(TdContext *ctx, const char *url, const TdHttpOptions *opts,
                         const TdHttpProbe **ret_probe);

void td_http_probe_free(TdHttpProbe *probe);
static inline void td_http_probe_freep(TdHttpProbe **p) {
        td_http_probe_free(*p);
}
#define _cleanup_http_probe_free_ __attribute__((cleanup(td_http_probe_freep)))

/*
 * The stable cause code for a CURLcode ("net.dns", "net.connect", "net.tls", "net.timeout",
 * "net.http"), NULL for CURLE_OK. Unknown codes map to "net.connect". Pure.
 */
const char *td_http_cause_from_curl(int curl_code);

/*
 * Check that @url is an absolute http:// or https:// URL with a host, as curl parses it.
 * Returns 0, -EINVAL or -ENOMEM. Thread-safe.
 */
int td_http_url_check(const char *url);

/*
 * The port @url connects to: the one it names, else the scheme's (80, 443). 0, -EINVAL for a
 * URL curl rejects or a scheme other than http/https, -ENOMEM, or td_curl_get()'s errors.
 * Thread-safe.
 */
int td_http_url_port(const char *url, long *ret_port);

/*
 * Redact the user and password of a proxy or other URL: "http://u:p@host:3128" becomes the
 * same with "***" for "u:p". Returns a new string (free()), or NULL on ENOMEM.
 */
char *td_http_redact_url(const char *url);

/*
 * Whether @host (a name, an IPv4 address, or an IPv6 address with or without brackets) is
 * exempted from proxying by @no_proxy, with libcurl's rules: "*" alone matches every host;
 * otherwise a list separated by commas or white space of names (a leading '.' is ignored;
 * "example.com" matches itself and its subdomains, without regard to case), addresses, and
 * CIDR ranges ("10.0.0.0/8", "fd00::/8") that apply to addresses. Pure.
 */
bool td_http_no_proxy_match(const char *host, const char *no_proxy);

/*
 * The proxy libcurl would take from the environment for @scheme://@host (@scheme lower-case
 * "http" or "https"), or NULL for none. libcurl's order: no_proxy/NO_PROXY first; then
 * <scheme>_proxy, its upper-case form except for http (HTTP_PROXY can be set by a CGI client's
 * "Proxy:" header), then all_proxy/ALL_PROXY. A variable that is set but empty ends the search:
 * no proxy. Variables come from @ctx's environment snapshot, or the process environment when
 * @ctx is NULL. The string is borrowed from there. Thread-safe.
 */
const char *td_http_proxy_for(const TdContext *ctx, const char *scheme, const char *host);

/*
 * Parse an HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
 * and the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6
 * 08:49:37 1994") forms, with surrounding white space. Day and month names are matched
 * without regard to case; the weekday must be a real name but is not checked against the
 * date; "UTC" is accepted for "GMT"; second 60 (a leap second) is taken as the next second.
 * A two-digit year is put in the century that leaves it at most 50 years after @now's year
 * (RFC 9110). Returns 0 and the time, -EINVAL for anything else (bad field, day 31 of a
 * 30-day month, 29 February of a common year, trailing junk), or -ERANGE when the time
 * does not fit time_t. Pure, thread-safe.
 */
int td_http_parse_date_relative(const char *s, time_t now, time_t *ret);
/* td_http_parse_date_relative() with the current time. */
int td_http_parse_date(const char *s, time_t *ret);
