/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-context.h"

static char root[] = "/tmp/td-test-context-XXXXXX";

static int setup(void **state) {
        if (!mkdtemp(root))
                return -1;
        char path[512];
        snprintf(path, sizeof path, "%s/etc", root);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/etc/hello", root);
        FILE *f = fopen(path, "w");
        fputs("under the root\n", f);
        fclose(f);
        return 0;
}

static int teardown(void **state) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        return system(cmd);
}

static void test_root_paths(void **state) {
        TdContext *ctx = td_context_new();
        assert_false(td_context_has_root(ctx));
        _cleanup_free_ char *plain = td_context_path(ctx, "/etc/os-release");
        assert_string_equal(plain, "/etc/os-release");

        char with_slash[600];
        snprintf(with_slash, sizeof with_slash, "%s///", root);
        assert_int_equal(td_context_set_root(ctx, with_slash), 0);
        assert_true(td_context_has_root(ctx));
        _cleanup_free_ char *p = td_context_path(ctx, "/etc/hello");
        char expected[600];
        snprintf(expected, sizeof expected, "%s/etc/hello", root);
        assert_string_equal(p, expected);

        _cleanup_free_ char *data = NULL;
        size_t len;
        assert_int_equal(td_context_read_file(ctx, "/etc/hello", 4096, &data, &len), 0);
        assert_string_equal(data, "under the root\n");
        assert_int_equal(len, 15);
        /* Absent under the root is absent: never the real /etc/os-release. */
        char *other = NULL;
        assert_int_equal(td_context_read_file(ctx, "/etc/os-release", 4096, &other, NULL), -ENOENT);
        assert_int_equal(td_context_read_file(ctx, "/etc", 4096, &other, NULL), -EISDIR);
        assert_int_equal(td_context_read_file(ctx, "/etc/hello", 4, &other, NULL), -EFBIG);
        assert_null(other);

        /* A link in the inspected system points into *its* root, never into ours. */
        char link[600];
        snprintf(link, sizeof link, "%s/etc/os-release", root);
        assert_int_equal(symlink("/etc/hello", link), 0);
        assert_int_equal(td_context_read_file(ctx, "/etc/os-release", 4096, &other, NULL), 0);
        assert_string_equal(other, "under the root\n");
        free(other);
        other = NULL;
        snprintf(link, sizeof link, "%s/etc/escape", root);
        assert_int_equal(symlink("../../../../../../../../etc/passwd", link), 0);
        assert_int_equal(td_context_read_file(ctx, "/etc/escape", 4096, &other, NULL), -ENOENT);
        assert_int_equal(td_context_read_file(ctx, "/../../../../etc/passwd", 4096, &other, NULL), -ENOENT);
        td_context_unref(ctx);
}

static void test_environment_snapshot(void **state) {
        setenv("TD_TEST_VAR", "before", 1);
        TdContext *ctx = td_context_new();
        setenv("TD_TEST_VAR", "after", 1);
        assert_string_equal(td_context_getenv(ctx, "TD_TEST_VAR"), "before");
        assert_null(td_context_getenv(ctx, "TD_TEST_VA"));
        unsetenv("TD_TEST_VAR");
        td_context_unref(ctx);
}

static time_t fixed_clock(void *user) {
        return *(time_t *) user;
}

static void test_clock(void **state) {
        TdContext *ctx = td_context_new();
        time_t fixed = 1700000000;
        td_context_set_clock(ctx, fixed_clock, &fixed);
        assert_int_equal(td_context_now(ctx), 1700000000);
        td_context_unref(ctx);
}

static int computations;
static int compute(TdContext *ctx, void *user, void **ret) {
        __atomic_add_fetch(&computations, 1, __ATOMIC_SEQ_CST);
        usleep(50 * 1000);
        int *v = malloc(sizeof *v);
        *v = 42;
        *ret = v;
        return 0;
}

static void *memo_user(void *ctx) {
        void *value = NULL;
        if (td_context_memo(ctx, "fact", compute, NULL, free, &value) < 0 || *(int *) value != 42)
                return (void *) 1;
        return NULL;
}

static void test_memo_once(void **state) {
        TdContext *ctx = td_context_new();
        pthread_t threads[4];
        for (int i = 0; i < 4; i++)
                pthread_create(&threads[i], NULL, memo_user, ctx);
        for (int i = 0; i < 4; i++) {
                void *ret;
                pthread_join(threads[i], &ret);
                assert_null(ret);
        }
        assert_int_equal(computations, 1);
        td_context_unref(ctx);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_paths),
                cmocka_unit_test(test_environment_snapshot),
                cmocka_unit_test(test_clock),
                cmocka_unit_test(test_memo_once),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
