/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "td-curl.h"
#include "td-http.h"
#include "td-util.h"

#ifndef TD_VERSION
#define TD_VERSION "0"
#endif

/* Enough of a body to prove the server answers; a huge page must not stall the check. */
#define BODY_MAX (64u * 1024u)
/* A Date or Location value longer than this is junk: keep a prefix for the message. */
#define HEADER_VALUE_MAX 255u
#define DEFAULT_TIMEOUT_MS 30000u
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u

/* Only ever non-NULL once libcurl is loaded, so td_curl_get() cannot fail here. */
static const TdCurl *loaded(void) {
        const TdCurl *c = NULL;
        (void) td_curl_get(&c);
        return c;
}
static inline void curl_easy_cleanupp(CURL **p) {
        if (*p)
                loaded()->easy_cleanup(*p);
}
static inline void curl_url_cleanupp(CURLU **p) {
        if (*p)
                loaded()->url_cleanup(*p);
}
static inline void curl_freep(char **p) {
        if (*p)
                loaded()->free(*p);
}
#define _cleanup_curl_easy_ _cleanup_(curl_easy_cleanupp)
#define _cleanup_curl_url_ _cleanup_(curl_url_cleanupp)
#define _cleanup_curl_free_ _cleanup_(curl_freep)

static const char *const stage_names[_TD_HTTP_STAGE_MAX] = {
        [TD_HTTP_STAGE_DNS] = "dns",
        [TD_HTTP_STAGE_CONNECT] = "connect",
        [TD_HTTP_STAGE_TLS] = "tls",
        [TD_HTTP_STAGE_HTTP] = "http",
};

const char *td_http_stage_to_string(TdHttpStage stage) {
        if (stage < 0 || stage >= _TD_HTTP_STAGE_MAX)
                return NULL;
        return stage_names[stage];
}

/* ---- global init --------------------------------------------------------------------- */

int td_http_global_init(void) {
        const TdCurl *c;
        return td_curl_get(&c);
}

/* ---- the one table of curl codes ------------------------------------------------------ */

static const struct {
        CURLcode code;
        const char *cause;
} cause_table[] = {
        { CURLE_COULDNT_RESOLVE_HOST, "net.dns" },
        { CURLE_COULDNT_RESOLVE_PROXY, "net.dns" },

        { CURLE_COULDNT_CONNECT, "net.connect" },
#if CURL_AT_LEAST_VERSION(7, 73, 0)
        { CURLE_PROXY, "net.connect" }, /* the proxy refused the tunnel or its handshake failed */
#endif

        { CURLE_SSL_CONNECT_ERROR, "net.tls" },
        { CURLE_PEER_FAILED_VERIFICATION, "net.tls" },
        { CURLE_SSL_CACERT_BADFILE, "net.tls" },
        { CURLE_SSL_CERTPROBLEM, "net.tls" },
        { CURLE_SSL_CIPHER, "net.tls" },
        { CURLE_SSL_ENGINE_NOTFOUND, "net.tls" },
        { CURLE_SSL_ENGINE_SETFAILED, "net.tls" },
        { CURLE_SSL_ENGINE_INITFAILED, "net.tls" },
        { CURLE_SSL_CRL_BADFILE, "net.tls" },
        { CURLE_SSL_ISSUER_ERROR, "net.tls" },
        { CURLE_SSL_PINNEDPUBKEYNOTMATCH, "net.tls" },
        { CURLE_SSL_INVALIDCERTSTATUS, "net.tls" },
        { CURLE_SSL_SHUTDOWN_FAILED, "net.tls" },
        { CURLE_USE_SSL_FAILED, "net.tls" },
#if CURL_AT_LEAST_VERSION(7, 77, 0)
        { CURLE_SSL_CLIENTCERT, "net.tls" },
#endif

        { CURLE_OPERATION_TIMEDOUT, "net.timeout" },

        { CURLE_GOT_NOTHING, "net.http" },
        { CURLE_RECV_ERROR, "net.http" },
        { CURLE_SEND_ERROR, "net.http" },
        { CURLE_HTTP_RETURNED_ERROR, "net.http" },
        { CURLE_WEIRD_SERVER_REPLY, "net.http" },
        { CURLE_PARTIAL_FILE, "net.http" },
        { CURLE_BAD_CONTENT_ENCODING, "net.http" },
        { CURLE_TOO_MANY_REDIRECTS, "net.http" },
        { CURLE_HTTP2, "net.http" },
        { CURLE_HTTP2_STREAM, "net.http" },
        { CURLE_RANGE_ERROR, "net.http" },
        { CURLE_FILESIZE_EXCEEDED, "net.http" },
#if CURL_AT_LEAST_VERSION(7, 68, 0)
        { CURLE_HTTP3, "net.http" },
#endif
};

