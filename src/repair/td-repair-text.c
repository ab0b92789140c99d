/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The texts of the repairs and the grammars of the helper's arguments (td-repair-text.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-p11kit.h"
#include "platform/td-usb.h"
#include "td-repair-text.h"
#include "td-util.h"

/* By byte value: the C library's ctype would follow the locale. */
static bool is_lower(char c) {
        return c >= 'a' && c <= 'z';
}
static bool is_upper(char c) {
        return c >= 'A' && c <= 'Z';
}
static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}
static bool is_lower_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool td_repair_package_name_is_valid(const char *name) {
        if (!name)
                return false;
        size_t n = strlen(name);
        /* Debian policy §5.6.1: at least two characters, starting with an alphanumeric. */
        if (n < 2 || n > TD_REPAIR_PACKAGE_NAME_MAX || !(is_lower(name[0]) || is_digit(name[0])))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(is_lower(name[i]) || is_digit(name[i]) || name[i] == '+' || name[i] == '.' ||
                      name[i] == '-'))
                        return false;
        return true;
}

static unsigned hex_value(char c) {
        return is_digit(c) ? (unsigned) (c - '0') : (unsigned) (c - 'a' + 10);
}

int td_repair_usb_id_parse(const char *s, unsigned *ret_vendor, unsigned *ret_product) {
        if (!s || strlen(s) != 9 || s[4] != ':')
                return -EINVAL;
        unsigned v = 0, p = 0;
        for (size_t i = 0; i < 4; i++) {
                if (!is_lower_hex(s[i]) || !is_lower_hex(s[5 + i]))
                        return -EINVAL;
                v = v * 16 + hex_value(s[i]);
                p = p * 16 + hex_value(s[5 + i]);
        }
        if (ret_vendor)
                *ret_vendor = v;
        if (ret_product)
                *ret_product = p;
        return 0;
}

bool td_repair_module_name_is_valid(const char *name) {
        if (!name)
                return false;
        size_t n = strlen(name);
        if (n <= strlen(".module") || n > TD_REPAIR_MODULE_NAME_MAX || !td_endswith(name, ".module"))
                return false;
        /* The first byte's class has neither '.' nor '-': no "..", no hidden file, no option. */
        if (!(is_lower(name[0]) || is_upper(name[0]) || is_digit(name[0]) || name[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++) {
                char c = name[i];
                if (!(is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '.' || c == '+' ||
                      c == '-'))
                        return false;
        }
        return true;
}

/* C.UTF-8 is built into glibc: generating it does nothing. */
static const char *const allowed_locales[] = { "zh_CN.UTF-8", "zh_SG.UTF-8", "en_US.UTF-8" };

bool td_repair_locale_is_allowed(const char *locale) {
        if (!locale)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(allowed_locales); i++)
                if (streq(locale, allowed_locales[i]))
                        return true;
        return false;
}

/*
 * What the checks' fixes install: the PC/SC service and its CCID reader driver (drivers.pcscd,
 * drivers.ccid), Chinese fonts (os.fonts), the locale tools (os.locale), time sync
 * (time.clock), NSS's certutil (browser.trust) and OpenSC with its PKCS#11 module (the
 * generic token module).
 */
const char *const td_repair_builtin_packages[] = {
        TD_REPAIR_PACKAGE_PCSCD,
        TD_REPAIR_PACKAGE_CCID,
        TD_REPAIR_PACKAGE_CJK_FONT,
        "fonts-wqy-microhei",
        "fonts-wqy-zenhei",
        "locales",
        "systemd-timesyncd",
        "libnss3-tools",
        "opensc",
        "opensc-pkcs11",
        NULL,
};

bool td_repair_package_is_builtin(const char *name) {
        return name && td_strv_contains(td_repair_builtin_packages, name);
}

/* --- udev --------------------------------------------------------------------------------- */

int td_repair_udev_rule_file(unsigned vendor_id, unsigned product_id, char **ret_path, char **ret_text) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        int r = td_udev_rule_make(vendor_id, product_id, &path, &line);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = td_strdup_printf(
                "# Written by tokendoctor: the CA token %04x:%04x for the user at the seat (its device\n"
                "# nodes, with an ACL for the active local session).\n%s\n",
                vendor_id, product_id, line);
        if (!text)
                return -ENOMEM;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        if (ret_text)
                *ret_text = TAKE_PTR(text);
        return 0;
}

