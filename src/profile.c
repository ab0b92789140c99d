/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Platform profiles: built-in defaults, the INI keys, their validation, the lookup by name. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-ini.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-profile.h"

/* The seed platform: what a profile gets for every key it leaves out. */
#define DEFAULT_ID "default"
#define DEFAULT_PLATFORM_NAME "华润集团守正电子招标采购平台"
/* The issuer exactly as the platform's renewal page shows it. */
#define DEFAULT_CA_ISSUER "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA"
#define DEFAULT_EXPIRY_WARN_DAYS 30
/* The platform asks for Chrome (or IE, which Linux lacks) and names these as unsupported. */
#define DEFAULT_BROWSERS_SUPPORTED "google-chrome:90, chromium:90"
#define DEFAULT_BROWSERS_UNSUPPORTED "360browser, qqbrowser, sogouexplorer, liebao, 2345explorer"
#define DEFAULT_OS "debian:10, ubuntu:20.04, uos:20, kylin:V10, deepin:20"
#define DEFAULT_ARCH "x86_64, aarch64, loongarch64, mips64el"
/* Simplified Chinese only: the platform refuses Traditional Chinese and English systems. */
#define DEFAULT_LOCALES "zh_CN"
#define DEFAULT_MAX_CLOCK_SKEW 300

#define LIST_SEPARATORS ","

void td_strv_free(TdStrv v) {
        if (!v)
                return;
        for (char **s = v; *s; s++)
                free(*s);
        free(v);
}

size_t td_strv_length(const char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static void token_model_clear(TdTokenModel *t) {
        free(t->name);
        free(t->module);
        td_strv_free(t->usb_ids);
        td_strv_free(t->atr);
}

static void os_supported_free(TdOsSupport *os, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(os[i].id);
                free(os[i].min_version);
        }
        free(os);
}

static void browsers_free(TdBrowserRule *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(b[i].desktop_stem);
        free(b);
}

void td_profile_free(TdProfile *p) {
        if (!p)
                return;
        free(p->id);
        free(p->path);
        free(p->platform_name);
        td_strv_free(p->urls);
        free(p->platform_tls_ca);
        free(p->ca_issuer);
        free(p->ca_cert);
        browsers_free(p->browsers_supported, p->n_browsers_supported);
        td_strv_free(p->browsers_unsupported);
        td_strv_free(p->driver_packages);
        free(p->driver_min_version);
        for (size_t i = 0; i < p->n_tokens; i++)
                token_model_clear(&p->tokens[i]);
        free(p->tokens);
        free(p->helper_url);
        free(p->seal_pkcs11_label);
        free(p->seal_pkcs11_application);
        free(p->seal_files);
        free(p->seal_maker_cert);
        free(p->support_upload_url);
        free(p->support_tls_ca);
        free(p->support_contact);
        os_supported_free(p->os_supported, p->n_os_supported);
        td_strv_free(p->arch_supported);
        td_strv_free(p->locales);
        free(p);
}

static inline void td_profile_freep(TdProfile **p) {
        td_profile_free(*p);
}
#define _cleanup_profile_free_ _cleanup_(td_profile_freep)

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
static bool chars_valid(const char *s, const char *extra) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!is_alnum(*s) && !strchr(extra, *s))
                        return false;
        return true;
}

