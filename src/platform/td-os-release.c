/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "platform/td-fact.h"
#include "td-os-release.h"
#include "td-util.h"

/* The memo key, spelled here only: tests reach the fact through td_os_release_override(). */
#define OS_RELEASE_FACT "os-release"
/* Real os-release files hold a few hundred bytes. */
#define OS_RELEASE_MAX (64u * 1024u)

static bool is_blank(char c) {
        /* '\r' too: files edited on Windows end their lines in CRLF. */
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_key_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c) {
        return is_key_start(c) || (c >= '0' && c <= '9');
}

/*
 * Parse the value part of one line (@p up to @end, no newline inside) into @out, which has
 * room for end - p + 1 bytes. Returns false for a line the shell would not accept as an
 * assignment (an unterminated quote).
 */
static bool parse_value(const char *p, const char *end, char *out) {
        char *w = out;

        while (p < end && is_blank(*p))
                p++;

        while (p < end) {
                char c = *p++;
                if (c == '\'') {
                        const char *close = memchr(p, '\'', (size_t) (end - p));
                        if (!close)
                                return false;
                        memcpy(w, p, (size_t) (close - p));
                        w += close - p;
                        p = close + 1;
                } else if (c == '"') {
                        for (;;) {
                                if (p >= end)
                                        return false;
                                c = *p++;
                                if (c == '"')
                                        break;
                                if (c == '\\' && p < end) {
                                        char next = *p++;
                                        /* Inside "..." the shell only unescapes these. */
                                        if (!strchr("\"\\$`", next))
                                                *w++ = '\\';
                                        *w++ = next;
                                        continue;
                                }
                                *w++ = c;
                        }
                } else if (c == '\\') {
                        if (p < end)
                                *w++ = *p++;
                } else if (is_blank(c)) {
                        const char *q = p;
                        while (q < end && is_blank(*q))
                                q++;
                        /* Trailing blanks and a trailing comment end the value. */
                        if (q >= end || *q == '#')
                                break;
                        /*
                         * `NAME=Foo Linux` is not valid shell, but such files exist and
                         * systemd reads them as one value: do the same.
                         */
                        memcpy(w, p - 1, (size_t) (q - (p - 1)));
                        w += q - (p - 1);
                        p = q;
                } else
                        *w++ = c;
        }
        *w = '\0';
        return true;
}