/* --- polkit -------------------------------------------------------------------------------- */

/*
 * polkit 0.106 replaced the .pkla local authority with JavaScript rules; Debian kept 0.105
 * (with .pkla) as policykit-1 until bookworm's 122, which split it into polkitd (rules;
 * .pkla only through the optional polkitd-pkla) and pkexec, policykit-1 staying as a
 * transitional package.
 */
TdPolkitFlavour td_repair_polkit_flavour(const TdDpkgStatus *status) {
        TdPolkitFlavour flavour = TD_POLKIT_NONE;
        if (!status)
                return flavour;
        for (size_t i = 0; i < status->n_packages; i++) {
                const TdDpkgPackage *p = &status->packages[i];
                if (!p->installed)
                        continue;
                if (streq(p->package, "polkitd"))
                        return TD_POLKIT_RULES;
                if (streq(p->package, "policykit-1"))
                        flavour = p->version && td_version_compare(p->version, "0.106") >= 0
                                          ? TD_POLKIT_RULES
                                          : TD_POLKIT_PKLA;
        }
        return flavour;
}

const char *td_repair_polkit_flavour_to_string(TdPolkitFlavour flavour) {
        static const char *const names[_TD_POLKIT_FLAVOUR_MAX] = {
                [TD_POLKIT_NONE] = "none",
                [TD_POLKIT_PKLA] = "pkla",
                [TD_POLKIT_RULES] = "rules",
        };
        return (unsigned) flavour < _TD_POLKIT_FLAVOUR_MAX ? names[flavour] : NULL;
}

/*
 * subject.local and subject.active: the user at the machine, in the session in front, which is
 * who plugs the token in (polkit(8)); remote and background sessions still ask pcscd's default
 * (an administrator's password).
 */
static const char polkit_rules_text[] =
        "// Written by tokendoctor-helper (allow-pcscd): the user of an active local session may use\n"
        "// the smart card service (pcscd) and the cards in its readers, such as the CA token.\n"
        "polkit.addRule(function(action, subject) {\n"
        "    if ((action.id == \"" TD_REPAIR_PCSC_ACTION_ACCESS "\" ||\n"
        "         action.id == \"" TD_REPAIR_PCSC_ACTION_CARD "\") &&\n"
        "        subject.local && subject.active) {\n"
        "        return polkit.Result.YES;\n"
        "    }\n"
        "});\n";

/* pklocalauthority(8): ResultActive is the answer for a local, active session. */
static const char polkit_pkla_text[] =
        "# Written by tokendoctor-helper (allow-pcscd): the user of an active local session may use\n"
        "# the smart card service (pcscd) and the cards in its readers, such as the CA token.\n"
        "[tokendoctor: active local sessions may use pcscd]\n"
        "Identity=unix-user:*\n"
        "Action=" TD_REPAIR_PCSC_ACTION_ACCESS ";" TD_REPAIR_PCSC_ACTION_CARD "\n"
        "ResultAny=no\n"
        "ResultInactive=no\n"
        "ResultActive=yes\n";

const char *td_repair_polkit_path(TdPolkitFlavour flavour) {
        switch (flavour) {
        case TD_POLKIT_RULES:
                return "/etc/polkit-1/rules.d/60-tokendoctor-pcscd.rules";
        case TD_POLKIT_PKLA:
                return "/etc/polkit-1/localauthority/50-local.d/60-tokendoctor-pcscd.pkla";
        default:
                return NULL;
        }
}

