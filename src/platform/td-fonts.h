/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which installed fonts cover a language, asked of fontconfig. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"

#define TD_FONTS_MAX_FAMILIES 5

typedef struct {
        bool have_config;  /* false: under --root there is no /etc/fonts/fonts.conf */
        bool config_error; /* the configuration had errors (fontconfig printed them) */
        size_t n_fonts;    /* font faces whose language set covers the language */
        TdStrv families;   /* up to TD_FONTS_MAX_FAMILIES of their families, sorted */
        char *best_family; /* the font fontconfig picks for the language, NULL if none */
        char *best_file;
        char *missing; /* the characters of the sample the best font lacks (UTF-8), "" if none */
        /*
         * Under --root, a file of the configuration that exists but could not be read (see
         * TdFontsConf) and why; no fonts are then looked for. NULL and 0 when none.
         */
        char *unreadable;
        int unreadable_error;
} TdFontsInfo;

/*
 * Ask fontconfig which fonts cover language @lang (fontconfig's names: "zh-cn") and whether
 * the font it would pick for that language has every character of @sample (UTF-8).
 *
 * Without a root this is the normal configuration of this user. With a root, the root's
 * /etc/fonts/fonts.conf and what it includes are read confined to the root, and the font
 * directories it names are scanned confined to it: a link is followed only inside the root,
 * only regular files are opened, and a font file is handed to fontconfig by its descriptor.
 * Nothing is written anywhere (such scans are not cached). A root without fonts.conf has no
 * fonts.
 *
 * Returns 0 and a new TdFontsInfo (td_fonts_info_free()), -EINVAL for a sample that is not
 * UTF-8, -ENOENT when fontconfig cannot be loaded, -EIO when it cannot load its configuration, or
 * -ENOMEM. Thread-safe: calls
 * into fontconfig are serialised, as fontconfig's initialisation is not thread-safe.
 */
int td_fonts_query(const TdContext *ctx, const char *lang, const char *sample, TdFontsInfo **ret_info);
void td_fonts_info_free(TdFontsInfo *info);

static inline void td_fonts_info_freep(TdFontsInfo **p) {
        td_fonts_info_free(*p);
}
#define _cleanup_fonts_info_free_ __attribute__((cleanup(td_fonts_info_freep)))

/*
 * Release fontconfig's process-wide caches (FcFini). Only for the end of a program or test
 * that wants a clean leak report: no thread may use fontconfig during or after the call.
 */
void td_fonts_shutdown(void);
