/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"

static const TdFix fix = { .summary = "repair", .privileged = true };
static const TdCheck with_fix = { .id = "x.y", .category = "test", .title = "T", .fix = &fix };

static void test_set_and_details(void **state) {
        TdResult r;
        td_result_init(&r, &with_fix);
        assert_int_equal(r.status, TD_STATUS_ERROR);
        assert_int_equal(td_result_set(&r, TD_STATUS_FAIL, "x.bad", "value %d", 3), 0);
        assert_string_equal(r.message, "value 3");
        assert_string_equal(r.cause, "x.bad");
        assert_true(td_result_has_fix(&r));
        assert_int_equal(td_result_add_detail(&r, "k", "%s", "v"), 0);
        assert_string_equal(td_result_get_detail(&r, "k"), "v");
        assert_null(td_result_get_detail(&r, "missing"));
        /* A pass drops the cause and offers no fix. */
        assert_int_equal(td_result_set(&r, TD_STATUS_PASS, "x.bad", "ok"), 0);
        assert_null(r.cause);
        assert_false(td_result_has_fix(&r));
        td_result_clear(&r);
        assert_int_equal(r.n_details, 0);
}

static void test_problem_needs_cause(void **state) {
        TdResult r;
        td_result_init(&r, &with_fix);
        assert_int_equal(td_result_set(&r, TD_STATUS_FAIL, NULL, "no cause"), -EINVAL);
        assert_int_equal(td_result_set(&r, TD_STATUS_WARN, "", "no cause"), -EINVAL);
        assert_int_equal(td_result_set(&r, TD_STATUS_SKIP, NULL, "skipped"), 0);
        assert_int_equal(td_result_set(&r, (TdStatus) 42, "x", "bad"), -EINVAL);
        td_result_clear(&r);
}

static void test_status_names(void **state) {
        const char *names[] = { "pass", "warn", "fail", "skip", "error" };
        for (int i = 0; i < 5; i++) {
                assert_string_equal(td_status_to_string((TdStatus) i), names[i]);
                assert_int_equal(td_status_from_string(names[i]), i);
        }
        assert_null(td_status_to_string(_TD_STATUS_MAX));
        assert_int_equal(td_status_from_string("bogus"), _TD_STATUS_INVALID);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_set_and_details),
                cmocka_unit_test(test_problem_needs_cause),
                cmocka_unit_test(test_status_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
