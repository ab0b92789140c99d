/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fontconfig configuration of a --root (td-fonts-conf.c) on arbitrary bytes: the input is
 * the root's fonts.conf and also a file of its conf.d, so that includes of either are followed.
 * Whatever the bytes, the result is one document, under its size cap, or a clear failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-fonts-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[] = "/tmp/td-fuzz-fonts-conf-XXXXXX";
static TdContext *ctx;

static void write_file(const char *relpath, const uint8_t *data, size_t size) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", root, relpath);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t) size))
                abort();
        close(fd);
}

static void setup(void) {
        char path[256];
        if (!mkdtemp(root))
                abort();
        snprintf(path, sizeof path, "%s/etc", root);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/etc/fonts", root);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/etc/fonts/conf.d", root);
        mkdir(path, 0755);
        ctx = td_context_new();
        if (!ctx || td_context_set_root(ctx, root) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!ctx)
                setup();
        write_file("etc/fonts/fonts.conf", data, size);
        write_file("etc/fonts/conf.d/50-fuzz.conf", data, size);

        TdFontsConf *conf = NULL;
        int r = td_fonts_conf_load(ctx, &conf);
        if (r == -ENOMEM)
                return 0;
        if (r < 0 || !conf)
                abort(); /* the file is there: a document or a named unreadable file */
        if (conf->xml) {
                size_t len = strlen(conf->xml);
                static const char tail[] = "</fontconfig>\n";
                if (strncmp(conf->xml, "<?xml", 5) != 0)
                        abort();
                /* A NUL in a file ends the document early for fontconfig too: it then fails to parse. */
                if (!memchr(data, '\0', size) &&
                    (len < sizeof tail - 1 || strcmp(conf->xml + len - (sizeof tail - 1), tail) != 0))
                        abort();
        } else if (!conf->unreadable || conf->unreadable_error >= 0)
                abort();
        td_fonts_conf_free(conf);
        return 0;
}
