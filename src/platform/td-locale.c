/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-fact.h"
#include "platform/td-locale-archive.h"
#include "platform/td-locale.h"
#include "platform/td-os-release.h"
#include "td-util.h"

/* The memo key, spelled here only: tests reach the fact through td_locale_override(). */
#define LOCALE_FACT "locale"
#define LOCALE_FILE_MAX (64u * 1024u)

/* The variables that decide the language of messages, strongest first. */
static const char *const locale_variables[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

typedef struct {
        char *values[ELEMENTSOF(locale_variables)];
} LocaleFileValues;

void td_locale_free(TdLocale *locale) {
        if (!locale)
                return;
        free(locale->name);
        free(locale->source);
        free(locale->unreadable);
        td_strv_free(locale->installed);
        free(locale);
}

static int locale_file_assignment(const char *key, const char *value, void *user) {
        LocaleFileValues *values = user;

        for (size_t i = 0; i < ELEMENTSOF(locale_variables); i++)
                if (streq(key, locale_variables[i])) {
                        char *copy = strdup(value);
                        if (!copy)
                                return -ENOMEM;
                        free(values->values[i]);
                        values->values[i] = copy;
                }
        return 0;
}

/* Sets @l's name from the strongest variable @file sets: 1 when one is set, 0 when none, or -ENOMEM. */
static int locale_from_file(TdContext *ctx, const char *file, TdLocale *l) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        LocaleFileValues values = {};

        int r = td_context_read_file(ctx, file, LOCALE_FILE_MAX, &text, &len);
        if (r == -ENOMEM)
                return r;
        /* An absent default file sets nothing. */
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                l->unreadable = strdup(file);
                l->unreadable_error = r;
                return l->unreadable ? 1 : -ENOMEM;
        }

        r = td_assignments_parse(text, len, locale_file_assignment, &values);
        int found = 0;
        for (size_t i = 0; i < ELEMENTSOF(locale_variables); i++) {
                if (r >= 0 && !found && !isempty(values.values[i])) {
                        l->name = TAKE_PTR(values.values[i]);
                        l->variable = locale_variables[i];
                        l->source = strdup(file);
                        found = 1;
                }
                free(values.values[i]);
        }
        if (r >= 0 && found && !l->source)
                r = -ENOMEM;
        return r < 0 ? r : found;
}

/* CONTRACT.md "The locale in force": the environment, then the system default files. */
static int find_locale_in_force(TdContext *ctx, TdLocale *l) {
        static const char *const files[] = { "/etc/default/locale", "/etc/locale.conf" };

        for (size_t i = 0; i < ELEMENTSOF(locale_variables); i++) {
                const char *value = td_context_getenv(ctx, locale_variables[i]);
                if (isempty(value))
                        continue;
                l->name = strdup(value);
                l->variable = locale_variables[i];
                l->source = strdup("environment");
                return l->name && l->source ? 1 : -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                int r = locale_from_file(ctx, files[i], l);
                if (r != 0)
                        return r;
        }
        return 0;
}

static void fact_free_value(void *value) {
        td_locale_free(value);
}

static int fact_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdLocale *l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        int r = td_locales_installed(ctx, &l->installed, &l->archive_status);
        if (r >= 0)
                r = find_locale_in_force(ctx, l);
        if (r >= 0 && l->name) {
                _cleanup_free_ char *normal = td_locale_normalize(l->name);
                if (!normal)
                        r = -ENOMEM;
                else
                        l->generated = td_strv_contains((const char *const *) l->installed, normal);
        }
        if (r < 0) {
                td_locale_free(l);
                return r;
        }
        *ret_value = l;
        return 0;
}

int td_locale_get(TdContext *ctx, const TdLocale **ret_locale) {
        void *value = NULL;
        int r = td_context_memo(ctx, LOCALE_FACT, fact_compute, NULL, fact_free_value, &value);
        if (r < 0)
                return r;
        *ret_locale = value;
        return 0;
}

int td_locale_override(TdContext *ctx, TdLocale *locale) {
        return td_fact_override(ctx, LOCALE_FACT, locale, fact_free_value);
}
