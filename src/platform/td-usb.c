/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The USB bus as sysfs shows it under the context's root: scanned once per context. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-fact.h"
#include "td-usb.h"
#include "td-util.h"

#define SYSFS_USB_DEVICES "/sys/bus/usb/devices"
/* The memo key, spelled here only: tests reach the bus through td_usb_bus_override(). */
#define USB_BUS_FACT "usb.bus"
/* sysfs attributes are at most a page; anything longer is not sysfs. */
#define ATTR_MAX 4096u
/* A bus with more entries than this is not a real machine's: stop reading instead of hanging. */
#define MAX_ENTRIES 2048u
/* hidraw sits one level below the interface, scsi_generic four (host/target/lun/scsi_generic). */
#define NODE_SEARCH_DEPTH 4u
#define NODE_SEARCH_BUDGET 1024u

static void interface_clear(TdUsbInterface *i) {
        free(i->name);
        td_strv_free(i->nodes);
}

static void device_clear(TdUsbDevice *d) {
        free(d->name);
        free(d->manufacturer);
        free(d->product);
        free(d->devnode);
        for (size_t i = 0; i < d->n_interfaces; i++)
                interface_clear(&d->interfaces[i]);
        free(d->interfaces);
}

void td_usb_bus_free(TdUsbBus *bus) {
        if (!bus)
                return;
        for (size_t i = 0; i < bus->n_devices; i++)
                device_clear(&bus->devices[i]);
        free(bus->devices);
        free(bus);
}

static inline void bus_freep(TdUsbBus **p) {
        td_usb_bus_free(*p);
}

/* sysfs names of USB devices and interfaces: "1-2.3", "usb1", "1-2:1.0". Nothing else is read. */
static bool sysfs_name_ok(const char *name) {
        size_t len = strlen(name);
        if (len == 0 || len > 63 || streq(name, ".") || streq(name, ".."))
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr(".:_-", *p)))
                        return false;
        return true;
}

/* Read ENTRY/ATTR under the bus directory; -ENOENT and friends when it is absent. */
static int read_attr(const TdContext *ctx, const char *entry, const char *attr, char **ret_text,
                     size_t *ret_len) {
        _cleanup_free_ char *path = td_strdup_printf(SYSFS_USB_DEVICES "/%s/%s", entry, attr);
        if (!path)
                return -ENOMEM;
        return td_context_read_file(ctx, path, ATTR_MAX, ret_text, ret_len);
}

/* A number attribute; false when absent or malformed (a diagnostics tool reads broken trees). */
static bool read_number_attr(const TdContext *ctx, const char *entry, const char *attr, bool hex,
                             unsigned max, unsigned *ret_value, int *ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_attr(ctx, entry, attr, &text, &len);
        if (r == -ENOMEM)
                *ret_error = r;
        if (r < 0)
                return false;
        r = hex ? td_usb_parse_hex(text, len, max, ret_value) : td_usb_parse_dec(text, len, max, ret_value);
        return r >= 0;
}

static int read_string_attr(const TdContext *ctx, const char *entry, const char *attr, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_attr(ctx, entry, attr, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *ret = NULL;
                return 0;
        }
        char *s = td_usb_parse_string(text, len);
        if (!s)
                return -ENOMEM;
        if (!*s) {
                free(s);
                s = NULL;
        }
        *ret = s;
        return 0;
}

static int read_uevent(const TdContext *ctx, const char *entry, TdUsbUevent *ret) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_attr(ctx, entry, "uevent", &text, &len);
        if (r == -ENOMEM)
                return r;
        return td_usb_uevent_parse(r < 0 ? "" : text, r < 0 ? 0 : len, ret);
}

/* Returns 0 and fills @d, 1 when @name is no readable device (skipped), or -ENOMEM. */
static int scan_device(const TdContext *ctx, const char *name, TdUsbDevice *d) {
        int error = 0;
        unsigned vid = 0, pid = 0;
        bool have_ids = read_number_attr(ctx, name, "idVendor", true, 0xffff, &vid, &error) &&
                        read_number_attr(ctx, name, "idProduct", true, 0xffff, &pid, &error);
        if (error < 0)
                return error;

        TdUsbUevent uevent;
        int r = read_uevent(ctx, name, &uevent);
        if (r < 0)
                return r;
        if (!have_ids && uevent.vendor_id >= 0) {
                vid = (unsigned) uevent.vendor_id;
                pid = (unsigned) uevent.product_id;
                have_ids = true;
        }
        if (!have_ids) {
                td_usb_uevent_clear(&uevent);
                return 1;
        }

        *d = (TdUsbDevice){ .vendor_id = vid, .product_id = pid };
        if (!read_number_attr(ctx, name, "busnum", false, 999, &d->busnum, &error) && uevent.busnum > 0)
                d->busnum = (unsigned) uevent.busnum;
        if (!read_number_attr(ctx, name, "devnum", false, 999, &d->devnum, &error) && uevent.devnum > 0)
                d->devnum = (unsigned) uevent.devnum;
        if (uevent.devname)
                d->devnode = td_strdup_printf("/dev/%s", uevent.devname);
        else if (d->busnum > 0 && d->devnum > 0)
                d->devnode = td_strdup_printf("/dev/bus/usb/%03u/%03u", d->busnum, d->devnum);
        bool devnode_missing = !d->devnode && (uevent.devname || (d->busnum > 0 && d->devnum > 0));
        td_usb_uevent_clear(&uevent);

        d->name = strdup(name);
        if (error < 0 || devnode_missing || !d->name ||
            read_string_attr(ctx, name, "manufacturer", &d->manufacturer) < 0 ||
            read_string_attr(ctx, name, "product", &d->product) < 0) {
                device_clear(d);
                return -ENOMEM;
        }
        return 0;
}

