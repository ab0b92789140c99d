/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the profile's model, its value validation, its loader and its lookup share. Not public API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-profile.h"

/* Lists in a profile are comma separated. */
#define TD_PROFILE_LIST_SEPARATORS ","

void td_profile_os_supported_free(TdOsSupport *os, size_t n);
void td_profile_browsers_free(TdBrowserRule *b, size_t n);
/* Replace *@field by a copy of @value (split into a list). 0 or -ENOMEM. */
int td_profile_set_string(char **field, const char *value);
int td_profile_set_list(TdStrv *field, const char *value);

/* ---- values (values.c): pure, no I/O; the privileged helper's allow-lists use them too ---- */

/* Non-empty and every character ASCII alphanumeric or in @extra. */
bool td_profile_chars_valid(const char *s, const char *extra);
/*
 * A version dpkg could give a package (Debian policy §5.6.12): [epoch:]upstream[-revision],
 * the epoch a number, the upstream version starting with a digit, no empty part, and only
 * letters, digits and ".+~:-". A profile's min_version that is not one would make every
 * comparison with an installed version meaningless.
 */
bool td_profile_debian_version_valid(const char *s);
/* A whole decimal number in [min, max]; no sign, no unit, no spaces inside. */
bool td_profile_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret);

/*
 * http(s)://host...: the scheme, a non-empty host, and nothing that cannot be in a URL. The
 * HTTP layer does the real parsing; this only catches what is plainly not a web address.
 */
typedef enum {
        TD_URL_OK,
        TD_URL_BAD_SCHEME,
        TD_URL_NO_HOST,
        TD_URL_BAD_CHAR,
} TdUrlStatus;
TdUrlStatus td_profile_url_check(const char *s);

/*
 * "google-chrome:90" → stem and minimum major version; a bare stem means any version. On
 * -EINVAL, *@ret_bad_item is the item and *@ret_bad_version whether only its version is bad.
 */
int td_profile_parse_browser_rules(const char *const *items, TdBrowserRule **ret_rules, size_t *ret_n,
                                   const char **ret_bad_item, bool *ret_bad_version);
/* "debian:10" → os-release ID and minimum VERSION_ID; a bare ID means any version. */
int td_profile_parse_os_list(const char *const *items, TdOsSupport **ret_os, size_t *ret_n,
                             const char **ret_bad_item);
/*
 * "096E:0807" → "096e:0807"; "055C:*" → "055c:*" (every product of a vendor whose product ids
 * are not published, as Longmai's). -EINVAL unless it is four hex digits, ':', then four hex
 * digits or '*'; -ENOMEM.
 */
int td_profile_usb_id_normalize(const char *s, char **ret_id);
/*
 * An ATR pattern as upper-case hex byte pairs joined by ':' ("3B:88:80:01:*"), which the
 * token checks fnmatch() against the ATR written the same way. Bytes may be given with ':'
 * or spaces between them or run together; '?' stands for one hex digit, '*' for any bytes.
 * Returns 0 and the new pattern, -EINVAL when it is malformed, or -ENOMEM.
 */
int td_profile_atr_normalize(const char *s, char **ret_pattern);
