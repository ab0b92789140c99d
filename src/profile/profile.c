/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The profile as data: the seed platform's built-in defaults and freeing. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "profile-private.h"
#include "td-util.h"

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

static void token_model_clear(TdTokenModel *t) {
        free(t->name);
        free(t->module);
        td_strv_free(t->usb_ids);
        td_strv_free(t->atr);
}

void td_profile_os_supported_free(TdOsSupport *os, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(os[i].id);
                free(os[i].min_version);
        }
        free(os);
}

void td_profile_browsers_free(TdBrowserRule *b, size_t n) {
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
        td_profile_browsers_free(p->browsers_supported, p->n_browsers_supported);
        td_strv_free(p->browsers_unsupported);
        td_strv_free(p->driver_packages);
        free(p->driver_min_version);
        for (size_t i = 0; i < p->n_tokens; i++)
                token_model_clear(&p->tokens[i]);
        free(p->tokens);
        free(p->helper_url);
        free(p->helper_tls_ca);
        free(p->seal_pkcs11_label);
        free(p->seal_pkcs11_application);
        free(p->seal_files);
        free(p->seal_maker_cert);
        free(p->support_upload_url);
        free(p->support_tls_ca);
        free(p->support_contact);
        td_profile_os_supported_free(p->os_supported, p->n_os_supported);
        td_strv_free(p->arch_supported);
        td_strv_free(p->locales);
        free(p);
}

int td_profile_set_list(TdStrv *field, const char *value) {
        TdStrv v = td_strv_split(value, TD_PROFILE_LIST_SEPARATORS);
        if (!v)
                return -ENOMEM;
        td_strv_free(*field);
        *field = v;
        return 0;
}

int td_profile_set_string(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
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
        if (td_profile_set_string(&p->id, DEFAULT_ID) < 0 ||
            td_profile_set_string(&p->platform_name, DEFAULT_PLATFORM_NAME) < 0 ||
            td_profile_set_string(&p->ca_issuer, DEFAULT_CA_ISSUER) < 0 ||
            td_profile_set_list(&p->urls, "") < 0 ||
            td_profile_set_list(&p->browsers_unsupported, DEFAULT_BROWSERS_UNSUPPORTED) < 0 ||
            td_profile_set_list(&p->driver_packages, "") < 0 ||
            td_profile_set_list(&p->arch_supported, DEFAULT_ARCH) < 0 ||
            td_profile_set_list(&p->locales, DEFAULT_LOCALES) < 0)
                return -ENOMEM;

        _cleanup_strv_free_ TdStrv browsers =
                td_strv_split(DEFAULT_BROWSERS_SUPPORTED, TD_PROFILE_LIST_SEPARATORS);
        _cleanup_strv_free_ TdStrv os = td_strv_split(DEFAULT_OS, TD_PROFILE_LIST_SEPARATORS);
        if (!browsers || !os)
                return -ENOMEM;
        const char *bad;
        bool bad_version;
        /* The built-in lists are well-formed, so the only failure left is ENOMEM. */
        if (td_profile_parse_browser_rules((const char *const *) browsers, &p->browsers_supported,
                                           &p->n_browsers_supported, &bad, &bad_version) < 0 ||
            td_profile_parse_os_list((const char *const *) os, &p->os_supported, &p->n_os_supported, &bad) <
                    0)
                return -ENOMEM;

        *ret_profile = TAKE_PTR(p);
        return 0;
}
