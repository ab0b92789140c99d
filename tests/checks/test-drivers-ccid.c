/* SPDX-License-Identifier: GPL-3.0-or-later */
/* drivers.ccid against fake sysfs trees and driver bundles, and the Info.plist parser. */
#include "platform/td-ifd-bundle.h"
#include "usb-fixture.h"

extern const TdCheck td_check_drivers_ccid;

#define BUNDLE_DIR "usr/lib/pcsc/drivers"

/* A small Info.plist shaped like libccid's, listing 072f:90cc and 096e:0807. */
#define CCID_PLIST                                                                                          \
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                      \
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "                                           \
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"                                             \
        "<plist version=\"1.0\">\n"                                                                         \
        "<dict>\n"                                                                                          \
        "\t<key>CFBundleExecutable</key>\n"                                                                 \
        "\t<string>libccid.so</string>\n"                                                                   \
        "\t<key>CFBundleName</key>\n"                                                                       \
        "\t<string>CCIDCLASSDRIVER</string>\n"                                                              \
        "\t<!-- <key>ifdVendorID</key> <string>0x1234</string> is only a comment -->\n"                     \
        "\t<key>ifdVendorID</key>\n"                                                                        \
        "\t<array>\n"                                                                                       \
        "\t\t<string>0x072F</string>\n"                                                                     \
        "\t\t<string>0x096E</string>\n"                                                                     \
        "\t</array>\n"                                                                                      \
        "\t<key>ifdProductID</key>\n"                                                                       \
        "\t<array>\n"                                                                                       \
        "\t\t<string>0x90CC</string>\n"                                                                     \
        "\t\t<string>0x0807</string>\n"                                                                     \
        "\t</array>\n"                                                                                      \
        "\t<key>ifdFriendlyName</key>\n"                                                                    \
        "\t<array>\n"                                                                                       \
        "\t\t<string>ACS ACR38U-CCID</string>\n"                                                            \
        "\t\t<string>Feitian ePass2003</string>\n"                                                          \
        "\t</array>\n"                                                                                      \
        "</dict>\n"                                                                                         \
        "</plist>\n"

/* A vendor's own driver for one reader, written with a single <string> per key. */
#define VENDOR_PLIST                                                                                        \
        "<plist><dict>\n"                                                                                   \
        "<key>CFBundleExecutable</key><string>libvendor.so</string>\n"                                      \
        "<key>ifdVendorID</key><string>0x096e</string>\n"                                                   \
        "<key>ifdProductID</key><string>0x0807</string>\n"                                                  \
        "<key>ifdFriendlyName</key><string>Vendor &amp; Co reader</string>\n"                               \
        "</dict></plist>\n"

static void add_bundle(const char *root, const char *name, const char *plist, const char *library) {
        char *rel = td_strdup_printf(BUNDLE_DIR "/%s/Contents/Info.plist", name);
        assert_non_null(rel);
        fixture_write_text(root, rel, plist);
        free(rel);
        if (library) {
                rel = td_strdup_printf(BUNDLE_DIR "/%s/Contents/Linux/%s", name, library);
                assert_non_null(rel);
                fixture_write_text(root, rel, "\177ELF");
                free(rel);
        }
}

static void add_ccid_device(const char *root, const char *name, const char *vid, const char *pid) {
        usb_fixture_device(root, name, vid, pid, "FT", "ePass2003Auto", 1, 4);
        char *iface = td_strdup_printf("%s:1.0", name);
        assert_non_null(iface);
        usb_fixture_interface(root, name, iface, "0b");
        free(iface);
}

static void run_ccid(const char *root, TdResult *result) {
        fixture_run(&td_check_drivers_ccid, root, usb_fixture_profile(root, USB_FIXTURE_PROFILE), result);
}

