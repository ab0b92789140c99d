/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine: dependency order, skipping, parallelism, deadlines, selection, exit codes, cancel, progress.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-engine.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int order_counter;
static int started_order[16];
static int finished_order[16];
static int concurrent, max_concurrent, arrived;
static bool release_hang;
static int hang_exits;

static int check_index(const TdResult *r);

static void record_start(const TdResult *r) {
        pthread_mutex_lock(&lock);
        started_order[check_index(r)] = ++order_counter;
        concurrent++;
        if (concurrent > max_concurrent)
                max_concurrent = concurrent;
        pthread_mutex_unlock(&lock);
}

static void record_end(const TdResult *r) {
        pthread_mutex_lock(&lock);
        finished_order[check_index(r)] = ++order_counter;
        concurrent--;
        pthread_mutex_unlock(&lock);
}

static int run_pass(TdContext *ctx, TdResult *r) {
        record_start(r);
        usleep(20 * 1000);
        record_end(r);
        return td_result_set(r, TD_STATUS_PASS, NULL, "fine");
}

static int run_warn(TdContext *ctx, TdResult *r) {
        return td_result_set(r, TD_STATUS_WARN, "test.warn", "hmm");
}

static int run_fail(TdContext *ctx, TdResult *r) {
        record_start(r);
        record_end(r);
        return td_result_set(r, TD_STATUS_FAIL, "test.broken", "broken");
}

static int run_eio(TdContext *ctx, TdResult *r) {
        return -EIO;
}

static int run_no_verdict(TdContext *ctx, TdResult *r) {
        return 0;
}

/* Meets the other rendezvous checks; passes only if all four run at the same time. */
static int run_rendezvous(TdContext *ctx, TdResult *r) {
        record_start(r);
        pthread_mutex_lock(&lock);
        arrived++;
        pthread_cond_broadcast(&cond);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        int rc = 0;
        while (arrived < 4 && rc == 0)
                rc = pthread_cond_timedwait(&cond, &lock, &ts);
        bool met = arrived >= 4;
        pthread_mutex_unlock(&lock);
        record_end(r);
        return met ? td_result_set(r, TD_STATUS_PASS, NULL, "met")
                   : td_result_set(r, TD_STATUS_FAIL, "test.alone", "ran alone");
}

/* Never returns until the test releases it: the engine must give up on it. */
static int run_hang(TdContext *ctx, TdResult *r) {
        pthread_mutex_lock(&lock);
        while (!release_hang)
                pthread_cond_wait(&cond, &lock);
        hang_exits++;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        return td_result_set(r, TD_STATUS_PASS, NULL, "too late");
}

static const TdCheck check_a = { .id = "test.a", .category = "test", .title = "A", .run = run_pass };
static const TdCheck check_b = {
        .id = "test.b", .category = "test", .title = "B", .run = run_pass, .depends = TD_STRV("test.a")
};
static const TdCheck check_c = {
        .id = "test.c", .category = "test", .title = "C", .run = run_pass, .depends = TD_STRV("test.b")
};
static const TdCheck check_fail = { .id = "test.fail", .category = "test", .title = "F", .run = run_fail };
static const TdCheck check_after_fail = { .id = "test.after-fail",
                                          .category = "test",
                                          .title = "AF",
                                          .run = run_pass,
                                          .depends = TD_STRV("test.fail") };
static const TdCheck check_after_after = { .id = "test.after-after",
                                           .category = "test",
                                           .title = "AA",
                                           .run = run_pass,
                                           .depends = TD_STRV("test.after-fail") };
static const TdCheck check_warn = { .id = "test.warn", .category = "test", .title = "W", .run = run_warn };
static const TdCheck check_after_warn = { .id = "test.after-warn",
                                          .category = "test",
                                          .title = "AW",
                                          .run = run_pass,
                                          .depends = TD_STRV("test.warn") };
