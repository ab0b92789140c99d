/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>

#include "td-inode-set.h"

typedef struct {
        dev_t dev;
        ino_t ino;
} Inode;

static int inode_compare(const void *a, const void *b) {
        const Inode *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int td_inode_set_add(TdInodeSet *set, const struct stat *st) {
        Inode *id = malloc(sizeof *id);
        if (!id)
                return -ENOMEM;
        *id = (Inode){ .dev = st->st_dev, .ino = st->st_ino };
        Inode **found = tsearch(id, &set->tree, inode_compare);
        if (!found || *found != id) {
                free(id);
                return found ? 0 : -ENOMEM;
        }
        return 1;
}

void td_inode_set_clear(TdInodeSet *set) {
        tdestroy(set->tree, free);
        set->tree = NULL;
}
