/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "td-dl.h"
#include "td-fontconfig.h"
#include "td-util.h"

/* fontconfig 2's soname. */
#define LIBFONTCONFIG_SONAME "libfontconfig.so.1"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static TdFontconfig fc;
static int load_status = -ENOENT;

static void load(void) {
        static const TdDlSymbol symbols[] = {
#define TD_FC_SYMBOL(f) { #f, offsetof(TdFontconfig, f) },
                TD_FONTCONFIG_FUNCTIONS(TD_FC_SYMBOL)
#undef TD_FC_SYMBOL
        };
        void *lib;
        /* Older than 2.13 (no FcFreeTypeQueryAll) is as good as none: os.fonts cannot run. */
        if (td_dl_load(LIBFONTCONFIG_SONAME, symbols, ELEMENTSOF(symbols), &fc, &lib) < 0)
                return;
        load_status = 0;
}

int td_fontconfig_get(const TdFontconfig **ret) {
        pthread_once(&once, load);
        if (load_status < 0)
                return load_status;
        *ret = &fc;
        return 0;
}
