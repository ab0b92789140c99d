/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether this user may open a device node: mode bits, groups, and the ACL udev grants. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td-usb.h"
#include "td-util.h"

bool td_usb_node_usable(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups) {
        if (uid == 0)
                return true;
        mode_t need;
        /* As the kernel does: the owner gets the owner bits only, even when others get more. */
        if (st->st_uid == uid)
                need = S_IRUSR | S_IWUSR;
        else {
                bool member = st->st_gid == gid;
                for (size_t i = 0; !member && i < n_groups; i++)
                        member = groups[i] == st->st_gid;
                need = member ? (S_IRGRP | S_IWGRP) : (S_IROTH | S_IWOTH);
        }
        return (st->st_mode & need) == need;
}

static int current_groups(gid_t **ret_groups, size_t *ret_n) {
        int n = getgroups(0, NULL);
        if (n < 0)
                return -errno;
        _cleanup_free_ gid_t *groups = calloc((size_t) n + 1, sizeof(gid_t));
        if (!groups)
                return -ENOMEM;
        n = getgroups(n, groups);
        if (n < 0)
                return -errno;
        *ret_groups = TAKE_PTR(groups);
        *ret_n = (size_t) n;
        return 0;
}

int td_usb_node_access(const TdContext *ctx, const char *abs_path, TdUsbNodeAccess *ret_access,
                       struct stat *ret_st) {
        const char *slash = strrchr(abs_path, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        _cleanup_free_ char *dir =
                slash == abs_path ? strdup("/") : strndup(abs_path, (size_t) (slash - abs_path));
        if (!dir)
                return -ENOMEM;
        const char *base = slash + 1;

        _cleanup_close_ int dir_fd = td_context_open(ctx, dir, O_RDONLY | O_DIRECTORY);
        if (dir_fd == -ENOENT || dir_fd == -ENOTDIR) {
                *ret_access = TD_USB_NODE_ABSENT;
                return 0;
        }
        if (dir_fd < 0)
                return dir_fd;

        /* Under --root a link in /dev could point out of the root: do not follow it there. */
        struct stat st;
        if (fstatat(dir_fd, base, &st, td_context_has_root(ctx) ? AT_SYMLINK_NOFOLLOW : 0) < 0) {
                if (errno == ENOENT || errno == ENOTDIR) {
                        *ret_access = TD_USB_NODE_ABSENT;
                        return 0;
                }
                return -errno;
        }
        if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
                *ret_access = TD_USB_NODE_ABSENT;
                return 0;
        }

        _cleanup_free_ gid_t *groups = NULL;
        size_t n_groups = 0;
        int r = current_groups(&groups, &n_groups);
        if (r < 0)
                return r;
        uid_t uid = geteuid();
        bool usable = td_usb_node_usable(&st, uid, getegid(), groups, n_groups);
        /*
         * udev's "uaccess" tag grants the desktop user an ACL entry that the mode bits do not
         * show; the kernel's answer counts it. Only meaningful for a non-root caller.
         */
        if (!usable && uid != 0 && faccessat(dir_fd, base, R_OK | W_OK, AT_EACCESS) == 0)
                usable = true;

        *ret_access = usable ? TD_USB_NODE_USABLE : TD_USB_NODE_DENIED;
        if (ret_st)
                *ret_st = st;
        return 0;
}
