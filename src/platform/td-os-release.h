/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * os-release(5) and other shell-style KEY=value files; the machine's CPU architecture; the
 * os-release fact of a context.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-context.h"

/*
 * Called for each assignment of a KEY=value file, in file order (a later assignment of
 * the same key overrides an earlier one, as in the shell). @key and @value are borrowed
 * for the duration of the call. Return 0 to go on or a negative errno to stop.
 */
typedef int (*TdAssignmentFunc)(const char *key, const char *value, void *user);

/*
 * Parse shell-like assignments as os-release(5), /etc/default/locale and
 * /etc/locale.conf use them: `KEY=value` lines, an optional leading `export`, values
 * unquoted, in "..." (backslash escapes \" \\ \$ \` and a newline) or in '...' (literal),
 * or concatenations of these; blank lines and `#` comments. Lines that are none of these
 * (junk, unterminated quotes, NUL bytes) are skipped, since a diagnostics tool has to read
 * broken files too. @text need not be NUL-terminated.
 *
 * Returns 0, the first negative value @func returned, or -ENOMEM. Thread-safe.
 */
int td_assignments_parse(const char *text, size_t len, TdAssignmentFunc func, void *user);

/* The os-release fields tokendoctor uses. Every string is owned, NULL when not set. */
typedef struct {
        char *id;         /* "debian", "uos", "kylin", "deepin" ... */
        char *id_like;    /* space-separated IDs, "debian ubuntu" */
        char *version_id; /* "12", "20", "V10" */
        char *name;
        char *pretty_name;
} TdOsRelease;

/*
 * Parse os-release text. Never fails on bad content: fields that are absent stay NULL.
 * Returns 0 and a new TdOsRelease (td_os_release_free()), or -ENOMEM. Thread-safe.
 */
int td_os_release_parse(const char *text, size_t len, TdOsRelease **ret_release);
void td_os_release_free(TdOsRelease *release);

static inline void td_os_release_freep(TdOsRelease **p) {
        td_os_release_free(*p);
}
#define _cleanup_os_release_free_ __attribute__((cleanup(td_os_release_freep)))

/* The os-release of the system under the context's root, as found. */
typedef struct {
        /*
         * The file read ("/etc/os-release", else "/usr/lib/os-release" as os-release(5) says),
         * or the one that could not be read; NULL when neither exists. Static string.
         */
        const char *file;
        /* 0, or why @file could not be read: -ENODEV (not a regular file), -EFBIG, -EACCES... */
        int error;
        TdOsRelease *release; /* the parsed file when it was read, else NULL */
} TdOsReleaseFact;

void td_os_release_fact_free(TdOsReleaseFact *fact);

/*
 * The os-release fact, read once per context and shared. A file that is absent or cannot be
 * read is a state of the fact, not an error. *ret_fact is borrowed from the context. Returns
 * 0, or -ENOMEM.
 */
int td_os_release_get(TdContext *ctx, const TdOsReleaseFact **ret_fact);

/*
 * For tests: make td_os_release_get() answer @fact (taken, also on failure) instead of reading
 * files. Returns 0, -EBUSY when the fact was read already, or -ENOMEM.
 */
int td_os_release_override(TdContext *ctx, TdOsReleaseFact *fact);

/*
 * The CPU architecture of the running machine, as uname(2) names it but normalised (see
 * td_os_machine_normalize()): "x86_64", "aarch64", "loongarch64", "mips64el", "riscv64",
 * "i686" ... Static string valid for the life of the process; "unknown" if uname(2) fails.
 * Thread-safe.
 */
const char *td_os_machine(void);

/*
 * Normalise a uname(2) machine name: i386..i686 become "i686", "arm64" becomes "aarch64",
 * and uname's "mips64"/"mips" become "mips64el"/"mipsel" on a little-endian CPU
 * (@little_endian), because the kernel names both byte orders alike. Returns a static
 * string, or @machine itself when it needs no change. Pure.
 */
const char *td_os_machine_normalize(const char *machine, bool little_endian);

/*
 * Map a Debian architecture name (dpkg --print-architecture) to the uname-style name used
 * by td_os_machine(): amd64 → x86_64, arm64 → aarch64, loong64 → loongarch64,
 * mips64el → mips64el, i386 → i686, armhf → armv7l, ppc64el → ppc64le. Case-insensitive.
 * Returns a static string, or @name itself when it is not a Debian alias. Pure.
 */
const char *td_os_arch_from_debian(const char *name);

/*
 * Whether two architecture names mean the same CPU architecture, accepting Debian names
 * and uname names on either side ("amd64" equals "x86_64"). Pure.
 */
bool td_os_arch_equal(const char *a, const char *b);
