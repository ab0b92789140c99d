/* SPDX-License-Identifier: GPL-3.0-or-later */
/* td-repair-text: the grammars of the helper's arguments and the texts of its repairs. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform/td-dpkg.h"
#include "platform/td-p11kit.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

static void test_package_names(void **state) {
        const char *good[] = { "pcscd", "libccid", "fonts-noto-cjk", "g++", "libstdc++6",
                               "0ad",   "a0",      "x.y-z+1" };
        const char *bad[] = { NULL,          "",        "a",       "-a",     "+a",       ".a",
                              "Pcscd",       "pcscd ",  "pcscd\n", "pc scd", "pcscd;",   "pcscd/x",
                              "pcscd:amd64", "pcscd=1", "pcscd*",  "pcsc_d", "p\xc3\xa9" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                assert_true(td_repair_package_name_is_valid(good[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_false(td_repair_package_name_is_valid(bad[i]));
        char name[102];
        memset(name, 'a', sizeof name);
        name[100] = '\0';
        assert_true(td_repair_package_name_is_valid(name));
        name[100] = 'a';
        name[101] = '\0';
        assert_false(td_repair_package_name_is_valid(name));
}

static void test_usb_ids(void **state) {
        unsigned v = 0, p = 0;
        assert_int_equal(td_repair_usb_id_parse("055c:e000", &v, &p), 0);
        assert_int_equal(v, 0x055c);
        assert_int_equal(p, 0xe000);
        assert_int_equal(td_repair_usb_id_parse("ffff:0000", &v, &p), 0);
        assert_int_equal(v, 0xffff);
        assert_int_equal(p, 0);
        assert_int_equal(td_repair_usb_id_parse("096e:0807", NULL, NULL), 0);
        const char *bad[] = { NULL,         "",           "055C:e000",  "055c:E000", "0x55:e000",
                              "055c:*",     "055c",       "055c:e0001", "055c:e00",  "055c-e000",
                              " 055c:e000", "055c:e000 ", "055c:e00g",  "055c::e00", "055c:e000\n" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(td_repair_usb_id_parse(bad[i], &v, &p), -EINVAL);
}

static void test_module_names(void **state) {
        const char *good[] = { "opensc-pkcs11.module", "p11-kit-trust.module", "_x.module", "A+b.c-d.module",
                               "x.module.module" };
        const char *bad[] = { NULL,          "",           ".module",      "x.modules",  "x.module/",
                              "../x.module", "a/b.module", "-x.module",    ".x.module",  "x y.module",
                              "x;.module",   "x$.module",  "x\n.module",   "x.module\n", "x\xff.module",
                              "module",      "x.MODULE",   "/etc/x.module" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                assert_true(td_repair_module_name_is_valid(good[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_false(td_repair_module_name_is_valid(bad[i]));
        char name[210];
        memset(name, 'a', sizeof name);
        strcpy(name + 193, ".module"); /* 200 bytes */
        assert_true(td_repair_module_name_is_valid(name));
        memset(name, 'a', sizeof name);
        strcpy(name + 194, ".module");
        assert_false(td_repair_module_name_is_valid(name));
}

