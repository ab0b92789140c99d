/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading a profile file through td-ini: the INI keys, each checked, one message per problem. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-ini.h"
#include "profile-private.h"
#include "td-i18n.h"
#include "td-util.h"

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
        switch (td_profile_url_check(url)) {
        case TD_URL_OK:
                return 0;
        case TD_URL_BAD_SCHEME:
                return loader_error(l, -EINVAL, section, key, _("\"%s\" is not an http:// or https:// URL"),
                                    url);
        case TD_URL_NO_HOST:
                return loader_error(l, -EINVAL, section, key, _("\"%s\" has no host name"), url);
        case TD_URL_BAD_CHAR:
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
        if (!td_profile_parse_unsigned(v, min, max, field))
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
        TdStrv list = td_strv_split(v, TD_PROFILE_LIST_SEPARATORS);
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
                r = td_profile_parse_browser_rules((const char *const *) supported, &rules, &n, &bad,
                                                   &bad_version);
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
                td_profile_browsers_free(p->browsers_supported, p->n_browsers_supported);
                p->browsers_supported = rules;
                p->n_browsers_supported = n;
        }
        if (unsupported) {
                for (char **b = unsupported; *b; b++)
                        if (!td_profile_chars_valid(*b, "._+-"))
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
                        if (!td_profile_chars_valid(*s, ".+-*?[]"))
                                return loader_error(
                                        l, -EINVAL, section, "packages",
                                        _("\"%s\" is not a package name or a glob of package names"), *s);
                td_strv_free(p->driver_packages);
                p->driver_packages = TAKE_PTR(packages);
        }
        if (p->driver_min_version && !td_profile_debian_version_valid(p->driver_min_version))
                return loader_error(l, -EINVAL, section, "min_version",
                                    _("\"%s\" is not a Debian package version"), p->driver_min_version);
        return 0;
}

/* [token] and every [token.NAME]: one model each; nothing is inherited from [token]. */
static int parse_token(Loader *l, const char *section) {
        TdProfile *p = l->p;
        const char *name = section[strlen("token")] == '.' ? section + strlen("token.") : "";
        int r;

        if (!streq(section, "token") && !td_profile_chars_valid(name, "._-"))
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
                r = td_profile_usb_id_normalize(*s, &id);
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
                r = td_profile_atr_normalize(*s, &pattern);
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
        TdProfile *p = l->p;
        int r;

        if ((r = get_url(l, section, "url", &p->helper_url)) < 0 ||
            (r = get_path(l, section, "tls_ca", &p->helper_tls_ca)) < 0)
                return r;
        /* platform.helper talks to this address: it must never be another machine. */
        if (p->helper_url && !td_profile_url_is_loopback(p->helper_url))
                return loader_error(l, -EINVAL, section, "url",
                                    _("\"%s\" is not on this computer: the local signing service must be "
                                      "at localhost, 127.x.x.x or [::1]"),
                                    p->helper_url);
        return 0;
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
                r = td_profile_parse_os_list((const char *const *) os, &list, &n, &bad);
                if (r == -EINVAL)
                        return loader_error(l, r, section, "os",
                                            _("\"%s\" is not a system of the form ID or ID:VERSION "
                                              "(ID as in /etc/os-release, e.g. debian:10)"),
                                            bad);
                if (r < 0)
                        return r;
                td_profile_os_supported_free(p->os_supported, p->n_os_supported);
                p->os_supported = list;
                p->n_os_supported = n;
        }
        if (arch) {
                for (char **a = arch; *a; a++)
                        if (!td_profile_chars_valid(*a, "_"))
                                return loader_error(
                                        l, -EINVAL, section, "arch",
                                        _("\"%s\" is not a CPU architecture name such as x86_64"), *a);
                td_strv_free(p->arch_supported);
                p->arch_supported = TAKE_PTR(arch);
        }
        if (locales) {
                for (char **s = locales; *s; s++)
                        if (!td_profile_chars_valid(*s, "_@.-"))
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
        { "helper", KEYS("url", "tls_ca"), parse_helper },
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
