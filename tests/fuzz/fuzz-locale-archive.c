/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glibc's locale-archive format on arbitrary bytes, and the locale-name normaliser. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-locale-archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdStrv names = NULL;
        int r = td_locale_archive_parse(data, size, &names);
        if (r != 0 && r != -EBADMSG && r != -ENOMEM)
                abort();
        if ((r == 0) != (names != NULL))
                abort();
        for (char **n = names; n && *n; n++) {
                char *normal = td_locale_normalize(*n);
                free(normal);
        }
        td_strv_free(names);

        /* The same bytes as a locale name from the environment or a file. */
        char *name = malloc(size + 1);
        if (!name)
                return 0;
        memcpy(name, data, size);
        name[size] = '\0';
        char *normal = td_locale_normalize(name);
        /* Normalising never lengthens a name by more than the "iso" it may add. */
        if (normal && strlen(normal) > strlen(name) + 3)
                abort();
        free(normal);
        free(name);
        return 0;
}
