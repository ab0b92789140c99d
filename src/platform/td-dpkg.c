/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/td-dpkg.h"
#include "platform/td-fact.h"
#include "td-util.h"

/* The memo key, spelled here only: tests reach the fact through td_dpkg_status_override(). */
#define DPKG_STATUS_FACT "dpkg-status"
#define DPKG_STATUS_FILE "/var/lib/dpkg/status"
/* A desktop's database is a few MiB; a thousandfold margin is still no runaway read. */
#define DPKG_STATUS_MAX (64u * 1024u * 1024u)

typedef enum {
        FIELD_PACKAGE,
        FIELD_VERSION,
        FIELD_ARCHITECTURE,
        FIELD_STATUS,
        FIELD_PROVIDES,
        _FIELD_MAX,
        FIELD_NONE = -1, /* a field we do not keep, or no field (after a junk line) */
} Field;

static const char *const field_names[_FIELD_MAX] = {
        [FIELD_PACKAGE] = "Package", [FIELD_VERSION] = "Version",   [FIELD_ARCHITECTURE] = "Architecture",
        [FIELD_STATUS] = "Status",   [FIELD_PROVIDES] = "Provides",
};

/* The values of one stanza being read: each as its lines joined by a space. */
typedef struct {
        char *value[_FIELD_MAX];
        size_t len[_FIELD_MAX];
        bool seen[_FIELD_MAX];
        bool any; /* a field line of any name was read */
        Field current;
} Stanza;

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void stanza_clear(Stanza *s) {
        for (size_t i = 0; i < _FIELD_MAX; i++)
                free(s->value[i]);
        *s = (Stanza){ .current = FIELD_NONE };
}

/* Append [p, p+n) to the current field's value, a space between lines. */
static int stanza_append(Stanza *s, const char *p, size_t n, bool continuation) {
        Field f = s->current;
        size_t old = s->len[f];
        size_t extra = n + (continuation && old > 0 ? 1 : 0);
        char *v = realloc(s->value[f], old + extra + 1);
        if (!v)
                return -ENOMEM;
        if (continuation && old > 0)
                v[old++] = ' ';
        memcpy(v + old, p, n);
        v[old + n] = '\0';
        s->value[f] = v;
        s->len[f] = old + n;
        return 0;
}

