/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A library's or a vendor module's error text, quoted for support at the end of a message: on
 * arbitrary bytes, the quoted form never holds a parenthesis (it sits inside one) and is never
 * longer than a separator per bracket over the original.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-error-text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 4096)
                return 0;
        char *raw = malloc(size + 1);
        if (!raw)
                return 0;
        memcpy(raw, data, size);
        raw[size] = '\0';
        char *text = td_error_text(raw);
        if (text) {
                if (strpbrk(text, "()") || strstr(text, "\xEF\xBC\x88") || strstr(text, "\xEF\xBC\x89"))
                        abort();
                /* Each bracket becomes at most one separator of at most 3 bytes. */
                if (strlen(text) > strlen(raw) * 4 + 1)
                        abort();
        }
        free(text);
        free(raw);
        return 0;
}
