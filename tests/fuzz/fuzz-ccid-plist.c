/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PC/SC driver bundle Info.plist parser behind drivers.ccid, on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-ifd-bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdIfdPlist *plist = NULL;
        if (td_ifd_plist_parse((const char *) data, size, &plist) < 0)
                return 0; /* ENOMEM only */

        for (size_t i = 0; i < plist->n_readers; i++) {
                const TdIfdReader *r = &plist->readers[i];
                if (r->vendor_id > 0xffff || r->product_id > 0xffff)
                        abort();
                if (r->name && (!r->name[0] || strlen(r->name) > 3 * 128))
                        abort();
                if (td_ifd_plist_find(plist, r->vendor_id, r->product_id) == NULL)
                        abort();
        }
        /* Every reader costs at least a few bytes of input. */
        if (plist->n_readers > size / 8 + 1)
                abort();
        (void) td_ifd_plist_is_class_driver(plist);
        td_ifd_plist_free(plist);
        return 0;
}
