/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers for the check tests: fixture roots in a temporary directory and running one
 * check against them. Header-only so each test stays one executable.
 */
#pragma once

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"
#include "tokendoctor/td-result.h"

/* Exit status meson (and automake) read as "skipped". */
#define FIXTURE_EXIT_SKIP 77

static inline int fixture_mkdir_p(const char *path) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Every root still alive, so a failed assertion (which skips the test's own cleanup) leaves none behind. */
static char *fixture_roots[64];

/* A new empty directory under $TMPDIR; the caller frees the name and removes the tree. */
static inline char *fixture_new_root(const char *name) {
        const char *tmp = getenv("TMPDIR");
        char *path = td_strdup_printf("%s/td-%s-XXXXXX", isempty(tmp) ? "/tmp" : tmp, name);
        assert_non_null(path);
        assert_non_null(mkdtemp(path));
        for (size_t i = 0; i < ELEMENTSOF(fixture_roots); i++)
                if (!fixture_roots[i]) {
                        fixture_roots[i] = path;
                        return path;
                }
        fail_msg("more than %zu fixture roots at once", ELEMENTSOF(fixture_roots));
        abort(); /* not reached: fail_msg() leaves the test */
}

static inline void fixture_remove(char *root) {
        if (!root)
                return;
        for (size_t i = 0; i < ELEMENTSOF(fixture_roots); i++)
                if (fixture_roots[i] == root)
                        fixture_roots[i] = NULL;
        /* Fixture roots are ours and under the temporary directory; never anything else. */
        assert_true(strstr(root, "/td-") != NULL);
        char *cmd = td_strdup_printf("rm -rf '%s'", root);
        assert_non_null(cmd);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        free(root);
}

/* Remove what failed tests left; for a group teardown. */
static inline int fixture_remove_all(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(fixture_roots); i++)
                if (fixture_roots[i])
                        fixture_remove(fixture_roots[i]);
        return 0;
}

/* Write @len bytes to ROOT/@rel, creating the directories on the way. */
static inline void fixture_write(const char *root, const char *rel, const void *data, size_t len) {
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        assert_int_equal(fixture_mkdir_p(path), 0);
        *slash = '/';
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        free(path);
}

static inline void fixture_write_text(const char *root, const char *rel, const char *text) {
        fixture_write(root, rel, text, strlen(text));
}

/* Read a whole file, NUL-terminated (for text; the length is *@ret_len); the caller frees. */
static inline void *fixture_read(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        long len = ftell(f);
        assert_true(len >= 0);
        rewind(f);
        void *data = malloc((size_t) len + 1);
        assert_non_null(data);
        assert_int_equal(fread(data, 1, (size_t) len, f), (size_t) len);
        ((char *) data)[len] = '\0';
        fclose(f);
        *ret_len = (size_t) len;
        return data;
}

static inline void fixture_copy(const char *from, const char *root, const char *rel) {
        size_t len;
        void *data = fixture_read(from, &len);
        fixture_write(root, rel, data, len);
        free(data);
}

static inline bool fixture_exists(const char *root, const char *rel) {
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        bool ok = access(path, F_OK) == 0;
        free(path);
        return ok;
}

/* A profile with the built-in defaults, for tests to adjust before running a check. */
static inline TdProfile *fixture_profile(void) {
        TdProfile *p = NULL;
        assert_int_equal(td_profile_new_default(&p), 0);
        assert_non_null(p);
        return p;
}

/*
 * Run @check with ROOT @root (NULL: the real root) and @profile (taken; NULL: defaults).
 * The context snapshots the environment, so set variables before calling this. The check
 * must reach a verdict (run() returns 0).
 */
/* A context with ROOT @root (NULL: the real root) and @profile (taken; NULL: defaults). */
static inline TdContext *fixture_context(const char *root, TdProfile *profile) {
        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        if (root)
                assert_int_equal(td_context_set_root(ctx, root), 0);
        td_context_take_profile(ctx, profile ? profile : fixture_profile());
        return ctx;
}

/* Run @check in @ctx (taken), which the caller may have set up further (a clock). */
static inline void fixture_run_in(const TdCheck *check, TdContext *ctx, TdResult *ret) {
        td_result_init(ret, check);
        int r = check->run(ctx, ret);
        if (r < 0)
                fprintf(stderr, "# %s: run() failed: %s\n", check->id, strerror(-r));
        assert_int_equal(r, 0);
        td_context_unref(ctx);
}

static inline void fixture_run(const TdCheck *check, const char *root, TdProfile *profile, TdResult *ret) {
        fixture_run_in(check, fixture_context(root, profile), ret);
}

