/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The subprocess runner, with small shell children. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "platform/td-process.h"
#include "td-util.h"
#include "tokendoctor/td-context.h"

#define SH(script) ((const char *const[]){ "/bin/sh", "-c", script, NULL })

static TdProcessResult run_sh(const char *script, const char *input, unsigned timeout_ms, size_t out_max,
                              size_t err_max) {
        TdProcessRun run = {
                .argv = SH(script),
                .input = input,
                .input_len = input ? strlen(input) : 0,
                .timeout_ms = timeout_ms,
                .stdout_max = out_max,
                .stderr_max = err_max,
        };
        TdProcessResult res;
        assert_int_equal(td_process_run(&run, &res), 0);
        return res;
}

/* Whether @pid is gone (or a zombie nobody reaped yet: dead all the same). */
static bool process_gone(pid_t pid) {
        for (int i = 0; i < 200; i++) {
                char path[64], stat[256] = "";
                snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
                FILE *f = fopen(path, "re");
                if (!f)
                        return true;
                bool ok = fgets(stat, sizeof stat, f) != NULL;
                fclose(f);
                const char *end = strrchr(stat, ')');
                if (ok && end && (end[2] == 'Z' || end[2] == 'X'))
                        return true;
                usleep(10000);
        }
        return false;
}

static void test_exit_status_and_output(void **state) {
        TdProcessResult res = run_sh("echo out; echo err >&2; exit 3", NULL, 5000, 100, 100);
        assert_false(res.timed_out);
        assert_true(WIFEXITED(res.status));
        assert_int_equal(WEXITSTATUS(res.status), 3);
        assert_string_equal(res.out, "out\n");
        assert_string_equal(res.err, "err\n");
        assert_false(res.out_truncated);
        assert_false(res.err_truncated);
        td_process_result_clear(&res);
}

static void test_signal_death(void **state) {
        TdProcessResult res = run_sh("kill -SEGV $$", NULL, 5000, 100, 100);
        assert_false(res.timed_out);
        assert_true(WIFSIGNALED(res.status));
        assert_int_equal(WTERMSIG(res.status), SIGSEGV);
        td_process_result_clear(&res);
}

