/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What a repair writes and what it may be asked to do, in one place: tokendoctor-helper (the
 * root side, src/helper/) makes these changes, and the checks' advice shows the same texts, so
 * the two can never drift apart. The grammars of the helper's arguments are here too: a check
 * that offers a fix names only what the helper will accept.
 *
 * Everything here is pure and thread-safe. The udev rule itself is td_udev_rule_make() (td-usb.h);
 * the file that holds it is td_repair_udev_rule_file().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "platform/td-dpkg.h"

/* --- argument grammars (ASCII only, every byte checked) ------------------------------------ */

/* The longest package name and module file name the helper takes. */
#define TD_REPAIR_PACKAGE_NAME_MAX 100u
#define TD_REPAIR_MODULE_NAME_MAX 200u

/* A Debian package name: [a-z0-9][a-z0-9+.-]+, 2 to 100 bytes. NULL is false. */
bool td_repair_package_name_is_valid(const char *name);

/*
 * A USB id written "VVVV:PPPP": exactly four lower-case hex digits, a colon, four more. 0 and
 * the two numbers (either output may be NULL), or -EINVAL for anything else (upper case,
 * "0x", white space, a glob, NULL).
 */
int td_repair_usb_id_parse(const char *s, unsigned *ret_vendor, unsigned *ret_product);

/*
 * A p11-kit module registration's file name, without a directory:
 * [A-Za-z0-9_][A-Za-z0-9_.+-]* ending in ".module" with something before it, at most 200
 * bytes. So never '/', never a leading '-' (an option) or '.' ("..", hidden files).
 */
bool td_repair_module_name_is_valid(const char *name);

/* One of the locales the helper generates: zh_CN.UTF-8, zh_SG.UTF-8, en_US.UTF-8. */
bool td_repair_locale_is_allowed(const char *locale);

/* --- packages ------------------------------------------------------------------------------ */

/* The packages the repairs install, named once for the checks' plans and the allow-list. */
#define TD_REPAIR_PACKAGE_PCSCD "pcscd"
#define TD_REPAIR_PACKAGE_CCID "libccid"
#define TD_REPAIR_PACKAGE_CJK_FONT "fonts-noto-cjk"

/*
 * The packages a repair installs whatever the profile says (the PC/SC service and reader
 * driver, Chinese fonts, locales, time sync, NSS and OpenSC tools), NULL-terminated. A profile
 * adds its [drivers] packages globs to these.
 */
extern const char *const td_repair_builtin_packages[];

/* Whether @name is on td_repair_builtin_packages. */
bool td_repair_package_is_builtin(const char *name);

/* --- udev --------------------------------------------------------------------------------- */

/*
 * The rule file install-udev-rule writes for USB device @vendor_id:@product_id: *@ret_path
 * from td_udev_rule_make() ("/etc/udev/rules.d/70-tokendoctor-055c-e000.rules") and *@ret_text,
 * a comment naming the token and td_udev_rule_make()'s rule, newline-terminated. Either output
 * may be NULL. 0, -ERANGE for an id above 0xffff, or -ENOMEM.
 */
int td_repair_udev_rule_file(unsigned vendor_id, unsigned product_id, char **ret_path, char **ret_text);

/* --- polkit: letting active local sessions use pcscd --------------------------------------- */

typedef enum {
        TD_POLKIT_NONE,  /* no polkit installed: pcscd asks nobody */
        TD_POLKIT_PKLA,  /* policykit-1 0.105 (Debian 11, UOS 20, Kylin V10): .pkla files only */
        TD_POLKIT_RULES, /* polkitd, or policykit-1 0.106 and later: JavaScript rules.d */
        _TD_POLKIT_FLAVOUR_MAX,
} TdPolkitFlavour;

/*
 * Which files the installed polkit reads, from the dpkg database: "polkitd" installed (any
 * version), or "policykit-1" at 0.106 or later (Debian's version order), reads rules; an older
 * "policykit-1" reads .pkla files only; neither is TD_POLKIT_NONE. Packages that are not fully
 * installed do not count. NULL is TD_POLKIT_NONE.
 */
TdPolkitFlavour td_repair_polkit_flavour(const TdDpkgStatus *status);

/* "none", "pkla", "rules". Static. */
const char *td_repair_polkit_flavour_to_string(TdPolkitFlavour flavour);

/* The polkit actions pcscd asks about (pcsc-lite's debian/ polkit policy). */
#define TD_REPAIR_PCSC_ACTION_ACCESS "org.debian.pcsc-lite.access_pcsc"
#define TD_REPAIR_PCSC_ACTION_CARD "org.debian.pcsc-lite.access_card"

/* The file allow-pcscd writes for @flavour, and its text; NULL for TD_POLKIT_NONE. Static. */
const char *td_repair_polkit_path(TdPolkitFlavour flavour);
const char *td_repair_polkit_text(TdPolkitFlavour flavour);

/* --- p11-kit: switching a module registration off ------------------------------------------ */

#define TD_REPAIR_P11KIT_SYSTEM_DIR "/etc/pkcs11/modules"
#define TD_REPAIR_P11KIT_PACKAGE_DIR "/usr/share/p11-kit/modules"

/*
 * The text of TD_REPAIR_P11KIT_SYSTEM_DIR/NAME that keeps p11-kit from loading registration
 * NAME in any program and in p11-kit-proxy, with nothing deleted:
 *
 *   @current NULL (no file of that name in /etc/pkcs11/modules; the registration is a
 *   package's in /usr/share/p11-kit/modules): a new file holding a comment and "enable-in:"
 *   with an empty value. p11-kit reads /etc before /usr/share and a key of the first file of a
 *   name wins (the later file only fills keys it leaves out), so the package's module: line
 *   still counts and the empty enable-in: names no program to load it in.
 *
 *   @current the text of the /etc file itself: that text, each of its enable-in: and
 *   disable-in: lines turned into a comment ("# disabled by tokendoctor: enable-in: ..."),
 *   then the same comment and "enable-in:" at the end.
 *
 * Why this and not a file moved aside: see td-repair-text.c. Returns 0 and a new string, or
 * -ENOMEM. @len: the length of @current.
 */
int td_repair_p11kit_disable_text(const char *current, size_t len, char **ret_text);

/*
 * Whether a registration's text, as p11-kit reads it, keeps the module out of every program:
 * its last enable-in: has an empty value. Pure.
 */
bool td_repair_p11kit_text_disables(const char *text, size_t len);

/* --- locales ------------------------------------------------------------------------------- */

/*
 * /etc/locale.gen with @locale (an allowed one, "zh_CN.UTF-8") enabled: its line
 * "# zh_CN.UTF-8 UTF-8" (any number of '#' and blanks before it) made "zh_CN.UTF-8 UTF-8", or
 * that line added at the end when there is none. *ret_changed false (and the text as it was)
 * when an uncommented line already names it. 0 and a new string, -EINVAL for a locale not
 * allowed, or -ENOMEM. @text need not be NUL-terminated; a NUL in it ends it.
 */
int td_repair_locale_gen_enable(const char *text, size_t len, const char *locale, char **ret_text,
                                bool *ret_changed);
