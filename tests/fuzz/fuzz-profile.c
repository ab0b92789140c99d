/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Profiles are files users and support staff write by hand: any bytes must give a verdict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td-util.h"
#include "tokendoctor/td-profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/fuzz-profile-XXXXXX.ini";
static int fd = -1;

static void remove_file(void) {
        unlink(path);
}

/* Touch every string, so the sanitizers see any that is dangling or unterminated. */
static size_t visit(const char *s) {
        return s ? strlen(s) : 0;
}

static size_t visit_strv(char **v) {
        size_t n = 0;
        for (; v && *v; v++)
                n += strlen(*v);
        return n;
}

static void visit_profile(const TdProfile *p) {
        size_t n = visit(p->id) + visit(p->path) + visit(p->platform_name) + visit_strv(p->urls) +
                   visit(p->platform_tls_ca) + visit(p->ca_issuer) + visit(p->ca_cert) +
                   visit_strv(p->browsers_unsupported) + visit_strv(p->driver_packages) +
                   visit(p->driver_min_version) + visit(p->helper_url) + visit(p->seal_pkcs11_label) +
                   visit(p->seal_pkcs11_application) + visit(p->seal_files) + visit(p->seal_maker_cert) +
                   visit(p->support_upload_url) + visit(p->support_tls_ca) + visit(p->support_contact) +
                   visit_strv(p->arch_supported) + visit_strv(p->locales);
        for (size_t i = 0; i < p->n_browsers_supported; i++)
                n += visit(p->browsers_supported[i].desktop_stem);
        for (size_t i = 0; i < p->n_tokens; i++)
                n += visit(p->tokens[i].name) + visit(p->tokens[i].module) +
                     visit_strv(p->tokens[i].usb_ids) + visit_strv(p->tokens[i].atr);
        for (size_t i = 0; i < p->n_os_supported; i++)
                n += visit(p->os_supported[i].id) + visit(p->os_supported[i].min_version);
        /* A loaded profile always has its address first. */
        if (n == 0 || !p->urls || !p->urls[0])
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* One file for the whole run, rewritten for each input: the loader wants a path. */
        if (fd < 0) {
                fd = mkstemps(path, strlen(".ini"));
                if (fd < 0)
                        abort();
                atexit(remove_file);
        }
        if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t) size))
                abort();

        TdProfile *p = NULL;
        char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r == 0) {
                if (!p || error)
                        abort();
                visit_profile(p);
        } else {
                /* Every refusal explains itself on one line naming the file. */
                if (p || !error || !strstr(error, path) || strchr(error, '\n'))
                        abort();
        }
        td_profile_free(p);
        free(error);
        return 0;
}