static void test_caps(void **state) {
        /* stdout keeps its head (the answer), stderr its tail (why it died); the rest is read
         * and dropped, so a chatty child never blocks on a full pipe. */
        TdProcessResult res = run_sh("printf 0123456789; i=0; while [ $i -lt 20000 ]; do "
                                     "echo line $i >&2; i=$((i+1)); done; echo last >&2",
                                     NULL, 20000, 4, 9);
        assert_false(res.timed_out);
        assert_true(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
        assert_string_equal(res.out, "0123");
        assert_int_equal(res.out_len, 4);
        assert_true(res.out_truncated);
        assert_string_equal(res.err, "999\nlast\n");
        assert_true(res.err_truncated);
        td_process_result_clear(&res);
}

static void test_input(void **state) {
        TdProcessResult res = run_sh("read a; echo \"[$a]\"", "secret\n", 5000, 100, 100);
        assert_string_equal(res.out, "[secret]\n");
        td_process_result_clear(&res);
}

static void test_input_never_read(void **state) {
        /* A child that never reads its input must not hold us past the deadline. */
        size_t len = 1u << 20;
        char *big = malloc(len + 1);
        assert_non_null(big);
        memset(big, 'x', len);
        big[len] = '\0';
        int64_t start = td_now_monotonic_ms();
        TdProcessResult res = run_sh("sleep 30", big, 300, 100, 100);
        assert_true(res.timed_out);
        assert_true(td_now_monotonic_ms() - start < 3000);
        free(big);
        td_process_result_clear(&res);
}

static void test_deadline_covers_closed_stdout(void **state) {
        /* It closes its output and hangs: end of output is not the end of the child. Its helper
         * in the same process group dies with it. */
        int64_t start = td_now_monotonic_ms();
        TdProcessResult res = run_sh("sleep 30 & echo $!; exec >&- 2>&-; sleep 30", NULL, 400, 100, 100);
        int64_t took = td_now_monotonic_ms() - start;
        assert_true(res.timed_out);
        assert_true(took >= 400);
        assert_true(took < 3000);
        assert_true(WIFSIGNALED(res.status));
        assert_int_equal(WTERMSIG(res.status), SIGKILL);
        pid_t helper = (pid_t) atoi(res.out);
        assert_true(helper > 0);
        assert_true(process_gone(helper));
        td_process_result_clear(&res);
}

static void test_exit_while_helper_holds_output(void **state) {
        /* The child ended; a helper it left behind still holds the pipe: we do not wait for it. */
        int64_t start = td_now_monotonic_ms();
        TdProcessResult res = run_sh("sleep 2 & echo done", NULL, 10000, 100, 100);
        assert_true(td_now_monotonic_ms() - start < 1500);
        assert_false(res.timed_out);
        assert_string_equal(res.out, "done\n");
        td_process_result_clear(&res);
}

/* A child started now does not have @fd. */
static void assert_not_inherited(int fd) {
        char script[128];
        snprintf(script, sizeof script, "[ -e /proc/$$/fd/%d ] && echo leaked || echo clean", fd);
        TdProcessResult res = run_sh(script, NULL, 5000, 100, 100);
        assert_string_equal(res.out, "clean\n");
        td_process_result_clear(&res);
}

static void test_only_its_pipes(void **state) {
        int leaked = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, as some libraries do */
        assert_true(leaked > 2);
        assert_not_inherited(leaked);
        close(leaked);
}

/* What the spawn does where glibc has no closefrom for the child (before 2.34). */
static void test_mark_cloexec(void **state) {
        int leaked = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, as some libraries do */
        assert_true(leaked > 2);
        int stdin_flags = fcntl(STDIN_FILENO, F_GETFD);
        td_process_mark_cloexec();
        assert_true(fcntl(leaked, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(fcntl(STDIN_FILENO, F_GETFD), stdin_flags); /* stdio is left as it is */
        assert_not_inherited(leaked);
        close(leaked);
}

static void test_missing_program(void **state) {
        TdProcessRun run = { .argv = (const char *const[]){ "/nonexistent/prog", NULL },
                             .timeout_ms = 1000 };
        TdProcessResult res;
        assert_int_equal(td_process_run(&run, &res), -ENOENT);
}

static void test_session_lines(void **state) {
        TdProcess *p;
        assert_int_equal(
                td_process_spawn(SH("echo hello >&2; while read l; do echo \"got $l\"; done"), 64, &p), 0);
        int64_t deadline = td_now_monotonic_ms() + 5000;
        assert_int_equal(td_process_write(p, "a\nb\n", 4, deadline), 0);
        char *line;
        assert_int_equal(td_process_read_line(p, deadline, 100, &line), 0);
        assert_string_equal(line, "got a");
        free(line);
        assert_int_equal(td_process_read_line(p, deadline, 100, &line), 0);
        assert_string_equal(line, "got b");
        free(line);
        /* Too long a line is refused, and the next one is whole. */
        assert_int_equal(td_process_write(p, "0123456789\nc\n", 13, deadline), 0);
        assert_int_equal(td_process_read_line(p, deadline, 8, &line), -EMSGSIZE);
        assert_int_equal(td_process_read_line(p, deadline, 8, &line), 0);
        assert_string_equal(line, "got c");
        free(line);
        int status;
        bool killed;
        assert_int_equal(td_process_wait(p, td_now_monotonic_ms() + 5000, &status, &killed), 0);
        assert_false(killed);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_string_equal(td_process_get_stderr(p), "hello\n");
        td_process_free(p);
}

static void test_session_hang(void **state) {
        TdProcess *p;
        assert_int_equal(td_process_spawn(SH("read l; sleep 30"), 64, &p), 0);
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_process_write(p, "x\n", 2, start + 1000), 0);
        char *line;
        assert_int_equal(td_process_read_line(p, start + 300, 100, &line), -ETIMEDOUT);
        assert_true(td_now_monotonic_ms() - start < 2000);
        td_process_kill(p);
        int status;
        bool killed;
        assert_int_equal(td_process_wait(p, td_now_monotonic_ms() + 1000, &status, &killed), 0);
        assert_true(killed);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        td_process_free(p);
}

static void test_session_closed_stdout_then_hang(void **state) {
        TdProcess *p;
        assert_int_equal(td_process_spawn(SH("exec >&-; sleep 30"), 64, &p), 0);
        int64_t start = td_now_monotonic_ms();
        char *line;
        assert_int_equal(td_process_read_line(p, start + 5000, 100, &line), -EPIPE);
        int status;
        bool killed;
        assert_int_equal(td_process_wait(p, td_now_monotonic_ms() + 300, &status, &killed), 0);
        assert_true(killed);
        assert_true(td_now_monotonic_ms() - start < 3000);
        td_process_free(p);
}

static void test_session_crash(void **state) {
        TdProcess *p;
        assert_int_equal(td_process_spawn(SH("read l; echo partial; echo dying >&2; kill -SEGV $$"), 64, &p),
                         0);
        int64_t deadline = td_now_monotonic_ms() + 5000;
        assert_int_equal(td_process_write(p, "go\n", 3, deadline), 0);
        char *line;
        assert_int_equal(td_process_read_line(p, deadline, 100, &line), 0);
        assert_string_equal(line, "partial");
        free(line);
        assert_int_equal(td_process_read_line(p, deadline, 100, &line), -EPIPE);
        int status;
        bool killed;
        assert_int_equal(td_process_wait(p, deadline, &status, &killed), 0);
        assert_false(killed);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
        assert_string_equal(td_process_get_stderr(p), "dying\n");
        assert_int_equal(td_process_write(p, "more\n", 5, deadline), -EPIPE);
        td_process_free(p);
}

static void test_session_write_to_closed_input(void **state) {
        /* It no longer reads: writing neither blocks nor kills us with SIGPIPE. */
        TdProcess *p;
        assert_int_equal(td_process_spawn(SH("exec 0<&-; echo closed; sleep 5"), 64, &p), 0);
        int64_t deadline = td_now_monotonic_ms() + 5000;
        char *line;
        assert_int_equal(td_process_read_line(p, deadline, 100, &line), 0);
        assert_string_equal(line, "closed");
        free(line);
        assert_int_equal(td_process_write(p, "more\n", 5, deadline), -EPIPE);
        td_process_free(p);
}

static void test_session_free_kills(void **state) {
        TdProcess *p;
        assert_int_equal(td_process_spawn(SH("sleep 30"), 64, &p), 0);
        pid_t pid = td_process_get_pid(p);
        int64_t start = td_now_monotonic_ms();
        td_process_free(p);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_true(process_gone(pid));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_status_and_output),
                cmocka_unit_test(test_signal_death),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_input),
                cmocka_unit_test(test_input_never_read),
                cmocka_unit_test(test_deadline_covers_closed_stdout),
                cmocka_unit_test(test_exit_while_helper_holds_output),
                cmocka_unit_test(test_only_its_pipes),
                cmocka_unit_test(test_mark_cloexec),
                cmocka_unit_test(test_missing_program),
                cmocka_unit_test(test_session_lines),
                cmocka_unit_test(test_session_hang),
                cmocka_unit_test(test_session_closed_stdout_then_hang),
                cmocka_unit_test(test_session_crash),
                cmocka_unit_test(test_session_write_to_closed_input),
                cmocka_unit_test(test_session_free_kills),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
