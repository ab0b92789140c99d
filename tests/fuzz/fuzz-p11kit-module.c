/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The p11-kit .module parser on arbitrary bytes, and the library stem rule on what it finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-p11kit.h"
#include "td-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A kept string is no longer than the input, on one line, and trimmed (a CR inside a line is content). */
static void check_string(const char *s, size_t size, bool may_be_empty) {
        size_t len = strlen(s);
        if ((!may_be_empty && len == 0) || len > size || strchr(s, '\n'))
                abort();
        if (len > 0 && (strchr(" \t\f\v", s[0]) || strchr(" \t\f\v", s[len - 1])))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdP11KitConf *conf = NULL;
        if (td_p11kit_conf_parse((const char *) data, size, &conf) < 0)
                return 0; /* ENOMEM only */
        /* Each option and each invalid line takes at least a byte of its own. */
        if (conf->n_options + conf->n_invalid > size)
                abort();
        for (size_t i = 0; i < conf->n_options; i++) {
                const TdP11KitOption *o = &conf->options[i];
                check_string(o->key, size, false);
                check_string(o->value, size, true);
                if (o->key[0] == '#' || strchr(o->key, ':'))
                        abort();
                /* A key once, and the getter finds that one. */
                if (td_p11kit_conf_get(conf, o->key) != o->value)
                        abort();
                /* The stem rule on any value: the stem and version come from its file name. */
                char *stem = NULL, *version = NULL;
                if (td_p11kit_library_split(o->value, &stem, &version) == 0) {
                        const char *base = strrchr(o->value, '/');
                        base = base ? base + 1 : o->value;
                        if (!strstr(base, stem) || (version && (!strstr(base, version) || !version[0])))
                                abort();
                        free(stem);
                        free(version);
                }
                (void) td_p11kit_list_has(o->value, "p11-kit-proxy");
        }
        td_p11kit_conf_free(conf);
        return 0;
}