static const TdCheck check_token = {
        .id = "token.x", .category = "token", .title = "T", .run = run_pass, .flags = TD_CHECK_NEEDS_TOKEN
};
static const TdCheck check_after_token = {
        .id = "cert.x", .category = "token", .title = "CT", .run = run_pass, .depends = TD_STRV("token.x")
};
static const TdCheck check_eio = { .id = "test.eio", .category = "test", .title = "E", .run = run_eio };
static const TdCheck check_none = {
        .id = "test.none", .category = "test", .title = "N", .run = run_no_verdict
};
static const TdCheck check_r1 = { .id = "par.1", .category = "test", .title = "R", .run = run_rendezvous };
static const TdCheck check_r2 = { .id = "par.2", .category = "test", .title = "R", .run = run_rendezvous };
static const TdCheck check_r3 = { .id = "par.3", .category = "test", .title = "R", .run = run_rendezvous };
static const TdCheck check_r4 = { .id = "par.4", .category = "test", .title = "R", .run = run_rendezvous };
static const TdCheck check_hang = {
        .id = "slow.hang", .category = "test", .title = "H", .run = run_hang, .timeout_ms = 300
};
static const TdCheck check_after_hang = { .id = "test.after-hang",
                                          .category = "test",
                                          .title = "AH",
                                          .run = run_pass,
                                          .depends = TD_STRV("slow.hang") };
static const TdCheck check_cycle1 = {
        .id = "cyc.1", .category = "test", .title = "C1", .run = run_pass, .depends = TD_STRV("cyc.2")
};
static const TdCheck check_cycle2 = {
        .id = "cyc.2", .category = "test", .title = "C2", .run = run_pass, .depends = TD_STRV("cyc.1")
};

static const TdCheck *const *current_checks;
static size_t current_n;

static int check_index(const TdResult *r) {
        for (size_t i = 0; i < current_n; i++)
                if (current_checks[i] == r->check)
                        return (int) i;
        fail_msg("unknown check %s", r->check->id);
        return 0;
}

static int setup(void **state) {
        order_counter = concurrent = max_concurrent = arrived = 0;
        memset(started_order, 0, sizeof started_order);
        memset(finished_order, 0, sizeof finished_order);
        release_hang = false;
        hang_exits = 0;
        *state = td_context_new();
        return *state ? 0 : -1;
}

/* Let abandoned checks finish so nothing outlives the test (and valgrind sees no leak). */
static int teardown(void **state) {
        pthread_mutex_lock(&lock);
        release_hang = true;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        td_context_unref(*state);
        usleep(100 * 1000);
        return 0;
}

static TdReport *run_checks(TdContext *ctx, const TdCheck *const *checks, size_t n,
                            const TdEngineOptions *opts) {
        current_checks = checks;
        current_n = n;
        TdReport *report = NULL;
        char *error = NULL;
        int r = td_engine_run(ctx, checks, n, opts, &report, &error);
        if (r < 0)
                fail_msg("td_engine_run: %s: %s", strerror(-r), error ? error : "");
        free(error);
        assert_int_equal(report->n_results, n);
        return report;
}

static void test_dependency_order(void **state) {
        /* Given out of order: the engine must still run a before b before c. */
        const TdCheck *checks[] = { &check_c, &check_b, &check_a };
        TdReport *report = run_checks(*state, checks, 3, NULL);
        for (int i = 0; i < 3; i++)
                assert_int_equal(report->results[i].status, TD_STATUS_PASS);
        assert_true(finished_order[2] < started_order[1]); /* a ends before b starts */
        assert_true(finished_order[1] < started_order[0]); /* b ends before c starts */
        /* Results keep the order the checks were given in. */
        assert_ptr_equal(report->results[0].check, &check_c);
        assert_int_equal(report->counts[TD_STATUS_PASS], 3);
        assert_int_equal(td_report_exit_code(report), 0);
        td_report_free(report);
}

static void test_skip_after_failure(void **state) {
        const TdCheck *checks[] = { &check_fail, &check_after_fail, &check_after_after, &check_warn,
                                    &check_after_warn };
        TdReport *report = run_checks(*state, checks, 5, NULL);
        assert_int_equal(report->results[0].status, TD_STATUS_FAIL);
        assert_string_equal(report->results[0].cause, "test.broken");
        assert_int_equal(report->results[1].status, TD_STATUS_SKIP);
        assert_string_equal(td_result_get_detail(&report->results[1], "blocked_by"), "test.fail");
        assert_non_null(strstr(report->results[1].message, "test.fail"));
        assert_int_equal(report->results[2].status, TD_STATUS_SKIP);
        assert_string_equal(td_result_get_detail(&report->results[2], "blocked_by"), "test.after-fail");
        /* A warning does not block what depends on it. */
        assert_int_equal(report->results[3].status, TD_STATUS_WARN);
        assert_int_equal(report->results[4].status, TD_STATUS_PASS);
        assert_int_equal(started_order[1], 0); /* never ran */
        assert_int_equal(td_report_exit_code(report), 2);
        td_report_free(report);
}