int td_assignments_parse(const char *text, size_t len, TdAssignmentFunc func, void *user) {
        const char *p = text, *text_end = text + len;

        while (p < text_end) {
                const char *eol = memchr(p, '\n', (size_t) (text_end - p));
                const char *end = eol ? eol : text_end;
                const char *line = p;
                p = eol ? eol + 1 : text_end;

                /* A NUL cannot be part of a C string value: the line is junk. */
                if (memchr(line, '\0', (size_t) (end - line)))
                        continue;

                while (line < end && is_blank(*line))
                        line++;
                if (line >= end || *line == '#')
                        continue;

                if ((size_t) (end - line) > 7 && memcmp(line, "export", 6) == 0 && is_blank(line[6])) {
                        line += 6;
                        while (line < end && is_blank(*line))
                                line++;
                }

                if (line >= end || !is_key_start(*line))
                        continue;
                const char *key_start = line;
                while (line < end && is_key_char(*line))
                        line++;
                const char *key_end = line;
                while (line < end && is_blank(*line))
                        line++;
                if (line >= end || *line != '=')
                        continue;
                line++;

                _cleanup_free_ char *key = strndup(key_start, (size_t) (key_end - key_start));
                _cleanup_free_ char *value = malloc((size_t) (end - line) + 1);
                if (!key || !value)
                        return -ENOMEM;
                if (!parse_value(line, end, value))
                        continue;

                int r = func(key, value, user);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_field(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

static int os_release_assignment(const char *key, const char *value, void *user) {
        TdOsRelease *release = user;

        if (streq(key, "ID"))
                return set_field(&release->id, value);
        if (streq(key, "ID_LIKE"))
                return set_field(&release->id_like, value);
        if (streq(key, "VERSION_ID"))
                return set_field(&release->version_id, value);
        if (streq(key, "NAME"))
                return set_field(&release->name, value);
        if (streq(key, "PRETTY_NAME"))
                return set_field(&release->pretty_name, value);
        return 0;
}

int td_os_release_parse(const char *text, size_t len, TdOsRelease **ret_release) {
        _cleanup_os_release_free_ TdOsRelease *release = calloc(1, sizeof *release);
        if (!release)
                return -ENOMEM;

        int r = td_assignments_parse(text, len, os_release_assignment, release);
        if (r < 0)
                return r;

        /* An empty value says nothing: treat it as unset so callers test one thing. */
        char **fields[] = { &release->id, &release->id_like, &release->version_id, &release->name,
                            &release->pretty_name };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (*fields[i] && !*fields[i][0]) {
                        free(*fields[i]);
                        *fields[i] = NULL;
                }

        *ret_release = TAKE_PTR(release);
        return 0;
}

void td_os_release_free(TdOsRelease *release) {
        if (!release)
                return;
        free(release->id);
        free(release->id_like);
        free(release->version_id);
        free(release->name);
        free(release->pretty_name);
        free(release);
}

void td_os_release_fact_free(TdOsReleaseFact *fact) {
        if (!fact)
                return;
        td_os_release_free(fact->release);
        free(fact);
}

static void fact_free_value(void *value) {
        td_os_release_fact_free(value);
}

static int fact_compute(TdContext *ctx, void *user, void **ret_value) {
        static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
        (void) user;

        TdOsReleaseFact *fact = calloc(1, sizeof *fact);
        if (!fact)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                int r = td_context_read_file(ctx, files[i], OS_RELEASE_MAX, &text, &len);
                /* os-release(5): /etc wins; /usr/lib is read only when /etc has none. */
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                fact->file = files[i];
                if (r == -ENOMEM || (r >= 0 && (r = td_os_release_parse(text, len, &fact->release)) < 0)) {
                        td_os_release_fact_free(fact);
                        return r;
                }
                fact->error = r;
                break;
        }
        *ret_value = fact;
        return 0;
}

int td_os_release_get(TdContext *ctx, const TdOsReleaseFact **ret_fact) {
        void *value = NULL;
        int r = td_context_memo(ctx, OS_RELEASE_FACT, fact_compute, NULL, fact_free_value, &value);
        if (r < 0)
                return r;
        *ret_fact = value;
        return 0;
}

int td_os_release_override(TdContext *ctx, TdOsReleaseFact *fact) {
        return td_fact_override(ctx, OS_RELEASE_FACT, fact, fact_free_value);
}

const char *td_os_machine_normalize(const char *machine, bool little_endian) {
        if (streq(machine, "i386") || streq(machine, "i486") || streq(machine, "i586") ||
            streq(machine, "i686"))
                return "i686";
        if (streq(machine, "arm64"))
                return "aarch64";
        /* The kernel says "mips64" for both byte orders; Debian only ships mips64el. */
        if (streq(machine, "mips64"))
                return little_endian ? "mips64el" : "mips64";
        if (streq(machine, "mips"))
                return little_endian ? "mipsel" : "mips";
        return machine;
}

static pthread_once_t machine_once = PTHREAD_ONCE_INIT;
static char machine_name[sizeof(((struct utsname *) NULL)->machine)];

static void machine_init(void) {
        struct utsname u;
        const char *name = "unknown";

        if (uname(&u) == 0)
                name = td_os_machine_normalize(u.machine, __BYTE_ORDER == __LITTLE_ENDIAN);
        snprintf(machine_name, sizeof machine_name, "%s", name);
}

const char *td_os_machine(void) {
        pthread_once(&machine_once, machine_init);
        return machine_name;
}

static const struct {
        const char *alias;
        const char *machine;
} arch_aliases[] = {
        { "amd64", "x86_64" },        { "x86-64", "x86_64" },     { "arm64", "aarch64" },
        { "loong64", "loongarch64" }, { "mips64el", "mips64el" }, { "mipsel", "mipsel" },
        { "i386", "i686" },           { "armhf", "armv7l" },      { "ppc64el", "ppc64le" },
        { "riscv64", "riscv64" },     { "s390x", "s390x" },
};

const char *td_os_arch_from_debian(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(arch_aliases); i++)
                if (strcasecmp(name, arch_aliases[i].alias) == 0)
                        return arch_aliases[i].machine;
        return name;
}

bool td_os_arch_equal(const char *a, const char *b) {
        if (!a || !b)
                return false;
        /* Byte order is not guessed here: a name in a profile already says which it means. */
        const char *ca = td_os_machine_normalize(td_os_arch_from_debian(a), false);
        const char *cb = td_os_machine_normalize(td_os_arch_from_debian(b), false);
        return strcasecmp(ca, cb) == 0;
}
