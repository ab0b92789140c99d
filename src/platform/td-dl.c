/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "td-dl.h"

int td_dl_load(const char *soname, const TdDlSymbol *symbols, size_t n, void *table, void **ret_handle) {
        void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
                return -ENOENT;
        for (size_t i = 0; i < n; i++) {
                void *f = dlsym(lib, symbols[i].name);
                if (!f)
                        return -ENOENT;
                /* A data pointer into a function pointer's place: memcpy, as ISO C allows no cast. */
                memcpy((char *) table + symbols[i].offset, &f, sizeof f);
        }
        *ret_handle = lib;
        return 0;
}
