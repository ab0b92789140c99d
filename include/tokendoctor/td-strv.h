/* SPDX-License-Identifier: GPL-3.0-or-later */
/* String lists: NULL-terminated arrays of owned strings, and a builder that appends in O(1). */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

/* A NULL-terminated array of owned strings. */
typedef char **TdStrv;

/* Frees every string and the array. NULL is a no-op. */
void td_strv_free(TdStrv v);
size_t td_strv_length(const char *const *v);
bool td_strv_contains(const char *const *v, const char *s);
/* Sort in place (strcmp order), so that what is read from a directory does not depend on readdir. */
void td_strv_sort(TdStrv v);
/* Join with @sep; new string (free()) or NULL on ENOMEM. */
char *td_strv_join(const char *const *v, const char *sep);
/*
 * Split @s at any of @separators, strip each piece and drop empty ones. Returns a new
 * vector (td_strv_free()), or NULL on ENOMEM. NULL @s gives an empty vector.
 */
TdStrv td_strv_split(const char *s, const char *separators);
/* A copy of @v (NULL gives an empty list); NULL only on ENOMEM. */
TdStrv td_strv_copy(const char *const *v);
/* Append a copy of @s to *@v, reallocating by one: for short lists. 0 or -ENOMEM (*@v untouched). */
int td_strv_push(TdStrv *v, const char *s);

/*
 * Builds a list of unknown length by appending (amortised growth). Start from
 * TD_STRV_BUILDER_INIT; every call leaves the builder valid, so on error clear it.
 */
typedef struct {
        char **items;
        size_t n, allocated;
} TdStrvBuilder;
#define TD_STRV_BUILDER_INIT                                                                                \
        { NULL, 0, 0 }

/* Append a copy of @s. 0 or -ENOMEM. */
int td_strv_builder_add(TdStrvBuilder *b, const char *s);
/* Append @s itself, which the builder then owns (freed on error too). 0 or -ENOMEM. */
int td_strv_builder_take(TdStrvBuilder *b, char *s);
/* The list built so far, NULL-terminated, owned by the caller (td_strv_free()); the builder is
 * left empty. NULL only on ENOMEM (an empty builder gives an empty list). */
TdStrv td_strv_builder_steal(TdStrvBuilder *b);
/* Free what the builder holds. */
void td_strv_builder_clear(TdStrvBuilder *b);

static inline void td_strv_freep(TdStrv *v) {
        td_strv_free(*v);
}
#define _cleanup_strv_free_ __attribute__((cleanup(td_strv_freep)))

static inline void td_strv_builder_clearp(TdStrvBuilder *b) {
        td_strv_builder_clear(b);
}
#define _cleanup_strv_builder_ __attribute__((cleanup(td_strv_builder_clearp)))

/*
 * The names in @dir (taken and closed, whatever happens) that @accept takes (NULL: all but
 * "." and ".."), at most @max of them, sorted so results do not depend on readdir order.
 * 0 and *ret_names (td_strv_free()), or a negative errno.
 */
int td_dir_list(DIR *dir, bool (*accept)(const char *name), size_t max, char ***ret_names);
/* The same for the user's directory @path, outside any --root ($HOME, $XDG_CONFIG_HOME). */
int td_list_dir(const char *path, bool (*accept)(const char *name), size_t max, char ***ret_names);
