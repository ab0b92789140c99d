/* SPDX-License-Identifier: GPL-3.0-or-later */
/* token.usb against fake sysfs trees, and the sysfs / uevent / udev-rule parsers underneath it. */
#include <grp.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "platform/td-usb.h"
#include "usb-fixture.h"

extern const TdCheck td_check_token_usb;

/* The nobody user: the node permission tests need someone who is not root. */
#define NOBODY 65534

static char *new_root(void) {
        char *root = fixture_new_root("token-usb");
        /* mkdtemp makes 0700; the unprivileged run below must be able to enter it. */
        assert_int_equal(chmod(root, 0755), 0);
        return root;
}

static void run_usb(const char *root, TdResult *result) {
        fixture_run(&td_check_token_usb, root, usb_fixture_profile(root, USB_FIXTURE_PROFILE), result);
}

/* A root hub, present on every machine and never a token. */
static void add_root_hub(const char *root) {
        usb_fixture_device(root, "usb1", "1d6b", "0002", "Linux Foundation", "xHCI Host Controller", 1, 1);
        usb_fixture_interface(root, "usb1", "1-0:1.0", "09");
}

static void add_ccid_token(const char *root, const char *name, const char *vid, const char *pid) {
        usb_fixture_device(root, name, vid, pid, "FT", "ePass2003Auto", 1, 4);
        char *iface = td_strdup_printf("%s:1.0", name);
        assert_non_null(iface);
        usb_fixture_interface(root, name, iface, "0b");
        free(iface);
}

static void add_hid_token(const char *root) {
        usb_fixture_device(root, "1-3", "055c", "e000", "Longmai", "mToken GM3000", 1, 5);
        usb_fixture_interface(root, "1-3", "1-3:1.0", "03");
        usb_fixture_hidraw(root, "1-3", "1-3:1.0", "hidraw0");
}

static bool openat2_available(void) {
        struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
        if (fd >= 0)
                close(fd);
        return fd >= 0;
}

/* --- the check ------------------------------------------------------------------------------ */

