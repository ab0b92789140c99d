/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-fact.h"
#include "platform/td-inode-set.h"
#include "td-ifd-bundle.h"
#include "td-usb.h"
#include "td-util.h"
#include "tokendoctor/td-strv.h"

/* libccid's list of some 600 readers is about 60 KiB. */
#define PLIST_MAX (4u * 1024u * 1024u)
#define LIST_MAX 65536u
#define NAME_MAX_LEN 256u
#define BUNDLES_MAX 256u
/* The memo key, spelled here only: tests reach the fact through td_ifd_bundles_override(). */
#define IFD_BUNDLES_FACT "ifd.bundles"

/* --- lists of values ------------------------------------------------------------------- */

typedef TdStrvBuilder List;

/* Takes @s. Items past LIST_MAX are dropped: no driver lists that many readers. */
static int list_take(List *l, char *s) {
        if (l->n >= LIST_MAX) {
                free(s);
                return 0;
        }
        return td_strv_builder_take(l, s);
}

/* --- a forgiving XML tokenizer, enough for property lists -------------------------------- */

typedef enum { TOK_END, TOK_OPEN, TOK_CLOSE, TOK_EMPTY, TOK_TEXT } TokenKind;

typedef struct {
        TokenKind kind;
        const char *name; /* element name, for OPEN, CLOSE and EMPTY */
        size_t name_len;
        const char *text; /* for TEXT */
        size_t text_len;
} Token;

typedef struct {
        const char *p, *end;
} Scanner;

static const char *find(const char *p, const char *end, const char *needle) {
        size_t n = strlen(needle);
        for (; p + n <= end; p++)
                if (memcmp(p, needle, n) == 0)
                        return p;
        return NULL;
}

static bool name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == ':' || c == '.';
}

static void next_token(Scanner *s, Token *t) {
        *t = (Token){ .kind = TOK_END };
        while (s->p < s->end) {
                if (*s->p != '<') {
                        const char *lt = memchr(s->p, '<', (size_t) (s->end - s->p));
                        const char *stop = lt ? lt : s->end;
                        *t = (Token){ .kind = TOK_TEXT, .text = s->p, .text_len = (size_t) (stop - s->p) };
                        s->p = stop;
                        return;
                }
                /* Comments, <?xml ...?> and <!DOCTYPE ...> carry nothing we use. */
                const char *skip_to = NULL;
                if (s->end - s->p >= 4 && memcmp(s->p, "<!--", 4) == 0) {
                        const char *close = find(s->p + 4, s->end, "-->");
                        skip_to = close ? close + 3 : s->end;
                } else if (s->end - s->p >= 2 && (s->p[1] == '?' || s->p[1] == '!')) {
                        const char *gt = memchr(s->p, '>', (size_t) (s->end - s->p));
                        skip_to = gt ? gt + 1 : s->end;
                }
                if (skip_to) {
                        s->p = skip_to;
                        continue;
                }

                const char *gt = memchr(s->p, '>', (size_t) (s->end - s->p));
                if (!gt) {
                        s->p = s->end;
                        return;
                }
                const char *inner = s->p + 1;
                s->p = gt + 1;
                TokenKind kind = TOK_OPEN;
                if (inner < gt && *inner == '/') {
                        kind = TOK_CLOSE;
                        inner++;
                } else if (gt > inner && gt[-1] == '/')
                        kind = TOK_EMPTY;
                const char *name_end = inner;
                while (name_end < gt && name_char(*name_end))
                        name_end++;
                *t = (Token){ .kind = kind, .name = inner, .name_len = (size_t) (name_end - inner) };
                return;
        }
}

static bool token_is(const Token *t, TokenKind kind, const char *name) {
        return t->kind == kind && t->name_len == strlen(name) && memcmp(t->name, name, t->name_len) == 0;
}

static const struct {
        const char *entity;
        char c;
} entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };

/* Append @len bytes of element text to @buf (room for @len more), decoding the entities. */
static size_t append_text(char *buf, size_t used, const char *text, size_t len) {
        char *w = buf + used;
        for (size_t i = 0; i < len;) {
                bool decoded = false;
                if (text[i] == '&')
                        for (size_t e = 0; e < ELEMENTSOF(entities); e++) {
                                size_t n = strlen(entities[e].entity);
                                if (len - i >= n && memcmp(text + i, entities[e].entity, n) == 0) {
                                        *w++ = entities[e].c;
                                        i += n;
                                        decoded = true;
                                        break;
                                }
                        }
                if (!decoded)
                        *w++ = text[i++];
        }
        return (size_t) (w - buf);
}

