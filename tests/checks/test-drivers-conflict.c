/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.conflict against fixture roots (dpkg database, p11-kit module directories, reader
 * driver bundles) and a temporary $HOME, and the .module file parser under it.
 */
#include "check-fixture.h"
#include "platform/td-p11kit.h"

extern const TdCheck td_check_drivers_conflict;

#define STATUS_FILE "var/lib/dpkg/status"
#define SYSTEM_MODULES "usr/share/p11-kit/modules"
#define ETC_MODULES "etc/pkcs11/modules"
#define BUNDLE_DIR "usr/lib/pcsc/drivers"

#define STANZA(name, status, arch, version)                                                                 \
        "Package: " name "\nStatus: " status "\nArchitecture: " arch "\nVersion: " version "\n\n"
#define OK "install ok installed"

/* A reader driver for 096e:0807 (with its library) in the shape vendors ship. */
#define PLIST(executable)                                                                                   \
        "<plist><dict>\n"                                                                                   \
        "<key>CFBundleExecutable</key><string>" executable "</string>\n"                                    \
        "<key>ifdVendorID</key><array><string>0x096E</string><string>0x072F</string></array>\n"             \
        "<key>ifdProductID</key><array><string>0x0807</string><string>0x90CC</string></array>\n"            \
        "<key>ifdFriendlyName</key><array><string>Feitian ePass2003</string><string>ACR38U</string>"        \
        "</array>\n"                                                                                        \
        "</dict></plist>\n"
#define PLIST_OTHER                                                                                         \
        "<plist><dict><key>CFBundleExecutable</key><string>libother.so</string>\n"                          \
        "<key>ifdVendorID</key><string>0x1234</string><key>ifdProductID</key><string>0x5678</string>\n"     \
        "</dict></plist>\n"

typedef struct {
        char *root;
        char *home;
} Fixture;

static void fixture_new(Fixture *f) {
        f->root = fixture_new_root("conflict");
        f->home = fixture_new_root("conflict-home");
}

static void fixture_done(Fixture *f) {
        fixture_remove(f->root);
        fixture_remove(f->home);
}

/* A file in the user's p11-kit module directory ($XDG_CONFIG_HOME/pkcs11/modules). */
static void user_module(const Fixture *f, const char *name, const char *text) {
        char *rel = td_strdup_printf("config/pkcs11/modules/%s", name);
        assert_non_null(rel);
        fixture_write_text(f->home, rel, text);
        free(rel);
}

static void add_bundle(const char *root, const char *name, const char *plist, const char *library) {
        char *rel = td_strdup_printf(BUNDLE_DIR "/%s/Contents/Info.plist", name);
        assert_non_null(rel);
        fixture_write_text(root, rel, plist);
        free(rel);
        rel = td_strdup_printf(BUNDLE_DIR "/%s/Contents/Linux/%s", name, library);
        assert_non_null(rel);
        fixture_write_text(root, rel, "\177ELF");
        free(rel);
}

static TdProfile *profile_with(const char *package_glob) {
        TdProfile *p = fixture_profile();
        td_strv_free(p->driver_packages);
        p->driver_packages = td_strv_split(package_glob, ",");
        assert_non_null(p->driver_packages);
        return p;
}

/* Run the check on @f's root, with @f's home as $HOME and its config/ as $XDG_CONFIG_HOME. */
static void run_conflict(const Fixture *f, TdProfile *profile, TdResult *r) {
        char *xdg = td_strdup_printf("%s/config", f->home);
        assert_non_null(xdg);
        assert_int_equal(setenv("HOME", f->home, 1), 0);
        assert_int_equal(setenv("XDG_CONFIG_HOME", xdg, 1), 0);
        free(xdg);
        fixture_run(&td_check_drivers_conflict, f->root, profile, r);
}

