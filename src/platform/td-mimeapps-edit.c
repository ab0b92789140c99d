/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/td-desktop.h"
#include "platform/td-mimeapps-edit.h"
#include "td-util.h"

#define GROUP "Default Applications"
#define TYPES_MAX 16
#define ID_MAX 255

static bool id_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-' || c == '+';
}

bool td_mimeapps_id_is_writable(const char *id) {
        size_t n = id ? strlen(id) : 0;
        if (n <= strlen(".desktop") || n > ID_MAX || !td_endswith(id, ".desktop"))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!id_char(id[i]))
                        return false;
        return true;
}

static bool type_is_valid(const char *type) {
        const char *slash = strchr(type, '/');
        if (!slash || slash == type || !slash[1] || strchr(slash + 1, '/'))
                return false;
        for (const char *p = type; *p; p++)
                if (!id_char(*p) && *p != '/')
                        return false;
        return true;
}

/* A growing output buffer; on failure it frees itself and stays failed. */
typedef struct {
        char *data;
        size_t len, allocated;
        bool failed;
} Out;

static void out_add(Out *o, const void *data, size_t len) {
        if (o->failed)
                return;
        if (o->len + len + 1 > o->allocated) {
                size_t want = o->allocated * 2 > o->len + len + 1 ? o->allocated * 2 : o->len + len + 1;
                char *grown = realloc(o->data, want);
                if (!grown) {
                        free(o->data);
                        *o = (Out){ .failed = true };
                        return;
                }
                o->data = grown;
                o->allocated = want;
        }
        memcpy(o->data + o->len, data, len);
        o->len += len;
        o->data[o->len] = '\0';
}

static void out_str(Out *o, const char *s) {
        out_add(o, s, strlen(s));
}

typedef struct {
        const char *text;
        const char *const *types;
        size_t n_types;
        const char *id;
        /* The first pass: what is there. */
        bool found[TYPES_MAX];
        bool have_group;
        bool in_first;       /* in the first [Default Applications] group */
        size_t insert_after; /* start offset of the line after which missing types go */
        size_t n_crlf, n_lf;
        bool ends_blank; /* the last line is blank */
        bool ends_open;  /* the last line has no line end */
        /* The second pass: the new text. */
        Out out;
} Edit;

static const char *eol(const Edit *e) {
        return e->n_crlf > e->n_lf ? "\r\n" : "\n";
}

/* The index of @key among the types, or -1. */
static int type_index(const Edit *e, const char *key) {
        for (size_t i = 0; i < e->n_types; i++)
                if (strcasecmp(key, e->types[i]) == 0)
                        return (int) i;
        return -1;
}

static bool is_ours(const Edit *e, const TdKeyFileLineInfo *l) {
        return l->kind == TD_KEY_FILE_ENTRY && streq(l->group, GROUP) && type_index(e, l->key) >= 0;
}

static int survey(const TdKeyFileLineInfo *l, void *user) {
        Edit *e = user;
        if (l->has_newline)
                *(l->crlf ? &e->n_crlf : &e->n_lf) += 1;
        e->ends_blank = l->kind == TD_KEY_FILE_BLANK;
        e->ends_open = !l->has_newline;
        if (l->kind == TD_KEY_FILE_GROUP) {
                e->in_first = streq(l->group, GROUP) && !e->have_group;
                if (e->in_first) {
                        e->have_group = true;
                        e->insert_after = l->start;
                }
                return 0;
        }
        if (l->kind != TD_KEY_FILE_ENTRY || !streq(l->group, GROUP))
                return 0;
        if (e->in_first)
                e->insert_after = l->start;
        int i = type_index(e, l->key);
        if (i >= 0)
                e->found[i] = true;
        return 0;
}

static bool any_missing(const Edit *e) {
        for (size_t i = 0; i < e->n_types; i++)
                if (!e->found[i])
                        return true;
        return false;
}

static void add_missing(Edit *e) {
        for (size_t i = 0; i < e->n_types; i++)
                if (!e->found[i]) {
                        out_str(&e->out, e->types[i]);
                        out_str(&e->out, "=");
                        out_str(&e->out, e->id);
                        out_str(&e->out, eol(e));
                }
}

static int rewrite(const TdKeyFileLineInfo *l, void *user) {
        Edit *e = user;
        if (is_ours(e, l)) {
                /* Up to and including '=', as written; then the id, and the line's own end. */
                out_add(&e->out, e->text + l->start, l->eq + 1 - l->start);
                out_str(&e->out, e->id);
                out_str(&e->out, l->crlf ? "\r\n" : l->has_newline ? "\n" : "");
        } else
                out_add(&e->out, e->text + l->start, l->end - l->start);
        if (e->have_group && l->start == e->insert_after && any_missing(e)) {
                if (!l->has_newline)
                        out_str(&e->out, eol(e));
                add_missing(e);
        }
        return e->out.failed ? -ENOMEM : 0;
}

int td_mimeapps_set_default(const char *text, size_t len, const char *const *mime_types, const char *id,
                            char **ret_text, size_t *ret_len) {
        Edit e = { .text = text, .types = mime_types, .id = id };
        if (!td_mimeapps_id_is_writable(id) || !mime_types)
                return -EINVAL;
        for (; mime_types[e.n_types]; e.n_types++)
                if (e.n_types >= TYPES_MAX || !type_is_valid(mime_types[e.n_types]))
                        return -EINVAL;
        int r = td_key_file_scan(text, len, survey, &e);
        if (r < 0)
                return r;
        /* Something is always written: an empty text still becomes a (short) file. */
        out_add(&e.out, "", 0);
        if ((r = td_key_file_scan(text, len, rewrite, &e)) < 0) {
                free(e.out.data);
                return r;
        }
        if (!e.have_group) {
                if (len > 0 && e.ends_open)
                        out_str(&e.out, eol(&e));
                if (len > 0 && !e.ends_blank)
                        out_str(&e.out, eol(&e));
                out_str(&e.out, "[" GROUP "]");
                out_str(&e.out, eol(&e));
                add_missing(&e);
        }
        if (e.out.failed)
                return -ENOMEM;
        *ret_text = e.out.data;
        *ret_len = e.out.len;
        return 0;
}
