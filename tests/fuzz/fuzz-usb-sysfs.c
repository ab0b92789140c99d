/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sysfs attribute, uevent and udev-rules readers behind token.usb, on arbitrary bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A ".." path component ("b../x" has none). */
static bool has_parent_component(const char *path) {
        for (const char *p = path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
                if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        unsigned value;

        if (td_usb_parse_hex(text, size, 0xffff, &value) == 0 && value > 0xffff)
                abort();
        if (td_usb_parse_dec(text, size, 999, &value) == 0 && value > 999)
                abort();

        char *s = td_usb_parse_string(text, size);
        if (s) {
                /* Safe to print: no control characters, bounded (128 bytes, each at most tripled). */
                for (const char *p = s; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f)
                                abort();
                if (strlen(s) > 3 * 128)
                        abort();
                free(s);
        }

        TdUsbUevent u;
        if (td_usb_uevent_parse(text, size, &u) == 0) {
                if (u.vendor_id > 0xffff || u.product_id > 0xffff || u.interface_class > 0xff ||
                    u.busnum > 999 || u.devnum > 999)
                        abort();
                if (u.devname &&
                    (u.devname[0] == '/' || has_parent_component(u.devname) || strlen(u.devname) > 128))
                        abort();
                td_usb_uevent_clear(&u);
        }

        (void) td_udev_rules_mention_vendor(text, size, 0x055c);
        return 0;
}
