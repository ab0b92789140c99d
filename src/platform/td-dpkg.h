/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The dpkg package database (/var/lib/dpkg/status): which packages are on the system, in which
 * state and version. The dpkg-status fact of a context.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-context.h"

/* A name a package provides ("Provides: pcsc-ifd-handler, libfoo (= 1.2)"). Strings owned. */
typedef struct {
        char *name;
        char *version; /* of a versioned provide "(= 1.2)", else NULL */
} TdDpkgProvide;

/* One stanza of the status file. Every string is owned; NULL when the field is absent. */
typedef struct {
        char *package;      /* never NULL nor empty: stanzas without one are not kept */
        char *version;      /* "1:2.0-3" */
        char *architecture; /* "amd64", "all" */
        char *status;       /* as written, "install ok installed" */
        /*
         * The status's third word, the package's state: "installed", "half-installed",
         * "config-files", "unpacked", "half-configured", "triggers-awaited",
         * "triggers-pending", "not-installed"; NULL when the status is not three words.
         */
        char *state;
        /* State "installed" and error flag "ok": what dpkg counts as installed. */
        bool installed;
        TdDpkgProvide *provides;
        size_t n_provides;
} TdDpkgPackage;

typedef struct {
        TdDpkgPackage *packages; /* in file order */
        size_t n_packages;
        size_t n_unnamed; /* stanzas with fields but no Package, which were skipped */
} TdDpkgStatus;

/*
 * Parse the text of a dpkg status file: stanzas of "Field: value" lines (field names in any
 * case, values folded over continuation lines that begin with a space or tab) separated by
 * blank lines; CRLF line ends too. Package, Version, Architecture, Status and Provides are
 * kept. Never fails on content, since a diagnostics tool has to read damaged databases: a
 * line that is no field is skipped, of a field given twice in a stanza the first counts, a
 * stanza without Package is counted in n_unnamed and skipped, and a NUL ends the value it is
 * in. @text need not be NUL-terminated.
 *
 * Returns 0 and a new TdDpkgStatus (td_dpkg_status_free()), or -ENOMEM. Thread-safe.
 */
int td_dpkg_status_parse(const char *text, size_t len, TdDpkgStatus **ret_status);
void td_dpkg_status_free(TdDpkgStatus *status);

static inline void td_dpkg_status_freep(TdDpkgStatus **p) {
        td_dpkg_status_free(*p);
}
#define _cleanup_dpkg_status_free_ __attribute__((cleanup(td_dpkg_status_freep)))

/*
 * Whether @p matches one of the package name globs @globs (fnmatch(3); case-folded, since
 * Debian names are lower-case and a profile that capitalises one still means it), by its own
 * name, else by a name it provides. On a match *ret_provides is the provided name it matched
 * through (NULL: its own name) and *ret_version the version that stands for it: the package's,
 * or the versioned provide's (NULL for an unversioned one). Pure.
 */
bool td_dpkg_package_matches(const TdDpkgPackage *p, char *const *globs, const char **ret_provides,
                             const char **ret_version);

/* The dpkg database of the system under the context's root, as found. */
typedef struct {
        const char *file; /* "/var/lib/dpkg/status"; static */
        /*
         * 0, -ENOENT when there is no dpkg database (not a Debian-family system), or why @file
         * could not be read: -ENODEV (not a regular file), -EFBIG, -EACCES...
         */
        int error;
        TdDpkgStatus *status; /* the parsed file when it was read, else NULL */
} TdDpkgStatusFact;

void td_dpkg_status_fact_free(TdDpkgStatusFact *fact);

/*
 * The dpkg-status fact, read once per context and shared. A database that is absent or cannot
 * be read is a state of the fact, not an error. *ret_fact is borrowed from the context.
 * Returns 0, or -ENOMEM. Thread-safe: checks running at once share one read.
 */
int td_dpkg_status_get(TdContext *ctx, const TdDpkgStatusFact **ret_fact);

/*
 * For tests: make td_dpkg_status_get() answer @fact (taken, also on failure) instead of reading
 * the file. Returns 0, -EBUSY when the fact was read already, or -ENOMEM.
 */
int td_dpkg_status_override(TdContext *ctx, TdDpkgStatusFact *fact);