const char *td_http_cause_from_curl(int curl_code) {
        if (curl_code == CURLE_OK)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(cause_table); i++)
                if ((int) cause_table[i].code == curl_code)
                        return cause_table[i].cause;
        /* Whatever else went wrong (out of memory, a bad option), the server was not reached. */
        return "net.connect";
}

/* ---- URLs ----------------------------------------------------------------------------- */

/* The scheme and host of an http(s) URL, lower-cased by curl. */
static int url_split(const char *url, char **ret_scheme, char **ret_host) {
        const TdCurl *c;
        int r = td_curl_get(&c);
        if (r < 0)
                return r;
        _cleanup_curl_url_ CURLU *u = c->url();
        if (!u)
                return -ENOMEM;
        CURLUcode uc = c->url_set(u, CURLUPART_URL, url, 0);
        if (uc == CURLUE_OUT_OF_MEMORY)
                return -ENOMEM;
        if (uc != CURLUE_OK)
                return -EINVAL;
        _cleanup_curl_free_ char *scheme = NULL;
        _cleanup_curl_free_ char *host = NULL;
        if (c->url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            c->url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || isempty(host))
                return -EINVAL;
        if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
                return -EINVAL;
        if (ret_scheme) {
                *ret_scheme = strdup(scheme);
                if (!*ret_scheme)
                        return -ENOMEM;
                for (char *p = *ret_scheme; *p; p++)
                        *p = (char) tolower((unsigned char) *p);
        }
        if (ret_host) {
                *ret_host = strdup(host);
                if (!*ret_host) {
                        if (ret_scheme) {
                                free(*ret_scheme);
                                *ret_scheme = NULL;
                        }
                        return -ENOMEM;
                }
        }
        return 0;
}

int td_http_url_check(const char *url) {
        if (!url)
                return -EINVAL;
        const TdCurl *c;
        int r = td_curl_get(&c);
        if (r < 0)
                return r;
        return url_split(url, NULL, NULL);
}

int td_http_url_port(const char *url, long *ret_port) {
        if (!url || !ret_port)
                return -EINVAL;
        int r = url_split(url, NULL, NULL);
        if (r < 0)
                return r;
        const TdCurl *c = loaded();
        _cleanup_curl_url_ CURLU *u = c->url();
        if (!u)
                return -ENOMEM;
        if (c->url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
                return -EINVAL;
        _cleanup_curl_free_ char *port = NULL;
        if (c->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK || !port)
                return -EINVAL;
        char *end;
        errno = 0;
        long p = strtol(port, &end, 10);
        if (errno != 0 || *end || p <= 0 || p > 65535)
                return -EINVAL;
        *ret_port = p;
        return 0;
}

/* ---- the probe ------------------------------------------------------------------------ */

typedef struct {
        TdHttpProbe *probe;
        size_t body_len;
        bool in_answer; /* headers of the current answer seen, Date not yet taken */
        bool have_date;
        char *location;
        int64_t start_mono_ms;
        int64_t tcp_connected_mono_ms; /* 0 until the TLS layer started: TCP is up by then */
} Transfer;

/*
 * libcurl 7.88 reports no connect time when the TLS handshake then fails or hangs, so a
 * hung handshake would look like a hung TCP connect. libcurl builds the SSL_CTX only once
 * the TCP connection (or the proxy tunnel) stands: that moment tells the stages apart.
 */
static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *userdata) {
        Transfer *t = userdata;
        if (!t->tcp_connected_mono_ms)
                t->tcp_connected_mono_ms = td_now_monotonic_ms();
        return CURLE_OK;
}

