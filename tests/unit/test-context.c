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

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "root-walk.h"
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

/* A relative root is made absolute; what is no directory is refused, not taken as a prefix. */
static void test_set_root(void **state) {
        TdContext *ctx = td_context_new();
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        assert_non_null(cwd);
        assert_int_equal(chdir("/tmp"), 0);
        assert_int_equal(td_context_set_root(ctx, root + strlen("/tmp/")), 0);
        assert_int_equal(chdir(cwd), 0);
        assert_string_equal(td_context_get_root(ctx), root);
        _cleanup_free_ char *hello = NULL;
        assert_int_equal(td_context_read_file(ctx, "/etc/hello", 4096, &hello, NULL), 0);

        char path[600];
        snprintf(path, sizeof path, "%s/etc/hello", root);
        assert_int_equal(td_context_set_root(ctx, path), -ENOTDIR);
        snprintf(path, sizeof path, "%s/no-such-dir", root);
        assert_int_equal(td_context_set_root(ctx, path), -ENOENT);
        /* A failed call leaves the root as it was. */
        assert_string_equal(td_context_get_root(ctx), root);

        assert_int_equal(td_context_set_root(ctx, "//"), 0);
        assert_false(td_context_has_root(ctx));
        assert_int_equal(td_context_set_root(ctx, "/tmp/.."), 0);
        assert_false(td_context_has_root(ctx));
        td_context_unref(ctx);
}

/*
 * A device node is looked at, never opened: opening one can act (a tape rewinds). /dev/tty
 * shows it: opened without a controlling terminal it fails with ENXIO, looked at it is a
 * character device like any other.
 */
static void test_open_file_does_not_open_devices(void **state) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                setsid();
                TdContext *ctx = td_context_new();
                int r = td_context_open_file(ctx, "/dev/tty", NULL);
                _exit(r == -ENODEV ? 0 : r == -ENXIO ? 2 : 3);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void root_file(const char *rel, const char *link_target) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        if (link_target)
                assert_int_equal(symlink(link_target, path), 0);
        else
                assert_int_equal(mkdir(path, 0755), 0);
}

/* One lookup's outcome: the file's inode, or the error. */
typedef struct {
        int error;
        dev_t dev;
        ino_t ino;
} Outcome;

static Outcome outcome_of(int fd) {
        Outcome o = { .error = fd < 0 ? fd : 0 };
        struct stat st;
        if (fd >= 0) {
                assert_int_equal(fstat(fd, &st), 0);
                o.dev = st.st_dev;
                o.ino = st.st_ino;
                close(fd);
        }
        return o;
}

/*
 * The lookup for kernels without openat2 agrees with the kernel's RESOLVE_IN_ROOT on a tree
 * of hostile links: absolute, escaping with "..", looping, dangling, through directories.
 */
static void test_root_walk_matches_openat2(void **state) {
        root_file("walk", NULL);
        root_file("walk/etc", NULL);
        root_file("walk/etc/abs", "/etc/hello");
        root_file("walk/etc/rel", "../../etc/hello");
        root_file("walk/etc/escape", "../../../../../../../../etc/passwd");
        root_file("walk/etc/dir", "/walk/etc");
        root_file("walk/etc/self", "self");
        root_file("walk/etc/ping", "pong");
        root_file("walk/etc/pong", "ping");
        root_file("walk/etc/dangling", "/no/such/file");
        root_file("walk/etc/chain", "dir/dir/abs");
        root_file("walk/etc/up", "..");
        root_file("walk/etc/empty-dir", NULL);

        static const char *const paths[] = {
                "etc/hello",
                "/etc/hello",
                "walk/etc/abs",
                "walk/etc/rel",
                "walk/etc/escape",
                "walk/etc/dir/abs",
                "walk/etc/dir/dir/dir/rel",
                "walk/etc/self",
                "walk/etc/ping",
                "walk/etc/dangling",
                "walk/etc/chain",
                "walk/etc/up/up/up/up/etc/hello",
                "walk/etc/dir/../etc/abs",
                "../../../etc/hello",
                "walk/../../etc/./hello",
                "etc/hello/",
                "etc/hello/more",
                "walk/etc/empty-dir/",
                "walk/etc/empty-dir/..",
                "walk/etc/no-such",
                "",
                "/",
                "..",
        };
        static const int flag_sets[] = { O_RDONLY, O_PATH, O_RDONLY | O_DIRECTORY };

        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(root_fd >= 0);
        for (size_t f = 0; f < ELEMENTSOF(flag_sets); f++)
                for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                        const char *p = paths[i];
                        struct open_how how = { .flags = (uint64_t) (flag_sets[f] | O_CLOEXEC),
                                                .resolve = RESOLVE_IN_ROOT };
                        int kfd = (int) syscall(SYS_openat2, root_fd, *p ? p : ".", &how, sizeof how);
                        if (kfd < 0 && errno == ENOSYS)
                                skip();
                        Outcome kernel = outcome_of(kfd < 0 ? -errno : kfd);
                        Outcome walked = outcome_of(td_root_walk_open(root_fd, p, flag_sets[f]));
                        if (kernel.error != walked.error || kernel.dev != walked.dev ||
                            kernel.ino != walked.ino)
                                fail_msg("'%s' (flags %#x): kernel %d/%lu, walk %d/%lu", p, flag_sets[f],
                                         kernel.error, (unsigned long) kernel.ino, walked.error,
                                         (unsigned long) walked.ino);
                }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_paths),
                cmocka_unit_test(test_open_file_refuses_what_is_not_a_file),
                cmocka_unit_test(test_read_file_cap),
                cmocka_unit_test(test_set_root),
                cmocka_unit_test(test_open_file_does_not_open_devices),
                cmocka_unit_test(test_root_walk_matches_openat2),
                cmocka_unit_test(test_environment_snapshot),
                cmocka_unit_test(test_clock),
                cmocka_unit_test(test_memo_once),
                cmocka_unit_test(test_memo_slow_fact_blocks_only_its_callers),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
