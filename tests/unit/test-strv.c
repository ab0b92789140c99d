/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-strv.h"

static void test_strv(void **state) {
        _cleanup_strv_free_ TdStrv v = td_strv_split(" a, b ,,c ", ",");
        assert_int_equal(td_strv_length((const char *const *) v), 3);
        assert_string_equal(v[0], "a");
        assert_string_equal(v[1], "b");
        assert_string_equal(v[2], "c");
        assert_true(td_strv_contains((const char *const *) v, "b"));
        assert_false(td_strv_contains((const char *const *) v, "d"));
        _cleanup_free_ char *joined = td_strv_join((const char *const *) v, "|");
        assert_string_equal(joined, "a|b|c");
        _cleanup_strv_free_ TdStrv empty = td_strv_split("", ",");
        assert_null(empty[0]);
}

static void test_builder_grows_and_steals(void **state) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        char name[16];
        for (int i = 0; i < 1000; i++) {
                snprintf(name, sizeof name, "item%d", i);
                assert_int_equal(td_strv_builder_add(&b, name), 0);
        }
        assert_int_equal(td_strv_builder_take(&b, strdup("last")), 0);
        _cleanup_strv_free_ TdStrv v = td_strv_builder_steal(&b);
        assert_non_null(v);
        assert_int_equal(td_strv_length((const char *const *) v), 1001);
        assert_string_equal(v[0], "item0");
        assert_string_equal(v[999], "item999");
        assert_string_equal(v[1000], "last");
        assert_null(v[1001]);
        /* Stolen: the builder is empty and can start again. */
        assert_null(b.items);
        assert_int_equal(b.n, 0);
}

static void test_builder_empty_gives_empty_list(void **state) {
        TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        _cleanup_strv_free_ TdStrv v = td_strv_builder_steal(&b);
        assert_non_null(v);
        assert_null(v[0]);
}

static void test_builder_take_null_is_enomem(void **state) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        /* A failed strdup() handed to take must not become a NULL in the middle of the list. */
        assert_int_equal(td_strv_builder_take(&b, NULL), -ENOMEM);
        assert_int_equal(b.n, 0);
}

static void test_sort(void **state) {
        _cleanup_strv_free_ TdStrv v = td_strv_split("c,a,b", ",");
        td_strv_sort(v);
        _cleanup_free_ char *joined = td_strv_join((const char *const *) v, ",");
        assert_string_equal(joined, "a,b,c");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strv),
                cmocka_unit_test(test_builder_grows_and_steals),
                cmocka_unit_test(test_builder_empty_gives_empty_list),
                cmocka_unit_test(test_builder_take_null_is_enomem),
                cmocka_unit_test(test_sort),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
