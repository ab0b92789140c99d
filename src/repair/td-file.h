/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writing the files a repair changes: whole files replaced atomically (a new file in the same
 * directory, synced, renamed over the old), so a crash leaves the old or the new one, never
 * half of either.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Make @path hold @data: a temporary file next to it, mode @mode, synced and renamed over it;
 * the directory is synced too. A symbolic link at @path is replaced by the file, not followed.
 * @uid/@gid: the owner to give it, or (uid_t) -1 / (gid_t) -1 to leave ours. 0 or a negative
 * errno (the temporary file is gone again).
 */
int td_file_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid);

/* Make @path a symbolic link to @target the same way (a link made beside it, renamed over it). */
int td_file_replace_symlink(const char *path, const char *target);

/*
 * mkdir -p with @mode for what it creates. @before_mkdir (NULL: none) is told of each directory
 * about to be made, before it is (a journal notes it first, so a crash between leaves a note, never
 * a stray directory); a negative return stops there. 0, -ENOTDIR when something other than a
 * directory is in the way, or a negative errno.
 */
int td_mkdir_parents(const char *path, mode_t mode, int (*before_mkdir)(const char *dir, void *user),
                     void *user);
