/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What a test module can see of the descriptors of its probe and of the tokendoctor that
 * started it, through /proc (header-only: each test module is one file).
 */
#pragma once

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Whether @target ("socket:[INODE]", as /proc/PID/fd shows it) is a TCP socket of this network namespace. */
static inline bool proc_socket_is_tcp(const char *target) {
        unsigned long inode;
        if (sscanf(target, "socket:[%lu]", &inode) != 1)
                return false;
        static const char *const tables[] = { "/proc/self/net/tcp", "/proc/self/net/tcp6" };
        bool found = false;
        for (size_t i = 0; !found && i < sizeof tables / sizeof tables[0]; i++) {
                FILE *f = fopen(tables[i], "re");
                char line[512];
                while (f && !found && fgets(line, sizeof line, f)) {
                        unsigned long row;
                        /* sl local rem st queues timer retransmits uid timeout inode */
                        found = sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu", &row) == 1 &&
                                row == inode;
                }
                if (f)
                        fclose(f);
        }
        return found;
}

/*
 * Call @each(fd, target, user) for every open descriptor of process @pid but @skip (the
 * caller's own, or -1), in the order /proc lists them. Returns how many, or -1 when they
 * cannot be read.
 */
static inline int proc_for_each_fd(pid_t pid, int skip, void (*each)(int fd, const char *target, void *user),
                                   void *user) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int) pid);
        DIR *d = opendir(dir);
        if (!d)
                return -1;
        int n = 0;
        for (struct dirent *e; (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                int fd = atoi(e->d_name);
                if ((pid == getpid() && fd == dirfd(d)) || fd == skip)
                        continue;
                char path[PATH_MAX], target[PATH_MAX];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                ssize_t len = readlink(path, target, sizeof target - 1);
                if (len < 0)
                        continue; /* closed meanwhile */
                target[len] = '\0';
                each(fd, target, user);
                n++;
        }
        closedir(d);
        return n;
}
