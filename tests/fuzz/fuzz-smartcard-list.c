/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pcsc-tools' smartcard_list.txt as td-atr reads it: ATR regular expressions and descriptions
 * from a file on the customer's machine. The first line of the input is the ATR looked up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-atr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        /* The list is read with its length, NUL bytes and all, as from the file. */
        char *list = memchr(text, '\n', size);
        if (list)
                *list++ = '\0';
        else
                list = text + size;
        free(td_atr_lookup_smartcard_list(list, size - (size_t) (list - text), text));
        free(text);
        return 0;
}