static void test_parallel(void **state) {
        const TdCheck *checks[] = { &check_r1, &check_r2, &check_r3, &check_r4 };
        TdReport *report = run_checks(*state, checks, 4, NULL);
        for (int i = 0; i < 4; i++)
                assert_int_equal(report->results[i].status, TD_STATUS_PASS);
        assert_int_equal(max_concurrent, 4);
        td_report_free(report);
}

static void test_max_parallel(void **state) {
        const TdCheck *checks[] = { &check_a, &check_fail, &check_token, &check_eio };
        TdEngineOptions opts = { .max_parallel = 1 };
        TdReport *report = run_checks(*state, checks, 4, &opts);
        assert_int_equal(max_concurrent, 1);
        td_report_free(report);
}

static void test_check_deadline(void **state) {
        const TdCheck *checks[] = { &check_hang, &check_after_hang, &check_a };
        int64_t start = td_now_monotonic_ms();
        TdReport *report = run_checks(*state, checks, 3, NULL);
        int64_t took = td_now_monotonic_ms() - start;
        assert_true(took >= 290);
        assert_true(took < 2000);
        assert_int_equal(report->results[0].status, TD_STATUS_ERROR);
        assert_string_equal(report->results[0].cause, "slow.timeout");
        assert_int_equal(report->results[1].status, TD_STATUS_SKIP);
        assert_int_equal(report->results[2].status, TD_STATUS_PASS);
        assert_int_equal(td_report_exit_code(report), 2);
        td_report_free(report);
        assert_int_equal(hang_exits, 0); /* it really was still hanging */
        /* A program ending now must know a worker is still inside a check (exit() is unsafe). */
        assert_int_equal(td_engine_workers_running(), 1);
        pthread_mutex_lock(&lock);
        release_hang = true;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        for (int i = 0; i < 200 && td_engine_workers_running() > 0; i++)
                usleep(10 * 1000);
        assert_int_equal(td_engine_workers_running(), 0);
}

static void test_run_deadline(void **state) {
        /* The whole run ends by its timeout even though a check never returns. */
        static const TdCheck hang_long = {
                .id = "net.hang", .category = "test", .title = "H", .run = run_hang, .timeout_ms = 60000
        };
        const TdCheck *checks[] = { &hang_long, &check_a };
        TdEngineOptions opts = { .timeout_ms = 400 };
        int64_t start = td_now_monotonic_ms();
        TdReport *report = run_checks(*state, checks, 2, &opts);
        int64_t took = td_now_monotonic_ms() - start;
        assert_true(took < 1500);
        assert_int_equal(report->results[0].status, TD_STATUS_ERROR);
        assert_string_equal(report->results[0].cause, "net.timeout");
        assert_int_equal(report->results[1].status, TD_STATUS_PASS);
        td_report_free(report);
}

static void test_no_token(void **state) {
        const TdCheck *checks[] = { &check_a, &check_token, &check_after_token };
        TdEngineOptions opts = { .no_token = true };
        TdReport *report = run_checks(*state, checks, 3, &opts);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS);
        assert_int_equal(report->results[1].status, TD_STATUS_SKIP);
        assert_string_equal(td_result_get_detail(&report->results[1], "skip_reason"), "no-token");
        assert_int_equal(report->results[2].status, TD_STATUS_SKIP);
        assert_null(report->results[1].cause);
        assert_int_equal(td_report_exit_code(report), 0);
        td_report_free(report);
}

static void test_only(void **state) {
        const TdCheck *checks[] = { &check_a, &check_b, &check_c, &check_fail };
        TdEngineOptions opts = { .only = TD_STRV("test.b") };
        TdReport *report = run_checks(*state, checks, 4, &opts);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS); /* dependency */
        assert_int_equal(report->results[1].status, TD_STATUS_PASS);
        assert_int_equal(report->results[2].status, TD_STATUS_SKIP);
        assert_string_equal(td_result_get_detail(&report->results[2], "skip_reason"), "not-selected");
        assert_int_equal(report->results[3].status, TD_STATUS_SKIP);
        assert_int_equal(started_order[3], 0);
        assert_int_equal(td_report_exit_code(report), 0);
        td_report_free(report);
}