const char *td_repair_polkit_text(TdPolkitFlavour flavour) {
        switch (flavour) {
        case TD_POLKIT_RULES:
                return polkit_rules_text;
        case TD_POLKIT_PKLA:
                return polkit_pkla_text;
        default:
                return NULL;
        }
}

/* --- p11-kit ------------------------------------------------------------------------------- */

/*
 * How p11-kit decides, read in its source (p11-glue/p11-kit, 0.23.9 to 0.26.4 alike):
 *
 * - p11-kit/conf.c, load_configs_from_directory(): every entry of a module directory that
 *   stat()s as anything but a directory is parsed. load_config_from_file() names it by
 *   calc_name_from_filename(), which takes "X.module" as "X"; any other file name is still
 *   loaded, under its whole name, with the message "invalid config filename, will be ignored
 *   in the future". So moving X.module to X.module.disabled in the same directory does not
 *   switch the module off: it is loaded as "X.module.disabled".
 *
 * - _p11_conf_load_modules() reads the user's directory, then /etc/pkcs11/modules, then
 *   /usr/share/p11-kit/modules; for a name already seen, _p11_conf_merge_defaults() only adds
 *   the keys the earlier file left out. So an /etc file does not replace the package's file
 *   wholly: an /etc file without module: still loads the package's module: (moving the
 *   package's file aside would be undone by its next upgrade anyway).
 *
 * - p11-kit/modules.c, is_module_enabled_unlocked(): when enable-in is set (to anything, ""
 *   too) a module is loaded only in the programs it names, or through p11-kit-proxy when it
 *   names "p11-kit-proxy"; disable-in is then not looked at. take_config_and_load_module_inlock()
 *   asks this before it opens the library or a remote (and before critical: can matter). The
 *   lexer (common/lexer.c, p11_lexer_next()) keeps an empty value as "".
 *
 * - A blank module: (pkcs11.conf(5): "the module will be ignored") is not special in the
 *   code: load_module_from_file_inlock() dlopen()s the module directory itself and fails,
 *   which a critical: yes merged in from the package file makes fatal for every module.
 *
 * So the one switch p11-kit honours for both directories is an empty enable-in: in the /etc
 * file of the registration's name, which wins over the package's file and names no program.
 */
static const char p11kit_disable_block[] =
        "# Disabled by tokendoctor-helper (disable-module): p11-kit loads a module only in the\n"
        "# programs its enable-in: names, and this one names none. Undone by\n"
        "# `tokendoctor-helper restore ID` with the journal id it printed.\n"
        "enable-in:\n";

#define P11KIT_COMMENTED "# disabled by tokendoctor: "

/* The key of a `key: value` line of p11-kit's lexer (blanks around it stripped), or NULL. */
static bool p11kit_line_key_is(const char *line, size_t n, const char *key) {
        while (n > 0 && (*line == ' ' || *line == '\t')) {
                line++;
                n--;
        }
        if (n == 0 || *line == '#')
                return false;
        const char *colon = memchr(line, ':', n);
        if (!colon)
                return false;
        size_t k = (size_t) (colon - line);
        while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t'))
                k--;
        return k == strlen(key) && memcmp(line, key, k) == 0;
}

int td_repair_p11kit_disable_text(const char *current, size_t len, char **ret_text) {
        if (!current)
                len = 0;
        else
                len = strnlen(current, len);

        /* Each line may gain the comment prefix; the block and a newline come at the end. */
        size_t lines = 1;
        for (size_t i = 0; i < len; i++)
                lines += current[i] == '\n';
        size_t cap = len + lines * strlen(P11KIT_COMMENTED) + sizeof p11kit_disable_block + 2;
        _cleanup_free_ char *out = malloc(cap);
        if (!out)
                return -ENOMEM;

        size_t o = 0;
        for (size_t i = 0; i < len;) {
                const char *eol = memchr(current + i, '\n', len - i);
                size_t n = eol ? (size_t) (eol - (current + i)) : len - i;
                if (p11kit_line_key_is(current + i, n, "enable-in") ||
                    p11kit_line_key_is(current + i, n, "disable-in")) {
                        memcpy(out + o, P11KIT_COMMENTED, strlen(P11KIT_COMMENTED));
                        o += strlen(P11KIT_COMMENTED);
                }
                memcpy(out + o, current + i, n);
                o += n;
                out[o++] = '\n';
                i += n + (eol ? 1 : 0);
        }
        if (o > 0)
                out[o++] = '\n';
        memcpy(out + o, p11kit_disable_block, sizeof p11kit_disable_block);
        *ret_text = TAKE_PTR(out);
        return 0;
}

