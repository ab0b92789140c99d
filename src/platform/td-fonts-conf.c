/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td-fonts-conf.h"
#include "td-inode-set.h"
#include "td-util.h"

/* fontconfig's configuration directory (its FONTCONFIG_PATH) on every distribution supported. */
#define CONF_DIR "/etc/fonts"
#define CONF_FILE CONF_DIR "/fonts.conf"
/* A distribution's largest file is tens of kilobytes; all of Debian's, with every font package, 1 MB. */
#define CONF_FILE_MAX (1024u * 1024u)
#define CONF_TOTAL_MAX (16u * 1024u * 1024u)
#define CONF_DIR_ENTRIES_MAX 4096u
/* fontconfig reads each file once and has no other limit; this one bounds a chain of distinct files. */
#define INCLUDE_DEPTH_MAX 32u

/*
 * The document fontconfig parses: a head of our own, without the files' document type
 * declarations, since an entity declared in one could expand into an <include> element that
 * fontconfig would then follow itself.
 */
#define DOCUMENT_HEAD "<?xml version=\"1.0\"?>\n<fontconfig>\n"
#define DOCUMENT_TAIL "\n</fontconfig>\n"

typedef struct {
        const TdContext *ctx;
        FILE *out;
        TdInodeSet seen; /* what was read, as fontconfig reads each file once */
        size_t total;
        char *unreadable;
        int unreadable_error;
} Expander;

static int include_path(Expander *x, const char *path, unsigned depth);

/* The first file that cannot be read is the one named. 0 or -ENOMEM. */
static int set_unreadable(Expander *x, const char *path, int error) {
        if (x->unreadable)
                return 0;
        x->unreadable = strdup(path);
        x->unreadable_error = error;
        return x->unreadable ? 0 : -ENOMEM;
}

static bool is_xml_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool starts_with(const char *p, const char *end, const char *s) {
        size_t n = strlen(s);
        return (size_t) (end - p) >= n && memcmp(p, s, n) == 0;
}

/*
 * What starts at the '<' at @p when it is no element: a comment, a CDATA section, a
 * processing instruction or a declaration. The position after it (@end when it does not
 * end), or NULL for an element's tag. A <include> inside any of them is none.
 */
static const char *skip_markup(const char *p, const char *end) {
        static const struct {
                const char *open, *close;
        } kinds[] = { { "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" } };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (starts_with(p, end, kinds[i].open)) {
                        const char *from = p + strlen(kinds[i].open);
                        const char *close =
                                memmem(from, (size_t) (end - from), kinds[i].close, strlen(kinds[i].close));
                        return close ? close + strlen(kinds[i].close) : end;
                }
        if (!starts_with(p, end, "<!"))
                return NULL;
        /* <!DOCTYPE ...>, perhaps with declarations in brackets. */
        char quote = 0;
        int brackets = 0;
        for (const char *q = p + 2; q < end; q++) {
                if (quote) {
                        if (*q == quote)
                                quote = 0;
                } else if (*q == '"' || *q == '\'')
                        quote = *q;
                else if (*q == '[')
                        brackets++;
                else if (*q == ']')
                        brackets--;
                else if (*q == '>' && brackets <= 0)
                        return q + 1;
        }
        return end;
}

/* Whether @p starts the tag "<@name" ("</fontconfig" with @name "/fontconfig"), not a longer name. */
static bool tag_is(const char *p, const char *end, const char *name) {
        size_t n = strlen(name);
        if ((size_t) (end - p) < n + 2 || p[0] != '<' || memcmp(p + 1, name, n) != 0)
                return false;
        char c = p[1 + n];
        return c == '>' || c == '/' || is_xml_space(c);
}

/* The '>' ending the tag at @p (quoted attribute values may hold one), or NULL. */
static const char *tag_end(const char *p, const char *end) {
        char quote = 0;
        for (; p < end; p++) {
                if (quote) {
                        if (*p == quote)
                                quote = 0;
                } else if (*p == '"' || *p == '\'')
                        quote = *p;
                else if (*p == '>')
                        return p;
        }
        return NULL;
}

