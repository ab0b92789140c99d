/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root-walk.h"
#include "td-util.h"

/* The kernel's MAXSYMLINKS, so both lookups give up on the same trees. */
#define LINKS_MAX 40

static bool same_inode(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int dup_fd(int fd) {
        int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        return r < 0 ? -errno : r;
}

/* Replace *@cur by @next (taken). */
static void move_to(int *cur, int next) {
        if (*cur >= 0)
                close(*cur);
        *cur = next;
}

int td_root_walk_open(int root_fd, const char *path, int flags) {
        struct stat root_st;
        if (fstat(root_fd, &root_st) < 0)
                return -errno;
        _cleanup_free_ char *todo = strdup(path);
        if (!todo)
                return -ENOMEM;
        _cleanup_close_ int cur = dup_fd(root_fd);
        if (cur < 0)
                return cur;

        unsigned links = 0;
        size_t pos = 0;
        for (;;) {
                pos += strspn(todo + pos, "/");
                if (!todo[pos]) {
                        int fd = openat(cur, ".", flags | O_CLOEXEC);
                        return fd < 0 ? -errno : fd;
                }
                size_t len = strcspn(todo + pos, "/");
                if (len > NAME_MAX)
                        return -ENAMETOOLONG;
                char name[NAME_MAX + 1];
                memcpy(name, todo + pos, len);
                name[len] = '\0';
                pos += len;
                const char *rest = todo + pos;
                bool last = rest[strspn(rest, "/")] == '\0';
                /* "dir/": as the kernel, a trailing slash asks for a directory. */
                int last_flags = flags | (*rest ? O_DIRECTORY : 0);

                if (streq(name, ".") || streq(name, "..")) {
                        struct stat st;
                        if (fstat(cur, &st) < 0)
                                return -errno;
                        /* ".." of the root is the root, as "/.." is "/". */
                        if (streq(name, "..") && !same_inode(&st, &root_st)) {
                                int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (up < 0)
                                        return -errno;
                                move_to(&cur, up);
                        }
                        if (last) {
                                int fd = openat(cur, ".", last_flags | O_CLOEXEC);
                                return fd < 0 ? -errno : fd;
                        }
                        continue;
                }

                _cleanup_close_ int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return -errno;

                if (S_ISLNK(st.st_mode)) {
                        if (last && (flags & O_NOFOLLOW))
                                return (flags & O_PATH) ? TAKE_FD(fd) : -ELOOP;
                        if (++links > LINKS_MAX)
                                return -ELOOP;
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(fd, "", target, sizeof target);
                        if (n < 0)
                                return -errno;
                        if ((size_t) n >= sizeof target)
                                return -ENAMETOOLONG;
                        if (n == 0)
                                return -ENOENT;
                        target[n] = '\0';
                        /* The link's target takes the link's place; what followed it stays. */
                        char *next = td_strdup_printf("%s%s", target, rest);
                        if (!next)
                                return -ENOMEM;
                        free(todo);
                        todo = next;
                        pos = 0;
                        if (target[0] == '/') {
                                int top = dup_fd(root_fd);
                                if (top < 0)
                                        return top;
                                move_to(&cur, top);
                        }
                        continue;
                }

                if (!last) {
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                        move_to(&cur, TAKE_FD(fd));
                        continue;
                }
                /* O_NOFOLLOW: a link put in its place since the look above is refused, not followed. */
                int file = openat(cur, name, last_flags | O_NOFOLLOW | O_CLOEXEC);
                return file < 0 ? -errno : file;
        }
}