static void test_locales(void **state) {
        assert_true(td_repair_locale_is_allowed("zh_CN.UTF-8"));
        assert_true(td_repair_locale_is_allowed("zh_SG.UTF-8"));
        assert_true(td_repair_locale_is_allowed("en_US.UTF-8"));
        const char *bad[] = {
                NULL, "", "C.UTF-8", "zh_CN.utf8", "zh_CN", "zh_TW.UTF-8", "zh_CN.UTF-8 ", "zh_CN.GB2312"
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_false(td_repair_locale_is_allowed(bad[i]));
}

static void test_builtin_packages(void **state) {
        for (const char *const *p = td_repair_builtin_packages; *p; p++) {
                assert_true(td_repair_package_name_is_valid(*p));
                assert_true(td_repair_package_is_builtin(*p));
        }
        assert_true(td_repair_package_is_builtin("pcscd"));
        assert_false(td_repair_package_is_builtin("pcsc-tools"));
        assert_false(td_repair_package_is_builtin("bash"));
        assert_false(td_repair_package_is_builtin(NULL));
}

static TdPolkitFlavour flavour_of(const char *status_text) {
        TdDpkgStatus *status = NULL;
        assert_int_equal(td_dpkg_status_parse(status_text, strlen(status_text), &status), 0);
        TdPolkitFlavour f = td_repair_polkit_flavour(status);
        td_dpkg_status_free(status);
        return f;
}

static void test_polkit_flavour(void **state) {
        /* Debian 12: polkitd 122 (and policykit-1 122 as a transitional package). */
        assert_int_equal(flavour_of("Package: polkitd\nStatus: install ok installed\nVersion: 122-3\n\n"
                                    "Package: policykit-1\nStatus: install ok installed\nVersion: 122-3\n"),
                         TD_POLKIT_RULES);
        /* Debian 11, UOS 20, Kylin V10: policykit-1 0.105. */
        assert_int_equal(
                flavour_of(
                        "Package: policykit-1\nStatus: install ok installed\nVersion: 0.105-31+deb11u1\n"),
                TD_POLKIT_PKLA);
        assert_int_equal(
                flavour_of("Package: policykit-1\nStatus: install ok installed\nVersion: 0.105-26kylin7\n"),
                TD_POLKIT_PKLA);
        /* 0.106 is the first with rules; an epoch counts. */
        assert_int_equal(
                flavour_of("Package: policykit-1\nStatus: install ok installed\nVersion: 0.106-1\n"),
                TD_POLKIT_RULES);
        assert_int_equal(
                flavour_of("Package: policykit-1\nStatus: install ok installed\nVersion: 0.105.99\n"),
                TD_POLKIT_PKLA);
        assert_int_equal(
                flavour_of("Package: policykit-1\nStatus: install ok installed\nVersion: 1:0.105\n"),
                TD_POLKIT_RULES);
        /* Not installed, or only its configuration left: no polkit. */
        assert_int_equal(flavour_of("Package: polkitd\nStatus: deinstall ok config-files\nVersion: 122-3\n"),
                         TD_POLKIT_NONE);
        assert_int_equal(flavour_of("Package: pcscd\nStatus: install ok installed\nVersion: 1.9.9-2\n"),
                         TD_POLKIT_NONE);
        /* polkitd wins wherever it is in the file. */
        assert_int_equal(
                flavour_of("Package: policykit-1\nStatus: install ok installed\nVersion: 0.105-31\n\n"
                           "Package: polkitd\nStatus: install ok installed\nVersion: 122-3\n"),
                TD_POLKIT_RULES);
        assert_int_equal(td_repair_polkit_flavour(NULL), TD_POLKIT_NONE);
        assert_string_equal(td_repair_polkit_flavour_to_string(TD_POLKIT_PKLA), "pkla");
        assert_null(td_repair_polkit_path(TD_POLKIT_NONE));
        assert_null(td_repair_polkit_text(TD_POLKIT_NONE));
}

static void test_polkit_texts(void **state) {
        const char *rules = td_repair_polkit_text(TD_POLKIT_RULES);
        assert_non_null(strstr(rules, "polkit.addRule("));
        assert_non_null(strstr(rules, "\"org.debian.pcsc-lite.access_pcsc\""));
        assert_non_null(strstr(rules, "\"org.debian.pcsc-lite.access_card\""));
        assert_non_null(strstr(rules, "subject.local && subject.active"));
        assert_true(td_endswith(td_repair_polkit_path(TD_POLKIT_RULES), ".rules"));
        assert_true(td_startswith(td_repair_polkit_path(TD_POLKIT_RULES), "/etc/polkit-1/rules.d/"));

        const char *pkla = td_repair_polkit_text(TD_POLKIT_PKLA);
        assert_non_null(strstr(
                pkla, "\nAction=org.debian.pcsc-lite.access_pcsc;org.debian.pcsc-lite.access_card\n"));
        assert_non_null(strstr(pkla, "\nResultActive=yes\n"));
        assert_non_null(strstr(pkla, "\nResultInactive=no\n"));
        assert_non_null(strstr(pkla, "\nResultAny=no\n"));
        assert_true(td_endswith(td_repair_polkit_path(TD_POLKIT_PKLA), ".pkla"));
        assert_true(td_startswith(td_repair_polkit_path(TD_POLKIT_PKLA),
                                  "/etc/polkit-1/localauthority/50-local.d/"));
}

/* What p11-kit's merge would make of the text: the keys as td-p11kit (p11-kit's reading) sees them. */
static const char *conf_get(const char *text, const char *key, char *buf, size_t size) {
        TdP11KitConf *conf = NULL;
        assert_int_equal(td_p11kit_conf_parse(text, strlen(text), &conf), 0);
        const char *v = td_p11kit_conf_get(conf, key);
        const char *ret = NULL;
        if (v) {
                snprintf(buf, size, "%s", v);
                ret = buf;
        }
        td_p11kit_conf_free(conf);
        return ret;
}

static void test_p11kit_disable(void **state) {
        char buf[256];
        char *text = NULL;

        /* A package's registration: a new /etc file with an empty enable-in and nothing else. */
        assert_int_equal(td_repair_p11kit_disable_text(NULL, 0, &text), 0);
        assert_string_equal(conf_get(text, "enable-in", buf, sizeof buf), "");
        assert_null(conf_get(text, "module", buf, sizeof buf));
        assert_null(conf_get(text, "disable-in", buf, sizeof buf));
        assert_true(td_repair_p11kit_text_disables(text, strlen(text)));
        free(text);

        /* The administrator's own: every line kept, enable-in/disable-in commented out, then the switch. */
        const char *etc =
                "# my token\nmodule: /opt/vendor/libgm3000.so\n  enable-in: firefox, p11-kit-proxy\n"
                "disable-in:chromium\ncritical: yes\nx-note: enable-in: is mentioned here";
        assert_false(td_repair_p11kit_text_disables(etc, strlen(etc)));
        assert_int_equal(td_repair_p11kit_disable_text(etc, strlen(etc), &text), 0);
        assert_non_null(strstr(text, "# my token\nmodule: /opt/vendor/libgm3000.so\n"
                                     "# disabled by tokendoctor:   enable-in: firefox, p11-kit-proxy\n"
                                     "# disabled by tokendoctor: disable-in:chromium\ncritical: yes\n"
                                     "x-note: enable-in: is mentioned here\n\n"));
        assert_true(td_endswith(text, "\nenable-in:\n"));
        assert_string_equal(conf_get(text, "module", buf, sizeof buf), "/opt/vendor/libgm3000.so");
        assert_string_equal(conf_get(text, "enable-in", buf, sizeof buf), "");
        assert_null(conf_get(text, "disable-in", buf, sizeof buf));
        assert_string_equal(conf_get(text, "x-note", buf, sizeof buf), "enable-in: is mentioned here");
        assert_true(td_repair_p11kit_text_disables(text, strlen(text)));
        /* p11-kit refuses a whole file for a [section] or a line without a colon: none is added. */
        for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
                assert_true(line[0] == '#' || line[0] == '\n' || memchr(line, ':', strcspn(line, "\n")));
                assert_true(line[0] != '[');
        }
        free(text);

        /* A later non-empty enable-in wins in p11-kit's reading: not disabled. */
        const char *again = "enable-in:\nenable-in: firefox\n";
        assert_false(td_repair_p11kit_text_disables(again, strlen(again)));
}