/*
 * libcurl 7.88 makes its connections with a plain socket(): a helper spawned by another thread
 * meanwhile (the PKCS#11 probe, running a vendor's module) would inherit them. The runner closes
 * every descriptor in its children anyway; this keeps ours right for any other exec. What
 * libcurl opens besides (its wakeup socketpair, OpenSSL's CA file) we cannot reach: those the
 * runner's closefrom covers alone.
 */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address) {
        int fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
        return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        t->body_len += n;
        if (t->body_len > BODY_MAX) {
                t->probe->body_truncated = true;
                return 0; /* ends the transfer with CURLE_WRITE_ERROR, which we take as done */
        }
        (void) data;
        return n;
}

static char *header_value(const char *line, size_t len, size_t name_len) {
        const char *v = line + name_len, *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        size_t n = (size_t) (end - v);
        if (n > HEADER_VALUE_MAX)
                n = HEADER_VALUE_MAX;
        char *s = strndup(v, n);
        if (!s)
                return NULL;
        /* Keep the value printable: it ends up in messages and JSON. */
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        return s;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t len = size * nmemb;

        if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
                /* A new answer (after a 1xx, say): only the last one's headers count. */
                t->probe->answer_mono_ms = td_now_monotonic_ms();
                free(t->probe->date);
                t->probe->date = NULL;
                free(t->location);
                t->location = NULL;
                t->have_date = false;
                return len;
        }
        if (!t->have_date && len >= 5 && strncasecmp(data, "date:", 5) == 0) {
                t->probe->date = header_value(data, len, 5);
                t->have_date = t->probe->date != NULL;
        } else if (!t->location && len >= 9 && strncasecmp(data, "location:", 9) == 0)
                t->location = header_value(data, len, 9);
        return len;
}

static int64_t info_ms(const TdCurl *c, CURL *curl, CURLINFO what) {
        curl_off_t us = 0;
        if (c->easy_getinfo(curl, what, &us) != CURLE_OK || us <= 0)
                return -1;
        return (int64_t) (us / 1000);
}

/* The stage a transfer stopped in, from how far libcurl's clocks got. */
static TdHttpStage stage_from_times(const TdHttpProbe *p, bool https) {
        if (p->dns_ms < 0)
                return TD_HTTP_STAGE_DNS;
        if (p->connect_ms < 0)
                return TD_HTTP_STAGE_CONNECT;
        if (https && p->tls_ms < 0)
                return TD_HTTP_STAGE_TLS;
        return TD_HTTP_STAGE_HTTP;
}

/*
 * The server's own certificate from libcurl's CERTINFO: the first certificate of the chain, its
 * "Cert:" entry (PEM). libcurl has it only when the handshake completed. 0 with *@ret NULL when
 * there is none, or -ENOMEM.
 */
static int peer_cert_pem(const TdCurl *c, CURL *curl, char **ret) {
        struct curl_certinfo *info = NULL;
        *ret = NULL;
        if (c->easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1)
                return 0;
        for (struct curl_slist *e = info->certinfo[0]; e; e = e->next)
                if (e->data && strncmp(e->data, "Cert:", 5) == 0) {
                        *ret = strdup(e->data + 5);
                        return *ret ? 0 : -ENOMEM;
                }
        return 0;
}

void td_http_probe_free(TdHttpProbe *probe) {
        if (!probe)
                return;
        free(probe->url);
        free(probe->error);
        free(probe->primary_ip);
        free(probe->date);
        free(probe->location);
        free(probe->proxy);
        free(probe->peer_cert_pem);
        free(probe);
}

#define SETOPT(curl, opt, val)                                                                              \
        do {                                                                                                \
                if (c->easy_setopt((curl), (opt), (val)) != CURLE_OK)                                       \
                        return -EIO;                                                                        \
        } while (0)

