/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PKCS#11 probe's JSON answers (list and sign), as the main process reads them: a module can make
 * the probe say anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-p11.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The probe's answer is read as text: a NUL ends it. */
        char *text = strndup((const char *) data, size);
        if (!text)
                return 0;
        TdP11Listing listing = { 0 };
        td_p11_parse_listing(text, &listing);
        td_p11_listing_clear(&listing);
        TdP11Signature sig;
        if (td_p11_parse_signature(text, &sig) == 0)
                td_p11_signature_clear(&sig);
        free(text);
        return 0;
}
