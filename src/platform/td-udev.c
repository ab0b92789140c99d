/* SPDX-License-Identifier: GPL-3.0-or-later */
/* udev rules: which installed rules name a vendor, and the rule that gives a token's user access. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "td-usb.h"
#include "td-util.h"

#define RULES_FILE_MAX (1024u * 1024u)
#define RULES_FILES_MAX 1024u

/* Hex digits by byte value, whatever the locale. */
static bool is_hex_digit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * SUBSYSTEMS (with the S) matches the USB device and everything below it, so one line covers
 * /dev/bus/usb as well as the hidraw and sg nodes. "uaccess" gives the user at the local seat
 * an ACL on the node; it only works in a file that sorts before 73-seat-late.rules.
 */
int td_udev_rule_make(unsigned vendor_id, unsigned product_id, char **ret_path, char **ret_line) {
        if (vendor_id > 0xffff || product_id > 0xffff)
                return -ERANGE;
        _cleanup_free_ char *path =
                td_strdup_printf("/etc/udev/rules.d/70-tokendoctor-%04x-%04x.rules", vendor_id, product_id);
        _cleanup_free_ char *line = td_strdup_printf(
                "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"%04x\", ATTRS{idProduct}==\"%04x\", "
                "MODE=\"0660\", TAG+=\"uaccess\"",
                vendor_id, product_id);
        if (!path || !line)
                return -ENOMEM;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        if (ret_line)
                *ret_line = TAKE_PTR(line);
        return 0;
}

bool td_udev_rules_mention_vendor(const char *text, size_t len, unsigned vendor_id) {
        char want[5];
        snprintf(want, sizeof want, "%04x", vendor_id & 0xffffu);
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = eol ? eol : end;
                const char *q = p;
                while (q < line_end && *q && strchr(" \t\r\f\v", *q))
                        q++;
                if (q < line_end && *q != '#')
                        for (; q + 4 <= line_end; q++) {
                                if (strncasecmp(q, want, 4) != 0)
                                        continue;
                                /* "055c" but not "1055c" or "055cd": whole hex words only. */
                                bool before = q > p && is_hex_digit(q[-1]);
                                bool after = q + 4 < line_end && is_hex_digit(q[4]);
                                if (!before && !after)
                                        return true;
                        }
                p = eol ? eol + 1 : end;
        }
        return false;
}

static bool is_rules_file(const char *name) {
        return name[0] != '.' && td_endswith(name, ".rules");
}

static int rules_dir_scan(const TdContext *ctx, const char *dir_path, unsigned vendor_id, TdStrv *seen,
                          TdStrv *files) {
        _cleanup_strv_free_ TdStrv names = NULL;
        int r = td_context_list_dir(ctx, dir_path, is_rules_file, RULES_FILES_MAX, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (char **name = names; *name; name++) {
                /* udev reads one file per name: /etc masks /usr/lib, and /lib is often /usr/lib. */
                if (td_strv_contains((const char *const *) *seen, *name))
                        continue;
                if ((r = td_strv_push(seen, *name)) < 0)
                        return r;
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", dir_path, *name);
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (!path)
                        return -ENOMEM;
                r = td_context_read_file(ctx, path, RULES_FILE_MAX, &text, &len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                if (td_udev_rules_mention_vendor(text, len, vendor_id) &&
                    (r = td_strv_push(files, path)) < 0)
                        return r;
        }
        return 0;
}

int td_udev_rules_find_vendor(const TdContext *ctx, unsigned vendor_id, TdStrv *ret_files) {
        static const char *const dirs[] = { "/etc/udev/rules.d", "/run/udev/rules.d",
                                            "/usr/lib/udev/rules.d", "/lib/udev/rules.d" };
        _cleanup_strv_free_ TdStrv files = calloc(1, sizeof(char *));
        _cleanup_strv_free_ TdStrv seen = calloc(1, sizeof(char *));
        if (!files || !seen)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                int r = rules_dir_scan(ctx, dirs[i], vendor_id, &seen, &files);
                if (r < 0)
                        return r;
        }
        *ret_files = TAKE_PTR(files);
        return 0;
}
