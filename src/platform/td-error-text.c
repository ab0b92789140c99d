/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-error-text.h"
#include "td-i18n.h"
#include "td-util.h"

static const char *const OPENERS[] = { "(", "\xEF\xBC\x88" /* （ */ };
static const char *const CLOSERS[] = { ")", "\xEF\xBC\x89" /* ） */ };
/* Trimmed off both ends of a part once cut out: spaces, separators, full stops. */
static const char *const TRIMMED[] = { " ",
                                       "\t",
                                       "\n",
                                       ",",
                                       ";",
                                       ":",
                                       ".",
                                       "\xEF\xBC\x8C" /* ， */,
                                       "\xEF\xBC\x9B" /* ； */,
                                       "\xEF\xBC\x9A" /* ： */,
                                       "\xE3\x80\x82" /* 。 */ };

/* The length of the bracket at @p, or 0. */
static size_t bracket_at(const char *p) {
        for (size_t i = 0; i < ELEMENTSOF(OPENERS); i++) {
                if (td_startswith(p, OPENERS[i]))
                        return strlen(OPENERS[i]);
                if (td_startswith(p, CLOSERS[i]))
                        return strlen(CLOSERS[i]);
        }
        return 0;
}

static size_t trimmed_prefix(const char *p, size_t len) {
        for (size_t i = 0; i < ELEMENTSOF(TRIMMED); i++) {
                size_t n = strlen(TRIMMED[i]);
                if (n <= len && memcmp(p, TRIMMED[i], n) == 0)
                        return n;
        }
        return 0;
}

static size_t trimmed_suffix(const char *p, size_t len) {
        for (size_t i = 0; i < ELEMENTSOF(TRIMMED); i++) {
                size_t n = strlen(TRIMMED[i]);
                if (n <= len && memcmp(p + len - n, TRIMMED[i], n) == 0)
                        return n;
        }
        return 0;
}

/* Append the part @p (@len bytes, trimmed here) to *@acc with the separator. 0 or -ENOMEM. */
static int append_part(char **acc, const char *p, size_t len) {
        size_t n;
        while (len > 0 && (n = trimmed_prefix(p, len)) > 0)
                p += n, len -= n;
        while (len > 0 && (n = trimmed_suffix(p, len)) > 0)
                len -= n;
        if (len == 0)
                return 0;
        _cleanup_free_ char *part = strndup(p, len);
        if (!part)
                return -ENOMEM;
        char *joined;
        if (*acc)
                /* TRANSLATORS: joins the parts of a library's error text quoted for support, as in
                   "Service not available, 0x8010001D"; not a list of things. */
                joined = td_strdup_printf(_("%s, %s"), *acc, part);
        else
                joined = strdup(part);
        if (!joined)
                return -ENOMEM;
        free(*acc);
        *acc = joined;
        return 0;
}

char *td_error_text(const char *raw) {
        char *acc = NULL;
        const char *start = raw ? raw : "";
        for (const char *p = start;; p++) {
                size_t bracket = *p ? bracket_at(p) : 0;
                if (*p && !bracket)
                        continue;
                if (append_part(&acc, start, (size_t) (p - start)) < 0) {
                        free(acc);
                        return NULL;
                }
                if (!*p)
                        break;
                p += bracket - 1;
                start = p + 1;
        }
        return acc ? acc : strdup("");
}
