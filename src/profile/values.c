/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation of profile values, shared by the loader and the privileged helper's allow-lists. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile-private.h"
#include "td-util.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alnum(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_xdigit(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Non-empty and every character alphanumeric or in @extra. */
bool td_profile_chars_valid(const char *s, const char *extra) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!is_alnum(*s) && !strchr(extra, *s))
                        return false;
        return true;
}

bool td_profile_debian_version_valid(const char *s) {
        if (!td_profile_chars_valid(s, ".+~:-"))
                return false;
        const char *upstream = s;
        const char *colon = strchr(s, ':');
        if (colon) {
                if (colon == s)
                        return false;
                for (const char *c = s; c < colon; c++)
                        if (!is_digit(*c))
                                return false;
                upstream = colon + 1;
        }
        const char *dash = strrchr(upstream, '-');
        if (dash && dash[1] == '\0')
                return false;
        /* dpkg refuses an upstream version that does not start with a digit; empty is no digit. */
        return is_digit(*upstream) && upstream != dash;
}

/* A whole decimal number in [min, max]; no sign, no unit, no spaces inside. */
bool td_profile_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret) {
        if (isempty(s) || strlen(s) > 9)
                return false;
        unsigned long v = 0;
        for (const char *c = s; *c; c++) {
                if (!is_digit(*c))
                        return false;
                v = v * 10 + (unsigned long) (*c - '0');
        }
        if (v < min || v > max)
                return false;
        *ret = (unsigned) v;
        return true;
}

/*
 * http(s)://host...: the scheme, a non-empty host, and nothing that cannot be in a URL. The
 * HTTP layer does the real parsing; this only catches what is plainly not a web address.
 */
TdUrlStatus td_profile_url_check(const char *s) {
        const char *rest;
        if (td_startswith_nocase(s, "https://"))
                rest = s + strlen("https://");
        else if (td_startswith_nocase(s, "http://"))
                rest = s + strlen("http://");
        else
                return TD_URL_BAD_SCHEME;

        for (const char *c = s; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f)
                        return TD_URL_BAD_CHAR;

        size_t authority_len = strcspn(rest, "/?#");
        const char *host = rest, *end = rest + authority_len;
        for (const char *c = rest; c < end; c++)
                if (*c == '@')
                        host = c + 1;
        if (host < end && *host == '[') {
                const char *close = memchr(host, ']', (size_t) (end - host));
                return close && close > host + 1 ? TD_URL_OK : TD_URL_NO_HOST;
        }
        const char *colon = memchr(host, ':', (size_t) (end - host));
        size_t host_len = (size_t) ((colon ? colon : end) - host);
        return host_len > 0 ? TD_URL_OK : TD_URL_NO_HOST;
}

/*
 * The host of an http(s) URL that td_profile_url_check() accepted, without user info, port or
 * brackets: @ret_host is a copy (free()), or NULL when there is none.
 */
static char *url_host(const char *url) {
        const char *rest = strstr(url, "://");
        if (!rest)
                return NULL;
        rest += 3;
        const char *end = rest + strcspn(rest, "/?#"), *host = rest;
        for (const char *c = rest; c < end; c++)
                if (*c == '@')
                        host = c + 1;
        if (host < end && *host == '[') {
                const char *close = memchr(host, ']', (size_t) (end - host));
                return close ? strndup(host + 1, (size_t) (close - host - 1)) : NULL;
        }
        const char *colon = memchr(host, ':', (size_t) (end - host));
        return strndup(host, (size_t) ((colon ? colon : end) - host));
}

/*
 * Only the forms that cannot name another machine: "localhost" (libcurl answers it itself, with
 * no resolver), a dotted-quad IPv4 address in 127.0.0.0/8, or ::1. Shorthands such as "127.1" or
 * "0x7f.1" are refused rather than interpreted: a check that must stay on this machine has no
 * use for a form that a resolver might read otherwise.
 */
bool td_profile_url_is_loopback(const char *url) {
        if (!url || td_profile_url_check(url) != TD_URL_OK)
                return false;
        _cleanup_free_ char *host = url_host(url);
        if (!host)
                return false;
        if (strcasecmp(host, "localhost") == 0)
                return true;
        struct in_addr a4;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        struct in6_addr a6;
        return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* "google-chrome:90" → stem and minimum major version; a bare stem means any version. */
int td_profile_parse_browser_rules(const char *const *items, TdBrowserRule **ret_rules, size_t *ret_n,
                                   const char **ret_bad_item, bool *ret_bad_version) {
        size_t n = td_strv_length(items);
        TdBrowserRule *rules = calloc(n + 1, sizeof(TdBrowserRule));
        if (!rules)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const char *colon = strchr(items[i], ':');
                size_t stem_len = colon ? (size_t) (colon - items[i]) : strlen(items[i]);
                _cleanup_free_ char *stem = strndup(items[i], stem_len);
                _cleanup_free_ char *version = colon ? strdup(colon + 1) : NULL;
                if (!stem || (colon && !version)) {
                        td_profile_browsers_free(rules, i);
                        return -ENOMEM;
                }
                td_strstrip(stem);
                unsigned major = 0;
                bool stem_ok = td_profile_chars_valid(stem, "._+-");
                bool major_ok = !colon || td_profile_parse_unsigned(td_strstrip(version), 0, 1000, &major);
                if (!stem_ok || !major_ok) {
                        td_profile_browsers_free(rules, i);
                        *ret_bad_item = items[i];
                        *ret_bad_version = stem_ok;
                        return -EINVAL;
                }
                rules[i].desktop_stem = TAKE_PTR(stem);
                rules[i].min_major = major;
        }

        *ret_rules = rules;
        *ret_n = n;
        return 0;
}

