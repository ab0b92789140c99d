/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The USB adapter, one header for its pieces:
 *   td-usb-sysfs.c  the pure parsers of sysfs text, which take a buffer (the fuzzers drive them);
 *   td-usb.c        the bus (/sys/bus/usb/devices under the context's root), scanned once per
 *                   context, with a typed override for tests;
 *   td-usb-node.c   whether this user may open a device node;
 *   td-udev.c       the udev rules that mention a vendor, and the rule that gives access.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"

#define TD_USB_CLASS_HID 0x03
#define TD_USB_CLASS_MASS_STORAGE 0x08
#define TD_USB_CLASS_SMART_CARD 0x0b /* CCID */
#define TD_USB_CLASS_VENDOR 0xff

/*
 * Parse a sysfs attribute holding one hexadecimal number ("096e\n", "0b\n"; a "0x" prefix
 * is accepted too) of at most 8 digits, trailing white space allowed. Returns 0 and the
 * value, -EINVAL for anything else, -ERANGE when it exceeds @max. Pure.
 */
int td_usb_parse_hex(const char *text, size_t len, unsigned max, unsigned *ret_value);
/* The same for a decimal attribute ("1\n", "003"), at most 9 digits. Pure. */
int td_usb_parse_dec(const char *text, size_t len, unsigned max, unsigned *ret_value);
/*
 * A string attribute (manufacturer, product) made safe to show: the first line, trailing
 * white space removed, control characters replaced by '?', invalid UTF-8 by U+FFFD, cut at
 * 128 bytes. Returns a new string ("" for an empty attribute) or NULL on ENOMEM. Pure.
 */
char *td_usb_parse_string(const char *text, size_t len);

/* What a sysfs uevent file of a USB device or interface says; -1 / NULL where it is silent. */
typedef struct {
        int vendor_id; /* PRODUCT=96e/807/100 (hex) */
        int product_id;
        int busnum;          /* BUSNUM=001 */
        int devnum;          /* DEVNUM=002 */
        int interface_class; /* INTERFACE=11/0/0 (decimal) */
        char *devname;       /* DEVNAME=bus/usb/001/002, without "/dev/"; never absolute or with ".." */
} TdUsbUevent;

/*
 * Parse uevent text (KEY=value lines). Malformed values are ignored. Returns 0 and fills
 * @ret (clear it with td_usb_uevent_clear()), or -ENOMEM. Pure.
 */
int td_usb_uevent_parse(const char *text, size_t len, TdUsbUevent *ret);
void td_usb_uevent_clear(TdUsbUevent *u);

typedef struct {
        char *name;   /* sysfs name, "1-2:1.0" */
        int class;    /* bInterfaceClass, -1 when unknown */
        TdStrv nodes; /* class device nodes found below it: "/dev/hidraw0", "/dev/sg1" */
} TdUsbInterface;

typedef struct {
        char *name;         /* sysfs name, "1-2", "usb1" */
        unsigned vendor_id; /* idVendor */
        unsigned product_id;
        char *manufacturer; /* sanitised, or NULL */
        char *product;
        unsigned busnum; /* 0 when unknown */
        unsigned devnum;
        char *devnode; /* "/dev/bus/usb/001/002", or NULL when neither uevent nor busnum/devnum say */
        TdUsbInterface *interfaces;
        size_t n_interfaces;
} TdUsbDevice;

typedef struct {
        TdUsbDevice *devices;
        size_t n_devices;
        bool sysfs_present; /* /sys/bus/usb/devices exists under the root */
        size_t n_skipped;   /* entries without readable idVendor/idProduct (hubs' ports, junk) */
} TdUsbBus;

/*
 * Read the USB bus from /sys/bus/usb/devices under the context's root. Links are resolved
 * inside the root; node searches below interfaces never follow links. A missing sysfs is an
 * empty bus. Returns 0 and a new bus (td_usb_bus_free()), or a negative errno. Thread-safe.
 */
int td_usb_bus_scan(const TdContext *ctx, TdUsbBus **ret_bus);
void td_usb_bus_free(TdUsbBus *bus);

/*
 * The bus, scanned once per context and shared between checks. *ret_bus is borrowed from the
 * context. Returns 0 or a negative errno.
 */
int td_usb_get_bus(TdContext *ctx, const TdUsbBus **ret_bus);

/*
 * For tests: make td_usb_get_bus() answer @bus (taken, also on failure; every string and array
 * in it allocated, as td_usb_bus_free() frees them) instead of scanning sysfs. Returns 0,
 * -EBUSY when the bus was scanned already, or -ENOMEM.
 */
int td_usb_bus_override(TdContext *ctx, TdUsbBus *bus);

bool td_usb_device_has_class(const TdUsbDevice *device, int class);
/* "096e:0807" into @buf (at least 10 bytes); returns @buf. */
char *td_usb_device_id(const TdUsbDevice *device, char buf[static 10]);
/* The profile's token model listing this device's VID:PID, or NULL. Borrowed from @profile. */
const TdTokenModel *td_usb_device_model(const TdUsbDevice *device, const TdProfile *profile);
/* A short English name of a USB class code ("HID", "mass storage", "CCID"), or NULL. */
const char *td_usb_class_name(int class);

/*
 * Whether a user with effective @uid, @gid and supplementary @groups may open a node of
 * mode/owner @st for reading and writing, by the mode bits as the kernel applies them (owner
 * bits for the owner, else group bits for a member of the group, else the other bits). uid 0
 * may open anything. ACLs are not seen here (see td_usb_node_access()). Pure.
 */
bool td_usb_node_usable(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups);

typedef enum {
        TD_USB_NODE_USABLE,
        TD_USB_NODE_DENIED,
        TD_USB_NODE_ABSENT,
        _TD_USB_NODE_ACCESS_MAX,
} TdUsbNodeAccess;

/*
 * Whether this process's user may open device node @abs_path ("/dev/hidraw0") under the root
 * for reading and writing: td_usb_node_usable() with the effective credentials, or, for a
 * non-root user, the kernel's own answer (faccessat AT_EACCESS, which honours the ACL that
 * udev's "uaccess" tag grants). @ret_st (optional) gets the node's stat when it exists.
 * Returns 0 or a negative errno other than ENOENT.
 */
int td_usb_node_access(const TdContext *ctx, const char *abs_path, TdUsbNodeAccess *ret_access,
                       struct stat *ret_st);

/*
 * The udev rule that lets the user at the local seat open every node of USB device
 * @vendor_id:@product_id (the device, its hidraw and sg nodes), and the file it belongs in:
 * *@ret_line 'SUBSYSTEMS=="usb", ATTRS{idVendor}=="055c", ATTRS{idProduct}=="e000",
 * MODE="0660", TAG+="uaccess"' and *@ret_path "/etc/udev/rules.d/70-tokendoctor-055c-e000.rules"
 * (a name that sorts before 73-seat-late.rules, where uaccess is applied). token.usb shows it;
 * the helper's install-udev-rule verb writes it. Either output may be NULL. Returns 0 (free()
 * the strings), -ERANGE for an id above 0xffff, or -ENOMEM. Pure.
 */
int td_udev_rule_make(unsigned vendor_id, unsigned product_id, char **ret_path, char **ret_line);

/*
 * Whether a non-comment line of udev rules text names vendor id @vendor_id (as four hex
 * digits, any case, not part of a longer hex word). Pure.
 */
bool td_udev_rules_mention_vendor(const char *text, size_t len, unsigned vendor_id);

/*
 * The udev rules files (/etc/udev/rules.d, /usr/lib/udev/rules.d, /lib/udev/rules.d under
 * the root) that mention @vendor_id. Returns 0 and a new vector of absolute paths (may be
 * empty), or a negative errno.
 */
int td_udev_rules_find_vendor(const TdContext *ctx, unsigned vendor_id, TdStrv *ret_files);
