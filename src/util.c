/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td-util.h"

char *td_strdup_vprintf(const char *fmt, va_list ap) {
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                return NULL;
        return s;
}

char *td_strdup_printf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *s = td_strdup_vprintf(fmt, ap);
        va_end(ap);
        return s;
}

char *td_strstrip(char *s) {
        char *start = s;
        while (*start && isspace((unsigned char) *start))
                start++;
        size_t len = strlen(start);
        while (len > 0 && isspace((unsigned char) start[len - 1]))
                len--;
        memmove(s, start, len);
        s[len] = '\0';
        return s;
}

bool td_startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool td_startswith_nocase(const char *s, const char *prefix) {
        return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool td_endswith(const char *s, const char *suffix) {
        size_t ls = strlen(s), lx = strlen(suffix);
        return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

/*
 * ASCII classes, not <ctype.h>: dpkg orders bytes the same in every locale, and a byte above
 * 0x7f must not turn into a letter under some 8-bit locale.
 */
static bool version_digit(int c) {
        return c >= '0' && c <= '9';
}

static bool version_alpha(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* dpkg's character order: '~' first, then end of string, letters, then everything else. */
static int version_order(int c) {
        if (version_digit(c))
                return 0;
        if (version_alpha(c))
                return c;
        if (c == '~')
                return -1;
        if (c)
                return c + 256;
        return 0;
}

/* dpkg's verrevcmp() on the ranges [a, a_end) and [b, b_end). */
static int version_compare_part(const char *a, const char *a_end, const char *b, const char *b_end) {
#define AT(p, end) ((p) < (end) ? (unsigned char) *(p) : 0)
        while (a < a_end || b < b_end) {
                int first_diff = 0;
                while ((a < a_end && !version_digit(AT(a, a_end))) ||
                       (b < b_end && !version_digit(AT(b, b_end)))) {
                        int ac = version_order(AT(a, a_end));
                        int bc = version_order(AT(b, b_end));
                        if (ac != bc)
                                return ac - bc;
                        if (a < a_end)
                                a++;
                        if (b < b_end)
                                b++;
                }
                while (AT(a, a_end) == '0')
                        a++;
                while (AT(b, b_end) == '0')
                        b++;
                /* Digit by digit, so numbers of any length compare without overflowing. */
                while (version_digit(AT(a, a_end)) && version_digit(AT(b, b_end))) {
                        if (!first_diff)
                                first_diff = AT(a, a_end) - AT(b, b_end);
                        a++;
                        b++;
                }
                if (version_digit(AT(a, a_end)))
                        return 1;
                if (version_digit(AT(b, b_end)))
                        return -1;
                if (first_diff)
                        return first_diff;
        }
        return 0;
#undef AT
}

typedef struct {
        unsigned long long epoch;
        const char *upstream, *upstream_end;
        const char *revision, *revision_end;
} VersionParts;

/*
 * "epoch:upstream-revision" as dpkg splits it (the first ':', the last '-'), in place: a
 * version from a package database may be of any length. An epoch that is not a number counts
 * as none; a huge one saturates.
 */
static void version_split(const char *v, VersionParts *ret) {
        *ret = (VersionParts){};
        const char *colon = strchr(v, ':');
        if (colon) {
                bool numeric = colon > v;
                unsigned long long epoch = 0;
                for (const char *c = v; c < colon && numeric; c++) {
                        if (!version_digit((unsigned char) *c))
                                numeric = false;
                        else
                                epoch = epoch > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX
                                                                      : epoch * 10 + (unsigned) (*c - '0');
                }
                ret->epoch = numeric ? epoch : 0;
                v = colon + 1;
        }
        const char *end = v + strlen(v);
        const char *dash = strrchr(v, '-');
        ret->upstream = v;
        ret->upstream_end = dash ? dash : end;
        ret->revision = dash ? dash + 1 : end;
        ret->revision_end = end;
}

int td_version_compare(const char *a, const char *b) {
        VersionParts pa, pb;
        version_split(a ? a : "", &pa);
        version_split(b ? b : "", &pb);
        if (pa.epoch != pb.epoch)
                return pa.epoch < pb.epoch ? -1 : 1;
        int r = version_compare_part(pa.upstream, pa.upstream_end, pb.upstream, pb.upstream_end);
        if (r)
                return r < 0 ? -1 : 1;
        r = version_compare_part(pa.revision, pa.revision_end, pb.revision, pb.revision_end);
        return r < 0 ? -1 : r > 0 ? 1 : 0;
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), or 0 when it is not one. */
static size_t utf8_sequence_length(const unsigned char *s) {
        if (s[0] < 0x80)
                return 1;
        size_t len;
        unsigned min;
        unsigned cp;
        if ((s[0] & 0xe0) == 0xc0)
                len = 2, min = 0x80, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                len = 3, min = 0x800, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                len = 4, min = 0x10000, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

char *td_utf8_sanitize(const char *s) {
        /* Worst case every byte becomes the 3-byte replacement character. */
        size_t len = strlen(s);
        char *out = malloc(len * 3 + 1), *w = out;
        if (!out)
                return NULL;
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                size_t n = utf8_sequence_length(p);
                if (n == 0) {
                        w = stpcpy(w, "\xEF\xBF\xBD");
                        p++;
                        continue;
                }
                memcpy(w, p, n);
                w += n;
                p += n;
        }
        *w = '\0';
        return out;
}

void td_secure_wipe(void *p, size_t len) {
        if (p)
                explicit_bzero(p, len);
}

/* A code point that would make a terminal act instead of show: C0 (but tab and newline), DEL,
 * C1, and the bidirectional overrides and isolates that reorder what follows. */
static bool terminal_control(uint32_t c) {
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
               c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *td_terminal_text(const char *s) {
        _cleanup_free_ char *clean = td_utf8_sanitize(s ? s : "");
        if (!clean)
                return NULL;
        /* Each code point becomes at most "\u202e": 6 bytes for at least 1. */
        char *out = malloc(strlen(clean) * 6 + 1), *w = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) clean; *p;) {
                size_t n = utf8_sequence_length(p);
                uint32_t c = n == 1   ? p[0]
                             : n == 2 ? (uint32_t) (p[0] & 0x1f) << 6 | (p[1] & 0x3f)
                             : n == 3 ? (uint32_t) (p[0] & 0x0f) << 12 | (uint32_t) (p[1] & 0x3f) << 6 |
                                                (p[2] & 0x3f)
                                      : 0x10000; /* four bytes: never a control */
                if (terminal_control(c))
                        w += c < 0x100 ? sprintf(w, "\\x%02x", (unsigned) c)
                                       : sprintf(w, "\\u%04x", (unsigned) c);
                else {
                        memcpy(w, p, n);
                        w += n;
                }
                p += n;
        }
        *w = '\0';
        return out;
}

void td_log_errorv(const char *fmt, va_list ap) {
        /* Messages quote files, modules and servers: what reaches the terminal is shown, not run. */
        _cleanup_free_ char *message = td_strdup_vprintf(fmt, ap);
        _cleanup_free_ char *shown = message ? td_terminal_text(message) : NULL;
        fprintf(stderr, "tokendoctor: %s\n", shown ? shown : fmt);
}

void td_log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        td_log_errorv(fmt, ap);
        va_end(ap);
}

int td_read_fd(int fd, size_t max_len, char **ret_data, size_t *ret_len) {
        /* sysfs and proc files report size 0 or 4096: read until EOF, bounded. */
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > max_len)
                                return -EFBIG;
                        cap *= 2;
                        char *grown = realloc(buf, cap + 1);
                        if (!grown)
                                return -ENOMEM;
                        buf = grown;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max_len)
                        return -EFBIG;
        }
        buf[len] = '\0';
        *ret_data = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int td_random_bytes(void *buf, size_t len) {
        unsigned char *p = buf;
        while (len > 0) {
                ssize_t n = getrandom(p, len, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int td_fd_require_regular(int fd, struct stat *ret_st) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -ENODEV;
        if (ret_st)
                *ret_st = st;
        return 0;
}

int td_read_regular_file(const char *path, size_t max_len, char **ret_data, size_t *ret_len) {
        /* O_PATH opens neither a FIFO (which would wait for a writer) nor a device (which may act). */
        int path_fd = open(path, O_PATH | O_CLOEXEC);
        if (path_fd < 0)
                return -errno;
        struct stat st;
        int r = td_fd_require_regular(path_fd, &st);
        if (r < 0) {
                close(path_fd);
                return r;
        }
        if ((uint64_t) st.st_size > (uint64_t) max_len) {
                close(path_fd);
                return -EFBIG;
        }
        /* Reopened through /proc: that very file, even if the name was swapped meanwhile. */
        char proc_path[64];
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", path_fd);
        int fd = open(proc_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) /* no /proc: by name again, then made sure it is the same */
                fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        r = fd < 0 ? -errno : 0;
        close(path_fd);
        if (r < 0)
                return r;
        struct stat again;
        r = td_fd_require_regular(fd, &again);
        if (r >= 0 && (again.st_dev != st.st_dev || again.st_ino != st.st_ino))
                r = -ESTALE;
        if (r >= 0)
                r = td_read_fd(fd, max_len, ret_data, ret_len);
        close(fd);
        return r;
}

/* How far above the program a meson build tree's root may be (build/src/cli/tokendoctor: 2). */
#define BUILD_ROOT_LEVELS 3

static char *build_root;

/*
 * The meson build tree the running program was built in and runs from, found from its own
 * location: a directory holding meson-private/, owned by whoever owns the program. Derived
 * from where the binary really is, never from a path compiled in, so nobody but the owner of
 * the binary's directories can plant one; an installed program finds none.
 */
static void find_build_root(void) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        struct stat program;
        if (n <= 0 || (exe[n] = '\0', stat(exe, &program) < 0))
                return;
        for (unsigned level = 0; level <= BUILD_ROOT_LEVELS; level++) {
                char *slash = strrchr(exe, '/');
                if (!slash || slash == exe)
                        return;
                *slash = '\0';
                _cleanup_free_ char *marker = td_strdup_printf("%s/meson-private", exe);
                struct stat st;
                if (marker && stat(marker, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == program.st_uid) {
                        build_root = strdup(exe);
                        return;
                }
        }
}

char *td_uninstalled_path(const char *name, const char *build_relative) {
        const char *value = secure_getenv(name);
        if (!isempty(value))
                return strdup(value);
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, find_build_root);
        return build_root ? td_strdup_printf("%s/%s", build_root, build_relative) : NULL;
}
