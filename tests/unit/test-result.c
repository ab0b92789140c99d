/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>
#include <json-c/json.h>

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
        /* The offer is the engine's decision, made once the verdict is in. */
        assert_false(td_result_has_fix(&r));
        td_result_decide_fix(NULL, &r);
        assert_true(td_result_has_fix(&r));
        assert_true(r.fix.privileged);
        assert_string_equal(r.fix.summary, "repair");
        assert_int_equal(td_result_add_detail(&r, "k", "%s", "v"), 0);
        assert_string_equal(td_result_get_detail(&r, "k"), "v");
        assert_null(td_result_get_detail(&r, "missing"));
        /* A pass drops the cause and offers no fix. */
        assert_int_equal(td_result_set(&r, TD_STATUS_PASS, "x.bad", "ok"), 0);
        td_result_decide_fix(NULL, &r);
        assert_null(r.cause);
        assert_false(td_result_has_fix(&r));
        td_result_clear(&r);
        assert_null(r.details);
}

static bool offer_only_cause_a(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        if (!streq_ptr(r->cause, "x.a"))
                return false;
        *ret = (TdFixOffer){ .summary = "repair a", .privileged = false };
        return true;
}

static const TdFix picky_fix = { .summary = "repair", .privileged = true, .offer = offer_only_cause_a };
static const TdCheck with_picky_fix = { .id = "x.z", .category = "test", .title = "T", .fix = &picky_fix };

/* A fix offers itself only for the results its offer() accepts, with its words for each. */
static void test_offer_per_result(void **state) {
        TdResult r;
        td_result_init(&r, &with_picky_fix);
        assert_int_equal(td_result_set(&r, TD_STATUS_FAIL, "x.b", "b"), 0);
        td_result_decide_fix(NULL, &r);
        assert_false(td_result_has_fix(&r));
        assert_int_equal(td_result_set(&r, TD_STATUS_WARN, "x.a", "a"), 0);
        td_result_decide_fix(NULL, &r);
        assert_true(td_result_has_fix(&r));
        assert_false(r.fix.privileged);
        assert_string_equal(r.fix.summary, "repair a");
        /* An error is never repaired: the check could not tell what is wrong. */
        assert_int_equal(td_result_set(&r, TD_STATUS_ERROR, "x.a", "e"), 0);
        td_result_decide_fix(NULL, &r);
        assert_false(td_result_has_fix(&r));
        td_result_clear(&r);
}

static void test_typed_details(void **state) {
        TdResult r;
        td_result_init(&r, &with_fix);
        td_detail_set_int(&r, NULL, "count", 3);
        td_detail_set_bool(&r, NULL, "ok", true);
        json_object *urls = td_detail_get_array(&r, NULL, "urls");
        json_object *u = td_detail_append_object(&r, urls);
        td_detail_set_string(&r, u, "url", "https://%s/", "example.test");
        td_detail_set_int(&r, u, "http_status", 200);
        td_detail_set_strv(&r, u, "addresses", TD_STRV("127.0.0.1", "::1"));
        /* The same array again, not a second one. */
        assert_ptr_equal(td_detail_get_array(&r, NULL, "urls"), urls);
        td_detail_append_object(&r, urls);
        td_detail_set_string(&r, NULL, "bad_utf8", "%s", "a\xff");
        assert_false(r.details_incomplete);

        json_object *v;
        assert_true(json_object_object_get_ex(r.details, "count", &v));
        assert_true(json_object_is_type(v, json_type_int));
        assert_true(json_object_object_get_ex(r.details, "ok", &v));
        assert_true(json_object_is_type(v, json_type_boolean));
        assert_int_equal(json_object_array_length(urls), 2);
        assert_string_equal(td_result_get_detail(&r, "urls.0.url"), "https://example.test/");
        assert_string_equal(td_result_get_detail(&r, "urls.0.http_status"), "200");
        assert_string_equal(td_result_get_detail(&r, "urls.0.addresses.1"), "::1");
        assert_string_equal(td_result_get_detail(&r, "count"), "3");
        assert_string_equal(td_result_get_detail(&r, "ok"), "true");
        assert_null(td_result_get_detail(&r, "urls.2"));
        assert_null(td_result_get_detail(&r, "urls.x"));
        assert_null(td_result_get_detail(&r, "count.deeper"));
        /* A JSON null is there, and told apart from absence. */
        td_detail_set_null(&r, NULL, "proxy");
        assert_true(td_result_has_detail(&r, "proxy"));
        assert_null(td_result_get_detail_node(&r, "proxy"));
        assert_false(td_result_has_detail(&r, "no-such"));
        assert_true(json_object_is_type(td_result_get_detail_node(&r, "urls.0.http_status"), json_type_int));
        /* Text that is not UTF-8 is repaired when recorded. */
        assert_string_equal(td_result_get_detail(&r, "bad_utf8"), "a\xef\xbf\xbd");
        td_result_clear(&r);
}

static void test_failed_group_marks_incomplete(void **state) {
        TdResult r;
        td_result_init(&r, &with_fix);
        /* A group that could not be made is NULL; writing into it must not crash nor pass silently. */
        assert_int_equal(td_detail_set_int(&r, NULL, "n", 1), 0);
        assert_null(td_detail_append_object(&r, NULL));
        assert_true(r.details_incomplete);
        td_result_clear(&r);
        assert_false(r.details_incomplete);
        /* Writing a member into something that is not an object is refused too. */
        json_object *list = td_detail_add_array(&r, NULL, "list");
        assert_int_equal(td_detail_set_int(&r, list, "n", 1), -ENOMEM);
        assert_true(r.details_incomplete);
        td_result_clear(&r);
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
                cmocka_unit_test(test_offer_per_result),
                cmocka_unit_test(test_typed_details),
                cmocka_unit_test(test_failed_group_marks_incomplete),
                cmocka_unit_test(test_problem_needs_cause),
                cmocka_unit_test(test_status_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