/* Whether the attributes [@p, @end) of a tag give @name the value @value. */
static bool attribute_is(const char *p, const char *end, const char *name, const char *value) {
        while (p < end) {
                while (p < end && is_xml_space(*p))
                        p++;
                const char *n = p;
                while (p < end && !is_xml_space(*p) && *p != '=' && *p != '/')
                        p++;
                size_t n_len = (size_t) (p - n);
                while (p < end && is_xml_space(*p))
                        p++;
                if (p >= end || *p != '=')
                        return false;
                p++;
                while (p < end && is_xml_space(*p))
                        p++;
                if (p >= end || (*p != '"' && *p != '\''))
                        return false;
                const char *v = p + 1, *v_end = memchr(v, *p, (size_t) (end - v));
                if (!v_end)
                        return false;
                if (n_len == strlen(name) && memcmp(n, name, n_len) == 0)
                        return (size_t) (v_end - v) == strlen(value) && memcmp(v, value, strlen(value)) == 0;
                p = v_end + 1;
        }
        return false;
}

/* The text [@p, @end) with XML's predefined entities replaced; "" when it holds markup. NULL on ENOMEM. */
static char *element_text(const char *p, const char *end) {
        static const struct {
                const char *entity;
                char c;
        } entities[] = {
                { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' }
        };

        if (memchr(p, '<', (size_t) (end - p)))
                return strdup("");
        char *text = malloc((size_t) (end - p) + 1), *w = text;
        if (!text)
                return NULL;
        while (p < end) {
                size_t i = 0;
                while (i < ELEMENTSOF(entities) && !starts_with(p, end, entities[i].entity))
                        i++;
                if (i < ELEMENTSOF(entities)) {
                        *w++ = entities[i].c;
                        p += strlen(entities[i].entity);
                } else
                        *w++ = *p++;
        }
        *w = '\0';
        return text;
}

/* The content of the document's root element <fontconfig>, between its tags. */
static bool document_body(const char *p, const char *end, const char **ret_begin, const char **ret_end) {
        if (starts_with(p, end, "\xef\xbb\xbf"))
                p += 3;
        for (;;) {
                while (p < end && is_xml_space(*p))
                        p++;
                const char *after = p < end && *p == '<' ? skip_markup(p, end) : NULL;
                if (!after)
                        break;
                p = after;
        }
        if (!tag_is(p, end, "fontconfig"))
                return false;
        const char *gt = tag_end(p, end);
        if (!gt)
                return false;
        if (gt[-1] == '/') {
                *ret_begin = *ret_end = gt + 1;
                return true;
        }
        const char *begin = gt + 1, *close = NULL;
        for (const char *q = begin; q < end && (q = memchr(q, '<', (size_t) (end - q)));) {
                const char *after = skip_markup(q, end);
                if (after) {
                        q = after;
                        continue;
                }
                if (tag_is(q, end, "/fontconfig"))
                        close = q;
                q++;
        }
        if (!close)
                return false;
        *ret_begin = begin;
        *ret_end = close;
        return true;
}

/* One <include>: its attributes [@attrs, @attrs_end) and its text [@text, @text_end). */
static int include_element(Expander *x, const char *attrs, const char *attrs_end, const char *text,
                           const char *text_end, unsigned depth) {
        /* A user's configuration ($XDG_CONFIG_HOME, "~/"): not the system's, and not in the root. */
        if (attribute_is(attrs, attrs_end, "prefix", "xdg"))
                return 0;
        _cleanup_free_ char *name = element_text(text, text_end);
        if (!name)
                return -ENOMEM;
        if (!name[0] || name[0] == '~')
                return 0;
        _cleanup_free_ char *path = name[0] == '/' ? strdup(name) : td_strdup_printf(CONF_DIR "/%s", name);
        if (!path)
                return -ENOMEM;
        return include_path(x, path, depth + 1);
}

/*
 * Copy [@p, @end) to the output with each <include> replaced by what it names. A tag that
 * does not end stops the copy there: no <include> may ever reach fontconfig, which would
 * follow it itself (the document then fails to parse, which the caller reports).
 */
static int expand(Expander *x, const char *p, const char *end, unsigned depth) {
        const char *copied = p;
        while (p < end) {
                const char *lt = memchr(p, '<', (size_t) (end - p));
                if (!lt)
                        break;
                const char *after = skip_markup(lt, end);
                if (after) {
                        p = after;
                        continue;
                }
                if (!tag_is(lt, end, "include")) {
                        p = lt + 1;
                        continue;
                }
                fwrite(copied, 1, (size_t) (lt - copied), x->out);
                const char *gt = tag_end(lt, end);
                if (!gt)
                        return 0;
                const char *text = gt + 1, *text_end = text, *next = text;
                if (gt[-1] != '/') {
                        const char *close = memmem(text, (size_t) (end - text), "</include", 9);
                        const char *close_gt = close ? tag_end(close, end) : NULL;
                        if (!close_gt)
                                return 0;
                        text_end = close;
                        next = close_gt + 1;
                }
                int r = include_element(x, lt + strlen("<include"), gt, text, text_end, depth);
                if (r < 0)
                        return r;
                p = copied = next;
        }
        fwrite(copied, 1, (size_t) (end - copied), x->out);
        return 0;
}

static int include_file(Expander *x, const char *path, unsigned depth) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = td_context_read_file(x->ctx, path, CONF_FILE_MAX, &text, &len);
        if (r < 0)
                return r == -ENOMEM ? r : set_unreadable(x, path, r);
        x->total += len;
        if (x->total > CONF_TOTAL_MAX)
                return set_unreadable(x, path, -EFBIG);
        const char *begin, *end;
        /* Not a fontconfig document: fontconfig says so and takes nothing from it. */
        if (!document_body(text, text + len, &begin, &end))
                return 0;
        return expand(x, begin, end, depth);
}

