/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The os-release / KEY=value parser on arbitrary bytes (also /etc/default/locale, /etc/locale.conf). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-os-release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_assignment(const char *key, const char *value, void *user) {
        size_t *total = user;
        /* Keys are shell names; values are C strings no longer than the input. */
        if (!key[0] || strchr(key, '=') || strchr(key, '\n') || strchr(value, '\n'))
                abort();
        *total += strlen(key) + strlen(value);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t total = 0;
        if (td_assignments_parse((const char *) data, size, check_assignment, &total) < 0)
                abort();
        if (total > size)
                abort();

        TdOsRelease *release = NULL;
        if (td_os_release_parse((const char *) data, size, &release) < 0)
                return 0; /* ENOMEM only */
        const char *fields[] = { release->id, release->id_like, release->version_id, release->name,
                                 release->pretty_name };
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
                if (fields[i] && (!fields[i][0] || strlen(fields[i]) > size))
                        abort();
        td_os_release_free(release);
        return 0;
}
