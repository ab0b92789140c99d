/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict at the end of `check`: renew or not, and who takes each problem's next step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-verdict.h"

static const TdFix user_fix = { .summary = "as the user", .privileged = false };
static const TdFix admin_fix = { .summary = "as root", .privileged = true };
static const TdCheck plain = { .id = "a.plain", .category = "t", .title = "Plain" };
static const TdCheck fixable = { .id = "b.fixable", .category = "t", .title = "Fixable", .fix = &user_fix };
static const TdCheck admin = { .id = "c.admin", .category = "t", .title = "Admin", .fix = &admin_fix };

/* A report of three results with these statuses (WARN/FAIL/ERROR get a cause). */
static void report_of(TdReport *rep, TdResult *results, TdStatus a, TdStatus b, TdStatus c) {
        const TdCheck *checks[] = { &plain, &fixable, &admin };
        TdStatus st[] = { a, b, c };
        for (size_t i = 0; i < 3; i++) {
                td_result_init(&results[i], checks[i]);
                assert_int_equal(
                        td_result_set(&results[i], st[i], st[i] == TD_STATUS_PASS ? NULL : "x.y", "m"), 0);
                if (st[i] == TD_STATUS_SKIP)
                        td_result_add_detail(&results[i], "skip_reason", "no-token");
                td_result_decide_fix(NULL, &results[i]);
        }
        *rep = (TdReport){ .results = results, .n_results = 3 };
}

static void clear(TdResult *results) {
        for (size_t i = 0; i < 3; i++)
                td_result_clear(&results[i]);
}

static void test_all_passed(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_PASS, TD_STATUS_PASS, TD_STATUS_PASS);
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_READY);
        assert_int_equal(v.n_items, 0);
        td_verdict_clear(&v);
        /* The same without the token: the next step is the check with it. */
        assert_int_equal(td_verdict_from_report(&rep, true, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_INSERT_TOKEN);
        td_verdict_clear(&v);
        clear(res);
}

static void test_warnings_do_not_block(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_WARN, TD_STATUS_PASS, TD_STATUS_SKIP);
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_READY);
        assert_int_equal(v.n_warnings, 1);
        td_verdict_clear(&v);
        clear(res);
}

static void test_each_problem_has_its_next_step(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_ERROR, TD_STATUS_FAIL, TD_STATUS_FAIL);
        assert_int_equal(td_verdict_from_report(&rep, true, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_PROBLEMS);
        assert_int_equal(v.n_items, 3);
        assert_int_equal(v.items[0].next, TD_NEXT_SUPPORT);
        assert_int_equal(v.items[1].next, TD_NEXT_FIX);
        assert_int_equal(v.items[2].next, TD_NEXT_ADMIN);
        assert_string_equal(td_next_step_to_string(v.items[2].next), "admin");
        _cleanup_free_ char *text = td_verdict_text(&v);
        assert_non_null(strstr(text, "3 problems"));
        td_verdict_clear(&v);
        clear(res);
}

static void test_partial_and_cancelled(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_PASS, TD_STATUS_SKIP, TD_STATUS_PASS);
        td_result_add_detail(&res[1], "skip_reason", "not-selected");
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_PARTIAL);
        assert_string_equal(td_verdict_code_to_string(v.code), "partial");
        td_verdict_clear(&v);
        rep.cancelled = true;
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        assert_int_equal(v.code, TD_VERDICT_CANCELLED);
        td_verdict_clear(&v);
        clear(res);
}

static void test_next_step_sentence(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_ERROR, TD_STATUS_FAIL, TD_STATUS_FAIL);
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        _cleanup_free_ char *next = td_verdict_next_text(&v, " --root /r");
        assert_non_null(next);
        /* One sentence: the user's command, the administrator's, then the advice to follow. */
        const char *own = strstr(next, "run “tokendoctor fix b.fixable --root /r”");
        const char *admin_step = strstr(next, "administrator to run “tokendoctor fix c.admin --root /r”");
        const char *advice = strstr(next, "for Plain, do what");
        assert_non_null(own);
        assert_non_null(admin_step);
        assert_non_null(advice);
        assert_true(own < admin_step && admin_step < advice);
        assert_true(strncmp(next, "Next: ", 6) == 0);
        td_verdict_clear(&v);

        /* Nothing to do: no next step. */
        clear(res);
        report_of(&rep, res, TD_STATUS_PASS, TD_STATUS_WARN, TD_STATUS_PASS);
        assert_int_equal(td_verdict_from_report(&rep, false, &v), 0);
        assert_null(td_verdict_next_text(&v, ""));
        td_verdict_clear(&v);
        clear(res);
}

static void test_what_is_shown_and_who_helps(void **state) {
        TdResult res[3];
        TdReport rep;
        TdVerdict v;
        report_of(&rep, res, TD_STATUS_WARN, TD_STATUS_PASS, TD_STATUS_SKIP);
        assert_int_equal(td_verdict_from_report(&rep, true, &v), 0);
        /* The 无锁 run's token check is the one line for them all, not a skipped check. */
        assert_int_equal(v.shown[TD_STATUS_WARN], 1);
        assert_int_equal(v.shown[TD_STATUS_PASS], 1);
        assert_int_equal(v.shown[TD_STATUS_SKIP], 0);
        assert_int_equal(v.n_deferred, 1);
        assert_true(td_result_is_deferred(&res[2]));
        assert_false(td_result_is_shown(&res[2]));
        assert_true(td_result_is_shown(&res[0]));
        td_verdict_clear(&v);
        clear(res);

        /* 客服 helps where tokendoctor has no repair. */
        report_of(&rep, res, TD_STATUS_ERROR, TD_STATUS_FAIL, TD_STATUS_WARN);
        assert_true(td_result_needs_help(&res[0]));
        assert_false(td_result_needs_help(&res[1]));
        assert_false(td_result_needs_help(&res[2]));
        clear(res);

        assert_string_equal(td_status_word(TD_STATUS_FAIL), "Fix needed");
        assert_string_equal(td_status_word(TD_STATUS_ERROR), "Can't check");
}

static void test_support_request(void **state) {
        _cleanup_free_ char *with = td_support_request_text("400-000-0000。");
        assert_non_null(strstr(with, "Platform 客服: 400-000-0000; "));
        assert_non_null(strstr(with, "“tokendoctor check --json > tokendoctor.json”"));
        _cleanup_free_ char *without = td_support_request_text(NULL);
        assert_non_null(strstr(without, "the 【客服】 icon on the platform's home page"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_passed),
                cmocka_unit_test(test_warnings_do_not_block),
                cmocka_unit_test(test_each_problem_has_its_next_step),
                cmocka_unit_test(test_partial_and_cancelled),
                cmocka_unit_test(test_next_step_sentence),
                cmocka_unit_test(test_what_is_shown_and_who_helps),
                cmocka_unit_test(test_support_request),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