/*
 * The text of the element just opened as @name, up to its close tag. Stops early at any
 * other tag (broken files). Returns a new stripped string or NULL on ENOMEM.
 */
static char *element_text(Scanner *s, const char *name) {
        char *buf = NULL;
        size_t used = 0;
        for (;;) {
                const char *save = s->p;
                Token t;
                next_token(s, &t);
                if (t.kind == TOK_TEXT) {
                        char *grown = realloc(buf, used + t.text_len + 1);
                        if (!grown) {
                                free(buf);
                                return NULL;
                        }
                        buf = grown;
                        used = append_text(buf, used, t.text, t.text_len);
                        continue;
                }
                /* Leave an unexpected tag to the caller. */
                if (!token_is(&t, TOK_CLOSE, name))
                        s->p = save;
                break;
        }
        if (!buf && !(buf = strdup("")))
                return NULL;
        buf[used] = '\0';
        return td_strstrip(buf);
}

/* A value: one <string> or the <string>s of an <array>. Other types give an empty list. */
static int read_value(Scanner *s, List *values) {
        Token t;
        next_token(s, &t);
        while (t.kind == TOK_TEXT)
                next_token(s, &t);

        if (token_is(&t, TOK_EMPTY, "string"))
                return list_take(values, strdup(""));
        if (token_is(&t, TOK_OPEN, "string")) {
                char *v = element_text(s, "string");
                return v ? list_take(values, v) : -ENOMEM;
        }
        if (!token_is(&t, TOK_OPEN, "array"))
                return 0;
        for (;;) {
                next_token(s, &t);
                if (t.kind == TOK_END || token_is(&t, TOK_CLOSE, "array"))
                        return 0;
                int r = 0;
                if (token_is(&t, TOK_EMPTY, "string"))
                        r = list_take(values, strdup(""));
                else if (token_is(&t, TOK_OPEN, "string")) {
                        char *v = element_text(s, "string");
                        r = v ? list_take(values, v) : -ENOMEM;
                }
                if (r < 0)
                        return r;
        }
}

typedef struct {
        List vendors, products, names, executable, bundle_name;
} Fields;

static void fields_clear(Fields *f) {
        td_strv_builder_clear(&f->vendors);
        td_strv_builder_clear(&f->products);
        td_strv_builder_clear(&f->names);
        td_strv_builder_clear(&f->executable);
        td_strv_builder_clear(&f->bundle_name);
}

static List *field_for_key(Fields *f, const char *key) {
        if (streq(key, "ifdVendorID"))
                return &f->vendors;
        if (streq(key, "ifdProductID"))
                return &f->products;
        if (streq(key, "ifdFriendlyName"))
                return &f->names;
        if (streq(key, "CFBundleExecutable"))
                return &f->executable;
        if (streq(key, "CFBundleName"))
                return &f->bundle_name;
        return NULL;
}

static int scan_fields(const char *text, size_t len, Fields *f) {
        Scanner s = { .p = text, .end = text + len };
        for (;;) {
                Token t;
                next_token(&s, &t);
                if (t.kind == TOK_END)
                        return 0;
                if (!token_is(&t, TOK_OPEN, "key"))
                        continue;
                _cleanup_free_ char *key = element_text(&s, "key");
                if (!key)
                        return -ENOMEM;
                List *target = field_for_key(f, key);
                if (!target)
                        continue;
                /* A repeated key replaces the earlier value, as in a dictionary. */
                td_strv_builder_clear(target);
                int r = read_value(&s, target);
                if (r < 0)
                        return r;
        }
}

static char *first_or_null(const List *l) {
        if (l->n == 0 || !l->items[0][0])
                return NULL;
        return td_usb_parse_string(l->items[0], strlen(l->items[0]));
}

