/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Small helpers of the core library: strings, scoped cleanup, wiping secrets, reading a file
 * descriptor, version order, logging. For the library's own files and the frontends written in
 * plain C (the CLI); the GTK app uses GLib's. The unprefixed inline names (streq, isempty) and
 * the _cleanup_ macros follow systemd's style.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void td_freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(td_freep)

static inline void td_fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(td_fclosep)

static inline void td_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(td_closep)

/* Hand ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _tmp_ = (p);                                                                  \
                (p) = NULL;                                                                                 \
                _tmp_;                                                                                      \
        })

/* The same for a file descriptor: the variable is left at -1, which the cleanup skips. */
#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd_ = (fd);                                                                            \
                (fd) = -1;                                                                                  \
                _fd_;                                                                                       \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        return (a && b) ? strcmp(a, b) == 0 : a == b;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* printf into a new string; NULL on ENOMEM. */
char *td_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *td_strdup_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Strip leading and trailing ASCII white space in place; returns @s. */
char *td_strstrip(char *s);
bool td_startswith(const char *s, const char *prefix);
bool td_endswith(const char *s, const char *suffix);
/* ASCII case-insensitive compare of a prefix. */
bool td_startswith_nocase(const char *s, const char *prefix);

/*
 * Compare two version strings with dpkg's ordering (Debian policy §5.6.12:
 * epoch:upstream-revision, '~' sorts before everything, letters before other characters,
 * digits as numbers), so it serves package versions from the dpkg database as well as
 * os-release's VERSION_ID. Strings of any length; NULL counts as "". Returns <0, 0, >0.
 * Pure and thread-safe.
 */
int td_version_compare(const char *a, const char *b);

/*
 * A copy of @s with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so
 * text from outside (files, servers, the environment) cannot break JSON or a terminal.
 * NULL on ENOMEM.
 */
char *td_utf8_sanitize(const char *s);

/*
 * A copy of @s to print on a terminal: text from outside (token labels, module and server
 * messages, certificate fields, file contents) shown, never obeyed. Controls (C0 but tab and
 * newline, DEL, C1) become "\x1b", bidirectional overrides and isolates "\u202e"; bytes that
 * are not UTF-8 become U+FFFD. NULL is taken as "". New string (free()), or NULL on ENOMEM. JSON
 * output does not need it: json-c escapes controls.
 */
char *td_terminal_text(const char *s);

/* Overwrite @len bytes so the compiler cannot drop it (for PINs). */
void td_secure_wipe(void *p, size_t len);

/*
 * Read @fd to its end into a new NUL-terminated buffer (the NUL is not counted in *ret_len).
 * More than @max_len bytes gives -EFBIG. 0 or a negative errno; the caller frees *ret_data.
 */
int td_read_fd(int fd, size_t max_len, char **ret_data, size_t *ret_len);

/*
 * Whether @fd is a regular file: 0 (and its stat in *@ret_st when non-NULL), -EISDIR, -ENODEV
 * for anything else (a FIFO, a device, a socket), or fstat()'s errno. Open with O_NONBLOCK
 * before asking, or a FIFO holds the open itself.
 */
struct stat;
int td_fd_require_regular(int fd, struct stat *ret_st);

/*
 * Read a whole file the user owns, outside any --root ($HOME, $XDG_CONFIG_HOME), the way
 * td_context_read_file() reads a system file: looked at before it is opened, so a FIFO, socket
 * or device node gives -ENODEV at once and a directory -EISDIR; over @max_len bytes -EFBIG.
 * Links are followed (the user's own). A NUL is appended (not counted in *ret_len). 0 or a
 * negative errno; on success the caller frees *ret_data. Thread-safe.
 */
int td_read_regular_file(const char *path, size_t max_len, char **ret_data, size_t *ret_len);

/* Write @msg to stderr in the tool's "tokendoctor: ..." format. */
void td_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void td_log_errorv(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Fill @buf with @len bytes from the kernel's CSPRNG. 0 or a negative errno. */
int td_random_bytes(void *buf, size_t len);
