/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fontconfig configuration of a --root, read through the context.
 *
 * fontconfig given a configuration file opens it and every file it includes with plain open()
 * and follows links: its FcConfigRealFilename() even takes an absolute link's target as is, so
 * a root whose fonts.conf links to /etc/fonts/fonts.conf got this machine's configuration, a
 * FIFO there held the check until its deadline, and a link to /dev/zero was read without end.
 * Here every file is opened confined to the root, non-blocking, regular files only, and each
 * <include> is replaced by the contents of what it names, in the order fontconfig reads them,
 * so that fontconfig parses one document from memory and opens no configuration file itself.
 */
#pragma once

#include <stdbool.h>

#include "tokendoctor/td-context.h"

typedef struct {
        char *xml; /* the whole configuration as one document; NULL when a file is unreadable */
        /*
         * The first file of the configuration that exists but could not be read (a FIFO, a
         * loop of links, too large...) and why (a negative errno); NULL and 0 when none.
         * fontconfig on the customer's machine would stop at it, wait on it or skip it: what it
         * makes of the configuration cannot be told.
         */
        char *unreadable;
        int unreadable_error;
} TdFontsConf;

/*
 * Read the root's /etc/fonts/fonts.conf and what it includes. Includes resolve as fontconfig
 * resolves them: a relative name under /etc/fonts, a directory as its files named [0-9]*.conf in
 * order, each file once; a user's configuration (prefix="xdg", "~/") is not the system's and is
 * left out. 0 and *@ret_conf (td_fonts_conf_free()), -ENOENT when the root has no fonts.conf,
 * or -ENOMEM. Thread-safe.
 */
int td_fonts_conf_load(const TdContext *ctx, TdFontsConf **ret_conf);
void td_fonts_conf_free(TdFontsConf *conf);

static inline void td_fonts_conf_freep(TdFontsConf **p) {
        td_fonts_conf_free(*p);
}
#define _cleanup_fonts_conf_free_ __attribute__((cleanup(td_fonts_conf_freep)))
