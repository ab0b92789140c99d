/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mimeapps.list writer (the browser.default repair) on arbitrary bytes: it never fails on
 * content, and what it writes reads back, through the mimeapps.list reader, as the input did
 * but for the web types' defaults, which are the new id alone; writing again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/td-desktop.h"
#include "platform/td-mimeapps-edit.h"
#include "td-util.h"

#define ID "google-chrome.desktop"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const web[] = { "x-scheme-handler/http", "x-scheme-handler/https", "text/html", NULL };

static bool is_web(const TdMimeAppsItem *it) {
        if (it->group != TD_MIMEAPPS_DEFAULT)
                return false;
        for (size_t i = 0; web[i]; i++)
                if (strcasecmp(it->mime_type, web[i]) == 0)
                        return true;
        return false;
}

static bool same_ids(char *const *a, char *const *b) {
        for (; a && b && *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return a && b && !*a && !*b;
}

static size_t n_other(const TdMimeApps *apps) {
        size_t n = 0;
        for (size_t i = 0; i < apps->n_items; i++)
                n += !is_web(&apps->items[i]);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        /* Any prefix of the input as an id: writable ones are of the safe characters only. */
        char id[64];
        size_t n = size < sizeof id - 1 ? size : sizeof id - 1;
        memcpy(id, data, n);
        id[n] = '\0';
        if (td_mimeapps_id_is_writable(id) && strcspn(id, "\n\r\t ;=[]\\") != strlen(id))
                abort();

        char *out = NULL, *again = NULL;
        size_t out_len = 0, again_len = 0;
        if (td_mimeapps_set_default(text, size, web, ID, &out, &out_len) < 0)
                abort(); /* only ENOMEM, which a fuzzer does not reach */
        if (out[out_len] != '\0')
                abort();

        TdMimeApps *old = NULL, *new = NULL;
        if (td_mimeapps_parse(text, size, &old) < 0 || td_mimeapps_parse(out, out_len, &new) < 0)
                abort();
        if (new->n_invalid != old->n_invalid || n_other(new) != n_other(old))
                abort();
        for (size_t i = 0; web[i]; i++) {
                char *const *ids = td_mimeapps_get(new, TD_MIMEAPPS_DEFAULT, web[i]);
                if (!ids || !ids[0] || !streq(ids[0], ID) || ids[1])
                        abort();
        }
        for (size_t i = 0; i < old->n_items; i++)
                if (!is_web(&old->items[i]) &&
                    !same_ids(td_mimeapps_get(new, old->items[i].group, old->items[i].mime_type),
                              old->items[i].ids))
                        abort();

        if (td_mimeapps_set_default(out, out_len, web, ID, &again, &again_len) < 0 || again_len != out_len ||
            memcmp(again, out, out_len) != 0)
                abort();
        td_mimeapps_free(old);
        td_mimeapps_free(new);
        free(out);
        free(again);
        return 0;
}
