/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP-date parser (a server's Date header, as time.clock reads it) on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/td-http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-01-01T00:00:00Z: a fixed "now" keeps two-digit years reproducible. */
#define NOW ((time_t) 1767225600)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        if (size > 4096)
                return 0;
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        time_t t;
        int r = td_http_parse_date_relative(s, NOW, &t);
        free(s);
        if (r < 0)
                return 0;

        /* Whatever parsed is a real instant between the years 1 and 9999 ... */
        struct tm tm;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 10000)
                abort();
        /* ... and its IMF-fixdate form parses back to the same instant. */
        char again[64];
        snprintf(again, sizeof again, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        time_t t2;
        if (tm.tm_year + 1900 <= 9999 && (td_http_parse_date_relative(again, NOW, &t2) != 0 || t2 != t))
                abort();
        return 0;
}