static void test_bad_options(void **state) {
        TdReport *report = NULL;
        char *error = NULL;
        const TdCheck *checks[] = { &check_a, &check_b };
        TdEngineOptions opts = { .only = TD_STRV("no.such") };
        assert_int_equal(td_engine_run(*state, checks, 2, &opts, &report, &error), -EINVAL);
        assert_non_null(strstr(error, "no.such"));
        free(error);
        error = NULL;
        /* b without the a it depends on */
        assert_int_equal(td_engine_run(*state, checks + 1, 1, NULL, &report, &error), -EINVAL);
        assert_non_null(strstr(error, "test.a"));
        free(error);
        assert_null(report);
}

static void test_broken_checks(void **state) {
        const TdCheck *checks[] = { &check_eio, &check_none, &check_cycle1, &check_cycle2, &check_a };
        TdReport *report = run_checks(*state, checks, 5, NULL);
        assert_int_equal(report->results[0].status, TD_STATUS_ERROR);
        assert_string_equal(report->results[0].cause, "engine.check-error");
        assert_int_equal(report->results[1].status, TD_STATUS_ERROR);
        assert_int_equal(report->results[2].status, TD_STATUS_ERROR);
        assert_string_equal(report->results[2].cause, "engine.cycle");
        assert_int_equal(report->results[3].status, TD_STATUS_ERROR);
        assert_int_equal(report->results[4].status, TD_STATUS_PASS);
        assert_int_equal(report->counts[TD_STATUS_ERROR], 4);
        td_report_free(report);
}

static int seen;
static void count_result(const TdResult *r, void *user) {
        const TdCheck *const *checks = user;
        assert_ptr_equal(r->check, checks[seen]); /* delivered in the given order */
        seen++;
}

static void test_live_results(void **state) {
        const TdCheck *checks[] = { &check_c, &check_b, &check_a, &check_warn };
        TdEngineOptions opts = { .on_result = count_result, .on_result_user = checks };
        seen = 0;
        TdReport *report = run_checks(*state, checks, 4, &opts);
        assert_int_equal(seen, 4);
        assert_int_equal(td_report_exit_code(report), 1);
        td_report_free(report);
}

static void test_max_parallel_keeps_dependencies(void **state) {
        /* With one worker, b waits for a slot after a passed: a's verdict must still count then. */
        const TdCheck *checks[] = { &check_a, &check_fail, &check_b, &check_c };
        TdEngineOptions opts = { .max_parallel = 1 };
        TdReport *report = run_checks(*state, checks, 4, &opts);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS);
        assert_int_equal(report->results[1].status, TD_STATUS_FAIL);
        assert_int_equal(report->results[2].status, TD_STATUS_PASS);
        assert_int_equal(report->results[3].status, TD_STATUS_PASS);
        td_report_free(report);
}

/* --- cancel ---------------------------------------------------------------------------- */

static const TdCheck check_hang_long = {
        .id = "token.hang", .category = "test", .title = "HL", .run = run_hang, .timeout_ms = 60000
};
static const TdCheck check_after_hang_long = { .id = "test.after-hang-long",
                                               .category = "test",
                                               .title = "AHL",
                                               .run = run_pass,
                                               .depends = TD_STRV("token.hang") };

typedef struct {
        TdEngineCancel *cancel;
        unsigned delay_ms;
        int64_t cancelled_at;
} Canceller;

static void *cancel_later(void *p) {
        Canceller *c = p;
        usleep(c->delay_ms * 1000);
        c->cancelled_at = td_now_monotonic_ms();
        td_engine_cancel(c->cancel);
        return NULL;
}

static TdReport *run_cancelled_after(TdContext *ctx, const TdCheck *const *checks, size_t n,
                                     TdEngineOptions *opts, unsigned delay_ms, int64_t *ret_late_ms) {
        Canceller c = { .cancel = td_engine_cancel_new(), .delay_ms = delay_ms };
        assert_non_null(c.cancel);
        opts->cancel = c.cancel;
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, cancel_later, &c), 0);
        TdReport *report = run_checks(ctx, checks, n, opts);
        int64_t returned = td_now_monotonic_ms();
        pthread_join(thread, NULL);
        assert_true(td_engine_cancel_is_set(c.cancel));
        td_engine_cancel_free(c.cancel);
        opts->cancel = NULL;
        *ret_late_ms = returned - c.cancelled_at;
        return report;
}