static bool conf_name_ok(const char *name) {
        /* The files fontconfig reads in an included directory: [0-9]*.conf. */
        return name[0] >= '0' && name[0] <= '9' && strlen(name) > strlen(".conf") &&
               td_endswith(name, ".conf");
}

static int include_dir(Expander *x, const char *path, unsigned depth) {
        _cleanup_strv_free_ TdStrv names = NULL;
        /* Sorted by byte value, as fontconfig sorts them. */
        int r = td_context_list_dir(x->ctx, path, conf_name_ok, CONF_DIR_ENTRIES_MAX, &names);
        if (r < 0)
                return r == -ENOMEM ? r : set_unreadable(x, path, r);
        for (char **name = names; *name; name++) {
                _cleanup_free_ char *file = td_strdup_printf("%s/%s", path, *name);
                if (!file)
                        return -ENOMEM;
                r = include_path(x, file, depth);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int include_path(Expander *x, const char *path, unsigned depth) {
        /* Past an unreadable file the configuration is not used: no need to read on. */
        if (x->unreadable)
                return 0;
        if (depth > INCLUDE_DEPTH_MAX)
                return set_unreadable(x, path, -ELOOP);
        _cleanup_close_ int fd = td_context_open(x->ctx, path, O_PATH);
        /* What is absent is left out, as fontconfig leaves it (complaining unless ignore_missing). */
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return fd == -ENOMEM ? fd : set_unreadable(x, path, fd);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return set_unreadable(x, path, -errno);
        int r = td_inode_set_add(&x->seen, &st);
        if (r <= 0)
                return r;
        return S_ISDIR(st.st_mode) ? include_dir(x, path, depth) : include_file(x, path, depth);
}

void td_fonts_conf_free(TdFontsConf *conf) {
        if (!conf)
                return;
        free(conf->xml);
        free(conf->unreadable);
        free(conf);
}

int td_fonts_conf_load(const TdContext *ctx, TdFontsConf **ret_conf) {
        _cleanup_close_ int fd = td_context_open(ctx, CONF_FILE, O_PATH);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return -ENOENT;
        _cleanup_fonts_conf_free_ TdFontsConf *conf = calloc(1, sizeof *conf);
        if (!conf)
                return -ENOMEM;

        Expander x = { .ctx = ctx, .seen = TD_INODE_SET_INIT };
        char *xml = NULL;
        size_t size = 0;
        x.out = open_memstream(&xml, &size);
        if (!x.out)
                return -ENOMEM;
        fputs(DOCUMENT_HEAD, x.out);
        int r = include_path(&x, CONF_FILE, 0);
        fputs(DOCUMENT_TAIL, x.out);
        if (ferror(x.out))
                r = -ENOMEM;
        if (fclose(x.out) != 0 && r >= 0)
                r = -ENOMEM;
        td_inode_set_clear(&x.seen);
        if (r < 0 || x.unreadable) {
                free(xml);
                xml = NULL;
        }
        if (r < 0) {
                free(x.unreadable);
                return r;
        }
        conf->xml = xml;
        conf->unreadable = x.unreadable;
        conf->unreadable_error = x.unreadable_error;
        *ret_conf = TAKE_PTR(conf);
        return 0;
}