/* A trimmed copy of @s up to its first NUL, or NULL when nothing is left. */
static int dup_trimmed(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        while (is_blank(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        if (n == 0)
                return 0;
        *ret = strndup(s, n);
        return *ret ? 0 : -ENOMEM;
}

static void package_clear(TdDpkgPackage *p) {
        free(p->package);
        free(p->version);
        free(p->architecture);
        free(p->status);
        free(p->state);
        for (size_t i = 0; i < p->n_provides; i++) {
                free(p->provides[i].name);
                free(p->provides[i].version);
        }
        free(p->provides);
}

/* "want eflag state": the state, and whether dpkg counts the package as installed. */
static int parse_status(TdDpkgPackage *p) {
        if (!p->status)
                return 0;
        char *words[4] = {};
        size_t n = 0;
        _cleanup_free_ char *copy = strdup(p->status);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (n == ELEMENTSOF(words))
                        return 0; /* not the three words of a status */
                words[n++] = w;
        }
        if (n != 3)
                return 0;
        p->state = strdup(words[2]);
        if (!p->state)
                return -ENOMEM;
        p->installed = streq(words[1], "ok") && streq(words[2], "installed");
        return 0;
}

/* "a, b (= 1.2), c (>= 2)": the names, with the version of an exact provide. */
static int parse_provides(TdDpkgPackage *p, const char *value) {
        if (!value)
                return 0;
        for (const char *item = value; *item;) {
                size_t item_len = strcspn(item, ",");
                const char *end = item + item_len;
                const char *name = item;
                while (name < end && is_blank(*name))
                        name++;
                const char *name_end = name;
                while (name_end < end && !is_blank(*name_end) && *name_end != '(')
                        name_end++;
                if (name_end > name) {
                        TdDpkgProvide *grown = reallocarray(p->provides, p->n_provides + 1, sizeof *grown);
                        if (!grown)
                                return -ENOMEM;
                        p->provides = grown;
                        TdDpkgProvide *pr = &p->provides[p->n_provides];
                        *pr = (TdDpkgProvide){ .name = strndup(name, (size_t) (name_end - name)) };
                        if (!pr->name)
                                return -ENOMEM;
                        p->n_provides++;

                        /* Only "=" has a meaning in Provides (policy §7.5); other relations are ignored. */
                        const char *open = memchr(name_end, '(', (size_t) (end - name_end));
                        const char *close = open ? memchr(open, ')', (size_t) (end - open)) : NULL;
                        if (close) {
                                const char *v = open + 1;
                                while (v < close && is_blank(*v))
                                        v++;
                                if (v < close && *v == '=' && (v + 1 == close || v[1] != '=')) {
                                        v++;
                                        while (v < close && is_blank(*v))
                                                v++;
                                        const char *v_end = close;
                                        while (v_end > v && is_blank(v_end[-1]))
                                                v_end--;
                                        if (v_end > v && !(pr->version = strndup(v, (size_t) (v_end - v))))
                                                return -ENOMEM;
                                }
                        }
                }
                item = *end ? end + 1 : end;
        }
        return 0;
}

/* Keep the stanza just read as a package when it names one. */
static int stanza_finish(Stanza *s, TdDpkgStatus *status, size_t *allocated) {
        TdDpkgPackage p = {};
        int r;

        if (!s->any)
                goto done;
        if ((r = dup_trimmed(s->value[FIELD_PACKAGE], &p.package)) < 0)
                goto fail;
        if (!p.package) {
                status->n_unnamed++;
                goto done;
        }
        if ((r = dup_trimmed(s->value[FIELD_VERSION], &p.version)) < 0 ||
            (r = dup_trimmed(s->value[FIELD_ARCHITECTURE], &p.architecture)) < 0 ||
            (r = dup_trimmed(s->value[FIELD_STATUS], &p.status)) < 0 || (r = parse_status(&p)) < 0 ||
            (r = parse_provides(&p, s->value[FIELD_PROVIDES])) < 0)
                goto fail;
        if (status->n_packages == *allocated) {
                size_t n = *allocated ? *allocated * 2 : 256;
                TdDpkgPackage *grown = reallocarray(status->packages, n, sizeof *grown);
                if (!grown) {
                        r = -ENOMEM;
                        goto fail;
                }
                status->packages = grown;
                *allocated = n;
        }
        status->packages[status->n_packages++] = p;
done:
        stanza_clear(s);
        return 0;
fail:
        package_clear(&p);
        stanza_clear(s);
        return r;
}

static Field field_lookup(const char *name, size_t len) {
        for (size_t i = 0; i < _FIELD_MAX; i++)
                if (strlen(field_names[i]) == len && strncasecmp(field_names[i], name, len) == 0)
                        return (Field) i;
        return FIELD_NONE;
}

/* One line, without its '\n' (and '\r'), of the stanza being read. */
static int read_line(Stanza *s, const char *line, size_t n) {
        if (is_blank(line[0]) && s->any) {
                /* A continuation line; " ." stands for an empty line of a long text. */
                if (s->current == FIELD_NONE)
                        return 0;
                size_t skip = 0;
                while (skip < n && is_blank(line[skip]))
                        skip++;
                return stanza_append(s, line + skip, n - skip, true);
        }
        if (line[0] == '#')
                return 0;
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line || is_blank(line[0])) {
                /* Junk: what follows it cannot continue a field. */
                s->current = FIELD_NONE;
                return 0;
        }
        size_t name_len = (size_t) (colon - line);
        while (name_len > 0 && is_blank(line[name_len - 1]))
                name_len--;
        s->any = true;
        Field f = field_lookup(line, name_len);
        if (f == FIELD_NONE || s->seen[f]) {
                s->current = FIELD_NONE;
                return 0;
        }
        s->seen[f] = true;
        s->current = f;
        const char *value = colon + 1;
        return stanza_append(s, value, n - (size_t) (value - line), false);
}