static void test_no_ccid_device(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        /* A HID token is none of this check's business. */
        usb_fixture_device(root, "1-3", "055c", "e000", NULL, NULL, 1, 5);
        usb_fixture_interface(root, "1-3", "1-3:1.0", "03");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "ccid_devices", "0");
        assert_message_contains(&r, "no reader driver is needed");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_no_bundles(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "ccid.missing");
        assert_message_contains(&r, "libccid");
        assert_message_contains(&r, "096e:0807");
        assert_detail_json(&r, "bundles", "[]");
        assert_detail_json(&r, "tokens.0.driver", "null");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_bundle_lists_token(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096E", "0807");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "bundles", "[\"/usr/lib/pcsc/drivers/ifd-ccid.bundle\"]");
        assert_detail(&r, "tokens.0.driver", "/usr/lib/pcsc/drivers/ifd-ccid.bundle");
        assert_detail(&r, "tokens.0.reader", "Feitian ePass2003");
        assert_message_contains(&r, "ifd-ccid.bundle");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_specific_driver_preferred(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        add_bundle(root, "vendor.bundle", VENDOR_PLIST, "libvendor.so");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.driver", "/usr/lib/pcsc/drivers/vendor.bundle");
        assert_detail(&r, "tokens.0.reader", "Vendor & Co reader");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_profile_token_not_listed(void **state) {
        /* 096e:0808 is not in the list; pcscd ignores it, class driver or not. */
        char *root = fixture_new_root("drivers-ccid");
        char *ini = USB_FIXTURE_PROFILE "[token.other]\nusb_ids = 096e:0808\n";
        add_ccid_device(root, "1-2", "096e", "0808");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        TdResult r;
        fixture_run(&td_check_drivers_ccid, root, usb_fixture_profile(root, ini), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "ccid.missing");
        assert_message_contains(&r, "096e:0808");
        assert_detail_json(&r, "tokens.0.driver", "null");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_unknown_device_not_listed_warns(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "1234", "abcd");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_WARN, "ccid.missing");
        assert_message_contains(&r, "1234:abcd");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_profile_token_decides(void **state) {
        /* An unlisted built-in reader does not matter when the profile's token has a driver. */
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        add_ccid_device(root, "1-7", "1234", "abcd");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "ccid_devices", "2");
        assert_detail(&r, "tokens.0.id", "096e:0807");
        assert_null(td_result_get_detail(&r, "tokens.1.id"));
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_library_missing(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, NULL);
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "ccid.missing");
        assert_message_contains(&r, "library");
        assert_message_contains(&r, "/usr/lib/pcsc/drivers/ifd-ccid.bundle");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_broken_bundles(void **state) {
        /* A bundle without Info.plist, one with junk, and a plist naming a path as its library. */
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        fixture_write_text(root, BUNDLE_DIR "/empty.bundle/Contents/Linux/x.so", "");
        add_bundle(root, "junk.bundle", "\x00\xff<key>ifdVendorID<string>0x096e", NULL);
        add_bundle(root, "escape.bundle",
                   "<key>CFBundleExecutable</key><string>../../../../etc/passwd</string>"
                   "<key>ifdVendorID</key><string>0x096e</string><key>ifdProductID</key><string>0x0807</"
                   "string>",
                   NULL);
        fixture_write_text(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "ccid.missing");
        assert_detail_json(&r, "tokens.0.driver", "null");
        td_result_clear(&r);
        fixture_remove(root);
}

/* A FIFO as Info.plist: refused at once; that bundle may list the token, so no verdict. */
static void test_fifo_plist(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        fixture_mkfifo(root, BUNDLE_DIR "/ifd-vendor.bundle/Contents/Info.plist");
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(fixture_run_error(&td_check_drivers_ccid, root,
                                           usb_fixture_profile(root, USB_FIXTURE_PROFILE), &r),
                         -ENODEV);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_message_contains(&r, "/usr/lib/pcsc/drivers/ifd-vendor.bundle/Contents/Info.plist is not a "
                                    "regular file");
        assert_message_contains(&r, "096e:0807");
        td_result_clear(&r);

        /* Another bundle that drives the token settles it: the unreadable one does not matter. */
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, "libccid.so");
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_remove(root);
}

/* A FIFO where the driver's library belongs is no library, and is never opened for reading. */
static void test_fifo_library(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        add_bundle(root, "ifd-ccid.bundle", CCID_PLIST, NULL);
        fixture_mkfifo(root, BUNDLE_DIR "/ifd-ccid.bundle/Contents/Linux/libccid.so");
        TdResult r;
        run_ccid(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "ccid.missing");
        assert_message_contains(&r, "library");
        td_result_clear(&r);
        fixture_remove(root);
}