static void assert_cancelled(const TdResult *r) {
        assert_int_equal(r->status, TD_STATUS_SKIP);
        assert_null(r->cause);
        assert_non_null(r->message);
        assert_string_equal(td_result_get_detail(r, "skip_reason"), "cancelled");
}

static void test_cancel_running_check(void **state) {
        const TdCheck *checks[] = { &check_a, &check_hang_long, &check_after_hang_long };
        TdEngineOptions opts = { 0 };
        int64_t late;
        TdReport *report = run_cancelled_after(*state, checks, 3, &opts, 200, &late);
        assert_true(late >= 0);
        assert_true(late < 100); /* the wait ends at the cancel, not at a deadline */
        assert_true(report->cancelled);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS); /* finished before: kept */
        assert_cancelled(&report->results[1]);
        assert_true(report->results[1].duration_ms >= 150);
        assert_cancelled(&report->results[2]);
        assert_int_equal(started_order[2], 0);
        assert_int_equal(report->counts[TD_STATUS_SKIP], 2);
        assert_int_equal(td_report_exit_code(report), TD_ENGINE_EXIT_CANCELLED);
        td_report_free(report);
        assert_int_equal(hang_exits, 0); /* abandoned, not waited for */
}

/* Like a PIN prompt: waits for an answer or the cancel, and returns a verdict either way. */
static TdEngineCancel *watched_cancel;
static int run_until_cancel(TdContext *ctx, TdResult *r) {
        struct pollfd pfd = { .fd = td_engine_cancel_get_fd(watched_cancel), .events = POLLIN };
        if (poll(&pfd, 1, 5000) == 1)
                return td_result_set(r, TD_STATUS_FAIL, "test.no-answer", "nobody answered");
        return td_result_set(r, TD_STATUS_PASS, NULL, "answered");
}

static void test_cancel_ends_a_wait_in_a_check(void **state) {
        /* It returns at once on the cancel, with a verdict the cancel caused: that is cancelled too. */
        static const TdCheck waits = {
                .id = "test.waits", .category = "test", .title = "W", .run = run_until_cancel
        };
        const TdCheck *checks[] = { &check_a, &waits };
        Canceller c = { .cancel = td_engine_cancel_new(), .delay_ms = 200 };
        watched_cancel = c.cancel;
        TdEngineOptions opts = { .cancel = c.cancel };
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, cancel_later, &c), 0);
        TdReport *report = run_checks(*state, checks, 2, &opts);
        pthread_join(thread, NULL);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS);
        assert_cancelled(&report->results[1]);
        assert_true(report->cancelled);
        td_report_free(report);
        td_engine_cancel_free(c.cancel);
}

static void test_cancel_checks_not_started(void **state) {
        /* One worker, taken by the hanging check: the others never get to start. */
        const TdCheck *checks[] = { &check_hang_long, &check_a, &check_b, &check_fail };
        TdEngineOptions opts = { .max_parallel = 1, .only = TD_STRV("token.hang", "test.b") };
        int64_t late;
        TdReport *report = run_cancelled_after(*state, checks, 4, &opts, 100, &late);
        assert_true(late < 100);
        assert_true(report->cancelled);
        for (int i = 0; i < 3; i++)
                assert_cancelled(&report->results[i]);
        assert_int_equal(started_order[1], 0);
        assert_int_equal(started_order[2], 0);
        /* Left out by --only: that stays the reason. */
        assert_string_equal(td_result_get_detail(&report->results[3], "skip_reason"), "not-selected");
        td_report_free(report);
}

