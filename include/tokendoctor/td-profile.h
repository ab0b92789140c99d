/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "td-strv.h"

typedef struct {
        char *name;     /* the section suffix: "" for [token], "feitian" for [token.feitian] */
        char *module;   /* PKCS#11 module path, or NULL */
        TdStrv usb_ids; /* "096e:0807", lower-case; "055c:*" for every product of a vendor */
        TdStrv atr;     /* ATR glob patterns, upper-case hex with ':' */
} TdTokenModel;

typedef struct {
        char *id;          /* os-release ID: debian, ubuntu, uos, kylin, deepin ... */
        char *min_version; /* VERSION_ID lower bound, or NULL for any */
} TdOsSupport;

typedef struct {
        char *desktop_stem; /* google-chrome */
        unsigned min_major; /* 0: any version */
} TdBrowserRule;

/*
 * A platform profile (data/profiles/NAME.ini). Keys the file leaves out carry the
 * built-in defaults of the seed platform. Every string is owned by the profile.
 */
typedef struct TdProfile {
        char *id;   /* "shouzheng": the file's basename without .ini */
        char *path; /* the file it came from */

        char *platform_name;
        TdStrv urls; /* first = [platform] url (clock reference), then urls */
        char *platform_tls_ca;

        char *ca_issuer;
        char *ca_cert;
        unsigned ca_expiry_warn_days;

        TdBrowserRule *browsers_supported;
        size_t n_browsers_supported;
        TdStrv browsers_unsupported;

        TdStrv driver_packages;
        char *driver_min_version;

        TdTokenModel *tokens;
        size_t n_tokens;

        char *helper_url;    /* [helper] url: always on loopback (td_profile_url_is_loopback()) */
        char *helper_tls_ca; /* [helper] tls_ca: CA file trusted for it besides the system store */

        char *seal_pkcs11_label;
        char *seal_pkcs11_application;
        char *seal_files;
        char *seal_maker_cert;
        unsigned seal_expiry_warn_days;

        char *support_upload_url;
        char *support_tls_ca;
        char *support_contact;

        /* [system]: the support matrix */
        TdOsSupport *os_supported;
        size_t n_os_supported;
        TdStrv arch_supported; /* uname machine names: x86_64, aarch64, ... */
        TdStrv locales;        /* accepted languages: zh_CN, zh_SG */
        unsigned max_clock_skew_s;
} TdProfile;

#define TD_PROFILE_DEFAULT "shouzheng"

/*
 * Load a profile. @name_or_path is a file path when it contains '/' or ends in ".ini",
 * else a name looked up in $XDG_CONFIG_HOME/tokendoctor/profiles, /etc/tokendoctor/profiles
 * and the data dir. On error returns -ENOENT (not found / unreadable), -EINVAL (malformed),
 * -EFBIG (over 1 MiB or too many keys) or -ENOMEM and, when @ret_error is non-NULL, a newly allocated
 * one-line message naming the file, the line or key and the problem. On success *ret_profile is owned by the
 * caller (td_profile_free()).
 */
int td_profile_load(const char *name_or_path, TdProfile **ret_profile, char **ret_error);
/* Parse a profile from an explicit file (no lookup). Same contract as td_profile_load(). */
int td_profile_load_file(const char *path, TdProfile **ret_profile, char **ret_error);
/* The built-in defaults alone. */
int td_profile_new_default(TdProfile **ret_profile);
void td_profile_free(TdProfile *p);
static inline void td_profile_freep(TdProfile **p) {
        td_profile_free(*p);
}
#define _cleanup_profile_free_ __attribute__((cleanup(td_profile_freep)))

/*
 * Whether @url is an http:// or https:// URL whose host can only be this machine: "localhost",
 * a dotted-quad address in 127.0.0.0/8, or ::1 (brackets, user info and port aside). Anything
 * else — another host, a name a resolver would answer, a shorthand such as "127.1" — is false.
 * The profile's [helper] url must pass it: the check that uses it must never talk to anything
 * but loopback. Pure, thread-safe.
 */
bool td_profile_url_is_loopback(const char *url);

/* Directories searched for profile names, in order; NULL-terminated, caller frees. */
TdStrv td_profile_search_dirs(void);