static int pair_readers(const Fields *f, TdIfdPlist *plist) {
        size_t n = f->vendors.n < f->products.n ? f->vendors.n : f->products.n;
        plist->readers = calloc(n ? n : 1, sizeof(TdIfdReader));
        if (!plist->readers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned vid, pid;
                const char *v = f->vendors.items[i], *p = f->products.items[i];
                if (td_usb_parse_hex(v, strlen(v), 0xffff, &vid) < 0 ||
                    td_usb_parse_hex(p, strlen(p), 0xffff, &pid) < 0)
                        continue;
                TdIfdReader *reader = &plist->readers[plist->n_readers];
                *reader = (TdIfdReader){ .vendor_id = vid, .product_id = pid };
                if (i < f->names.n && f->names.items[i][0]) {
                        reader->name = td_usb_parse_string(f->names.items[i], strlen(f->names.items[i]));
                        if (!reader->name)
                                return -ENOMEM;
                }
                plist->n_readers++;
        }
        return 0;
}

int td_ifd_plist_parse(const char *text, size_t len, TdIfdPlist **ret_plist) {
        TdIfdPlist *plist = calloc(1, sizeof *plist);
        Fields f = {};
        if (!plist)
                return -ENOMEM;
        int r = scan_fields(text, len, &f);
        if (r >= 0)
                r = pair_readers(&f, plist);
        if (r >= 0 && f.executable.n > 0 && !(plist->executable = first_or_null(&f.executable)) &&
            f.executable.items[0][0])
                r = -ENOMEM;
        if (r >= 0 && f.bundle_name.n > 0 && !(plist->bundle_name = first_or_null(&f.bundle_name)) &&
            f.bundle_name.items[0][0])
                r = -ENOMEM;
        fields_clear(&f);
        if (r < 0) {
                td_ifd_plist_free(plist);
                return r;
        }
        *ret_plist = plist;
        return 0;
}

void td_ifd_plist_free(TdIfdPlist *plist) {
        if (!plist)
                return;
        for (size_t i = 0; i < plist->n_readers; i++)
                free(plist->readers[i].name);
        free(plist->readers);
        free(plist->executable);
        free(plist->bundle_name);
        free(plist);
}

bool td_ifd_plist_is_class_driver(const TdIfdPlist *plist) {
        return plist && plist->bundle_name && streq(plist->bundle_name, "CCIDCLASSDRIVER");
}

const TdIfdReader *td_ifd_plist_find(const TdIfdPlist *plist, unsigned vendor_id, unsigned product_id) {
        if (!plist)
                return NULL;
        for (size_t i = 0; i < plist->n_readers; i++)
                if (plist->readers[i].vendor_id == vendor_id && plist->readers[i].product_id == product_id)
                        return &plist->readers[i];
        return NULL;
}

/* --- bundles under the root ---------------------------------------------------------------- */

static void bundles_clear(TdIfdBundle *bundles, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(bundles[i].path);
                td_ifd_plist_free(bundles[i].plist);
        }
        free(bundles);
}

void td_ifd_bundles_free(TdIfdBundles *bundles) {
        if (!bundles)
                return;
        bundles_clear(bundles->bundles, bundles->n);
        free(bundles);
}

/* The executable is a file name inside Contents/Linux, never a path. */
static bool executable_name_ok(const char *name) {
        return name[0] && name[0] != '.' && !strchr(name, '/');
}

static int bundle_load(const TdContext *ctx, const char *path, TdIfdBundle *b) {
        *b = (TdIfdBundle){ .path = strdup(path) };
        if (!b->path)
                return -ENOMEM;

        _cleanup_free_ char *plist_path = td_strdup_printf("%s/Contents/Info.plist", path);
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (!plist_path)
                return -ENOMEM;
        int r = td_context_read_file(ctx, plist_path, PLIST_MAX, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                b->plist_error = r == -ENOTDIR ? -ENOENT : r;
                return 0;
        }
        r = td_ifd_plist_parse(text, len, &b->plist);
        if (r < 0)
                return r;

        if (b->plist->executable && executable_name_ok(b->plist->executable)) {
                _cleanup_free_ char *lib =
                        td_strdup_printf("%s/Contents/Linux/%s", path, b->plist->executable);
                if (!lib)
                        return -ENOMEM;
                /* Only looked at, never read: a FIFO named as the library must not block. */
                int fd = td_context_open_file(ctx, lib, NULL);
                if (fd >= 0) {
                        b->library_present = true;
                        close(fd);
                } else if (fd == -ENOMEM)
                        return fd;
        }
        return 0;
}

static bool is_bundle(const char *name) {
        return name[0] != '.' && td_endswith(name, ".bundle");
}

