/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Libraries loaded when first needed (libcurl, fontconfig): one table of functions each. */
#pragma once

#include <stddef.h>

typedef struct {
        const char *name; /* the exported function */
        size_t offset;    /* where its pointer goes in the caller's table */
} TdDlSymbol;

/*
 * dlopen @soname (never closed: such libraries keep global state until the process ends) and
 * fill @table with the @n functions of @symbols. 0 and *@ret_handle, or -ENOENT when the
 * library or one of the functions is missing (an older version); @table is then undefined.
 * Not thread-safe: call it under pthread_once.
 */
int td_dl_load(const char *soname, const TdDlSymbol *symbols, size_t n, void *table, void **ret_handle);
