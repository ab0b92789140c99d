/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The locale in force on the system under the context's root, as CONTRACT.md defines it: the
 * process environment (LC_ALL, LC_MESSAGES, LANG, strongest first), then the system default
 * files /etc/default/locale and /etc/locale.conf; and whether glibc has it generated.
 */
#pragma once

#include <stdbool.h>

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"

typedef struct {
        char *name;           /* "zh_CN.UTF-8" as written; NULL when nothing sets a locale */
        const char *variable; /* "LC_ALL", "LC_MESSAGES" or "LANG" (static); NULL without @name */
        char *source;         /* "environment" or the file that set it; NULL without @name */
        /*
         * A default file that exists but could not be read (a FIFO, too large, no permission),
         * or NULL. The search stops there: what that file would say cannot be told, so @name
         * stays NULL.
         */
        char *unreadable;
        int unreadable_error; /* why @unreadable could not be read (negative errno) */
        TdStrv installed;     /* every generated locale, normalised (td_locales_installed()) */
        int archive_status;   /* td_locale_archive_load()'s answer: 0, -ENOENT, -EBADMSG, -ENODEV... */
        bool generated;       /* @name, normalised, is among @installed */
} TdLocale;

void td_locale_free(TdLocale *locale);

/*
 * The locale fact, gathered once per context and shared. *ret_locale is borrowed from the
 * context. Returns 0, or a negative errno when the generated locales could not be listed
 * (-ENOMEM, or the error of listing ROOT/usr/lib/locale).
 */
int td_locale_get(TdContext *ctx, const TdLocale **ret_locale);

/*
 * For tests: make td_locale_get() answer @locale (taken, also on failure). Returns 0, -EBUSY
 * when the fact was gathered already, or -ENOMEM.
 */
int td_locale_override(TdContext *ctx, TdLocale *locale);