/* The typed override is what drivers.ccid judges: the root holds no driver at all. */
static void test_bundles_override(void **state) {
        char *root = fixture_new_root("drivers-ccid");
        add_ccid_device(root, "1-2", "096e", "0807");
        TdContext *ctx = fixture_context(root, usb_fixture_profile(root, USB_FIXTURE_PROFILE));

        TdIfdBundles *set = calloc(1, sizeof *set);
        assert_non_null(set);
        set->n = 1;
        set->bundles = calloc(1, sizeof *set->bundles);
        assert_non_null(set->bundles);
        set->bundles[0].path = strdup("/opt/vendor/ifd-vendor.bundle");
        set->bundles[0].library_present = true;
        assert_int_equal(td_ifd_plist_parse(VENDOR_PLIST, strlen(VENDOR_PLIST), &set->bundles[0].plist), 0);
        assert_int_equal(td_ifd_bundles_override(ctx, set), 0);

        TdResult r;
        td_result_init(&r, &td_check_drivers_ccid);
        assert_int_equal(td_check_drivers_ccid.run(ctx, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "bundles", "[\"/opt/vendor/ifd-vendor.bundle\"]");
        assert_detail(&r, "tokens.0.reader", "Vendor & Co reader");
        td_result_clear(&r);
        assert_int_equal(td_ifd_bundles_override(ctx, calloc(1, sizeof(TdIfdBundles))), -EBUSY);
        td_context_unref(ctx);
        fixture_remove(root);
}

/* --- the Info.plist parser --------------------------------------------------------------------- */

static void test_plist_parse(void **state) {
        TdIfdPlist *p = NULL;
        assert_int_equal(td_ifd_plist_parse(CCID_PLIST, strlen(CCID_PLIST), &p), 0);
        assert_string_equal(p->executable, "libccid.so");
        assert_true(td_ifd_plist_is_class_driver(p));
        assert_int_equal(p->n_readers, 2);
        assert_int_equal(p->readers[0].vendor_id, 0x072f);
        assert_int_equal(p->readers[0].product_id, 0x90cc);
        assert_string_equal(p->readers[0].name, "ACS ACR38U-CCID");
        assert_non_null(td_ifd_plist_find(p, 0x096e, 0x0807));
        assert_null(td_ifd_plist_find(p, 0x1234, 0x0807)); /* only in a comment */
        assert_null(td_ifd_plist_find(p, 0x072f, 0x0807)); /* ids pair by position */
        td_ifd_plist_free(p);

        assert_int_equal(td_ifd_plist_parse(VENDOR_PLIST, strlen(VENDOR_PLIST), &p), 0);
        assert_false(td_ifd_plist_is_class_driver(p));
        assert_int_equal(p->n_readers, 1);
        assert_string_equal(p->readers[0].name, "Vendor & Co reader");
        td_ifd_plist_free(p);
}

static void test_plist_odd(void **state) {
        /* Bad ids are dropped but keep their position; extra ids without a partner are ignored. */
        const char *text =
                "<key>ifdVendorID</key><array><string>0x096E</string><string>junk</string>"
                "<string>0x10000</string><string/><string>0X163c</string><string>0x1</string></array>"
                "<key>ifdProductID</key><array><string>0x0807</string><string>0x0001</string>"
                "<string>0x0002</string><string>0x0003</string><string> 0x0407 </string></array>"
                "<key>ifdFriendlyName</key><array><string>A</string></array>"
                "<key>CFBundleName</key><true/>";
        TdIfdPlist *p = NULL;
        assert_int_equal(td_ifd_plist_parse(text, strlen(text), &p), 0);
        assert_int_equal(p->n_readers, 2);
        assert_int_equal(p->readers[0].vendor_id, 0x096e);
        assert_string_equal(p->readers[0].name, "A");
        assert_int_equal(p->readers[1].vendor_id, 0x163c);
        assert_int_equal(p->readers[1].product_id, 0x0407);
        assert_null(p->readers[1].name);
        assert_null(p->executable);
        assert_null(p->bundle_name);
        td_ifd_plist_free(p);

        const char *broken[] = { "",
                                 "<",
                                 "<key>",
                                 "<key>ifdVendorID</key><array><string>0x1",
                                 "<!-- unterminated",
                                 "<key>ifdVendorID</key>",
                                 "&amp;&lt;<>>>" };
        for (size_t i = 0; i < ELEMENTSOF(broken); i++) {
                assert_int_equal(td_ifd_plist_parse(broken[i], strlen(broken[i]), &p), 0);
                assert_int_equal(p->n_readers, 0);
                td_ifd_plist_free(p);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fifo_plist),
                cmocka_unit_test(test_fifo_library),
                cmocka_unit_test(test_bundles_override),
                cmocka_unit_test(test_no_ccid_device),
                cmocka_unit_test(test_no_bundles),
                cmocka_unit_test(test_bundle_lists_token),
                cmocka_unit_test(test_specific_driver_preferred),
                cmocka_unit_test(test_profile_token_not_listed),
                cmocka_unit_test(test_unknown_device_not_listed_warns),
                cmocka_unit_test(test_profile_token_decides),
                cmocka_unit_test(test_library_missing),
                cmocka_unit_test(test_broken_bundles),
                cmocka_unit_test(test_plist_parse),
                cmocka_unit_test(test_plist_odd),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
