/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <stdbool.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-atr.h"
#include "td-util.h"

/* 8 MiB: the real list is ~1 MiB; anything far larger is not it. */
#define SMARTCARD_LIST_MAX (8u << 20)

/* "3B:88:80" → "3B 88 80", the form smartcard_list.txt's expressions are written for. */
static char *atr_with_spaces(const char *atr) {
        char *s = strdup(atr);
        for (char *p = s; p && *p; p++)
                if (*p == ':')
                        *p = ' ';
        return s;
}

/*
 * The real list writes ATR expressions with hex digits, spaces, '.', bracket classes and a rare
 * '*'. Anything else ('+', '{n}', groups) is not from pcsc-tools, and glibc's regcomp expands
 * nested repetitions into trees that can take gigabytes: such lines are skipped.
 */
static bool plausible_atr_expression(const char *p, size_t len) {
        unsigned stars = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) p[i];
                if (c == '*' && ++stars > 8)
                        return false;
                if (!isxdigit(c) && !strchr(" .[]-*,^", c))
                        return false;
        }
        return true;
}

char *td_atr_lookup_smartcard_list(const char *list, size_t len, const char *atr) {
        _cleanup_free_ char *spaced = atr_with_spaces(atr);
        if (!spaced)
                return NULL;
        const char *p = list, *end = list + len;
        bool matched = false;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t line_len = (size_t) ((nl ? nl : end) - p);
                if (matched) {
                        if (line_len > 1 && p[0] == '\t') {
                                char *desc = strndup(p + 1, line_len - 1);
                                return desc ? td_strstrip(desc) : NULL;
                        }
                        matched = false; /* an entry without description */
                }
                /* Entries are ATR expressions of hex digits, spaces and '.'; skip anything else. */
                if (line_len > 0 && line_len < 1024 && isxdigit((unsigned char) p[0]) &&
                    plausible_atr_expression(p, line_len)) {
                        char pattern[1100];
                        snprintf(pattern, sizeof pattern, "^%.*s$", (int) line_len, p);
                        regex_t re;
                        if (regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0) {
                                matched = regexec(&re, spaced, 0, NULL, 0) == 0;
                                regfree(&re);
                        }
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        return NULL;
}

static int identify(TdContext *ctx, void *user, void **ret_model) {
        const char *atr = user;
        const TdProfile *profile = td_context_get_profile(ctx);
        for (size_t i = 0; profile && i < profile->n_tokens; i++)
                for (char **g = profile->tokens[i].atr; g && *g; g++)
                        if (fnmatch(*g, atr, 0) == 0) {
                                *ret_model =
                                        strdup(isempty(profile->tokens[i].name) ? "token"
                                                                                : profile->tokens[i].name);
                                return 0;
                        }

        _cleanup_free_ char *list = NULL;
        size_t len;
        if (td_context_read_file(ctx, "/usr/share/pcsc/smartcard_list.txt", SMARTCARD_LIST_MAX, &list,
                                 &len) == 0)
                *ret_model = td_atr_lookup_smartcard_list(list, len, atr);
        return 0;
}

char *td_atr_identify(TdContext *ctx, const char *atr) {
        /* Once per ATR and context: `watch` sees the same token come and go (a 1 MB list to read). */
        _cleanup_free_ char *key = td_strdup_printf("atr:%s", atr);
        void *model = NULL;
        if (!key || td_context_memo(ctx, key, identify, (void *) atr, free, &model) < 0 || !model)
                return NULL;
        return strdup(model);
}