/* A whole decimal number in [min, max]; no sign, no unit, no spaces inside. */
static bool parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret) {
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
typedef enum {
        URL_OK,
        URL_BAD_SCHEME,
        URL_NO_HOST,
        URL_BAD_CHAR,
} UrlStatus;

static UrlStatus url_check(const char *s) {
        const char *rest;
        if (td_startswith_nocase(s, "https://"))
                rest = s + strlen("https://");
        else if (td_startswith_nocase(s, "http://"))
                rest = s + strlen("http://");
        else
                return URL_BAD_SCHEME;

        for (const char *c = s; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f)
                        return URL_BAD_CHAR;

        size_t authority_len = strcspn(rest, "/?#");
        const char *host = rest, *end = rest + authority_len;
        for (const char *c = rest; c < end; c++)
                if (*c == '@')
                        host = c + 1;
        if (host < end && *host == '[') {
                const char *close = memchr(host, ']', (size_t) (end - host));
                return close && close > host + 1 ? URL_OK : URL_NO_HOST;
        }
        const char *colon = memchr(host, ':', (size_t) (end - host));
        size_t host_len = (size_t) ((colon ? colon : end) - host);
        return host_len > 0 ? URL_OK : URL_NO_HOST;
}

static int profile_set_list(TdStrv *field, const char *value) {
        TdStrv v = td_strv_split(value, LIST_SEPARATORS);
        if (!v)
                return -ENOMEM;
        td_strv_free(*field);
        *field = v;
        return 0;
}

static int profile_set_string(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* "google-chrome:90" → stem and minimum major version; a bare stem means any version. */
static int browser_rules_parse(const char *const *items, TdBrowserRule **ret_rules, size_t *ret_n,
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
                        browsers_free(rules, i);
                        return -ENOMEM;
                }
                td_strstrip(stem);
                unsigned major = 0;
                bool stem_ok = chars_valid(stem, "._+-");
                bool major_ok = !colon || parse_unsigned(td_strstrip(version), 0, 1000, &major);
                if (!stem_ok || !major_ok) {
                        browsers_free(rules, i);
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
static int os_list_parse(const char *const *items, TdOsSupport **ret_os, size_t *ret_n,
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
                        os_supported_free(os, i + 1);
                        return -ENOMEM;
                }
                td_strstrip(os[i].id);
                /* os-release(5) IDs are lower-case; accept "Debian" as meaning "debian". */
                for (char *c = os[i].id; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                                *c = (char) (*c - 'A' + 'a');
                bool ok = chars_valid(os[i].id, "._-");
                if (os[i].min_version)
                        ok = ok && chars_valid(td_strstrip(os[i].min_version), "._~+-");
                if (!ok) {
                        os_supported_free(os, i + 1);
                        *ret_bad_item = items[i];
                        return -EINVAL;
                }
        }

        *ret_os = os;
        *ret_n = n;
        return 0;
}

int td_profile_new_default(TdProfile **ret_profile) {
        _cleanup_profile_free_ TdProfile *p = calloc(1, sizeof(TdProfile));
        if (!p)
                return -ENOMEM;

        p->ca_expiry_warn_days = DEFAULT_EXPIRY_WARN_DAYS;
        p->seal_expiry_warn_days = DEFAULT_EXPIRY_WARN_DAYS;
        p->max_clock_skew_s = DEFAULT_MAX_CLOCK_SKEW;

        /* Lists are never NULL, so users of the profile need not tell "unset" from "empty". */
        if (profile_set_string(&p->id, DEFAULT_ID) < 0 ||
            profile_set_string(&p->platform_name, DEFAULT_PLATFORM_NAME) < 0 ||
            profile_set_string(&p->ca_issuer, DEFAULT_CA_ISSUER) < 0 || profile_set_list(&p->urls, "") < 0 ||
            profile_set_list(&p->browsers_unsupported, DEFAULT_BROWSERS_UNSUPPORTED) < 0 ||
            profile_set_list(&p->driver_packages, "") < 0 ||
            profile_set_list(&p->arch_supported, DEFAULT_ARCH) < 0 ||
            profile_set_list(&p->locales, DEFAULT_LOCALES) < 0)
                return -ENOMEM;

        _cleanup_strv_free_ TdStrv browsers = td_strv_split(DEFAULT_BROWSERS_SUPPORTED, LIST_SEPARATORS);
        _cleanup_strv_free_ TdStrv os = td_strv_split(DEFAULT_OS, LIST_SEPARATORS);
        if (!browsers || !os)
                return -ENOMEM;
        const char *bad;
        bool bad_version;
        /* The built-in lists are well-formed, so the only failure left is ENOMEM. */
        if (browser_rules_parse((const char *const *) browsers, &p->browsers_supported,
                                &p->n_browsers_supported, &bad, &bad_version) < 0 ||
            os_list_parse((const char *const *) os, &p->os_supported, &p->n_os_supported, &bad) < 0)
                return -ENOMEM;

        *ret_profile = TAKE_PTR(p);
        return 0;
}

/*
 * "096E:0807" → "096e:0807"; "055C:*" → "055c:*" (every product of a vendor whose product ids
 * are not published, as Longmai's). -EINVAL unless it is four hex digits, ':', then four hex
 * digits or '*'.
 */
static int usb_id_normalize(const char *s, char **ret_id) {
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
static int atr_normalize(const char *s, char **ret_pattern) {
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

/* ---- loading a file ---------------------------------------------------------------------- */

typedef struct {
        const char *path; /* absolute, as messages name it */
        const char *dir;  /* relative file names in the profile are relative to this */
        TdIni *ini;
        TdProfile *p;
        char **ret_error;
} Loader;

/*
 * Record the one message of a failed load: "profile FILE: line N: [section] key: what".
 * The line is the key's, else the section header's, else left out.
 */
static int loader_error(Loader *l, int r, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int loader_error(Loader *l, int r, const char *section, const char *key, const char *fmt, ...) {
        if (!l->ret_error)
                return r;

        unsigned line = 0;
        if (l->ini && section) {
                if (key)
                        line = td_ini_get_line(l->ini, section, key);
                if (line == 0)
                        line = td_ini_get_line(l->ini, section, NULL);
        }

        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *what = td_strdup_vprintf(fmt, ap);
        va_end(ap);
        _cleanup_free_ char *where = section && key ? td_strdup_printf("[%s] %s: ", section, key)
                                     : section      ? td_strdup_printf("[%s]: ", section)
                                                    : strdup("");
        if (!what || !where)
                return -ENOMEM;

        char *msg = line > 0 ? td_strdup_printf(_("profile %s: line %u: %s%s"), l->path, line, where, what)
                             : td_strdup_printf(_("profile %s: %s%s"), l->path, where, what);
        if (!msg)
                return -ENOMEM;
        free(*l->ret_error);
        *l->ret_error = msg;
        return r;
}

/*
 * The value of a key, stripped, or NULL when the key is absent (*ret_value NULL, returns 0).
 * An empty value is an error unless @empty_ok: leaving the key out is how to get the default.
 */
static int get_value(Loader *l, const char *section, const char *key, bool empty_ok, char **ret_value) {
        const char *raw = td_ini_get_string(l->ini, section, key);
        if (!raw) {
                *ret_value = NULL;
                return 0;
        }
        char *v = strdup(raw);
        if (!v)
                return -ENOMEM;
        td_strstrip(v);
        if (!*v && !empty_ok) {
                free(v);
                return loader_error(
                        l, -EINVAL, section, key, "%s",
                        _("the value is empty; give a value or remove the line to use the default"));
        }
        *ret_value = v;
        return 0;
}

static int get_string(Loader *l, const char *section, const char *key, char **field) {
        char *v = NULL;
        int r = get_value(l, section, key, false, &v);
        if (r < 0 || !v)
                return r;
        free(*field);
        *field = v;
        return 0;
}

static int check_url(Loader *l, const char *section, const char *key, const char *url) {
        switch (url_check(url)) {
        case URL_OK:
                return 0;
        case URL_BAD_SCHEME:
                return loader_error(l, -EINVAL, section, key, _("\"%s\" is not an http:// or https:// URL"),
                                    url);
        case URL_NO_HOST:
                return loader_error(l, -EINVAL, section, key, _("\"%s\" has no host name"), url);
        case URL_BAD_CHAR:
        default:
                return loader_error(l, -EINVAL, section, key,
                                    _("\"%s\" contains a space or a control character, which a URL cannot"),
                                    url);
        }
}

static int get_url(Loader *l, const char *section, const char *key, char **field) {
        _cleanup_free_ char *v = NULL;
        int r = get_value(l, section, key, false, &v);
        if (r < 0 || !v)
                return r;
        r = check_url(l, section, key, v);
        if (r < 0)
                return r;
        free(*field);
        *field = TAKE_PTR(v);
        return 0;
}

static int get_unsigned(Loader *l, const char *section, const char *key, unsigned min, unsigned max,
                        unsigned *field) {
        _cleanup_free_ char *v = NULL;
        int r = get_value(l, section, key, false, &v);
        if (r < 0 || !v)
                return r;
        if (!parse_unsigned(v, min, max, field))
                return loader_error(l, -EINVAL, section, key,
                                    _("\"%s\" is not a whole number from %u to %u"), v, min, max);
        return 0;
}

/* A comma-separated list; absent leaves *@ret_list NULL. */
static int get_list(Loader *l, const char *section, const char *key, bool empty_ok, TdStrv *ret_list) {
        _cleanup_free_ char *v = NULL;
        int r = get_value(l, section, key, empty_ok, &v);
        if (r < 0)
                return r;
        if (!v) {
                *ret_list = NULL;
                return 0;
        }
        TdStrv list = td_strv_split(v, LIST_SEPARATORS);
        if (!list)
                return -ENOMEM;
        /* "a, , b" or "," is a typo, not a wish for an empty list. */
        if (!list[0] && !empty_ok) {
                td_strv_free(list);
                return loader_error(l, -EINVAL, section, key, _("\"%s\" names no item"), v);
        }
        *ret_list = list;
        return 0;
}

/* A file name: relative ones are taken relative to the profile's own directory. */
static int get_path(Loader *l, const char *section, const char *key, char **field) {
        _cleanup_free_ char *v = NULL;
        int r = get_value(l, section, key, false, &v);
        if (r < 0 || !v)
                return r;
        /* "~/" stays: whoever opens the file expands it for the user it runs as. */
        if (v[0] != '/' && !td_startswith(v, "~/")) {
                char *abs = td_strdup_printf("%s/%s", l->dir, v);
                if (!abs)
                        return -ENOMEM;
                free(v);
                v = abs;
        }
        free(*field);
        *field = TAKE_PTR(v);
        return 0;
}

/* ---- the sections ------------------------------------------------------------------------ */

static int parse_platform(Loader *l, const char *section) {
        TdProfile *p = l->p;
        _cleanup_free_ char *url = NULL;
        _cleanup_strv_free_ TdStrv more = NULL;
        int r;

        if ((r = get_string(l, section, "name", &p->platform_name)) < 0 ||
            (r = get_value(l, section, "url", false, &url)) < 0 ||
            (r = get_list(l, section, "urls", true, &more)) < 0 ||
            (r = get_path(l, section, "tls_ca", &p->platform_tls_ca)) < 0)
                return r;

        /* No default address: a made-up one would send the network checks somewhere wrong. */
        if (!url)
                return loader_error(l, -EINVAL, section, "url", "%s",
                                    _("the platform's address is missing; every profile must give it"));
        if ((r = check_url(l, section, "url", url)) < 0)
                return r;
        for (char **u = more; u && *u; u++)
                if ((r = check_url(l, section, "urls", *u)) < 0)
                        return r;

        _cleanup_strv_free_ TdStrv urls = NULL;
        if (td_strv_push(&urls, url) < 0)
                return -ENOMEM;
        for (char **u = more; u && *u; u++)
                if (td_strv_push(&urls, *u) < 0)
                        return -ENOMEM;
        td_strv_free(p->urls);
        p->urls = TAKE_PTR(urls);
        return 0;
}

static int parse_ca(Loader *l, const char *section) {
        TdProfile *p = l->p;
        int r;

        if ((r = get_string(l, section, "issuer", &p->ca_issuer)) < 0 ||
            (r = get_path(l, section, "cert", &p->ca_cert)) < 0 ||
            (r = get_unsigned(l, section, "expiry_warn_days", 0, 3650, &p->ca_expiry_warn_days)) < 0)
                return r;
        return 0;
}

static int parse_browsers(Loader *l, const char *section) {
        TdProfile *p = l->p;
        _cleanup_strv_free_ TdStrv supported = NULL, unsupported = NULL;
        int r;

        if ((r = get_list(l, section, "supported", false, &supported)) < 0 ||
            (r = get_list(l, section, "unsupported", true, &unsupported)) < 0)
                return r;

        if (supported) {
                TdBrowserRule *rules;
                size_t n;
                const char *bad = NULL;
                bool bad_version = false;
                r = browser_rules_parse((const char *const *) supported, &rules, &n, &bad, &bad_version);
                if (r == -EINVAL && bad_version)
                        return loader_error(l, r, section, "supported",
                                            _("\"%s\": the minimum major version is not a whole number "
                                              "from 0 to 1000"),
                                            bad);
                if (r == -EINVAL)
                        return loader_error(l, r, section, "supported",
                                            _("\"%s\" is not a browser of the form NAME or NAME:VERSION "
                                              "(NAME as in its .desktop file, e.g. google-chrome:90)"),
                                            bad);
                if (r < 0)
                        return r;
                browsers_free(p->browsers_supported, p->n_browsers_supported);
                p->browsers_supported = rules;
                p->n_browsers_supported = n;
        }
        if (unsupported) {
                for (char **b = unsupported; *b; b++)
                        if (!chars_valid(*b, "._+-"))
                                return loader_error(
                                        l, -EINVAL, section, "unsupported",
                                        _("\"%s\" is not a browser name as in its .desktop file"), *b);
                td_strv_free(p->browsers_unsupported);
                p->browsers_unsupported = TAKE_PTR(unsupported);
        }
        return 0;
}

static int parse_drivers(Loader *l, const char *section) {
        TdProfile *p = l->p;
        _cleanup_strv_free_ TdStrv packages = NULL;
        int r;

        if ((r = get_list(l, section, "packages", true, &packages)) < 0 ||
            (r = get_string(l, section, "min_version", &p->driver_min_version)) < 0)
                return r;
        if (packages) {
                /* Debian package names, with glob characters. */
                for (char **s = packages; *s; s++)
                        if (!chars_valid(*s, ".+-*?[]"))
                                return loader_error(
                                        l, -EINVAL, section, "packages",
                                        _("\"%s\" is not a package name or a glob of package names"), *s);
                td_strv_free(p->driver_packages);
                p->driver_packages = TAKE_PTR(packages);
        }
        if (p->driver_min_version && !chars_valid(p->driver_min_version, ".+~:-"))
                return loader_error(l, -EINVAL, section, "min_version",
                                    _("\"%s\" is not a Debian package version"), p->driver_min_version);
        return 0;
}

/* [token] and every [token.NAME]: one model each; nothing is inherited from [token]. */
static int parse_token(Loader *l, const char *section) {
        TdProfile *p = l->p;
        const char *name = section[strlen("token")] == '.' ? section + strlen("token.") : "";
        int r;

        if (!streq(section, "token") && !chars_valid(name, "._-"))
                return loader_error(l, -EINVAL, section, NULL, "%s",
                                    _("a token model name may only have letters, digits, '.', '_' and '-'"));

        TdTokenModel *grown = realloc(p->tokens, (p->n_tokens + 1) * sizeof(TdTokenModel));
        if (!grown)
                return -ENOMEM;
        p->tokens = grown;
        TdTokenModel *t = &p->tokens[p->n_tokens];
        *t = (TdTokenModel){};
        t->name = strdup(name);
        t->usb_ids = calloc(1, sizeof(char *));
        t->atr = calloc(1, sizeof(char *));
        /* Counted now, so td_profile_free() releases it whatever happens below. */
        p->n_tokens++;
        if (!t->name || !t->usb_ids || !t->atr)
                return -ENOMEM;

        _cleanup_strv_free_ TdStrv usb_ids = NULL, atr = NULL;
        if ((r = get_string(l, section, "module", &t->module)) < 0 ||
            (r = get_list(l, section, "usb_ids", true, &usb_ids)) < 0 ||
            (r = get_list(l, section, "atr", true, &atr)) < 0)
                return r;

        for (char **s = usb_ids; s && *s; s++) {
                _cleanup_free_ char *id = NULL;
                r = usb_id_normalize(*s, &id);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return loader_error(l, -EINVAL, section, "usb_ids",
                                            _("\"%s\" is not a USB id of the form vvvv:pppp "
                                              "(four hexadecimal digits each) or vvvv:*"),
                                            *s);
                if (td_strv_push(&t->usb_ids, id) < 0)
                        return -ENOMEM;
        }
        for (char **s = atr; s && *s; s++) {
                _cleanup_free_ char *pattern = NULL;
                r = atr_normalize(*s, &pattern);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return loader_error(
                                l, -EINVAL, section, "atr",
                                _("\"%s\" is not an ATR pattern of hexadecimal byte pairs separated by "
                                  "':' (with '?' for one digit and '*' for any bytes)"),
                                *s);
                if (td_strv_push(&t->atr, pattern) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_helper(Loader *l, const char *section) {
        return get_url(l, section, "url", &l->p->helper_url);
}

static int parse_seal(Loader *l, const char *section) {
        TdProfile *p = l->p;
        int r;

        /* files keeps a leading "~/": the seal check expands it for the user it runs as. */
        if ((r = get_string(l, section, "pkcs11_label", &p->seal_pkcs11_label)) < 0 ||
            (r = get_string(l, section, "pkcs11_application", &p->seal_pkcs11_application)) < 0 ||
            (r = get_string(l, section, "files", &p->seal_files)) < 0 ||
            (r = get_path(l, section, "maker_cert", &p->seal_maker_cert)) < 0 ||
            (r = get_unsigned(l, section, "expiry_warn_days", 0, 3650, &p->seal_expiry_warn_days)) < 0)
                return r;
        return 0;
}

static int parse_support(Loader *l, const char *section) {
        TdProfile *p = l->p;
        int r;

        if ((r = get_url(l, section, "upload_url", &p->support_upload_url)) < 0 ||
            (r = get_path(l, section, "tls_ca", &p->support_tls_ca)) < 0 ||
            (r = get_string(l, section, "contact", &p->support_contact)) < 0)
                return r;
        return 0;
}

static int parse_system(Loader *l, const char *section) {
        TdProfile *p = l->p;
        _cleanup_strv_free_ TdStrv os = NULL, arch = NULL, locales = NULL;
        int r;

        /* An empty os or arch list means "any", as the os.release check reads it. */
        if ((r = get_list(l, section, "os", true, &os)) < 0 ||
            (r = get_list(l, section, "arch", true, &arch)) < 0 ||
            (r = get_list(l, section, "locales", false, &locales)) < 0 ||
            (r = get_unsigned(l, section, "max_clock_skew", 1, 86400, &p->max_clock_skew_s)) < 0)
                return r;

        if (os) {
                TdOsSupport *list;
                size_t n;
                const char *bad = NULL;
                r = os_list_parse((const char *const *) os, &list, &n, &bad);
                if (r == -EINVAL)
                        return loader_error(l, r, section, "os",
                                            _("\"%s\" is not a system of the form ID or ID:VERSION "
                                              "(ID as in /etc/os-release, e.g. debian:10)"),
                                            bad);
                if (r < 0)
                        return r;
                os_supported_free(p->os_supported, p->n_os_supported);
                p->os_supported = list;
                p->n_os_supported = n;
        }
        if (arch) {
                for (char **a = arch; *a; a++)
                        if (!chars_valid(*a, "_"))
                                return loader_error(
                                        l, -EINVAL, section, "arch",
                                        _("\"%s\" is not a CPU architecture name such as x86_64"), *a);
                td_strv_free(p->arch_supported);
                p->arch_supported = TAKE_PTR(arch);
        }
        if (locales) {
                for (char **s = locales; *s; s++)
                        if (!chars_valid(*s, "_@.-"))
                                return loader_error(l, -EINVAL, section, "locales",
                                                    _("\"%s\" is not a locale name such as zh_CN"), *s);
                td_strv_free(p->locales);
                p->locales = TAKE_PTR(locales);
        }
        return 0;
}

#define KEYS(...) ((const char *const[]){ __VA_ARGS__, NULL })

typedef struct {
        const char *name;
        const char *const *keys;
        int (*parse)(Loader *l, const char *section);
} SectionType;

static const SectionType section_types[] = {
        { "platform", KEYS("name", "url", "urls", "tls_ca"), parse_platform },
        { "ca", KEYS("issuer", "cert", "expiry_warn_days"), parse_ca },
        { "browsers", KEYS("supported", "unsupported"), parse_browsers },
        { "drivers", KEYS("packages", "min_version"), parse_drivers },
        { "token", KEYS("module", "usb_ids", "atr"), parse_token },
        { "helper", KEYS("url"), parse_helper },
        { "seal", KEYS("pkcs11_label", "pkcs11_application", "files", "maker_cert", "expiry_warn_days"),
          parse_seal },
        { "support", KEYS("upload_url", "tls_ca", "contact"), parse_support },
        { "system", KEYS("os", "arch", "locales", "max_clock_skew"), parse_system },
};

static const SectionType *section_type_find(const char *section) {
        for (size_t i = 0; i < ELEMENTSOF(section_types); i++) {
                const char *name = section_types[i].name;
                if (streq(section, name))
                        return &section_types[i];
                /* [token.NAME]: further token models */
                if (streq(name, "token") && td_startswith(section, "token."))
                        return &section_types[i];
        }
        return NULL;
}

static int unknown_section(Loader *l, const char *section) {
        _cleanup_free_ char *known = NULL;
        for (size_t i = 0; i < ELEMENTSOF(section_types); i++) {
                char *more = td_strdup_printf("%s%s[%s]%s", known ? known : "", known ? ", " : "",
                                              section_types[i].name,
                                              streq(section_types[i].name, "token") ? ", [token.NAME]" : "");
                if (!more)
                        return -ENOMEM;
                free(known);
                known = more;
        }
        return loader_error(l, -EINVAL, section, NULL,
                            _("unknown section; the sections a profile may have are %s"), known);
}

static int check_keys(Loader *l, const char *section, const SectionType *type) {
        _cleanup_strv_free_ TdStrv keys = td_ini_get_keys(l->ini, section);
        if (!keys)
                return -ENOMEM;
        for (char **k = keys; *k; k++) {
                if (td_strv_contains(type->keys, *k))
                        continue;
                _cleanup_free_ char *known = td_strv_join(type->keys, ", ");
                if (!known)
                        return -ENOMEM;
                return loader_error(l, -EINVAL, section, *k, _("unknown key; the keys of [%s] are %s"),
                                    type->name, known);
        }
        return 0;
}

/* "/dir/name.ini" → "name", the profile's id. */
static char *profile_id_from_path(const char *path) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t len = strlen(base);
        if (td_endswith(base, ".ini") && len > strlen(".ini"))
                len -= strlen(".ini");
        return strndup(base, len);
}

static char *path_make_absolute(const char *path) {
        if (path[0] == '/')
                return strdup(path);
        while (td_startswith(path, "./"))
                path += 2;
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (!cwd)
                return NULL;
        return td_strdup_printf("%s/%s", cwd, path);
}

int td_profile_load_file(const char *path, TdProfile **ret_profile, char **ret_error) {
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_ini_free_ TdIni *ini = NULL;
        _cleanup_free_ char *abs = NULL, *ini_error = NULL, *error = NULL, *dir = NULL;
        int r;

        if (isempty(path)) {
                if (ret_error && !(*ret_error = strdup(_("no profile file was given"))))
                        return -ENOMEM;
                return -EINVAL;
        }

        abs = path_make_absolute(path);
        if (!abs)
                return -ENOMEM;

        Loader l = {
                .path = abs,
                .ret_error = ret_error ? &error : NULL,
        };

        unsigned line = 0;
        r = td_ini_load(abs, &ini, &line, &ini_error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Not a usable file at all, rather than a profile with a wrong value. */
                bool malformed = r == -EINVAL || r == -EFBIG;
                if (ret_error) {
                        const char *what = ini_error ? ini_error : strerror(-r);
                        char *msg = line > 0
                                            ? td_strdup_printf(_("profile %s: line %u: %s"), abs, line, what)
                                    : malformed ? td_strdup_printf(_("profile %s: %s"), abs, what)
                                                : td_strdup_printf(_("profile %s: cannot read the file: %s"),
                                                                   abs, what);
                        if (!msg)
                                return -ENOMEM;
                        *ret_error = msg;
                }
                return malformed ? r : -ENOENT;
        }
        l.ini = ini;

        r = td_profile_new_default(&p);
        if (r < 0)
                return r;
        l.p = p;
        free(p->path);
        free(p->id);
        p->path = strdup(abs);
        p->id = profile_id_from_path(abs);
        /* For a profile in "/" this is "", which makes "ca.pem" "/ca.pem" as it should. */
        dir = strndup(abs, (size_t) (strrchr(abs, '/') - abs));
        if (!p->path || !p->id || !dir)
                return -ENOMEM;
        l.dir = dir;

        _cleanup_strv_free_ TdStrv sections = td_ini_get_sections(ini);
        if (!sections)
                return -ENOMEM;

        /* In file order, so the message names the first mistake a reader would meet. */
        for (char **s = sections; *s && r >= 0; s++) {
                const SectionType *type = section_type_find(*s);
                if (!type)
                        r = unknown_section(&l, *s);
                else if ((r = check_keys(&l, *s, type)) >= 0)
                        r = type->parse(&l, *s);
        }
        if (r >= 0 && !td_strv_contains((const char *const *) sections, "platform"))
                r = loader_error(&l, -EINVAL, NULL, NULL, "%s",
                                 _("there is no [platform] section; a profile must give at least "
                                   "[platform] url, the platform's address"));
        if (r < 0) {
                if (ret_error && error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }

        *ret_profile = TAKE_PTR(p);
        return 0;
}

/* ---- lookup by name ---------------------------------------------------------------------- */

TdStrv td_profile_search_dirs(void) {
        _cleanup_strv_free_ TdStrv dirs = calloc(1, sizeof(char *));
        if (!dirs)
                return NULL;

        /* The XDG base directory spec says to ignore a relative XDG_CONFIG_HOME. */
        _cleanup_free_ char *user = NULL;
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && xdg[0] == '/')
                user = td_strdup_printf("%s/tokendoctor/profiles", xdg);
        else if (home && home[0] == '/')
                user = td_strdup_printf("%s/.config/tokendoctor/profiles", home);
        else
                user = strdup("");
        if (!user)
                return NULL;

        _cleanup_free_ char *env_data = NULL;
        const char *datadir = getenv("TOKENDOCTOR_DATADIR");
        env_data = !isempty(datadir) ? td_strdup_printf("%s/profiles", datadir) : strdup("");
        if (!env_data)
                return NULL;

        const char *candidates[] = {
                user,
                "/etc/tokendoctor/profiles",
                env_data,
#ifdef TD_DATADIR
                TD_DATADIR "/profiles",
#endif
#ifdef TD_SOURCE_DATADIR
                /* The source tree, for programs run uninstalled from the build dir. */
                TD_SOURCE_DATADIR "/profiles",
#endif
        };
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                if (isempty(candidates[i]) || td_strv_contains((const char *const *) dirs, candidates[i]))
                        continue;
                if (td_strv_push(&dirs, candidates[i]) < 0)
                        return NULL;
        }
        return TAKE_PTR(dirs);
}

static bool profile_name_valid(const char *name) {
        /* A leading '.' would allow "..", and hidden files are not profiles anyway. */
        return chars_valid(name, "._-") && name[0] != '.';
}

int td_profile_load(const char *name_or_path, TdProfile **ret_profile, char **ret_error) {
        const char *name = name_or_path ? name_or_path : TD_PROFILE_DEFAULT;

        if (strchr(name, '/') || td_endswith(name, ".ini"))
                return td_profile_load_file(name, ret_profile, ret_error);

        if (!profile_name_valid(name)) {
                if (ret_error) {
                        char *msg = td_strdup_printf(
                                _("\"%s\" is not a profile name (letters, digits, '.', '_' and '-') "
                                  "nor a path to a profile file"),
                                name);
                        if (!msg)
                                return -ENOMEM;
                        *ret_error = msg;
                }
                return -EINVAL;
        }

        _cleanup_strv_free_ TdStrv dirs = td_profile_search_dirs();
        if (!dirs)
                return -ENOMEM;
        for (char **d = dirs; *d; d++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s.ini", *d, name);
                if (!path)
                        return -ENOMEM;
                /* Only absence moves on: a broken file where we look must not be passed over. */
                struct stat st;
                if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
                        continue;
                return td_profile_load_file(path, ret_profile, ret_error);
        }

        if (ret_error) {
                _cleanup_free_ char *searched = td_strv_join((const char *const *) dirs, ", ");
                char *msg =
                        searched ? td_strdup_printf(_("profile \"%s\" not found; looked for %s.ini in %s"),
                                                    name, name, searched)
                                 : NULL;
                if (!msg)
                        return -ENOMEM;
                *ret_error = msg;
        }
        return -ENOENT;
}
