/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The locales glibc has generated: its locale-archive and the per-locale directories. */
#pragma once

#include <stddef.h>

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"

/*
 * Normalise a locale name the way glibc looks it up: the codeset is lower-cased with
 * everything but letters and digits removed (an all-digit codeset gets "iso" in front), so
 * "zh_CN.UTF-8" becomes "zh_CN.utf8" and "de_DE.8859-1" "de_DE.iso88591". The language,
 * territory and @modifier stay as they are. Returns a new string (free()) or NULL on ENOMEM.
 * Pure, thread-safe.
 */
char *td_locale_normalize(const char *name);

/*
 * The locale names stored in a glibc locale-archive held in memory (@data, @size bytes,
 * either byte order). Every offset and length is checked against @size: a damaged or
 * hostile archive gives -EBADMSG, never a read outside the buffer. Entries whose name is not
 * a plausible locale name are left out. Returns 0 and a sorted vector without duplicates
 * (td_strv_free()), -EBADMSG, or -ENOMEM. Thread-safe.
 */
int td_locale_archive_parse(const void *data, size_t size, TdStrv *ret_names);

/*
 * td_locale_archive_parse() on ROOT/usr/lib/locale/locale-archive, reading only the parts
 * it needs (real archives hold hundreds of megabytes). Returns 0 and the names, -ENOENT when
 * there is no archive, -EBADMSG when it is damaged, -ENODEV when it is not a regular file (a
 * FIFO is refused without waiting on it), -EISDIR, or another negative errno.
 */
int td_locale_archive_load(const TdContext *ctx, TdStrv *ret_names);

/*
 * The directories ROOT/usr/lib/locale/NAME/ that hold an LC_CTYPE file (how Debian ships
 * C.utf8 and how localedef --no-archive installs). Names as found on disk, sorted.
 * Returns 0 (an empty vector when the directory is absent) or a negative errno.
 */
int td_locale_dirs_load(const TdContext *ctx, TdStrv *ret_names);

/*
 * Every generated locale under the context's root: the union of the archive and the
 * directories, normalised with td_locale_normalize(), sorted and without duplicates.
 * *@ret_archive_status receives what td_locale_archive_load() returned (0, -ENOENT,
 * -EBADMSG, ...) so callers can say that the archive was damaged; a damaged archive still
 * gives 0 here with the directories' names. Returns 0 or -ENOMEM (other errors of the
 * directory listing too).
 */
int td_locales_installed(const TdContext *ctx, TdStrv *ret_names, int *ret_archive_status);