static void test_cancel_before_run(void **state) {
        const TdCheck *checks[] = { &check_a, &check_b, &check_fail, &check_token };
        TdEngineCancel *cancel = td_engine_cancel_new();
        td_engine_cancel(cancel);
        td_engine_cancel(cancel); /* idempotent */
        TdEngineOptions opts = { .cancel = cancel, .no_token = true };
        int64_t start = td_now_monotonic_ms();
        TdReport *report = run_checks(*state, checks, 4, &opts);
        assert_true(td_now_monotonic_ms() - start < 100);
        assert_true(report->cancelled);
        for (int i = 0; i < 3; i++)
                assert_cancelled(&report->results[i]);
        assert_string_equal(td_result_get_detail(&report->results[3], "skip_reason"), "no-token");
        assert_int_equal(order_counter, 0); /* nothing ran */
        assert_int_equal(td_report_exit_code(report), TD_ENGINE_EXIT_CANCELLED);
        td_report_free(report);
        td_engine_cancel_free(cancel);
}

static void test_cancel_after_run(void **state) {
        /* A cancel that comes when every result is final changes nothing. */
        const TdCheck *checks[] = { &check_a };
        TdEngineCancel *cancel = td_engine_cancel_new();
        TdEngineOptions opts = { .cancel = cancel };
        TdReport *report = run_checks(*state, checks, 1, &opts);
        td_engine_cancel(cancel);
        assert_false(report->cancelled);
        assert_int_equal(report->results[0].status, TD_STATUS_PASS);
        assert_int_equal(td_report_exit_code(report), 0);
        td_report_free(report);
        td_engine_cancel_free(cancel);
        td_engine_cancel(NULL);
        assert_false(td_engine_cancel_is_set(NULL));
}

static void test_cancel_fd(void **state) {
        TdEngineCancel *cancel = td_engine_cancel_new();
        struct pollfd pfd = { .fd = td_engine_cancel_get_fd(cancel), .events = POLLIN };
        assert_true(pfd.fd >= 0);
        assert_int_equal(poll(&pfd, 1, 0), 0);
        td_engine_cancel(cancel);
        assert_int_equal(poll(&pfd, 1, 0), 1);
        assert_int_equal(poll(&pfd, 1, 0), 1); /* and stays readable for every waiter */
        td_engine_cancel_free(cancel);
}

typedef struct {
        TdContext *ctx;
        TdEngineCancel *cancel;
        int ret;
        TdReport *report;
} RunInThread;

static void *run_in_thread(void *p) {
        RunInThread *t = p;
        const TdCheck *checks[] = { &check_hang_long };
        TdEngineOptions opts = { .cancel = t->cancel };
        t->ret = td_engine_run(t->ctx, checks, 1, &opts, &t->report, NULL);
        return NULL;
}

static void test_cancel_serves_one_run(void **state) {
        RunInThread t = { .ctx = *state, .cancel = td_engine_cancel_new() };
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, run_in_thread, &t), 0);
        usleep(100 * 1000);
        const TdCheck *checks[] = { &check_a };
        TdEngineOptions opts = { .cancel = t.cancel };
        TdReport *report = NULL;
        assert_int_equal(td_engine_run(*state, checks, 1, &opts, &report, NULL), -EBUSY);
        assert_null(report);
        td_engine_cancel(t.cancel);
        pthread_join(thread, NULL);
        assert_int_equal(t.ret, 0);
        assert_true(t.report->cancelled);
        assert_cancelled(&t.report->results[0]);
        td_report_free(t.report);
        td_engine_cancel_free(t.cancel);
}

/* --- progress -------------------------------------------------------------------------- */

typedef struct {
        pthread_t engine_thread;
        int started[16], finished[16]; /* order of the event, 0 = none */
        TdStatus status[16];
        int counter;
        size_t last_finished, n_total, max_running;
        bool wrong_thread, bad_result;
        TdEngineCancel *cancel_on_start_of; /* cancel when this check's STARTED arrives */
        const TdCheck *cancel_check;
} ProgressLog;

static void log_progress(const TdEngineEvent *e, void *user) {
        ProgressLog *log = user;
        if (!pthread_equal(pthread_self(), log->engine_thread))
                log->wrong_thread = true;
        assert_ptr_equal(current_checks[e->index], e->check);
        log->n_total = e->n_total;
        if (e->n_running > log->max_running)
                log->max_running = e->n_running;
        if (e->type == TD_ENGINE_EVENT_STARTED) {
                assert_int_equal(log->started[e->index], 0);
                assert_null(e->result);
                log->started[e->index] = ++log->counter;
                if (e->check == log->cancel_check)
                        td_engine_cancel(log->cancel_on_start_of);
        } else {
                assert_int_equal(e->type, TD_ENGINE_EVENT_FINISHED);
                assert_int_equal(log->finished[e->index], 0);
                if (!e->result || e->result->check != e->check)
                        log->bad_result = true;
                else
                        log->status[e->index] = e->result->status;
                log->finished[e->index] = ++log->counter;
                assert_int_equal(e->n_finished, log->last_finished + 1);
                log->last_finished = e->n_finished;
        }
}