static void test_nothing_doubled_passes(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(
                f.root, STATUS_FILE,
                STANZA("vendor-driver", OK, "amd64", "2.0") STANZA("vendor-driver", OK, "i386", "2.0")
                        STANZA("vendor-driver-old", "deinstall ok config-files", "amd64", "1.0"));
        fixture_write_text(f.root, SYSTEM_MODULES "/opensc-pkcs11.module", "module: opensc-pkcs11.so\n");
        fixture_write_text(f.root, SYSTEM_MODULES "/vendor.module",
                           "module: /opt/vendor/libgm3000.1.0.so\n");
        add_bundle(f.root, "ifd-vendor.bundle", PLIST("libvendor.so"), "libvendor.so");
        add_bundle(f.root, "ifd-other.bundle", PLIST_OTHER, "libother.so");
        /* Arch links /usr/lib64 to /usr/lib: one bundle reached twice is one driver. */
        fixture_symlink(f.root, "usr/lib64", "lib");

        TdResult r;
        run_conflict(&f, profile_with("vendor-driver*"), &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "conflicts", "[]");
        /* Multi-Arch's two architectures are one package; one left as config-files is not installed. */
        assert_detail_json(&r, "driver_packages", "1");
        assert_detail_json(&r, "pkcs11_registrations", "2");
        assert_detail_json(&r, "reader_drivers", "2");
        assert_message_contains(&r, "2 PKCS#11");
        td_result_clear(&r);

        /* Without [drivers] packages the platform part is not looked at, and says so. */
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "driver_packages", "null");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_platform_driver_twice(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, STATUS_FILE,
                           STANZA("libc6", OK, "amd64", "2.36") STANZA("vendor-driver", OK, "amd64", "1.0-1")
                                   STANZA("vendor-driver-v2", OK, "amd64", "2.0-3"));
        TdResult r;
        run_conflict(&f, profile_with("vendor-driver*"), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_message_contains(&r, "vendor-driver 1.0-1, vendor-driver-v2 2.0-3");
        assert_detail_json(&r, "conflicts",
                           "[{\"kind\":\"platform-driver\",\"patterns\":[\"vendor-driver*\"],\"packages\":["
                           "{\"name\":\"vendor-driver\",\"version\":\"1.0-1\"},"
                           "{\"name\":\"vendor-driver-v2\",\"version\":\"2.0-3\"}]}]");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_one_library_registered_twice(void **state) {
        Fixture f;
        fixture_new(&f);
        char *lib = td_strdup_printf("%s/opensc-pkcs11.so", td_p11kit_module_dir());
        assert_non_null(lib);
        fixture_write_text(f.root, lib + 1, "\177ELF");
        /* A bare name in p11-kit's module directory, and the same file by its full path. */
        fixture_write_text(f.root, SYSTEM_MODULES "/opensc-pkcs11.module",
                           "# Debian's\nmodule: opensc-pkcs11.so\n");
        char *text = td_strdup_printf("module: %s\n", lib);
        assert_non_null(text);
        fixture_write_text(f.root, ETC_MODULES "/opensc-copy.module", text);
        free(text);
        /* A third through an absolute link, resolved inside the root. */
        fixture_symlink(f.root, "opt/vendor/libopensc.so", lib);
        fixture_write_text(f.root, ETC_MODULES "/linked.module", "module: /opt/vendor/libopensc.so\n");

        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_message_contains(&r, "3 times");
        assert_detail(&r, "conflicts.0.kind", "pkcs11-module");
        assert_detail(&r, "conflicts.0.library", lib);
        assert_detail(&r, "conflicts.0.module", "opensc-pkcs11");
        assert_detail(&r, "conflicts.0.registrations.0.file", "/etc/pkcs11/modules/linked.module");
        assert_detail(&r, "conflicts.0.registrations.1.file", "/etc/pkcs11/modules/opensc-copy.module");
        assert_detail(&r, "conflicts.0.registrations.2.file",
                      "/usr/share/p11-kit/modules/opensc-pkcs11.module");
        assert_false(td_result_has_detail(&r, "conflicts.1"));
        td_result_clear(&r);
        free(lib);
        fixture_done(&f);
}

static void test_two_versions_of_a_module(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, "opt/lm/lib/libgm3000.1.0.so", "\177ELF");
        fixture_write_text(f.root, "opt/apps/gm3000/libgm3000.2.0.so", "\177ELF");
        fixture_write_text(f.root, SYSTEM_MODULES "/gm3000.module",
                           "module: /opt/lm/lib/libgm3000.1.0.so\n");
        fixture_write_text(f.root, ETC_MODULES "/gm3000-new.module",
                           "module: /opt/apps/gm3000/libgm3000.2.0.so\npriority: 5\n");
        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_message_contains(&r, "libgm3000");
        assert_message_contains(&r, "/opt/lm/lib/libgm3000.1.0.so, /opt/apps/gm3000/libgm3000.2.0.so");
        assert_detail_json(&r, "conflicts",
                           "[{\"kind\":\"pkcs11-module\",\"module\":\"libgm3000\",\"library\":null,"
                           "\"registrations\":[{\"name\":\"gm3000\",\"file\":"
                           "\"/usr/share/p11-kit/modules/gm3000.module\",\"user\":false,\"library\":"
                           "\"/opt/lm/lib/libgm3000.1.0.so\",\"version\":\"1.0\"},{\"name\":\"gm3000-new\","
                           "\"file\":\"/etc/pkcs11/modules/gm3000-new.module\",\"user\":false,\"library\":"
                           "\"/opt/apps/gm3000/libgm3000.2.0.so\",\"version\":\"2.0\"}]}]");
        td_result_clear(&r);
        fixture_done(&f);
}

