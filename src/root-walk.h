/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Path lookup confined to a directory, for kernels without openat2() (before 5.6: the
 * 4.19 kernels of UOS 20 and Kylin V10 among them). td_context_open() uses it when openat2
 * is missing, so that --root never follows a link out of the root on any kernel.
 */
#pragma once

/*
 * Open @path below directory @root_fd as openat2(RESOLVE_IN_ROOT) would: one component at a
 * time, a symbolic link read and resolved again from the root when absolute (at most 40 of
 * them, then -ELOOP), ".." at the root staying at the root. @flags are open(2) flags for the
 * last component (O_CLOEXEC and O_NOFOLLOW are added; O_CREAT is not supported). Returns a
 * file descriptor or a negative errno. Thread-safe.
 */
int td_root_walk_open(int root_fd, const char *path, int flags);
