/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Files as root: every directory opened by descriptor from "/", one component at a time, never
 * through a symbolic link; every file opened without following one; every write a new file
 * renamed over the old. A user who can make a link somewhere on the way cannot point a write of
 * ours at /etc/shadow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
#include "td-util.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The next component of @p (after any '/'), its length in *ret_len; NULL at the end. */
static const char *next_component(const char *p, size_t *ret_len) {
        while (*p == '/')
                p++;
        if (!*p)
                return NULL;
        *ret_len = strcspn(p, "/");
        return p;
}

static bool component_ok(const char *c, size_t n) {
        return n > 0 && n < 256 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.');
}

static bool root_owned(const struct stat *st) {
        return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* With @check_owner: refuse (-EPERM, the first path in *@ret_bad) a directory on the way that is not
 * root_owned(). */
static int owner_ok(int fd, bool check_owner, const char *path, size_t len, char **ret_bad) {
        struct stat st;
        if (!check_owner)
                return 0;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (root_owned(&st))
                return 0;
        if (ret_bad)
                *ret_bad = len ? strndup(path, len) : strdup("/");
        return -EPERM;
}

/*
 * Open @path from "/", one component at a time and never through a link; with @create, make
 * what is missing (each noted in @j first, when given); with @check_owner, every directory on
 * the way must be root's. A descriptor, or a negative errno.
 */
static int walk_from_root(const char *path, bool create, TdJournal *j, bool check_owner, char **ret_bad) {
        if (!path || path[0] != '/')
                return -EINVAL;
        _cleanup_close_ int fd = open("/", DIR_FLAGS);
        if (fd < 0)
                return -errno;
        int r = owner_ok(fd, check_owner, path, 0, ret_bad);
        if (r < 0)
                return r;

        size_t n;
        for (const char *c = next_component(path, &n); c; c = next_component(c + n, &n)) {
                if (!component_ok(c, n))
                        return -EINVAL;
                _cleanup_free_ char *name = strndup(c, n);
                if (!name)
                        return -ENOMEM;
                int next = openat(fd, name, DIR_FLAGS);
                if (next < 0 && errno == ENOENT && create) {
                        /* Noted before it exists: a crash in between leaves a note, never a stray directory.
                         */
                        if (j) {
                                _cleanup_free_ char *made = strndup(path, (size_t) (c + n - path));
                                if (!made)
                                        return -ENOMEM;
                                if ((r = td_journal_note_mkdir(j, made)) < 0)
                                        return r;
                        }
                        if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        next = openat(fd, name, DIR_FLAGS);
                }
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
                if ((r = owner_ok(fd, check_owner, path, (size_t) (c + n - path), ret_bad)) < 0)
                        return r;
        }
        return TAKE_FD(fd);
}

int td_helper_dir_open(const char *path, bool create, TdJournal *j) {
        return walk_from_root(path, create, j, false, NULL);
}

int td_helper_dir_check_root_owned(const char *path, char **ret_bad) {
        _cleanup_close_ int fd = walk_from_root(path, false, NULL, true, ret_bad);
        return fd < 0 ? fd : 0;
}

int td_helper_read_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                      struct stat *ret_st) {
        _cleanup_close_ int fd =
                openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        int r = td_fd_require_regular(fd, &st);
        if (r < 0)
                return r;
        if ((size_t) st.st_size > max)
                return -EFBIG;
        char *data;
        size_t len;
        r = td_read_fd(fd, max, &data, &len);
        if (r < 0)
                return r;
        *ret_data = data;
        if (ret_len)
                *ret_len = len;
        if (ret_st)
                *ret_st = st;
        return 0;
}

static int write_all(int fd, const void *data, size_t len) {
        const char *p = data;
        while (len > 0) {
                ssize_t k = write(fd, p, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                len -= (size_t) k;
        }
        return 0;
}

int td_helper_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode) {
        unsigned char rnd[6];
        int r = td_random_bytes(rnd, sizeof rnd);
        if (r < 0)
                return r;
        /* A dot name: udev, polkit and p11-kit each skip hidden files while it exists. */
        _cleanup_free_ char *tmp = td_strdup_printf(".#%s.%02x%02x%02x%02x%02x%02x", name, rnd[0], rnd[1],
                                                    rnd[2], rnd[3], rnd[4], rnd[5]);
        if (!tmp)
                return -ENOMEM;

        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, len);
        /* Ours, whatever the directory's set-group-id bit or the umask would make of it. */
        if (r >= 0 && (fchown(fd, 0, 0) < 0 || fchmod(fd, mode) < 0))
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* The rename itself must last: sync the directory. */
        if (fsync(dirfd) < 0)
                return -errno;
        return 0;
}

int td_helper_path_split(const char *path, char **ret_dir, char **ret_base) {
        const char *slash = path ? strrchr(path, '/') : NULL;
        if (!slash || path[0] != '/' || !slash[1])
                return -EINVAL;
        char *dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        char *base = strdup(slash + 1);
        if (!dir || !base) {
                free(dir);
                free(base);
                return -ENOMEM;
        }
        *ret_dir = dir;
        *ret_base = base;
        return 0;
}