/*
 * p11-kit loads a file without the .module suffix too, under its whole name (conf.c,
 * calc_name_from_filename()): a registration renamed aside is still one.
 */
static void test_renamed_registration_still_counts(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, SYSTEM_MODULES "/vendor.module", "module: /opt/v/libvendor.so\n");
        fixture_write_text(f.root, ETC_MODULES "/vendor.module.disabled", "module: /opt/v/libvendor.so\n");
        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_detail(&r, "conflicts.0.registrations.1.name", "vendor.module.disabled");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_disabled_registrations_do_not_count(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, SYSTEM_MODULES "/vendor.module", "module: /opt/v/libvendor.so\n");
        fixture_write_text(f.root, ETC_MODULES "/blank.module", "module:\n# switched off\n");
        fixture_write_text(f.root, ETC_MODULES "/not-proxy.module",
                           "module: /opt/v/libvendor.so\r\ndisable-in: firefox, p11-kit-proxy\r\n");
        fixture_write_text(f.root, ETC_MODULES "/only-ssh.module",
                           "module: /opt/v/libvendor.so\nenable-in: ssh seahorse\n");
        fixture_write_text(f.root, ETC_MODULES "/remote.module",
                           "module: /opt/v/libvendor.so\nremote: |ssh host p11-kit remote /x.so\n");
        fixture_write_text(f.root, ETC_MODULES "/.hidden.module", "module: /opt/v/libvendor.so\n");
        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "pkcs11_registrations", "1");
        assert_detail(&r, "registrations.0.name", "blank");
        assert_detail(&r, "registrations.0.state", "blank-module");
        assert_detail_json(&r, "registrations.0.library", "null");
        assert_detail(&r, "registrations.1.state", "disable-in");
        assert_detail(&r, "registrations.2.state", "enable-in");
        assert_detail(&r, "registrations.3.state", "remote");
        assert_detail(&r, "registrations.4.state", "loaded");
        assert_false(td_result_has_detail(&r, "registrations.5"));
        td_result_clear(&r);

        /* enable-in naming the proxy lets it in, and the doubling shows. */
        fixture_write_text(f.root, ETC_MODULES "/only-ssh.module",
                           "module: /opt/v/libvendor.so\nenable-in: ssh,p11-kit-proxy\n");
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_detail(&r, "conflicts.0.library", "/opt/v/libvendor.so");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_user_file_overrides_system_file(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, SYSTEM_MODULES "/vendor.module", "module: /opt/v/libvendor.so\n");
        fixture_write_text(f.root, ETC_MODULES "/vendor-again.module", "module: /opt/v/libvendor.so\n");
        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        td_result_clear(&r);

        /* The user's file of the name keeps the system's module but keeps it from the proxy. */
        user_module(&f, "vendor-again.module", "disable-in: p11-kit-proxy\n");
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "registrations.1.name", "vendor-again");
        assert_detail_json(&r, "registrations.1.user", "true");
        assert_detail(&r, "registrations.1.library", "/opt/v/libvendor.so");
        assert_detail(&r, "registrations.1.state", "disable-in");
        assert_detail(&r, "registrations.1.files.1", "/etc/pkcs11/modules/vendor-again.module");
        td_result_clear(&r);

        /* A user's registration of its own doubles the system's. */
        user_module(&f, "vendor-again.module", "module: /opt/v/libvendor.so\n");
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_detail_json(&r, "conflicts.0.registrations.1.user", "true");
        td_result_clear(&r);

        /* The system's user-config: none leaves the user's files out. */
        user_module(&f, "vendor.module", "module:\n");
        user_module(&f, "vendor-again.module", "module:\n");
        fixture_write_text(f.root, "etc/pkcs11/pkcs11.conf", "user-config: none\n");
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        td_result_clear(&r);
        fixture_write_text(f.root, "etc/pkcs11/pkcs11.conf", "user-config: merge\n");
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_links_out_of_the_root_not_followed(void **state) {
        Fixture f;
        fixture_new(&f);
        /* A library outside the root that both links would reach if they were followed there. */
        char *outside = fixture_new_root("conflict-outside");
        fixture_write_text(outside, "libvendor.so", "\177ELF");
        char *target = td_strdup_printf("%s/libvendor.so", outside);
        char *climb = td_strdup_printf("../../../../../../../../../..%s/libvendor.so", outside);
        assert_non_null(target);
        assert_non_null(climb);
        fixture_symlink(f.root, "opt/a/libvendor.so", target);
        fixture_symlink(f.root, "opt/b/libvendor.so", climb);
        fixture_write_text(f.root, SYSTEM_MODULES "/a.module", "module: /opt/a/libvendor.so\n");
        fixture_write_text(f.root, SYSTEM_MODULES "/b.module", "module: /opt/b/libvendor.so\n");
        TdResult r;
        run_conflict(&f, NULL, &r);
        /* Two copies of one module by name still, but never one library outside the root. */
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_detail_json(&r, "conflicts.0.library", "null");
        assert_detail(&r, "conflicts.0.registrations.0.library", "/opt/a/libvendor.so");
        assert_detail(&r, "conflicts.0.registrations.1.library", "/opt/b/libvendor.so");
        assert_null(strstr(r.message, outside));
        td_result_clear(&r);
        free(target);
        free(climb);
        fixture_remove(outside);
        fixture_done(&f);
}