static void test_no_sysfs(void **state) {
        char *root = new_root();
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "token.absent");
        assert_detail(&r, "sysfs", "absent");
        assert_detail_json(&r, "usb_devices", "0");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_only_root_hub(void **state) {
        char *root = new_root();
        add_root_hub(root);
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "token.absent");
        assert_detail_json(&r, "usb_devices", "1");
        assert_message_contains(&r, "another USB port");
        assert_null(td_result_get_detail(&r, "tokens.0.id"));
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_profile_ccid_token(void **state) {
        char *root = new_root();
        add_root_hub(root);
        add_ccid_token(root, "1-2", "096e", "0807");
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "096e:0807");
        assert_detail(&r, "tokens.0.id", "096e:0807");
        assert_detail(&r, "tokens.0.name", "FT ePass2003Auto");
        assert_detail(&r, "tokens.0.model", "test-ccid");
        assert_detail(&r, "tokens.0.matched_by", "profile");
        assert_detail_json(&r, "tokens.0.interfaces", "[\"0b CCID\"]");
        assert_detail(&r, "tokens.0.access", "pcscd");
        assert_detail(&r, "tokens.0.sysfs", "1-2");
        assert_detail_json(&r, "usb_devices", "2");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_unknown_ccid_device(void **state) {
        /* Upper-case hex in sysfs is read as well. */
        char *root = new_root();
        add_ccid_token(root, "2-1.4", "A625", "0801");
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.id", "a625:0801");
        assert_detail(&r, "tokens.0.matched_by", "ccid-class");
        assert_null(td_result_get_detail(&r, "tokens.0.model"));
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_two_tokens(void **state) {
        char *root = new_root();
        add_ccid_token(root, "1-2", "096e", "0807");
        add_ccid_token(root, "1-4", "163c", "0407");
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "096e:0807, 163c:0407");
        assert_detail(&r, "tokens.1.id", "163c:0407");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_hid_token_usable(void **state) {
        /* Nodes only root may open: the test runs as root, or as their owner. */
        char *root = new_root();
        add_hid_token(root);
        usb_fixture_node(root, "dev/bus/usb/001/005", 0600, 0, 0);
        usb_fixture_node(root, "dev/hidraw0", 0600, 0, 0);
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.model", "test-hid");
        assert_detail_json(&r, "tokens.0.interfaces", "[\"03 HID\"]");
        assert_detail(&r, "tokens.0.access", "usable");
        assert_detail_json(&r, "tokens.0.nodes",
                           "[\"/dev/bus/usb/001/005 usable\",\"/dev/hidraw0 usable\"]");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_vendor_wide_usb_id(void **state) {
        /* "055c:*": any product of the vendor, and an exact id of another model wins over it. */
        static const char profile[] = "[platform]\nurl = https://platform.invalid/\n"
                                      "[token.longmai]\nusb_ids = 055c:*\n"
                                      "[token.exact]\nusb_ids = 055c:e001\n";
        char *root = new_root();
        add_hid_token(root); /* 055c:e000 */
        usb_fixture_device(root, "1-4", "055c", "e001", "Longmai", "mToken K9", 1, 6);
        usb_fixture_interface(root, "1-4", "1-4:1.0", "03");
        usb_fixture_node(root, "dev/bus/usb/001/005", 0600, 0, 0);
        usb_fixture_node(root, "dev/bus/usb/001/006", 0600, 0, 0);
        usb_fixture_node(root, "dev/hidraw0", 0600, 0, 0);
        TdResult r;
        fixture_run(&td_check_token_usb, root, usb_fixture_profile(root, profile), &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.model", "longmai");
        assert_detail(&r, "tokens.1.model", "exact");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_hid_token_some_nodes_absent(void **state) {
        /* hidraw is there and usable, the usb node is not: what exists decides. */
        char *root = new_root();
        add_hid_token(root);
        usb_fixture_node(root, "dev/hidraw0", 0666, 0, 0);
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "tokens.0.nodes",
                           "[\"/dev/bus/usb/001/005 absent\",\"/dev/hidraw0 usable\"]");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_hid_token_without_nodes(void **state) {
        char *root = new_root();
        add_hid_token(root);
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_WARN, "usb.permission");
        assert_detail(&r, "tokens.0.access", "no-node");
        assert_message_contains(&r, "055c:e000");
        td_result_clear(&r);
        fixture_remove(root);
}

/*
 * Run token.usb as a user who may not open the nodes (nobody when we are root) in a child, and
 * report whether its verdict was FAIL usb.permission with the expected details.
 */
static void run_denied(const char *root, bool rule_installed) {
        /* Everything that may assert happens here: cmocka must not run on in the child. */
        TdProfile *profile = usb_fixture_profile(root, USB_FIXTURE_PROFILE);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0))
                        _exit(3);
                TdContext *ctx = td_context_new();
                TdResult r;
                if (!ctx || td_context_set_root(ctx, root) < 0)
                        _exit(4);
                td_context_take_profile(ctx, profile);
                td_result_init(&r, &td_check_token_usb);
                int rc = td_check_token_usb.run(ctx, &r);
                char *found = fixture_detail_json(&r, "udev_rules_found");
                bool ok = rc == 0 && r.status == TD_STATUS_FAIL && streq_ptr(r.cause, "usb.permission") &&
                          strstr(r.message, "/dev/bus/usb/001/005") &&
                          streq_ptr(td_result_get_detail(&r, "tokens.0.access"), "denied") &&
                          streq_ptr(td_result_get_detail(&r, "udev_rule"),
                                    "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055c\", "
                                    "ATTRS{idProduct}==\"e000\", MODE=\"0660\", TAG+=\"uaccess\"") &&
                          streq_ptr(td_result_get_detail(&r, "udev_rule_file"),
                                    "/etc/udev/rules.d/70-tokendoctor-055c-e000.rules") &&
                          found &&
                          (rule_installed ? streq(found, "[\"/etc/udev/rules.d/90-mtoken.rules\"]")
                                          : streq(found, "[]"));
                free(found);
                if (!ok)
                        fixture_print(&r);
                td_result_clear(&r);
                td_context_unref(ctx);
                _exit(ok ? 0 : 1);
        }
        td_profile_free(profile);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_hid_token_denied(void **state) {
        char *root = new_root();
        add_hid_token(root);
        /* Owned by root, read-write for root only: what a system without the vendor's rule has. */
        usb_fixture_node(root, "dev/bus/usb/001/005", 0000, 0, 0);
        usb_fixture_node(root, "dev/hidraw0", 0000, 0, 0);
        run_denied(root, false);

        /* A rule for the vendor exists (here in /lib, masked by nothing) but did not apply. */
        fixture_write_text(
                root, "lib/udev/rules.d/90-mtoken.rules",
                "# Longmai mToken\nSUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055C\", MODE=\"0666\"\n");
        fixture_write_text(root, "etc/udev/rules.d/90-mtoken.rules",
                           "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055c\", MODE=\"0666\"\n");
        fixture_write_text(root, "etc/udev/rules.d/60-other.rules",
                           "# 055c only in a comment\nATTRS{idVendor}==\"1055c\"\n");
        run_denied(root, true);
        fixture_remove(root);
}

static void test_uevent_fallback(void **state) {
        /* No idVendor/idProduct files (a truncated copy of sysfs): uevent says it all. */
        char *root = new_root();
        usb_fixture_attr(root, "3-1", "uevent",
                         "MAJOR=189\nMINOR=260\nDEVNAME=bus/usb/003/005\nDEVTYPE=usb_device\n"
                         "PRODUCT=55c/e000/100\nTYPE=0/0/0\nBUSNUM=003\nDEVNUM=005");
        usb_fixture_link_entry(root, "3-1");
        usb_fixture_attr(root, "3-1/3-1:1.0", "uevent", "DEVTYPE=usb_interface\nINTERFACE=3/0/0\n");
        usb_fixture_link_entry(root, "3-1/3-1:1.0");
        usb_fixture_node(root, "dev/bus/usb/003/005", 0600, geteuid(), getegid());
        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.id", "055c:e000");
        assert_detail_json(&r, "tokens.0.interfaces", "[\"03 HID\"]");
        assert_detail_json(&r, "tokens.0.nodes", "[\"/dev/bus/usb/003/005 usable\"]");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_odd_sysfs(void **state) {
        char *root = new_root();
        add_ccid_token(root, "1-2", "096e", "0807");

        /*
         * Links that leave the root resolve inside it. That needs openat2(RESOLVE_IN_ROOT), which
         * valgrind does not know: without it the context falls back to plain lookups, and these
         * links would read this machine's /sys.
         */
        bool in_root = openat2_available();
        if (in_root) {
                usb_fixture_link(root, "1-9", "../../../../../../../../sys");
                usb_fixture_link(root, "1-10", "/sys/bus/usb/devices/1-2");
                usb_fixture_link(root, "1-11", "/etc");
        } else
                fprintf(stderr, "# openat2 unavailable (valgrind?): links out of the root not tried\n");
        usb_fixture_link(root, "1-12", "1-12"); /* a loop */

        /* Garbage, overflowing and missing attributes. */
        usb_fixture_device(root, "1-5", "zzzz", "0001", NULL, NULL, 0, 0);
        usb_fixture_device(root, "1-6", "fffffffff", "0001", NULL, NULL, 0, 0);
        usb_fixture_device(root, "1-7", "10000", "0001", NULL, NULL, 0, 0);
        usb_fixture_device(root, "1-8", NULL, "0807", NULL, NULL, 0, 0);
        usb_fixture_device(root, "1-13", "096e", "", NULL, NULL, 99999, 4294967295u);
        usb_fixture_interface(root, "1-5", "1-5:1.0", "0b");

        /* A known token with strings a device should not send, and odd interfaces. */
        char product[600];
        memset(product, 'A', sizeof product - 1);
        product[sizeof product - 1] = '\0';
        memcpy(product, "\x1b[31m\xff\xfe", 7);
        usb_fixture_device(root, "1-3", "055c", "e000", "Long\tmai", product, 1, 999);
        usb_fixture_interface(root, "1-3", "1-3:1.0", "xyz");
        usb_fixture_interface(root, "1-3", "1-3:1.1", "1ff");
        usb_fixture_interface(root, "1-3", "1-3:1.2", NULL);
        usb_fixture_interface(root, "1-3", "1-3:1.3", "08");
        /* A hidraw directory that is a link out of the tree must not be followed. */
        char *hidraw_link = td_strdup_printf("%s/" USB_FIXTURE_PARENT "/1-3/1-3:1.3/hidraw", root);
        assert_non_null(hidraw_link);
        assert_int_equal(symlink("/dev", hidraw_link), 0);
        free(hidraw_link);
        /* An interface of a device that is not there, and a name sysfs never uses. */
        usb_fixture_interface(root, "4-4", "4-4:1.0", "0b");
        usb_fixture_link(root, "..evil name", "1-2");
        /* A node that is a directory is no node. */
        char *dir_node = td_strdup_printf("%s/dev/bus/usb/001/999", root);
        assert_non_null(dir_node);
        assert_int_equal(fixture_mkdir_p(dir_node), 0);
        free(dir_node);

        TdResult r;
        run_usb(root, &r);
        assert_verdict(&r, TD_STATUS_WARN, "usb.permission");
        /* "1-10" links to 1-2 inside the root: the same device, seen without its interfaces. */
        const char *ccid = "tokens.0", *hid = "tokens.1";
        if (in_root) {
                assert_detail(&r, "tokens.0.id", "096e:0807");
                assert_detail(&r, "tokens.0.sysfs", "1-10");
                assert_detail(&r, "tokens.0.access", "no-node");
                ccid = "tokens.1";
                hid = "tokens.2";
        }
        char key[64];
        snprintf(key, sizeof key, "%s.sysfs", ccid);
        assert_detail(&r, key, "1-2");
        snprintf(key, sizeof key, "%s.access", ccid);
        assert_detail(&r, key, "pcscd");
        snprintf(key, sizeof key, "%s.id", hid);
        assert_detail(&r, key, "055c:e000");
        snprintf(key, sizeof key, "%s.nodes", hid);
        assert_detail_json(&r, key, "[\"/dev/bus/usb/001/999 absent\"]");
        snprintf(key, sizeof key, "%s.interfaces", hid);
        assert_detail_json(&r, key, "[\"unknown\",\"08 mass storage\"]");
        snprintf(key, sizeof key, "%s.access", hid);
        assert_detail(&r, key, "no-node");
        assert_null(td_result_get_detail(&r, in_root ? "tokens.3.id" : "tokens.2.id"));
        snprintf(key, sizeof key, "%s.name", hid);
        const char *name = td_result_get_detail(&r, key);
        assert_non_null(name);
        assert_null(strchr(name, '\x1b'));
        assert_null(strchr(name, '\t'));
        assert_true(strlen(name) < 200);
        td_result_clear(&r);
        fixture_remove(root);
}

/* --- the pure helpers -------------------------------------------------------------------------- */

static void test_node_usable(void **state) {
        struct stat st = { .st_uid = 0, .st_gid = 0, .st_mode = S_IFCHR | 0664 };
        gid_t plugdev = 46, groups[] = { 24, 46 };

        /* root opens anything */
        assert_true(td_usb_node_usable(&st, 0, 0, NULL, 0));
        /* the default /dev/bus/usb node: others may read, not write */
        assert_false(td_usb_node_usable(&st, 1000, 1000, NULL, 0));
        st.st_mode = S_IFCHR | 0666;
        assert_true(td_usb_node_usable(&st, 1000, 1000, NULL, 0));
        /* group access through a supplementary group, or the primary one */
        st.st_mode = S_IFCHR | 0660;
        st.st_gid = plugdev;
        assert_false(td_usb_node_usable(&st, 1000, 1000, NULL, 0));
        assert_true(td_usb_node_usable(&st, 1000, 1000, groups, ELEMENTSOF(groups)));
        assert_true(td_usb_node_usable(&st, 1000, plugdev, NULL, 0));
        /* group read-only is not enough */
        st.st_mode = S_IFCHR | 0640;
        assert_false(td_usb_node_usable(&st, 1000, 1000, groups, ELEMENTSOF(groups)));
        /* the owner gets the owner bits only, even when others get more */
        st.st_uid = 1000;
        st.st_mode = S_IFCHR | 0466;
        assert_false(td_usb_node_usable(&st, 1000, 1000, groups, ELEMENTSOF(groups)));
        st.st_mode = S_IFCHR | 0600;
        assert_true(td_usb_node_usable(&st, 1000, 1000, NULL, 0));
        /* a member of the group who is not the owner gets the group bits only */
        st.st_uid = 0;
        st.st_mode = S_IFCHR | 0606;
        assert_false(td_usb_node_usable(&st, 1000, plugdev, NULL, 0));
        assert_true(td_usb_node_usable(&st, 1000, 1000, NULL, 0));
}

static void test_parse_numbers(void **state) {
        unsigned v = 7;
        assert_int_equal(td_usb_parse_hex("096e\n", 5, 0xffff, &v), 0);
        assert_int_equal(v, 0x096e);
        assert_int_equal(td_usb_parse_hex("0x096E", 6, 0xffff, &v), 0);
        assert_int_equal(v, 0x096e);
        assert_int_equal(td_usb_parse_hex(" 0b \r\n", 6, 0xff, &v), 0);
        assert_int_equal(v, 0x0b);
        assert_int_equal(td_usb_parse_hex("10000", 5, 0xffff, &v), -ERANGE);
        assert_int_equal(td_usb_parse_hex("ffffffff", 8, 0xffff, &v), -ERANGE);
        assert_int_equal(td_usb_parse_hex("fffffffff", 9, 0xffffffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("", 0, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("\n", 1, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("0x", 2, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("09 6e", 5, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("096e\0", 5, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_hex("-1", 2, 0xffff, &v), -EINVAL);
        assert_int_equal(td_usb_parse_dec("003\n", 4, 999, &v), 0);
        assert_int_equal(v, 3);
        assert_int_equal(td_usb_parse_dec("1000", 4, 999, &v), -ERANGE);
        assert_int_equal(td_usb_parse_dec("1a", 2, 999, &v), -EINVAL);
        assert_int_equal(td_usb_parse_dec("4294967296", 10, 999, &v), -EINVAL);
        assert_int_equal(v, 3); /* untouched on error */
}

static void test_parse_string(void **state) {
        char *s = td_usb_parse_string("ePass2003Auto\n", 14);
        assert_string_equal(s, "ePass2003Auto");
        free(s);
        s = td_usb_parse_string("龙脉 mToken\nsecond line", strlen("龙脉 mToken\nsecond line"));
        assert_string_equal(s, "龙脉 mToken");
        free(s);
        s = td_usb_parse_string("a\x1b[0m\x01z", 7);
        assert_string_equal(s, "a?[0m?z");
        free(s);
        s = td_usb_parse_string("\xff\xfe", 2);
        assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd");
        free(s);
        s = td_usb_parse_string("  \n", 3);
        assert_string_equal(s, "");
        free(s);
        s = td_usb_parse_string("a\0b", 3);
        assert_string_equal(s, "a?b");
        free(s);
}

static void test_parse_uevent(void **state) {
        TdUsbUevent u;
        const char *text =
                "MAJOR=189\nDEVNAME=bus/usb/001/004\nPRODUCT=96e/807/100\nBUSNUM=001\nDEVNUM=004\n";
        assert_int_equal(td_usb_uevent_parse(text, strlen(text), &u), 0);
        assert_int_equal(u.vendor_id, 0x096e);
        assert_int_equal(u.product_id, 0x0807);
        assert_int_equal(u.busnum, 1);
        assert_int_equal(u.devnum, 4);
        assert_int_equal(u.interface_class, -1);
        assert_string_equal(u.devname, "bus/usb/001/004");
        td_usb_uevent_clear(&u);

        text = "INTERFACE=11/0/0\nDEVNAME=../../etc/passwd\nPRODUCT=zz/1/1\n";
        assert_int_equal(td_usb_uevent_parse(text, strlen(text), &u), 0);
        assert_int_equal(u.interface_class, 11);
        assert_null(u.devname);
        assert_int_equal(u.vendor_id, -1);
        td_usb_uevent_clear(&u);

        const char *bad[] = { "DEVNAME=/dev/sda",
                              "DEVNAME=bus/..",
                              "DEVNAME=a b",
                              "PRODUCT=10000/1/0",
                              "INTERFACE=256/0/0",
                              "BUSNUM=-1",
                              "=x",
                              "PRODUCT",
                              "" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(td_usb_uevent_parse(bad[i], strlen(bad[i]), &u), 0);
                assert_null(u.devname);
                assert_int_equal(u.vendor_id, -1);
                assert_int_equal(u.interface_class, -1);
                assert_int_equal(u.busnum, -1);
                td_usb_uevent_clear(&u);
        }
}

static void test_rules_mention_vendor(void **state) {
        const char *yes[] = {
                "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055c\", MODE=\"0666\"", "ATTRS{idVendor}==\"055C\"",
                "# comment\n  ENV{ID_VENDOR_ID}==\"055c\"\n",
                "ATTR{idVendor}==\"055c\"", /* at the very end, no newline */
        };
        const char *no[] = {
                "# ATTRS{idVendor}==\"055c\"", "   # 055c",
                "ATTRS{idVendor}==\"1055c\"",  "ATTRS{idVendor}==\"055cd\"",
                "ATTRS{idVendor}==\"096e\"",   "",
        };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                assert_true(td_udev_rules_mention_vendor(yes[i], strlen(yes[i]), 0x055c));
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                assert_false(td_udev_rules_mention_vendor(no[i], strlen(no[i]), 0x055c));
}

/* The one rule token.usb shows and the helper will install. */
static void test_udev_rule_make(void **state) {
        char *path = NULL, *line = NULL;
        assert_int_equal(td_udev_rule_make(0x055c, 0xe000, &path, &line), 0);
        assert_string_equal(path, "/etc/udev/rules.d/70-tokendoctor-055c-e000.rules");
        assert_string_equal(line,
                            "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"055c\", ATTRS{idProduct}==\"e000\", "
                            "MODE=\"0660\", TAG+=\"uaccess\"");
        /* What the rule names, the rule scan finds. */
        assert_true(td_udev_rules_mention_vendor(line, strlen(line), 0x055c));
        free(path);
        free(line);
        assert_int_equal(td_udev_rule_make(0x10000, 1, &path, NULL), -ERANGE);
        assert_int_equal(td_udev_rule_make(1, 0x10000, NULL, &line), -ERANGE);
}

/* The typed override is the bus token.usb sees: the root has no sysfs at all. */
static void test_bus_override(void **state) {
        char *root = new_root();
        TdContext *ctx = fixture_context(root, usb_fixture_profile(root, USB_FIXTURE_PROFILE));

        TdUsbBus *bus = calloc(1, sizeof *bus);
        assert_non_null(bus);
        bus->sysfs_present = true;
        bus->n_devices = 1;
        bus->devices = calloc(1, sizeof *bus->devices);
        assert_non_null(bus->devices);
        TdUsbDevice *d = &bus->devices[0];
        *d = (TdUsbDevice){ .name = strdup("3-1"),
                            .vendor_id = 0x096e,
                            .product_id = 0x0807,
                            .product = strdup("ePass2003Auto"),
                            .n_interfaces = 1 };
        d->interfaces = calloc(1, sizeof *d->interfaces);
        assert_non_null(d->interfaces);
        d->interfaces[0] = (TdUsbInterface){ .name = strdup("3-1:1.0"),
                                             .class = TD_USB_CLASS_SMART_CARD,
                                             .nodes = calloc(1, sizeof(char *)) };
        assert_int_equal(td_usb_bus_override(ctx, bus), 0);

        TdResult r;
        td_result_init(&r, &td_check_token_usb);
        assert_int_equal(td_check_token_usb.run(ctx, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "tokens.0.id", "096e:0807");
        assert_detail(&r, "tokens.0.sysfs", "3-1");
        assert_detail(&r, "tokens.0.access", "pcscd");
        td_result_clear(&r);
        assert_int_equal(td_usb_bus_override(ctx, calloc(1, sizeof(TdUsbBus))), -EBUSY);
        td_context_unref(ctx);
        fixture_remove(root);
}

static void test_class_names(void **state) {
        assert_string_equal(td_usb_class_name(0x0b), "CCID");
        assert_string_equal(td_usb_class_name(0x03), "HID");
        assert_null(td_usb_class_name(0x42));
        assert_null(td_usb_class_name(-1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_sysfs),
                cmocka_unit_test(test_only_root_hub),
                cmocka_unit_test(test_profile_ccid_token),
                cmocka_unit_test(test_unknown_ccid_device),
                cmocka_unit_test(test_two_tokens),
                cmocka_unit_test(test_hid_token_usable),
                cmocka_unit_test(test_vendor_wide_usb_id),
                cmocka_unit_test(test_hid_token_some_nodes_absent),
                cmocka_unit_test(test_hid_token_without_nodes),
                cmocka_unit_test(test_hid_token_denied),
                cmocka_unit_test(test_uevent_fallback),
                cmocka_unit_test(test_odd_sysfs),
                cmocka_unit_test(test_node_usable),
                cmocka_unit_test(test_parse_numbers),
                cmocka_unit_test(test_parse_string),
                cmocka_unit_test(test_parse_uevent),
                cmocka_unit_test(test_rules_mention_vendor),
                cmocka_unit_test(test_class_names),
                cmocka_unit_test(test_udev_rule_make),
                cmocka_unit_test(test_bus_override),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
