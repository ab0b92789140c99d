/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
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

/* A FIFO, a socket or a device where a fact file belongs is refused without waiting on it. */
static void test_open_file_refuses_what_is_not_a_file(void **state) {
        TdContext *ctx = td_context_new();
        assert_int_equal(td_context_set_root(ctx, root), 0);
        char path[600];
        snprintf(path, sizeof path, "%s/etc/fifo", root);
        assert_int_equal(mkfifo(path, 0644), 0);
        snprintf(path, sizeof path, "%s/etc/null", root);
        assert_int_equal(symlink("/dev/null", path), 0); /* resolved inside the root: absent */
        snprintf(path, sizeof path, "%s/dev", root);
        assert_int_equal(mkdir(path, 0755), 0);

        char *data = NULL;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_context_read_file(ctx, "/etc/fifo", 4096, &data, NULL), -ENODEV);
        assert_int_equal(td_context_open_file(ctx, "/etc/fifo", NULL), -ENODEV);
        assert_true(td_now_monotonic_ms() - start < 1000);
        assert_int_equal(td_context_open_file(ctx, "/etc", NULL), -EISDIR);
        assert_int_equal(td_context_read_file(ctx, "/etc/null", 4096, &data, NULL), -ENOENT);
        assert_null(data);

        struct stat st;
        int fd = td_context_open_file(ctx, "/etc/hello", &st);
        assert_true(fd >= 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, 15);
        close(fd);
        td_context_unref(ctx);

        /* The real root: a character device is no file either. */
        ctx = td_context_new();
        assert_int_equal(td_context_read_file(ctx, "/dev/null", 4096, &data, NULL), -ENODEV);
        assert_int_equal(td_context_read_file(ctx, "/dev/zero", 4096, &data, NULL), -ENODEV);
        td_context_unref(ctx);
}

/* The cap: a huge file is refused by its size, before a byte of it is read. */
static void test_read_file_cap(void **state) {
        TdContext *ctx = td_context_new();
        assert_int_equal(td_context_set_root(ctx, root), 0);
        char path[600];
        snprintf(path, sizeof path, "%s/etc/huge", root);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fclose(f);
        assert_int_equal(truncate(path, (off_t) 1 << 40), 0); /* sparse: a terabyte that costs nothing */
        char *data = NULL;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_context_read_file(ctx, "/etc/huge", 1024 * 1024, &data, NULL), -EFBIG);
        assert_true(td_now_monotonic_ms() - start < 1000);
        assert_null(data);
        unlink(path);
        td_context_unref(ctx);

        /* proc and sysfs report sizes 0 and 4096 whatever they hold: still read, still capped. */
        ctx = td_context_new();
        size_t len = 0;
        assert_int_equal(td_context_read_file(ctx, "/proc/self/status", 64 * 1024, &data, &len), 0);
        assert_true(len > 0);
        assert_non_null(strstr(data, "Pid:"));
        free(data);
        data = NULL;
        assert_int_equal(td_context_read_file(ctx, "/proc/self/status", 16, &data, NULL), -EFBIG);
        if (access("/sys/kernel/uevent_seqnum", R_OK) == 0) {
                assert_int_equal(td_context_read_file(ctx, "/sys/kernel/uevent_seqnum", 64, &data, &len), 0);
                assert_true(len > 0 && len < 64);
                free(data);
        }
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

static sem_t slow_started, slow_release;

static int compute_slow(TdContext *ctx, void *user, void **ret) {
        sem_post(&slow_started);
        sem_wait(&slow_release);
        *ret = NULL;
        return 0;
}

static int compute_fast(TdContext *ctx, void *user, void **ret) {
        *ret = NULL;
        return 0;
}

static void *memo_slow(void *ctx) {
        return (void *) (intptr_t) td_context_memo(ctx, "slow", compute_slow, NULL, NULL, NULL);
}

static void *memo_fast(void *ctx) {
        return (void *) (intptr_t) td_context_memo(ctx, "fast", compute_fast, NULL, NULL, NULL);
}

/* A fact that hangs (a server that never answers) delays its own callers only, not others'. */
static void test_memo_slow_fact_blocks_only_its_callers(void **state) {
        TdContext *ctx = td_context_new();
        sem_init(&slow_started, 0, 0);
        sem_init(&slow_release, 0, 0);
        pthread_t computing, waiting, other;
        pthread_create(&computing, NULL, memo_slow, ctx);
        sem_wait(&slow_started);
        /* A second caller of the slow fact queues for it (given time to get there). */
        pthread_create(&waiting, NULL, memo_slow, ctx);
        usleep(100 * 1000);

        pthread_create(&other, NULL, memo_fast, ctx);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        void *ret = (void *) 1;
        int joined = pthread_timedjoin_np(other, &ret, &deadline);

        sem_post(&slow_release);
        pthread_join(computing, NULL);
        pthread_join(waiting, NULL);
        if (joined != 0)
                pthread_join(other, NULL);
        assert_int_equal(joined, 0);
        assert_null(ret);
        sem_destroy(&slow_started);
        sem_destroy(&slow_release);
        td_context_unref(ctx);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_paths),
                cmocka_unit_test(test_open_file_refuses_what_is_not_a_file),
                cmocka_unit_test(test_read_file_cap),
                cmocka_unit_test(test_environment_snapshot),
                cmocka_unit_test(test_clock),
                cmocka_unit_test(test_memo_once),
                cmocka_unit_test(test_memo_slow_fact_blocks_only_its_callers),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
