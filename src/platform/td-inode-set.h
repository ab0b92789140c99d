/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A set of files by identity (device and inode), for walks of a --root that must read each
 * file once however many links or names lead to it, and must not loop. A set belongs to one
 * walk: not thread-safe.
 */
#pragma once

#include <sys/stat.h>

typedef struct {
        void *tree; /* tsearch() tree */
} TdInodeSet;
#define TD_INODE_SET_INIT                                                                                   \
        { NULL }

/* Add the file @st describes: 1 when it was not in the set, 0 when it was, or -ENOMEM. */
int td_inode_set_add(TdInodeSet *set, const struct stat *st);
/* Empty the set. */
void td_inode_set_clear(TdInodeSet *set);

static inline void td_inode_set_clearp(TdInodeSet *set) {
        td_inode_set_clear(set);
}
#define _cleanup_inode_set_ __attribute__((cleanup(td_inode_set_clearp)))