/* "debian:10" → os-release ID and minimum VERSION_ID; a bare ID means any version. */
int td_profile_parse_os_list(const char *const *items, TdOsSupport **ret_os, size_t *ret_n,
                             const char **ret_bad_item) {
        size_t n = td_strv_length(items);
        TdOsSupport *os = calloc(n + 1, sizeof(TdOsSupport));
        if (!os)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const char *colon = strchr(items[i], ':');
                size_t id_len = colon ? (size_t) (colon - items[i]) : strlen(items[i]);
                os[i].id = strndup(items[i], id_len);
                os[i].min_version = colon ? strdup(colon + 1) : NULL;
                if (!os[i].id || (colon && !os[i].min_version)) {
                        td_profile_os_supported_free(os, i + 1);
                        return -ENOMEM;
                }
                td_strstrip(os[i].id);
                /* os-release(5) IDs are lower-case; accept "Debian" as meaning "debian". */
                for (char *c = os[i].id; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                                *c = (char) (*c - 'A' + 'a');
                bool ok = td_profile_chars_valid(os[i].id, "._-");
                if (os[i].min_version)
                        ok = ok && td_profile_chars_valid(td_strstrip(os[i].min_version), "._~+-");
                if (!ok) {
                        td_profile_os_supported_free(os, i + 1);
                        *ret_bad_item = items[i];
                        return -EINVAL;
                }
        }

        *ret_os = os;
        *ret_n = n;
        return 0;
}

/*
 * "096E:0807" → "096e:0807"; "055C:*" → "055c:*" (every product of a vendor whose product ids
 * are not published, as Longmai's). -EINVAL unless it is four hex digits, ':', then four hex
 * digits or '*'.
 */
int td_profile_usb_id_normalize(const char *s, char **ret_id) {
        size_t len = strlen(s);
        if ((len != 9 && !(len == 6 && s[5] == '*')) || s[4] != ':')
                return -EINVAL;
        /* The hex digits: the vendor's four, and the product's four unless it is '*'. */
        for (size_t i = 0; i < len; i++)
                if (i != 4 && !(len == 6 && i == 5) && !is_xdigit(s[i]))
                        return -EINVAL;
        char *id = strdup(s);
        if (!id)
                return -ENOMEM;
        for (char *c = id; *c; c++)
                if (*c >= 'A' && *c <= 'F')
                        *c = (char) (*c - 'A' + 'a');
        *ret_id = id;
        return 0;
}

/*
 * An ATR pattern as upper-case hex byte pairs joined by ':' ("3B:88:80:01:*"), which the
 * token checks fnmatch() against the ATR written the same way. Bytes may be given with ':'
 * or spaces between them or run together; '?' stands for one hex digit, '*' for any bytes.
 * Returns 0 and the new pattern, -EINVAL when it is malformed, or -ENOMEM.
 */
int td_profile_atr_normalize(const char *s, char **ret_pattern) {
        size_t len = strlen(s);
        /* Room for "XX:" per input character at worst. */
        _cleanup_free_ char *out = malloc(len * 3 + 1);
        if (!out)
                return -ENOMEM;
        char *w = out;
        size_t n_elements = 0;
        bool separated = true; /* at the start, or after ':' or a space */
        const char *p = s;

        while (*p) {
                if (*p == ':') {
                        if (separated && (p == s || p[-1] == ':'))
                                return -EINVAL; /* "::" or a leading ':': an empty byte */
                        separated = true;
                        p++;
                        continue;
                }
                if (*p == ' ' || *p == '\t') {
                        separated = true;
                        p++;
                        continue;
                }
                if (n_elements > 0)
                        *w++ = ':';
                if (*p == '*') {
                        *w++ = '*';
                        p++;
                } else if ((is_xdigit(p[0]) || p[0] == '?') && (is_xdigit(p[1]) || p[1] == '?')) {
                        for (int k = 0; k < 2; k++)
                                *w++ = (char) (p[k] >= 'a' && p[k] <= 'f' ? p[k] - 'a' + 'A' : p[k]);
                        p += 2;
                } else
                        return -EINVAL;
                n_elements++;
                separated = false;
        }
        if (n_elements == 0 || s[len - 1] == ':')
                return -EINVAL;
        *w = '\0';
        *ret_pattern = TAKE_PTR(out);
        return 0;
}