static void test_locale_gen(void **state) {
        const char *debian =
                "# This file lists locales that you wish to have built.\n"
                "# en_US ISO-8859-1\n# en_US.UTF-8 UTF-8\n# zh_CN GB2312\n# zh_CN.GB18030 GB18030\n"
                "# zh_CN.UTF-8 UTF-8\n# zh_SG.UTF-8 UTF-8\n";
        char *out = NULL;
        bool changed = false;
        assert_int_equal(td_repair_locale_gen_enable(debian, strlen(debian), "zh_CN.UTF-8", &out, &changed),
                         0);
        assert_true(changed);
        assert_non_null(strstr(
                out, "\n# zh_CN GB2312\n# zh_CN.GB18030 GB18030\nzh_CN.UTF-8 UTF-8\n# zh_SG.UTF-8 UTF-8\n"));
        assert_int_equal(strlen(out), strlen(debian) - 2);

        /* Enabled already: the same text, unchanged. */
        char *again = NULL;
        assert_int_equal(td_repair_locale_gen_enable(out, strlen(out), "zh_CN.UTF-8", &again, &changed), 0);
        assert_false(changed);
        assert_string_equal(again, out);
        free(again);
        free(out);

        /* No line for it: added at the end, after a newline the file lacked. */
        const char *bare = "en_US.UTF-8 UTF-8";
        assert_int_equal(td_repair_locale_gen_enable(bare, strlen(bare), "zh_SG.UTF-8", &out, &changed), 0);
        assert_true(changed);
        assert_string_equal(out, "en_US.UTF-8 UTF-8\nzh_SG.UTF-8 UTF-8\n");
        free(out);
        assert_int_equal(td_repair_locale_gen_enable("", 0, "en_US.UTF-8", &out, &changed), 0);
        assert_string_equal(out, "en_US.UTF-8 UTF-8\n");
        free(out);

        /* "##zh_CN.UTF-8   UTF-8" counts; "zh_CN.UTF-8 UTF-8 x" and "# zh_CN.UTF-8" do not. */
        const char *odd = "# zh_CN.UTF-8\nzh_CN.UTF-8 UTF-8 x\n##zh_CN.UTF-8   UTF-8\r\n";
        assert_int_equal(td_repair_locale_gen_enable(odd, strlen(odd), "zh_CN.UTF-8", &out, &changed), 0);
        assert_true(changed);
        assert_string_equal(out, "# zh_CN.UTF-8\nzh_CN.UTF-8 UTF-8 x\nzh_CN.UTF-8 UTF-8\n");
        free(out);

        assert_int_equal(td_repair_locale_gen_enable(debian, strlen(debian), "zh_TW.UTF-8", &out, &changed),
                         -EINVAL);
}

static void test_udev_rule_file(void **state) {
        char *path = NULL, *text = NULL;
        assert_int_equal(td_repair_udev_rule_file(0x055c, 0xe000, &path, &text), 0);
        assert_string_equal(path, "/etc/udev/rules.d/70-tokendoctor-055c-e000.rules");
        assert_true(td_startswith(text, "# Written by tokendoctor: the CA token 055c:e000 "));
        assert_true(td_endswith(
                text, "\nSUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055c\", ATTRS{idProduct}==\"e000\", "
                      "MODE=\"0660\", TAG+=\"uaccess\"\n"));
        free(path);
        free(text);
        assert_int_equal(td_repair_udev_rule_file(0x10000, 1, &path, &text), -ERANGE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_package_names),    cmocka_unit_test(test_usb_ids),
                cmocka_unit_test(test_module_names),     cmocka_unit_test(test_locales),
                cmocka_unit_test(test_builtin_packages), cmocka_unit_test(test_polkit_flavour),
                cmocka_unit_test(test_polkit_texts),     cmocka_unit_test(test_p11kit_disable),
                cmocka_unit_test(test_locale_gen),       cmocka_unit_test(test_udev_rule_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
