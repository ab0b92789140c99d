/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td-util.h"
#include "repair/td-file.h"

static int sync_parent(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        _cleanup_close_ int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* Some file systems refuse fsync on a directory; the rename itself has happened. */
        (void) fsync(dfd);
        return 0;
}

/* A name beside @path no one else uses: ".NAME.td-XXXXXX" in the same directory. */
static char *temp_name_beside(const char *path) {
        const char *slash = strrchr(path, '/');
        unsigned char rnd[6];
        if (td_random_bytes(rnd, sizeof rnd) < 0)
                return NULL;
        return td_strdup_printf("%.*s.%s.td-%02x%02x%02x%02x%02x%02x", slash ? (int) (slash - path + 1) : 0,
                                path, slash ? slash + 1 : path, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                                rnd[5]);
}

static int write_all(int fd, const void *data, size_t len) {
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int td_file_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_free_ char *tmp = temp_name_beside(path);
        if (!tmp)
                return -ENOMEM;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (r == 0 && (uid != (uid_t) -1 || gid != (gid_t) -1) && fchown(fd, uid, gid) < 0)
                r = -errno;
        /* After fchown, which clears set-id bits. */
        if (r == 0 && fchmod(fd, mode & 07777) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        return sync_parent(path);
}

int td_file_replace_symlink(const char *path, const char *target) {
        _cleanup_free_ char *tmp = temp_name_beside(path);
        if (!tmp)
                return -ENOMEM;
        if (symlink(target, tmp) < 0)
                return -errno;
        if (rename(tmp, path) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return sync_parent(path);
}

int td_mkdir_parents(const char *path, mode_t mode, int (*before_mkdir)(const char *dir, void *user),
                     void *user) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool end = *s == '\0';
                if (!end && *s != '/')
                        continue;
                *s = '\0';
                struct stat st;
                /* Followed: a directory reached through a link ($HOME, /lib on merged /usr) is one. */
                if (stat(p, &st) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                } else if (errno != ENOENT)
                        return -errno;
                else {
                        int r = before_mkdir ? before_mkdir(p, user) : 0;
                        if (r < 0)
                                return r;
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return -errno;
                }
                if (end)
                        return 0;
                *s = '/';
        }
}