int td_http_probe(const char *url, const TdHttpOptions *opts, TdHttpProbe **ret_probe) {
        static const TdHttpOptions defaults = { .verify = true };
        if (!opts)
                opts = &defaults;
        if (!url || !ret_probe)
                return -EINVAL;

        const TdCurl *c;
        int r = td_curl_get(&c);
        if (r < 0)
                return r;

        _cleanup_free_ char *scheme = NULL, *host = NULL;
        r = url_split(url, &scheme, &host);
        if (r < 0)
                return r;
        bool https = streq(scheme, "https");

        TdHttpProbe *probe = calloc(1, sizeof *probe);
        if (!probe)
                return -ENOMEM;
        _cleanup_(td_http_probe_freep) TdHttpProbe *owned = probe;
        probe->url = strdup(url);
        if (!probe->url)
                return -ENOMEM;
        probe->verified = opts->verify;
        probe->verify_result = -1;
        probe->dns_ms = probe->connect_ms = probe->tls_ms = probe->first_byte_ms = probe->total_ms = -1;

        const char *proxy = opts->direct ? NULL : td_http_proxy_for(opts->ctx, scheme, host);
        if (proxy) {
                probe->proxy = td_http_redact_url(proxy);
                if (!probe->proxy)
                        return -ENOMEM;
        }

        unsigned timeout = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
        unsigned connect_timeout = opts->connect_timeout_ms               ? opts->connect_timeout_ms
                                   : timeout < DEFAULT_CONNECT_TIMEOUT_MS ? timeout
                                                                          : DEFAULT_CONNECT_TIMEOUT_MS;

        _cleanup_curl_easy_ CURL *curl = c->easy_init();
        if (!curl)
                return -EIO;

        char errbuf[CURL_ERROR_SIZE] = "";
        Transfer t = { .probe = probe };

        SETOPT(curl, CURLOPT_URL, url);
        SETOPT(curl, CURLOPT_NOSIGNAL, 1L); /* we run on worker threads */
        SETOPT(curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        SETOPT(curl, CURLOPT_ERRORBUFFER, errbuf);
        SETOPT(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if CURL_AT_LEAST_VERSION(7, 85, 0)
        SETOPT(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        SETOPT(curl, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        SETOPT(curl, CURLOPT_USERAGENT, "tokendoctor/" TD_VERSION);
        SETOPT(curl, CURLOPT_TIMEOUT_MS, (long) timeout);
        SETOPT(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) connect_timeout);
        SETOPT(curl, CURLOPT_WRITEFUNCTION, on_body);
        SETOPT(curl, CURLOPT_WRITEDATA, &t);
        SETOPT(curl, CURLOPT_HEADERFUNCTION, on_header);
        SETOPT(curl, CURLOPT_HEADERDATA, &t);
        /* The proxy's "200 Connection established" is not the server's answer. */
        SETOPT(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
        /*
         * We chose the proxy from the environment ourselves, so that the probe can say which
         * one applied: "" tells libcurl not to consult the environment again.
         */
        SETOPT(curl, CURLOPT_PROXY, proxy ? proxy : "");
        SETOPT(curl, CURLOPT_NOPROXY, "");

        /* Only the OpenSSL-style backends have it; without it stages are told from curl's clocks. */
        (void) c->easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        (void) c->easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &t);

        SETOPT(curl, CURLOPT_SSL_VERIFYPEER, opts->verify ? 1L : 0L);
        SETOPT(curl, CURLOPT_SSL_VERIFYHOST, opts->verify ? 2L : 0L);
        if (opts->verify && opts->ca_file) {
                SETOPT(curl, CURLOPT_CAINFO, opts->ca_file);
                /*
                 * CAINFO replaces the bundle; keep the system's hashed directory so the file is
                 * trusted besides the system store, as the profile's tls_ca promises.
                 */
                const curl_version_info_data *vi = c->version_info(CURLVERSION_NOW);
                if (vi && vi->age >= CURLVERSION_SEVENTH && vi->capath)
                        SETOPT(curl, CURLOPT_CAPATH, vi->capath);
        }

        if (opts->want_peer_cert && https)
                SETOPT(curl, CURLOPT_CERTINFO, 1L);

        t.start_mono_ms = td_now_monotonic_ms();
        CURLcode code = c->easy_perform(curl);
        if (code == CURLE_WRITE_ERROR && probe->body_truncated)
                code = CURLE_OK; /* we stopped reading on purpose */

        probe->curl_code = (int) code;
        probe->dns_ms = info_ms(c, curl, CURLINFO_NAMELOOKUP_TIME_T);
        probe->connect_ms = info_ms(c, curl, CURLINFO_CONNECT_TIME_T);
        probe->tls_ms = https ? info_ms(c, curl, CURLINFO_APPCONNECT_TIME_T) : -1;
        probe->first_byte_ms = info_ms(c, curl, CURLINFO_STARTTRANSFER_TIME_T);
        probe->total_ms = info_ms(c, curl, CURLINFO_TOTAL_TIME_T);
        if (probe->total_ms < 0)
                probe->total_ms = 0;
        if (probe->connect_ms < 0 && t.tcp_connected_mono_ms > 0) {
                probe->connect_ms = t.tcp_connected_mono_ms - t.start_mono_ms;
                if (probe->dns_ms < 0)
                        probe->dns_ms = 0;
        }

        long status = 0;
        if (c->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
                probe->http_status = status;
        char *ip = NULL;
        if (c->easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && !isempty(ip)) {
                probe->primary_ip = strdup(ip);
                if (!probe->primary_ip)
                        return -ENOMEM;
        }
        if (https && (t.tcp_connected_mono_ms > 0 || probe->tls_ms >= 0)) {
                long vr = -1;
                if (c->easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &vr) == CURLE_OK)
                        probe->verify_result = vr;
        }
        probe->location = TAKE_PTR(t.location);
        if (opts->want_peer_cert && https) {
                r = peer_cert_pem(c, curl, &probe->peer_cert_pem);
                if (r < 0)
                        return r;
        }

        if (code == CURLE_OK) {
                probe->stage = TD_HTTP_STAGE_HTTP;
                *ret_probe = TAKE_PTR(owned);
                return 0;
        }

        const char *text = errbuf[0] ? errbuf : c->easy_strerror(code);
        probe->error = strdup(text);
        if (!probe->error)
                return -ENOMEM;
        size_t elen = strlen(probe->error);
        while (elen > 0 && (probe->error[elen - 1] == '\n' || probe->error[elen - 1] == '.'))
                probe->error[--elen] = '\0';

        probe->cause = td_http_cause_from_curl((int) code);
        /*
         * libcurl starts every connection with the result 1 (X509_V_ERR_UNSPECIFIED) and sets it
         * once a certificate was judged: a handshake that broke off or timed out before that
         * still says 1. So only CURLE_PEER_FAILED_VERIFICATION, or a real X509_V_ERR_* code on
         * a TLS failure, is a refused certificate.
         */
        probe->peer_rejected = code == CURLE_PEER_FAILED_VERIFICATION ||
                               (streq(probe->cause, "net.tls") && probe->verify_result > 1);
        probe->ca_file_unusable = code == CURLE_SSL_CACERT_BADFILE;
        if (streq(probe->cause, "net.dns"))
                probe->stage = TD_HTTP_STAGE_DNS;
        else if (streq(probe->cause, "net.connect"))
                probe->stage = TD_HTTP_STAGE_CONNECT;
        else if (streq(probe->cause, "net.tls"))
                probe->stage = TD_HTTP_STAGE_TLS;
        else {
                probe->stage = stage_from_times(probe, https);
                /* A connection cut during the handshake is a TLS problem (often a middlebox). */
                if (streq(probe->cause, "net.http") && probe->stage == TD_HTTP_STAGE_TLS)
                        probe->cause = "net.tls";
                else if (streq(probe->cause, "net.http") && probe->stage < TD_HTTP_STAGE_TLS)
                        probe->cause = "net.connect";
        }
        probe->http_status = probe->answer_mono_ms ? probe->http_status : 0;

        *ret_probe = TAKE_PTR(owned);
        return 0;
}

typedef struct {
        const char *url;
        const TdHttpOptions *opts;
} SharedRequest;

static int compute_shared(TdContext *ctx, void *user, void **ret_value) {
        const SharedRequest *req = user;
        TdHttpProbe *probe = NULL;
        int r = td_http_probe(req->url, req->opts, &probe);
        *ret_value = probe;
        return r;
}

static void shared_free(void *probe) {
        td_http_probe_free(probe);
}

int td_http_probe_shared(TdContext *ctx, const char *url, const TdHttpOptions *opts,
                         const TdHttpProbe **ret_probe) {
        /* The memo key, spelled here only. */
        _cleanup_free_ char *key = td_strdup_printf("http.probe:%d:%s:%s", opts && opts->verify,
                                                    opts && opts->ca_file ? opts->ca_file : "", url);
        if (!key)
                return -ENOMEM;
        SharedRequest req = { .url = url, .opts = opts };
        void *value;
        int r = td_context_memo(ctx, key, compute_shared, &req, shared_free, &value);
        if (r < 0)
                return r;
        *ret_probe = value;
        return 0;
}
