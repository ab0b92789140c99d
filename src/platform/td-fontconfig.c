/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "td-fontconfig.h"
#include "td-util.h"

/* fontconfig 2's soname. */
#define LIBFONTCONFIG_SONAME "libfontconfig.so.1"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static TdFontconfig fc;
static int load_status = -ENOENT;

static void load(void) {
        /* Never closed: fontconfig keeps caches and its own state until FcFini() or the end. */
        void *lib = dlopen(LIBFONTCONFIG_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
                return;
        static const struct {
                const char *name;
                size_t offset;
        } symbols[] = {
#define TD_FC_SYMBOL(f) { #f, offsetof(TdFontconfig, f) },
                TD_FONTCONFIG_FUNCTIONS(TD_FC_SYMBOL)
#undef TD_FC_SYMBOL
        };
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                void *f = dlsym(lib, symbols[i].name);
                if (!f)
                        return; /* older than 2.13 (no FcConfigSetSysRoot): os.fonts cannot run */
                memcpy((char *) &fc + symbols[i].offset, &f, sizeof f);
        }
        load_status = 0;
}

int td_fontconfig_get(const TdFontconfig **ret) {
        pthread_once(&once, load);
        if (load_status < 0)
                return load_status;
        *ret = &fc;
        return 0;
}
