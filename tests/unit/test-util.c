/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-strv.h"

static void test_version_compare(void **state) {
        /* dpkg's own ordering examples */
        assert_true(td_version_compare("1.0", "1.0") == 0);
        assert_true(td_version_compare("1.0", "1.1") < 0);
        assert_true(td_version_compare("1.10", "1.9") > 0);
        assert_true(td_version_compare("1.0~rc1", "1.0") < 0);
        assert_true(td_version_compare("1.0", "1.0+deb12u1") < 0);
        assert_true(td_version_compare("1:0.9", "2.0") > 0);
        assert_true(td_version_compare("2.0-1", "2.0-2") < 0);
        assert_true(td_version_compare("20.04", "20.4") == 0);
        assert_true(td_version_compare("12", "10") > 0);
        assert_true(td_version_compare("1.0a", "1.0") > 0);
        assert_true(td_version_compare("", "0") == 0);
        assert_true(td_version_compare(NULL, "1") < 0);
}

static void test_strings(void **state) {
        char buf[] = "  \t hello world \n";
        assert_string_equal(td_strstrip(buf), "hello world");
        assert_true(td_startswith("zh_CN.UTF-8", "zh_"));
        assert_false(td_startswith("z", "zh_"));
        assert_true(td_endswith("net.timeout", ".timeout"));
        assert_false(td_endswith("t", ".timeout"));
        assert_true(td_startswith_nocase("HTTPS://x", "https://"));
        _cleanup_free_ char *s = td_strdup_printf("%s-%d", "a", 7);
        assert_string_equal(s, "a-7");
}

static void test_utf8_sanitize(void **state) {
        _cleanup_free_ char *good = td_utf8_sanitize("华润 ok");
        assert_string_equal(good, "华润 ok");
        /* A GBK byte pair, a stray continuation byte, an overlong '/', a surrogate. */
        _cleanup_free_ char *bad = td_utf8_sanitize("a\xbb\xaa b\x80 c\xc0\xaf d\xed\xa0\x80");
        assert_string_equal(bad, "a\xEF\xBF\xBD\xEF\xBF\xBD b\xEF\xBF\xBD c\xEF\xBF\xBD\xEF\xBF\xBD "
                                 "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
        _cleanup_free_ char *cut = td_utf8_sanitize("x\xe5\x8d");
        assert_string_equal(cut, "x\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_terminal_text(void **state) {
        _cleanup_free_ char *clear = td_terminal_text("label\x1b[2J\x07 ok");
        assert_string_equal(clear, "label\\x1b[2J\\x07 ok");
        /* U+202E RIGHT-TO-LEFT OVERRIDE would reverse what follows; U+0085 is a C1 control. */
        _cleanup_free_ char *bidi = td_terminal_text("a\xe2\x80\xae"
                                                     "b\xc2\x85"
                                                     "c");
        assert_string_equal(bidi, "a\\u202eb\\x85c");
        /* Chinese, tabs and newlines are text; bytes that are not UTF-8 become U+FFFD. */
        _cleanup_free_ char *plain = td_terminal_text("华润\t守正\n\xff");
        assert_string_equal(plain, "华润\t守正\n\xef\xbf\xbd");
        _cleanup_free_ char *none = td_terminal_text(NULL);
        assert_string_equal(none, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_version_compare),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_utf8_sanitize),
                cmocka_unit_test(test_terminal_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