static void test_progress_events(void **state) {
        const TdCheck *checks[] = {
                &check_c, &check_b, &check_a, &check_fail, &check_after_fail, &check_r1
        };
        ProgressLog log = { .engine_thread = pthread_self() };
        TdEngineOptions opts = { .on_progress = log_progress,
                                 .on_progress_user = &log,
                                 .only = TD_STRV("test.c", "test.after-fail") };
        TdReport *report = run_checks(*state, checks, 6, &opts);
        assert_false(log.wrong_thread);
        assert_false(log.bad_result);
        assert_int_equal(log.n_total, 5); /* par.1 is left out */
        assert_int_equal(log.last_finished, 5);
        /* Ran: started, then finished, with the result the report has. */
        for (int i = 0; i < 4; i++) {
                assert_true(log.started[i] > 0);
                assert_true(log.finished[i] > log.started[i]);
                assert_int_equal(log.status[i], report->results[i].status);
        }
        assert_true(log.finished[2] < log.started[1]); /* a before b */
        /* Never ran: finished only. Left out: nothing at all. */
        assert_int_equal(log.started[4], 0);
        assert_true(log.finished[4] > 0);
        assert_int_equal(log.status[4], TD_STATUS_SKIP);
        assert_int_equal(log.started[5], 0);
        assert_int_equal(log.finished[5], 0);
        assert_true(log.max_running >= 1);
        td_report_free(report);
}

static void test_progress_timeout_and_cancel(void **state) {
        /* An overrun and a cancel still finish what they started; a cancel may come from the callback. */
        const TdCheck *checks[] = { &check_hang, &check_hang_long, &check_after_hang_long };
        TdEngineCancel *cancel = td_engine_cancel_new();
        ProgressLog log = { .engine_thread = pthread_self() };
        TdEngineOptions opts = { .on_progress = log_progress, .on_progress_user = &log, .cancel = cancel };
        /* slow.hang overruns at 300 ms; token.hang is cancelled as it starts. */
        log.cancel_on_start_of = cancel;
        log.cancel_check = &check_hang_long;
        int64_t start = td_now_monotonic_ms();
        TdReport *report = run_checks(*state, checks, 3, &opts);
        assert_true(td_now_monotonic_ms() - start < 250);
        assert_true(report->cancelled);
        assert_cancelled(&report->results[0]); /* cancelled before its 300 ms ran out */
        assert_cancelled(&report->results[1]);
        assert_cancelled(&report->results[2]);
        for (int i = 0; i < 2; i++) {
                assert_true(log.started[i] > 0);
                assert_true(log.finished[i] > log.started[i]);
        }
        assert_true(log.finished[2] > 0);
        assert_int_equal(log.last_finished, 3);
        td_report_free(report);
        td_engine_cancel_free(cancel);

        /* Without a cancel, the overrun is FINISHED as the timeout error it is. */
        memset(&log, 0, sizeof log);
        log.engine_thread = pthread_self();
        const TdCheck *one[] = { &check_hang };
        TdEngineOptions opts2 = { .on_progress = log_progress, .on_progress_user = &log };
        report = run_checks(*state, one, 1, &opts2);
        assert_int_equal(log.status[0], TD_STATUS_ERROR);
        assert_true(log.finished[0] > log.started[0] && log.started[0] > 0);
        td_report_free(report);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_dependency_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_skip_after_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_max_parallel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_check_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_run_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_token, setup, teardown),
                cmocka_unit_test_setup_teardown(test_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
                cmocka_unit_test_setup_teardown(test_broken_checks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_live_results, setup, teardown),
                cmocka_unit_test_setup_teardown(test_max_parallel_keeps_dependencies, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_running_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_ends_a_wait_in_a_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_checks_not_started, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_before_run, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_after_run, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_fd, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_serves_one_run, setup, teardown),
                cmocka_unit_test_setup_teardown(test_progress_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_progress_timeout_and_cancel, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
