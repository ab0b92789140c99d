/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pure parsers of sysfs text (attributes, uevent files): what the fuzzers drive. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "td-usb.h"
#include "td-util.h"

#define STRING_ATTR_MAX 128u

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Narrow @text/@len to the part between leading and trailing white space. */
static void trim(const char **text, size_t *len) {
        while (*len > 0 && is_space((*text)[0])) {
                (*text)++;
                (*len)--;
        }
        while (*len > 0 && is_space((*text)[*len - 1]))
                (*len)--;
}

static int parse_number(const char *text, size_t len, unsigned base, size_t max_digits, unsigned max,
                        unsigned *ret_value) {
        trim(&text, &len);
        if (base == 16 && len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
                text += 2;
                len -= 2;
        }
        if (len == 0 || len > max_digits)
                return -EINVAL;
        uint64_t value = 0;
        for (size_t i = 0; i < len; i++) {
                int digit = hex_value(text[i]);
                if (digit < 0 || (unsigned) digit >= base)
                        return -EINVAL;
                value = value * base + (unsigned) digit;
        }
        if (value > max)
                return -ERANGE;
        *ret_value = (unsigned) value;
        return 0;
}

int td_usb_parse_hex(const char *text, size_t len, unsigned max, unsigned *ret_value) {
        return parse_number(text, len, 16, 8, max, ret_value);
}

int td_usb_parse_dec(const char *text, size_t len, unsigned max, unsigned *ret_value) {
        return parse_number(text, len, 10, 9, max, ret_value);
}

char *td_usb_parse_string(const char *text, size_t len) {
        const char *eol = memchr(text, '\n', len);
        if (eol)
                len = (size_t) (eol - text);
        trim(&text, &len);
        if (len > STRING_ATTR_MAX)
                len = STRING_ATTR_MAX;
        _cleanup_free_ char *copy = malloc(len + 1);
        if (!copy)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) text[i];
                /* A device chooses its strings: keep terminals and JSON safe from them. */
                copy[i] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
        }
        copy[len] = '\0';
        return td_utf8_sanitize(copy);
}

/* "a/b/c": the @index-th '/'-separated field of @value. */
static bool field(const char *value, unsigned index, const char **ret_start, size_t *ret_len) {
        const char *p = value;
        for (unsigned i = 0; i < index; i++) {
                p = strchr(p, '/');
                if (!p)
                        return false;
                p++;
        }
        const char *end = strchr(p, '/');
        *ret_start = p;
        *ret_len = end ? (size_t) (end - p) : strlen(p);
        return true;
}

static int field_number(const char *value, unsigned index, unsigned base, unsigned max) {
        const char *start;
        size_t len;
        unsigned n;
        if (!field(value, index, &start, &len) || parse_number(start, len, base, 8, max, &n) < 0)
                return -1;
        return (int) n;
}

/* DEVNAME names a node under /dev: relative, plain characters, no "..". */
static bool devname_ok(const char *name) {
        size_t len = strlen(name);
        if (len == 0 || len > 128 || name[0] == '/')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_-./:", *p)))
                        return false;
        for (const char *p = name; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
                if (td_startswith(p, "..") && (p[2] == '/' || p[2] == '\0'))
                        return false;
        return true;
}

static int uevent_assign(TdUsbUevent *u, const char *key, const char *value) {
        if (streq(key, "PRODUCT")) {
                int vid = field_number(value, 0, 16, 0xffff), pid = field_number(value, 1, 16, 0xffff);
                if (vid >= 0 && pid >= 0) {
                        u->vendor_id = vid;
                        u->product_id = pid;
                }
        } else if (streq(key, "BUSNUM"))
                u->busnum = field_number(value, 0, 10, 999);
        else if (streq(key, "DEVNUM"))
                u->devnum = field_number(value, 0, 10, 999);
        else if (streq(key, "INTERFACE"))
                u->interface_class = field_number(value, 0, 10, 0xff);
        else if (streq(key, "DEVNAME") && devname_ok(value)) {
                char *copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(u->devname);
                u->devname = copy;
        }
        return 0;
}

int td_usb_uevent_parse(const char *text, size_t len, TdUsbUevent *ret) {
        TdUsbUevent u = {
                .vendor_id = -1, .product_id = -1, .busnum = -1, .devnum = -1, .interface_class = -1
        };
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = eol ? eol : end;
                const char *eq = memchr(p, '=', (size_t) (line_end - p));
                /* Keys are short upper-case words; a NUL would cut the C strings short. */
                if (eq && eq > p && eq - p < 32 && !memchr(p, '\0', (size_t) (line_end - p))) {
                        _cleanup_free_ char *key = strndup(p, (size_t) (eq - p));
                        _cleanup_free_ char *value = strndup(eq + 1, (size_t) (line_end - eq - 1));
                        if (!key || !value) {
                                td_usb_uevent_clear(&u);
                                return -ENOMEM;
                        }
                        if (uevent_assign(&u, key, td_strstrip(value)) < 0) {
                                td_usb_uevent_clear(&u);
                                return -ENOMEM;
                        }
                }
                p = eol ? eol + 1 : end;
        }
        *ret = u;
        return 0;
}

void td_usb_uevent_clear(TdUsbUevent *u) {
        free(u->devname);
        u->devname = NULL;
}