static bool node_name_ok(const char *name) {
        /* "hidraw0", "sg12": a word and a number, as the kernel names class devices. */
        size_t len = strlen(name), letters = 0;
        while (letters < len && name[letters] >= 'a' && name[letters] <= 'z')
                letters++;
        if (letters == 0 || letters == len || len > 32)
                return false;
        for (size_t i = letters; i < len; i++)
                if (name[i] < '0' || name[i] > '9')
                        return false;
        return true;
}

/* The entries of a class directory ("hidraw/hidraw0") name the nodes under /dev. Takes @dir_fd. */
static int add_class_nodes(int dir_fd, TdStrv *nodes) {
        DIR *dir = fdopendir(dir_fd);
        if (!dir) {
                int r = -errno;
                close(dir_fd);
                return r;
        }
        int r = 0;
        for (struct dirent *e; r >= 0 && (e = readdir(dir));) {
                if (!node_name_ok(e->d_name))
                        continue;
                _cleanup_free_ char *node = td_strdup_printf("/dev/%s", e->d_name);
                if (!node)
                        r = -ENOMEM;
                else if (!td_strv_contains((const char *const *) *nodes, node))
                        r = td_strv_push(nodes, node);
        }
        closedir(dir);
        return r;
}

static bool is_plain_dir(DIR *dir, const struct dirent *e) {
        if (e->d_type == DT_DIR)
                return true;
        if (e->d_type != DT_UNKNOWN)
                return false;
        struct stat st;
        return fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Look below an interface for the class directories whose entries are device nodes. Links
 * are never followed: sysfs is full of links back up the tree ("subsystem", "driver", "port")
 * and under --root a link could leave the root. Takes @dir_fd.
 */
static int find_nodes(int dir_fd, unsigned depth, unsigned *budget, TdStrv *nodes) {
        DIR *dir = fdopendir(dir_fd);
        if (!dir) {
                int r = -errno;
                close(dir_fd);
                return r == -ENOMEM ? r : 0;
        }
        int r = 0;
        for (struct dirent *e; r >= 0 && *budget > 0 && (e = readdir(dir));) {
                if (streq(e->d_name, ".") || streq(e->d_name, ".."))
                        continue;
                (*budget)--;
                if (!is_plain_dir(dir, e))
                        continue;
                int child = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0)
                        continue;
                if (streq(e->d_name, "hidraw") || streq(e->d_name, "scsi_generic"))
                        r = add_class_nodes(child, nodes);
                else if (depth < NODE_SEARCH_DEPTH)
                        r = find_nodes(child, depth + 1, budget, nodes);
                else
                        close(child);
                if (r != -ENOMEM)
                        r = 0;
        }
        closedir(dir);
        return r;
}

static int scan_interface(const TdContext *ctx, const char *name, TdUsbInterface *iface) {
        int error = 0;
        unsigned class;
        *iface = (TdUsbInterface){ .class = -1 };
        if (read_number_attr(ctx, name, "bInterfaceClass", true, 0xff, &class, &error))
                iface->class = (int) class;
        if (error < 0)
                return error;
        if (iface->class < 0) {
                TdUsbUevent uevent;
                int r = read_uevent(ctx, name, &uevent);
                if (r < 0)
                        return r;
                iface->class = uevent.interface_class;
                td_usb_uevent_clear(&uevent);
        }

        iface->name = strdup(name);
        iface->nodes = calloc(1, sizeof(char *));
        if (!iface->name || !iface->nodes) {
                interface_clear(iface);
                return -ENOMEM;
        }

        _cleanup_free_ char *path = td_strdup_printf(SYSFS_USB_DEVICES "/%s", name);
        if (!path) {
                interface_clear(iface);
                return -ENOMEM;
        }
        int fd = td_context_open(ctx, path, O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
                unsigned budget = NODE_SEARCH_BUDGET;
                int r = find_nodes(fd, 0, &budget, &iface->nodes);
                if (r < 0) {
                        interface_clear(iface);
                        return r;
                }
        }
        return 0;
}