bool td_repair_p11kit_text_disables(const char *text, size_t len) {
        TdP11KitConf *conf = NULL;
        if (td_p11kit_conf_parse(text, len, &conf) < 0)
                return false;
        const char *enable_in = td_p11kit_conf_get(conf, "enable-in");
        bool disabled = enable_in && !enable_in[0];
        td_p11kit_conf_free(conf);
        return disabled;
}

/* --- locales ------------------------------------------------------------------------------- */

/*
 * A locale.gen line's first two words after any '#' and blanks (the commented-out form Debian
 * ships is "# zh_CN.UTF-8 UTF-8"); whether it names @locale with @charset, and whether it was
 * commented out.
 */
static bool locale_line_names(const char *line, size_t n, const char *locale, const char *charset,
                              bool *ret_commented) {
        size_t i = 0;
        bool commented = false;
        while (i < n && (line[i] == '#' || line[i] == ' ' || line[i] == '\t')) {
                commented = commented || line[i] == '#';
                i++;
        }
        size_t w1 = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
                i++;
        size_t w1_len = i - w1;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
                i++;
        size_t w2 = i;
        while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
                i++;
        size_t w2_len = i - w2;
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
        if (i != n || w1_len != strlen(locale) || memcmp(line + w1, locale, w1_len) != 0 ||
            w2_len != strlen(charset) || memcmp(line + w2, charset, w2_len) != 0)
                return false;
        *ret_commented = commented;
        return true;
}

int td_repair_locale_gen_enable(const char *text, size_t len, const char *locale, char **ret_text,
                                bool *ret_changed) {
        if (!td_repair_locale_is_allowed(locale))
                return -EINVAL;
        /* Every allowed locale is "NAME.UTF-8", generated with the UTF-8 charmap. */
        const char *charset = strchr(locale, '.') + 1;
        len = text ? strnlen(text, len) : 0;

        size_t commented_at = len, commented_len = 0;
        bool found_commented = false;
        for (size_t i = 0; i < len;) {
                const char *eol = memchr(text + i, '\n', len - i);
                size_t n = eol ? (size_t) (eol - (text + i)) : len - i;
                bool commented;
                if (locale_line_names(text + i, n, locale, charset, &commented)) {
                        if (!commented) {
                                char *same = strndup(text, len);
                                if (!same)
                                        return -ENOMEM;
                                *ret_text = same;
                                *ret_changed = false;
                                return 0;
                        }
                        if (!found_commented) {
                                found_commented = true;
                                commented_at = i;
                                commented_len = n;
                        }
                }
                i += n + (eol ? 1 : 0);
        }

        _cleanup_free_ char *line = td_strdup_printf("%s %s", locale, charset);
        if (!line)
                return -ENOMEM;
        char *out;
        if (found_commented)
                out = td_strdup_printf("%.*s%s%.*s", (int) commented_at, text, line,
                                       (int) (len - commented_at - commented_len),
                                       text + commented_at + commented_len);
        else
                out = td_strdup_printf("%.*s%s%s\n", (int) len, text ? text : "",
                                       len > 0 && text[len - 1] != '\n' ? "\n" : "", line);
        if (!out)
                return -ENOMEM;
        *ret_text = out;
        *ret_changed = true;
        return 0;
}
