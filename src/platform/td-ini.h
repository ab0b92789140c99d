/* SPDX-License-Identifier: GPL-3.0-or-later */
/* INI files through iniparser: the only place that knows iniparser exists. */
#pragma once

#include "td-util.h"
#include "tokendoctor/td-strv.h"

/* Files larger than this are refused (-EFBIG): a profile is a few hundred bytes. */
#define TD_INI_MAX_SIZE (1024 * 1024)
/*
 * More section headers plus keys than this are refused (-EFBIG) before iniparser sees the
 * file: its dictionary is a linear list, so a megabyte of keys would take seconds to load.
 */
#define TD_INI_MAX_ENTRIES 4096

typedef struct TdIni TdIni;

/*
 * Load the INI file @path. Section and key names come out lower-cased (iniparser folds
 * them); values are UTF-8 text, stripped, without their quotes; an unquoted value ends at
 * ';' or '#'.
 *
 * Returns 0 and a new TdIni in *@ret_ini (td_ini_free()), or a negative errno:
 *   -EINVAL  not a well-formed INI file: a syntax error, a NUL byte, text that is not
 *            UTF-8, a byte order mark, a key before the first [section], an empty "[]";
 *   -EFBIG   larger than TD_INI_MAX_SIZE or more than TD_INI_MAX_ENTRIES entries;
 *   -EISDIR, -ENODEV (not a regular file), or the errno of open()/read();
 *   -ENOMEM.
 * On failure, when non-NULL, *@ret_line gets the line the problem is on (0 when it is not
 * about one line) and *@ret_error a new one-line, translated description that does not
 * name the file (the caller adds that). Both are left alone on success.
 *
 * Thread-safe: iniparser reports syntax errors through one process-wide callback, so loads
 * are serialised.
 */
int td_ini_load(const char *path, TdIni **ret_ini, unsigned *ret_line, char **ret_error);
void td_ini_free(TdIni *ini);

/* The section names in the order of the file, each once. New vector, or NULL on ENOMEM. */
TdStrv td_ini_get_sections(const TdIni *ini);
/* The key names of @section in the order of the file. New vector, or NULL on ENOMEM. */
TdStrv td_ini_get_keys(const TdIni *ini, const char *section);
/* The value of @key in @section (lower-case names), borrowed from @ini; NULL when absent. */
const char *td_ini_get_string(const TdIni *ini, const char *section, const char *key);
/*
 * The line that set @key of @section (the last one when a key is repeated, since the last
 * one wins), or with @key NULL the line of the first [@section] header. 0 when unknown.
 * Only meant for naming lines in messages.
 */
unsigned td_ini_get_line(const TdIni *ini, const char *section, const char *key);

static inline void td_ini_freep(TdIni **p) {
        td_ini_free(*p);
}
#define _cleanup_ini_free_ _cleanup_(td_ini_freep)