/* The entry names of the bus directory; an absent directory is an empty bus. */
static int list_entries(const TdContext *ctx, TdStrv *ret_names, bool *ret_present) {
        int r = td_context_list_dir(ctx, SYSFS_USB_DEVICES, sysfs_name_ok, MAX_ENTRIES, ret_names);
        *ret_present = r == 0;
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret_names = calloc(1, sizeof(char *));
                return *ret_names ? 0 : -ENOMEM;
        }
        return r;
}

static TdUsbDevice *find_device(TdUsbBus *bus, const char *name, size_t name_len) {
        for (size_t i = 0; i < bus->n_devices; i++)
                if (strlen(bus->devices[i].name) == name_len &&
                    strncmp(bus->devices[i].name, name, name_len) == 0)
                        return &bus->devices[i];
        return NULL;
}

static int add_interface(const TdContext *ctx, TdUsbBus *bus, const char *name) {
        /* "1-2:1.0" belongs to device "1-2" (a root hub's "1-0:1.0" to "usb1", which is no token). */
        TdUsbDevice *d = find_device(bus, name, (size_t) (strchr(name, ':') - name));
        if (!d)
                return 0;
        TdUsbInterface *grown = realloc(d->interfaces, (d->n_interfaces + 1) * sizeof *grown);
        if (!grown)
                return -ENOMEM;
        d->interfaces = grown;
        int r = scan_interface(ctx, name, &d->interfaces[d->n_interfaces]);
        if (r < 0)
                return r;
        d->n_interfaces++;
        return 0;
}

int td_usb_bus_scan(const TdContext *ctx, TdUsbBus **ret_bus) {
        _cleanup_(bus_freep) TdUsbBus *bus = calloc(1, sizeof *bus);
        _cleanup_strv_free_ TdStrv names = NULL;
        if (!bus)
                return -ENOMEM;
        int r = list_entries(ctx, &names, &bus->sysfs_present);
        if (r < 0)
                return r;

        size_t n = td_strv_length((const char *const *) names);
        bus->devices = calloc(n ? n : 1, sizeof(TdUsbDevice));
        if (!bus->devices)
                return -ENOMEM;
        for (char **name = names; *name; name++) {
                if (strchr(*name, ':'))
                        continue;
                r = scan_device(ctx, *name, &bus->devices[bus->n_devices]);
                if (r < 0)
                        return r;
                if (r > 0)
                        bus->n_skipped++;
                else
                        bus->n_devices++;
        }
        for (char **name = names; *name; name++)
                if (strchr(*name, ':') && (r = add_interface(ctx, bus, *name)) < 0)
                        return r;

        *ret_bus = TAKE_PTR(bus);
        return 0;
}

static int bus_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdUsbBus *bus = NULL;
        int r = td_usb_bus_scan(ctx, &bus);
        if (r < 0)
                return r;
        *ret_value = bus;
        return 0;
}

static void bus_free_value(void *value) {
        td_usb_bus_free(value);
}

int td_usb_get_bus(TdContext *ctx, const TdUsbBus **ret_bus) {
        void *value = NULL;
        int r = td_context_memo(ctx, USB_BUS_FACT, bus_compute, NULL, bus_free_value, &value);
        if (r < 0)
                return r;
        *ret_bus = value;
        return 0;
}

int td_usb_bus_override(TdContext *ctx, TdUsbBus *bus) {
        return td_fact_override(ctx, USB_BUS_FACT, bus, bus_free_value);
}

bool td_usb_device_has_class(const TdUsbDevice *device, int class) {
        for (size_t i = 0; i < device->n_interfaces; i++)
                if (device->interfaces[i].class == class)
                        return true;
        return false;
}

char *td_usb_device_id(const TdUsbDevice *device, char buf[static 10]) {
        snprintf(buf, 10, "%04x:%04x", device->vendor_id & 0xffffu, device->product_id & 0xffffu);
        return buf;
}

const TdTokenModel *td_usb_device_model(const TdUsbDevice *device, const TdProfile *profile) {
        char id[10];
        if (!profile)
                return NULL;
        td_usb_device_id(device, id);
        /* An exact VID:PID wins over a vendor-wide "VID:*". */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < profile->n_tokens; i++)
                        for (char **p = profile->tokens[i].usb_ids; p && *p; p++)
                                if (pass == 0 ? streq(*p, id) : fnmatch(*p, id, 0) == 0)
                                        return &profile->tokens[i];
        return NULL;
}

const char *td_usb_class_name(int class) {
        switch (class) {
        case TD_USB_CLASS_HID:
                return "HID";
        case TD_USB_CLASS_MASS_STORAGE:
                return "mass storage";
        case TD_USB_CLASS_SMART_CARD:
                return "CCID";
        case TD_USB_CLASS_VENDOR:
                return "vendor-specific";
        case 0x09:
                return "hub";
        default:
                return NULL;
        }
}