static void test_fifo_module_file_does_not_hang(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_mkfifo(f.root, SYSTEM_MODULES "/stuck.module");
        char *user_dir = td_strdup_printf("%s/config/pkcs11/modules", f.home);
        assert_non_null(user_dir);
        assert_int_equal(fixture_mkdir_p(user_dir), 0);
        free(user_dir);
        fixture_mkfifo(f.home, "config/pkcs11/modules/stuck-too.module");
        fixture_mkfifo(f.home, "config/pkcs11/pkcs11.conf");
        fixture_write_text(f.root, SYSTEM_MODULES "/vendor.module", "module: /opt/v/libvendor.so\n");
        alarm(20); /* a hang fails the test rather than the whole run's timeout */
        TdResult r;
        run_conflict(&f, NULL, &r);
        alarm(0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        char *user_fifo = td_strdup_printf("%s/config/pkcs11/modules/stuck-too.module", f.home);
        assert_non_null(user_fifo);
        assert_detail(&r, "unreadable.0", user_fifo);
        assert_detail(&r, "unreadable.1", "/usr/share/p11-kit/modules/stuck.module");
        free(user_fifo);
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_reader_driver_twice(void **state) {
        Fixture f;
        fixture_new(&f);
        add_bundle(f.root, "ifd-ccid.bundle",
                   "<plist><dict><key>CFBundleExecutable</key><string>libccid.so</string>"
                   "<key>CFBundleName</key><string>CCIDCLASSDRIVER</string>"
                   "<key>ifdVendorID</key><array><string>0x096E</string></array>"
                   "<key>ifdProductID</key><array><string>0x0807</string></array>"
                   "<key>ifdFriendlyName</key><array><string>Feitian ePass2003</string></array>"
                   "</dict></plist>",
                   "libccid.so");
        add_bundle(f.root, "ifd-vendor.bundle", PLIST("libvendor.so"), "libvendor.so");
        add_bundle(f.root, "ifd-other.bundle", PLIST_OTHER, "libother.so");
        TdResult r;
        run_conflict(&f, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_message_contains(&r, "096e:0807");
        assert_message_contains(
                &r, "/usr/lib/pcsc/drivers/ifd-ccid.bundle, /usr/lib/pcsc/drivers/ifd-vendor.bundle");
        /* pcscd takes the specific driver over libccid's class driver. */
        assert_detail_json(
                &r, "conflicts",
                "[{\"kind\":\"reader-driver\",\"id\":\"096e:0807\",\"reader\":\"Feitian ePass2003\","
                "\"bundles\":[\"/usr/lib/pcsc/drivers/ifd-ccid.bundle\","
                "\"/usr/lib/pcsc/drivers/ifd-vendor.bundle\"],"
                "\"used\":\"/usr/lib/pcsc/drivers/ifd-vendor.bundle\"}]");
        td_result_clear(&r);
        fixture_done(&f);
}

/* Several kinds at once: one conflict each, the message names the first and the count. */
static void test_every_kind_listed(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, STATUS_FILE,
                           STANZA("vd", OK, "amd64", "1") STANZA("vd2", OK, "amd64", "2"));
        fixture_write_text(f.root, SYSTEM_MODULES "/a.module", "module: /opt/libx.so.1\n");
        fixture_write_text(f.root, SYSTEM_MODULES "/b.module", "module: /opt/new/libx.so.2\n");
        add_bundle(f.root, "ifd-a.bundle", PLIST("liba.so"), "liba.so");
        add_bundle(f.root, "ifd-b.bundle", PLIST("libb.so"), "libb.so");
        TdResult r;
        run_conflict(&f, profile_with("vd*"), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.conflict");
        assert_message_contains(&r, "4 doubled drivers");
        assert_detail(&r, "conflicts.0.kind", "platform-driver");
        assert_detail(&r, "conflicts.1.kind", "pkcs11-module");
        assert_detail(&r, "conflicts.1.module", "libx");
        assert_detail(&r, "conflicts.2.kind", "reader-driver");
        assert_detail(&r, "conflicts.2.id", "096e:0807");
        assert_detail(&r, "conflicts.3.id", "072f:90cc");
        td_result_clear(&r);
        fixture_done(&f);
}

/* --- the parser ---------------------------------------------------------------------------- */

static void test_conf_parse(void **state) {
        static const char text[] = "# a comment: not a key\n"
                                   "  module :  /usr/lib/x.so  \r\n"
                                   "\n"
                                   "no colon here\n"
                                   ": no key\n"
                                   "x-note: a # is part of the value\n"
                                   "priority: 1\n"
                                   "priority: 2\n"
                                   "disable-in:\n"
                                   "cut: before\0after\n"
                                   "last: no newline";
        TdP11KitConf *c = NULL;
        assert_int_equal(td_p11kit_conf_parse(text, sizeof text - 1, &c), 0);
        assert_string_equal(td_p11kit_conf_get(c, "module"), "/usr/lib/x.so");
        assert_string_equal(td_p11kit_conf_get(c, "x-note"), "a # is part of the value");
        assert_string_equal(td_p11kit_conf_get(c, "priority"), "2");
        assert_string_equal(td_p11kit_conf_get(c, "disable-in"), "");
        assert_string_equal(td_p11kit_conf_get(c, "cut"), "before");
        assert_string_equal(td_p11kit_conf_get(c, "last"), "no newline");
        assert_null(td_p11kit_conf_get(c, "Module"));
        assert_null(td_p11kit_conf_get(c, "# a comment"));
        assert_int_equal(c->n_options, 6);
        assert_int_equal(c->n_invalid, 2);
        td_p11kit_conf_free(c);

        assert_int_equal(td_p11kit_conf_parse("", 0, &c), 0);
        assert_int_equal(c->n_options, 0);
        td_p11kit_conf_free(c);
}

static void test_list_has(void **state) {
        assert_true(td_p11kit_list_has("p11-kit-proxy", "p11-kit-proxy"));
        assert_true(td_p11kit_list_has("firefox, p11-kit-proxy", "p11-kit-proxy"));
        assert_true(td_p11kit_list_has("ssh,p11-kit-proxy seahorse", "p11-kit-proxy"));
        assert_false(td_p11kit_list_has("p11-kit-proxy2", "p11-kit-proxy"));
        assert_false(td_p11kit_list_has("*", "p11-kit-proxy"));
        assert_false(td_p11kit_list_has("", "p11-kit-proxy"));
}

static void test_library_split(void **state) {
        static const struct {
                const char *path, *stem, *version;
        } table[] = {
                { "/opt/lm/libgm3000.1.0.so", "libgm3000", "1.0" },
                { "libgm3000.2.0.so", "libgm3000", "2.0" },
                { "/usr/lib/libcastle.so.1.0.0", "libcastle", "1.0.0" },
                { "/usr/lib/libfoo-2.1.so", "libfoo", "2.1" },
                { "/usr/lib/libbar_3.so", "libbar", "3" },
                { "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "opensc-pkcs11", NULL },
                { "/usr/lib/libes_3000gm.so", "libes_3000gm", NULL },
                { "/usr/lib/libgm3000.so", "libgm3000", NULL },
                { "/usr/lib/libv.1.so.2", "libv.1", "2" },
                { "/usr/lib/lib.1.", "lib.1.", NULL },
                { "/usr/lib/.so", ".so", NULL },
                { "/usr/lib/noext", "noext", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                char *stem = NULL, *version = NULL;
                assert_int_equal(td_p11kit_library_split(table[i].path, &stem, &version), 0);
                assert_string_equal(stem, table[i].stem);
                if (table[i].version)
                        assert_string_equal(version, table[i].version);
                else
                        assert_null(version);
                free(stem);
                free(version);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nothing_doubled_passes),
                cmocka_unit_test(test_platform_driver_twice),
                cmocka_unit_test(test_one_library_registered_twice),
                cmocka_unit_test(test_two_versions_of_a_module),
                cmocka_unit_test(test_disabled_registrations_do_not_count),
                cmocka_unit_test(test_renamed_registration_still_counts),
                cmocka_unit_test(test_user_file_overrides_system_file),
                cmocka_unit_test(test_links_out_of_the_root_not_followed),
                cmocka_unit_test(test_fifo_module_file_does_not_hang),
                cmocka_unit_test(test_reader_driver_twice),
                cmocka_unit_test(test_every_kind_listed),
                cmocka_unit_test(test_conf_parse),
                cmocka_unit_test(test_list_has),
                cmocka_unit_test(test_library_split),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
