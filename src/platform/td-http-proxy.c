/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proxy rules: which proxy libcurl takes from the environment for a URL. Pure, no curl. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "td-http.h"
#include "td-util.h"

char *td_http_redact_url(const char *url) {
        const char *sep = strstr(url, "://");
        size_t start = sep ? (size_t) (sep - url) + 3 : 0;
        size_t end = start + strcspn(url + start, "/?#");
        /* The last '@' of the authority ends the user info (a password may contain '@'). */
        const char *at = NULL;
        for (const char *p = url + start; p < url + end; p++)
                if (*p == '@')
                        at = p;
        if (!at)
                return strdup(url);
        return td_strdup_printf("%.*s***%s", (int) start, url, at);
}

/* An address literal of @host ("[::1]" or "::1" or "10.0.0.1"): family and bytes. */
static int parse_ip(const char *host, size_t len, unsigned char buf[static 16]) {
        char copy[INET6_ADDRSTRLEN + 2];
        if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
                host++;
                len -= 2;
        }
        if (len == 0 || len >= sizeof copy)
                return 0;
        memcpy(copy, host, len);
        copy[len] = '\0';
        if (inet_pton(AF_INET, copy, buf) == 1)
                return AF_INET;
        if (inet_pton(AF_INET6, copy, buf) == 1)
                return AF_INET6;
        return 0;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits) {
        size_t whole = bits / 8;
        if (memcmp(a, b, whole) != 0)
                return false;
        unsigned rest = bits % 8;
        if (rest == 0)
                return true;
        unsigned char mask = (unsigned char) (0xffu << (8 - rest));
        return (a[whole] & mask) == (b[whole] & mask);
}

/* Whether the address @ip of @family is @token ("10.1.2.3", "10.0.0.0/8", "[::1]"). */
static bool ip_token_match(int family, const unsigned char *ip, const char *token, size_t len) {
        const char *slash = memchr(token, '/', len);
        size_t addr_len = slash ? (size_t) (slash - token) : len;
        unsigned char net[16];
        int net_family = parse_ip(token, addr_len, net);
        if (net_family != family)
                return false;
        unsigned max_bits = family == AF_INET ? 32 : 128;
        unsigned bits = max_bits;
        if (slash) {
                const char *p = slash + 1, *end = token + len;
                if (p == end || end - p > 3)
                        return false;
                bits = 0;
                for (; p < end; p++) {
                        if (!isdigit((unsigned char) *p))
                                return false;
                        bits = bits * 10 + (unsigned) (*p - '0');
                }
                if (bits > max_bits)
                        return false;
        }
        return prefix_equal(ip, net, bits);
}

bool td_http_no_proxy_match(const char *host, const char *no_proxy) {
        if (isempty(host) || isempty(no_proxy))
                return false;

        const char *trimmed = no_proxy;
        while (*trimmed == ' ' || *trimmed == '\t')
                trimmed++;
        size_t trimmed_len = strlen(trimmed);
        while (trimmed_len > 0 && (trimmed[trimmed_len - 1] == ' ' || trimmed[trimmed_len - 1] == '\t'))
                trimmed_len--;
        if (trimmed_len == 1 && trimmed[0] == '*')
                return true;

        size_t host_len = strlen(host);
        unsigned char ip[16];
        int family = parse_ip(host, host_len, ip);
        /* "example.com." is the same host as "example.com". */
        if (!family && host_len > 1 && host[host_len - 1] == '.')
                host_len--;

        for (const char *p = no_proxy; *p;) {
                p += strspn(p, ", \t");
                size_t len = strcspn(p, ", \t");
                if (len == 0)
                        break;
                const char *token = p;
                p += len;

                if (len == 1 && token[0] == '*')
                        return true;
                if (family) {
                        if (ip_token_match(family, ip, token, len))
                                return true;
                        continue;
                }
                if (token[0] == '.') {
                        token++;
                        len--;
                }
                if (len > 0 && token[len - 1] == '.')
                        len--;
                if (len == 0)
                        continue;
                if (len == host_len && strncasecmp(token, host, len) == 0)
                        return true;
                if (len < host_len && host[host_len - len - 1] == '.' &&
                    strncasecmp(token, host + host_len - len, len) == 0)
                        return true;
        }
        return false;
}

static const char *env_get(const TdContext *ctx, const char *name) {
        return ctx ? td_context_getenv(ctx, name) : getenv(name);
}

/* libcurl's order of variables, as td-http.h describes it. */
const char *td_http_proxy_for(const TdContext *ctx, const char *scheme, const char *host) {
        const char *no_proxy = env_get(ctx, "no_proxy");
        if (!no_proxy)
                no_proxy = env_get(ctx, "NO_PROXY");
        if (no_proxy && td_http_no_proxy_match(host, no_proxy))
                return NULL;

        bool https = streq(scheme, "https");
        const char *proxy = env_get(ctx, https ? "https_proxy" : "http_proxy");
        if (!proxy && https)
                proxy = env_get(ctx, "HTTPS_PROXY");
        if (!proxy)
                proxy = env_get(ctx, "all_proxy");
        if (!proxy)
                proxy = env_get(ctx, "ALL_PROXY");
        return isempty(proxy) ? NULL : proxy;
}
