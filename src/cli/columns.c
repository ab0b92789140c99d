/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Terminal columns of text: a Chinese character takes two, and padding counts them so. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"

size_t td_cli_fit_columns(const char *s, int columns, int *ret_used) {
        mbstate_t mb = { 0 };
        size_t len = strlen(s), at = 0;
        int used = 0;
        while (at < len) {
                wchar_t wc;
                size_t n = mbrtowc(&wc, s + at, len - at, &mb);
                if (n == (size_t) -1 || n == (size_t) -2 || n == 0)
                        break;
                int w = wcwidth(wc);
                if (w < 0)
                        w = 1;
                if (used + w > columns)
                        break;
                used += w;
                at += n;
        }
        if (ret_used)
                *ret_used = used;
        return at;
}

int td_cli_text_columns(const char *s) {
        int used;
        size_t at = td_cli_fit_columns(s, INT32_MAX, &used);
        /* Bytes that are not text in this locale: one column each, as a terminal shows '?'. */
        return used + (int) (strlen(s) - at);
}
