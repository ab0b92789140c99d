/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dpkg status file parser on arbitrary bytes, and Debian version order on what it finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-dpkg.h"
#include "td-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A kept string is no longer than the input, one line folded, and never empty. */
static void check_string(const char *s, size_t size, bool may_be_null) {
        if (!s) {
                if (!may_be_null)
                        abort();
                return;
        }
        size_t len = strlen(s);
        if (len == 0 || len > size || memchr(s, '\n', len))
                abort();
}

static int sign(int v) {
        return v < 0 ? -1 : v > 0 ? 1 : 0;
}

/* The order is an order: a version equals itself, and swapping the sides swaps the answer. */
static void check_order(const char *a, const char *b) {
        if (!a || !b)
                return;
        if (td_version_compare(a, a) != 0 ||
            sign(td_version_compare(a, b)) != -sign(td_version_compare(b, a)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdDpkgStatus *status = NULL;
        if (td_dpkg_status_parse((const char *) data, size, &status) < 0)
                return 0; /* ENOMEM only */
        /* Each stanza takes at least a byte of its own. */
        if (status->n_packages + status->n_unnamed > size)
                abort();
        const char *previous = NULL;
        for (size_t i = 0; i < status->n_packages; i++) {
                const TdDpkgPackage *p = &status->packages[i];
                check_string(p->package, size, false);
                check_string(p->version, size, true);
                check_string(p->architecture, size, true);
                check_string(p->status, size, true);
                check_string(p->state, size, true);
                if ((p->state && !p->status) || (p->installed && !streq_ptr(p->state, "installed")))
                        abort();
                for (size_t j = 0; j < p->n_provides; j++) {
                        check_string(p->provides[j].name, size, false);
                        check_string(p->provides[j].version, size, true);
                        check_order(p->provides[j].version, p->version);
                }
                check_order(p->version, previous);
                if (p->version)
                        previous = p->version;
        }
        td_dpkg_status_free(status);
        return 0;
}
