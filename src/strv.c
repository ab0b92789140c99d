/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "td-util.h"
#include "tokendoctor/td-strv.h"

void td_strv_free(TdStrv v) {
        if (!v)
                return;
        for (char **s = v; *s; s++)
                free(*s);
        free(v);
}

size_t td_strv_length(const char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

bool td_strv_contains(const char *const *v, const char *s) {
        for (; v && *v; v++)
                if (streq(*v, s))
                        return true;
        return false;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void td_strv_sort(TdStrv v) {
        size_t n = td_strv_length((const char *const *) v);
        if (n > 1)
                qsort(v, n, sizeof(char *), compare_strings);
}

char *td_strv_join(const char *const *v, const char *sep) {
        size_t len = 1, seplen = strlen(sep);
        for (const char *const *p = v; p && *p; p++)
                len += strlen(*p) + seplen;
        char *out = malloc(len), *w = out;
        if (!out)
                return NULL;
        for (const char *const *p = v; p && *p; p++) {
                if (p != v)
                        w = stpcpy(w, sep);
                w = stpcpy(w, *p);
        }
        *w = '\0';
        return out;
}

int td_strv_push(TdStrv *v, const char *s) {
        size_t n = td_strv_length((const char *const *) *v);
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        TdStrv grown = realloc(*v, (n + 2) * sizeof(char *));
        if (!grown) {
                free(copy);
                return -ENOMEM;
        }
        grown[n] = copy;
        grown[n + 1] = NULL;
        *v = grown;
        return 0;
}

TdStrv td_strv_split(const char *s, const char *separators) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        _cleanup_free_ char *copy = s ? strdup(s) : NULL;
        if (s && !copy)
                return NULL;
        char *save = NULL;
        for (char *tok = copy ? strtok_r(copy, separators, &save) : NULL; tok;
             tok = strtok_r(NULL, separators, &save)) {
                td_strstrip(tok);
                if (*tok && td_strv_builder_add(&b, tok) < 0)
                        return NULL;
        }
        return td_strv_builder_steal(&b);
}

/* Room for one more item and the terminating NULL. */
static int builder_reserve(TdStrvBuilder *b) {
        if (b->n + 2 <= b->allocated)
                return 0;
        size_t want = b->allocated ? b->allocated * 2 : 8;
        if (want > SIZE_MAX / sizeof(char *) / 2)
                return -ENOMEM;
        char **grown = realloc(b->items, want * sizeof(char *));
        if (!grown)
                return -ENOMEM;
        b->items = grown;
        b->allocated = want;
        return 0;
}

int td_strv_builder_take(TdStrvBuilder *b, char *s) {
        if (!s || builder_reserve(b) < 0) {
                free(s);
                return -ENOMEM;
        }
        b->items[b->n++] = s;
        b->items[b->n] = NULL;
        return 0;
}

int td_strv_builder_add(TdStrvBuilder *b, const char *s) {
        return td_strv_builder_take(b, strdup(s));
}

TdStrv td_strv_builder_steal(TdStrvBuilder *b) {
        if (!b->items && builder_reserve(b) < 0)
                return NULL;
        b->items[b->n] = NULL;
        TdStrv v = b->items;
        *b = (TdStrvBuilder) TD_STRV_BUILDER_INIT;
        return v;
}

void td_strv_builder_clear(TdStrvBuilder *b) {
        for (size_t i = 0; i < b->n; i++)
                free(b->items[i]);
        free(b->items);
        *b = (TdStrvBuilder) TD_STRV_BUILDER_INIT;
}

int td_dir_list(DIR *dir, bool (*accept)(const char *name), size_t max, char ***ret_names) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        int r = 0;
        for (struct dirent *e; r >= 0 && b.n < max && (e = readdir(dir));) {
                if (streq(e->d_name, ".") || streq(e->d_name, "..") || (accept && !accept(e->d_name)))
                        continue;
                r = td_strv_builder_add(&b, e->d_name);
        }
        closedir(dir);
        if (r < 0)
                return r;
        _cleanup_strv_free_ TdStrv names = td_strv_builder_steal(&b);
        if (!names)
                return -ENOMEM;
        td_strv_sort(names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

int td_list_dir(const char *path, bool (*accept)(const char *name), size_t max, char ***ret_names) {
        DIR *dir = opendir(path);
        if (!dir)
                return -errno;
        return td_dir_list(dir, accept, max, ret_names);
}

TdStrv td_strv_copy(const char *const *v) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        for (; v && *v; v++)
                if (td_strv_builder_add(&b, *v) < 0)
                        return NULL;
        return td_strv_builder_steal(&b);
}
