/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fake USB buses for the token.usb and drivers.ccid tests: devices and interfaces as
 * directories under ROOT/sys/devices, linked from ROOT/sys/bus/usb/devices as in real sysfs.
 */
#pragma once

#include <fcntl.h>

#include "check-fixture.h"

#define USB_FIXTURE_PARENT "sys/devices/pci0000:00/0000:00:14.0/usb1"

static inline void usb_fixture_attr(const char *root, const char *dir, const char *attr, const char *value) {
        char *rel = td_strdup_printf("%s/%s/%s", USB_FIXTURE_PARENT, dir, attr);
        char *text = td_strdup_printf("%s\n", value);
        assert_non_null(rel);
        assert_non_null(text);
        fixture_write_text(root, rel, text);
        free(rel);
        free(text);
}

/* ROOT/sys/bus/usb/devices/@name -> @target (relative or absolute, as given). */
static inline void usb_fixture_link(const char *root, const char *name, const char *target) {
        char *dir = td_strdup_printf("%s/sys/bus/usb/devices", root);
        char *link = td_strdup_printf("%s/%s", dir, name);
        assert_non_null(dir);
        assert_non_null(link);
        assert_int_equal(fixture_mkdir_p(dir), 0);
        assert_int_equal(symlink(target, link), 0);
        free(dir);
        free(link);
}

static inline void usb_fixture_link_entry(const char *root, const char *dir) {
        const char *name = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
        char *target = td_strdup_printf("../../../devices/pci0000:00/0000:00:14.0/usb1/%s", dir);
        assert_non_null(target);
        usb_fixture_link(root, name, target);
        free(target);
}

/* A device "1-2" with its attributes; NULL strings are left out. */
static inline void usb_fixture_device(const char *root, const char *name, const char *vid, const char *pid,
                                      const char *manufacturer, const char *product, unsigned busnum,
                                      unsigned devnum) {
        char num[16];
        if (vid)
                usb_fixture_attr(root, name, "idVendor", vid);
        if (pid)
                usb_fixture_attr(root, name, "idProduct", pid);
        if (manufacturer)
                usb_fixture_attr(root, name, "manufacturer", manufacturer);
        if (product)
                usb_fixture_attr(root, name, "product", product);
        if (busnum) {
                snprintf(num, sizeof num, "%u", busnum);
                usb_fixture_attr(root, name, "busnum", num);
        }
        if (devnum) {
                snprintf(num, sizeof num, "%u", devnum);
                usb_fixture_attr(root, name, "devnum", num);
        }
        usb_fixture_link_entry(root, name);
}

/* Interface @iface ("1-2:1.0") of @device, of class @class_hex ("0b"); NULL: no class file. */
static inline void usb_fixture_interface(const char *root, const char *device, const char *iface,
                                         const char *class_hex) {
        char *dir = td_strdup_printf("%s/%s", device, iface);
        assert_non_null(dir);
        if (class_hex)
                usb_fixture_attr(root, dir, "bInterfaceClass", class_hex);
        else
                usb_fixture_attr(root, dir, "bInterfaceNumber", "00");
        usb_fixture_link_entry(root, dir);
        free(dir);
}

/* A hidraw class device below an interface, as the HID driver makes it. */
static inline void usb_fixture_hidraw(const char *root, const char *device, const char *iface,
                                      const char *hidraw) {
        char *dir = td_strdup_printf("%s/%s/0003:055C:E000.0001/hidraw/%s", device, iface, hidraw);
        assert_non_null(dir);
        usb_fixture_attr(root, dir, "dev", "243:0");
        free(dir);
}

/* A device node stand-in (a plain file) with @mode, owned by @uid:@gid. */
static inline void usb_fixture_node(const char *root, const char *rel, mode_t mode, uid_t uid, gid_t gid) {
        fixture_write_text(root, rel, "");
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        assert_int_equal(chmod(path, mode), 0);
        if (geteuid() == 0)
                assert_int_equal(chown(path, uid, gid), 0);
        free(path);
}

/* A profile from INI text (only the keys given; the rest are the defaults). */
static inline TdProfile *usb_fixture_profile(const char *root, const char *ini) {
        char *path = td_strdup_printf("%s/profile.ini", root);
        assert_non_null(path);
        fixture_write_text(root, "profile.ini", ini);
        TdProfile *p = NULL;
        char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fprintf(stderr, "# profile: %s\n", error ? error : strerror(-r));
        assert_int_equal(r, 0);
        free(error);
        free(path);
        return p;
}

#define USB_FIXTURE_PROFILE                                                                                 \
        "[platform]\n"                                                                                      \
        "url = https://platform.invalid/\n"                                                                 \
        "[token.test-ccid]\n"                                                                               \
        "usb_ids = 096e:0807\n"                                                                             \
        "[token.test-hid]\n"                                                                                \
        "usb_ids = 055c:e000\n"