/*
 * Run @check as fixture_run() does, for a check that cannot decide: run() must return a
 * negative errno and leave an ERROR verdict with its own message. Returns the errno.
 */
static inline int fixture_run_error(const TdCheck *check, const char *root, TdProfile *profile,
                                    TdResult *ret) {
        TdContext *ctx = fixture_context(root, profile);
        td_result_init(ret, check);
        int r = check->run(ctx, ret);
        assert_true(r < 0);
        assert_int_equal(ret->status, TD_STATUS_ERROR);
        assert_non_null(ret->message);
        td_context_unref(ctx);
        return r;
}

/* A FIFO at ROOT/@rel, creating the directories on the way: no writer ever opens it. */
static inline void fixture_mkfifo(const char *root, const char *rel) {
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        assert_int_equal(fixture_mkdir_p(path), 0);
        *slash = '/';
        assert_int_equal(mkfifo(path, 0644), 0);
        free(path);
}

/* A symbolic link ROOT/@rel -> @target, creating the directories on the way. */
static inline void fixture_symlink(const char *root, const char *rel, const char *target) {
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        assert_int_equal(fixture_mkdir_p(path), 0);
        *slash = '/';
        assert_int_equal(symlink(target, path), 0);
        free(path);
}

/* A sparse file of @size bytes at ROOT/@rel: huge, yet costs no disk. */
static inline void fixture_write_sparse(const char *root, const char *rel, off_t size) {
        fixture_write(root, rel, "", 0);
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        assert_int_equal(truncate(path, size), 0);
        free(path);
}

static inline void fixture_print(const TdResult *r) {
        fprintf(stderr, "# %s: %s [%s] %s\n", r->check->id, td_status_to_string(r->status),
                r->cause ? r->cause : "-", r->message ? r->message : "");
        if (r->details)
                fprintf(stderr, "#     details: %s\n",
                        json_object_to_json_string_ext(r->details, JSON_C_TO_STRING_PLAIN));
}

/* Status and cause must both match; the cause must be one the check declares. */
#define assert_verdict(result, want_status, want_cause)                                                     \
        do {                                                                                                \
                const TdResult *_r = (result);                                                              \
                const char *_want_cause = (want_cause);                                                     \
                if (_r->status != (want_status) || !streq_ptr(_r->cause, _want_cause))                      \
                        fixture_print(_r);                                                                  \
                assert_string_equal(td_status_to_string(_r->status), td_status_to_string(want_status));     \
                if (_want_cause) {                                                                          \
                        assert_non_null(_r->cause);                                                         \
                        assert_string_equal(_r->cause, _want_cause);                                        \
                        assert_true(td_check_declares_cause(_r->check, _want_cause));                       \
                } else                                                                                      \
                        assert_null(_r->cause);                                                             \
                assert_non_null(_r->message);                                                               \
                assert_true(_r->message[0] != '\0');                                                        \
        } while (0)

#define assert_detail(result, key, want)                                                                    \
        do {                                                                                                \
                const char *_v = td_result_get_detail((result), (key));                                     \
                if (!_v || !streq(_v, (want)))                                                              \
                        fixture_print(result);                                                              \
                assert_non_null(_v);                                                                        \
                assert_string_equal(_v, (want));                                                            \
        } while (0)

/*
 * The detail at @path (as td_result_get_detail() walks it) as plain JSON text, so a test tells
 * 2 from "2", true from "yes" and null from absent: "null" for a JSON null, NULL when absent.
 * The caller frees it.
 */
static inline char *fixture_detail_json(const TdResult *r, const char *path) {
        if (!td_result_has_detail(r, path))
                return NULL;
        /* json-c writes an absent value (JSON null) as "null". */
        return strdup(
                json_object_to_json_string_ext(td_result_get_detail_node(r, path),
                                               JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The detail at @key, written as plain JSON, is @want ("2", "true", "[\"a\"]", "null"). */
#define assert_detail_json(result, key, want)                                                               \
        do {                                                                                                \
                char *_j = fixture_detail_json((result), (key));                                            \
                if (!_j || !streq(_j, (want)))                                                              \
                        fixture_print(result);                                                              \
                assert_non_null(_j);                                                                        \
                assert_string_equal(_j, (want));                                                            \
                free(_j);                                                                                   \
        } while (0)

#define assert_message_contains(result, needle)                                                             \
        do {                                                                                                \
                if (!strstr((result)->message, (needle)))                                                   \
                        fixture_print(result);                                                              \
                assert_non_null(strstr((result)->message, (needle)));                                       \
        } while (0)