static int list_bundles(const TdContext *ctx, const char *dir_path, TdStrv *paths) {
        _cleanup_strv_free_ TdStrv names = NULL;
        int r = td_context_list_dir(ctx, dir_path, is_bundle, BUNDLES_MAX, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (char **name = names; r >= 0 && *name; name++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", dir_path, *name);
                r = path ? td_strv_push(paths, path) : -ENOMEM;
        }
        return r;
}

int td_ifd_bundles_load(const TdContext *ctx, TdIfdBundles **ret_bundles) {
        static const char *const dirs[] = {
                "/usr/lib/pcsc/drivers",
#ifdef TD_MULTIARCH
                "/usr/lib/" TD_MULTIARCH "/pcsc/drivers",
#endif
                "/usr/lib64/pcsc/drivers",
                "/usr/local/lib/pcsc/drivers",
        };
        _cleanup_strv_free_ TdStrv paths = calloc(1, sizeof(char *));
        int r = paths ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++)
                r = list_bundles(ctx, dirs[i], &paths);
        if (r < 0)
                return r;
        td_strv_sort(paths);

        size_t n_paths = td_strv_length((const char *const *) paths);
        TdIfdBundles *set = calloc(1, sizeof *set);
        TdIfdBundle *bundles = calloc(n_paths ? n_paths : 1, sizeof(TdIfdBundle));
        size_t n = 0;
        if (!set || !bundles)
                r = -ENOMEM;
        _cleanup_inode_set_ TdInodeSet seen = TD_INODE_SET_INIT;
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                /*
                 * One bundle reached through two driver directories (Arch links /usr/lib64 to
                 * /usr/lib) is one driver: listed twice it would look like two claiming each reader.
                 */
                _cleanup_close_ int fd = td_context_open(ctx, paths[i], O_PATH | O_DIRECTORY);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && (r = td_inode_set_add(&seen, &st)) <= 0)
                        continue;
                r = bundle_load(ctx, paths[i], &bundles[n]);
                n++; /* counted even on error: its half-filled entry is freed below */
        }
        if (r < 0) {
                bundles_clear(bundles, n);
                free(set);
                return r;
        }
        *set = (TdIfdBundles){ .bundles = bundles, .n = n };
        *ret_bundles = set;
        return 0;
}

static void bundles_free_value(void *value) {
        td_ifd_bundles_free(value);
}

static int bundles_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdIfdBundles *bundles = NULL;
        int r = td_ifd_bundles_load(ctx, &bundles);
        if (r < 0)
                return r;
        *ret_value = bundles;
        return 0;
}

int td_ifd_bundles_get(TdContext *ctx, const TdIfdBundles **ret_bundles) {
        void *value = NULL;
        int r = td_context_memo(ctx, IFD_BUNDLES_FACT, bundles_compute, NULL, bundles_free_value, &value);
        if (r < 0)
                return r;
        *ret_bundles = value;
        return 0;
}

int td_ifd_bundles_override(TdContext *ctx, TdIfdBundles *bundles) {
        return td_fact_override(ctx, IFD_BUNDLES_FACT, bundles, bundles_free_value);
}

const TdIfdBundle *td_ifd_bundles_driver_for(const TdIfdBundles *bundles, unsigned vendor_id,
                                             unsigned product_id, const TdIfdReader **ret_reader,
                                             const TdIfdBundle **ret_broken,
                                             const TdIfdBundle **ret_unreadable) {
        const TdIfdBundle *driver = NULL, *class_driver = NULL;
        const TdIfdReader *reader = NULL, *class_reader = NULL;
        *ret_broken = NULL;
        *ret_unreadable = NULL;
        for (size_t i = 0; i < bundles->n; i++) {
                const TdIfdBundle *bundle = &bundles->bundles[i];
                if (!bundle->plist && bundle->plist_error != -ENOENT && !*ret_unreadable)
                        *ret_unreadable = bundle;
                const TdIfdReader *entry = td_ifd_plist_find(bundle->plist, vendor_id, product_id);
                if (!entry)
                        continue;
                if (!bundle->library_present) {
                        if (!*ret_broken)
                                *ret_broken = bundle;
                        continue;
                }
                /* pcsc-lite prefers a specific driver; libccid's class driver is the fallback. */
                if (!td_ifd_plist_is_class_driver(bundle->plist)) {
                        if (!driver) {
                                driver = bundle;
                                reader = entry;
                        }
                } else if (!class_driver) {
                        class_driver = bundle;
                        class_reader = entry;
                }
        }
        *ret_reader = driver ? reader : class_reader;
        return driver ? driver : class_driver;
}