int td_dpkg_status_parse(const char *text, size_t len, TdDpkgStatus **ret_status) {
        TdDpkgStatus *status = calloc(1, sizeof *status);
        if (!status)
                return -ENOMEM;
        Stanza s = { .current = FIELD_NONE };
        size_t allocated = 0;
        int r = 0;

        for (size_t pos = 0; pos < len && r >= 0;) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos;
                pos += n + (nl ? 1 : 0);
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                size_t blank = 0;
                while (blank < n && is_blank(line[blank]))
                        blank++;
                /* Policy §5.1 lets parsers take a line of spaces and tabs as the blank line it is meant to
                 * be. */
                if (blank == n)
                        r = stanza_finish(&s, status, &allocated);
                else
                        r = read_line(&s, line, n);
        }
        if (r >= 0)
                r = stanza_finish(&s, status, &allocated); /* the last stanza needs no blank line after it */
        stanza_clear(&s);
        if (r < 0) {
                td_dpkg_status_free(status);
                return r;
        }
        *ret_status = status;
        return 0;
}

static bool name_matches(char *const *globs, const char *name) {
        for (char *const *g = globs; g && *g; g++)
                if (fnmatch(*g, name, FNM_CASEFOLD) == 0)
                        return true;
        return false;
}

bool td_dpkg_package_matches(const TdDpkgPackage *p, char *const *globs, const char **ret_provides,
                             const char **ret_version) {
        if (name_matches(globs, p->package)) {
                *ret_provides = NULL;
                *ret_version = p->version;
                return true;
        }
        for (size_t i = 0; i < p->n_provides; i++)
                if (name_matches(globs, p->provides[i].name)) {
                        *ret_provides = p->provides[i].name;
                        *ret_version = p->provides[i].version;
                        return true;
                }
        return false;
}

void td_dpkg_status_free(TdDpkgStatus *status) {
        if (!status)
                return;
        for (size_t i = 0; i < status->n_packages; i++)
                package_clear(&status->packages[i]);
        free(status->packages);
        free(status);
}

void td_dpkg_status_fact_free(TdDpkgStatusFact *fact) {
        if (!fact)
                return;
        td_dpkg_status_free(fact->status);
        free(fact);
}

static void fact_free_value(void *value) {
        td_dpkg_status_fact_free(value);
}

static int fact_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdDpkgStatusFact *fact = calloc(1, sizeof *fact);
        if (!fact)
                return -ENOMEM;
        fact->file = DPKG_STATUS_FILE;

        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = td_context_read_file(ctx, DPKG_STATUS_FILE, DPKG_STATUS_MAX, &text, &len);
        /* /var/lib/dpkg being a file is as good as no database. */
        if (r == -ENOTDIR)
                r = -ENOENT;
        if (r == -ENOMEM || (r >= 0 && (r = td_dpkg_status_parse(text, len, &fact->status)) < 0)) {
                td_dpkg_status_fact_free(fact);
                return r;
        }
        fact->error = r;
        *ret_value = fact;
        return 0;
}

int td_dpkg_status_get(TdContext *ctx, const TdDpkgStatusFact **ret_fact) {
        void *value = NULL;
        int r = td_context_memo(ctx, DPKG_STATUS_FACT, fact_compute, NULL, fact_free_value, &value);
        if (r < 0)
                return r;
        *ret_fact = value;
        return 0;
}

int td_dpkg_status_override(TdContext *ctx, TdDpkgStatusFact *fact) {
        return td_fact_override(ctx, DPKG_STATUS_FACT, fact, fact_free_value);
}
