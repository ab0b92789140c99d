/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Debian policy §5.6.12 and dpkg's own order, each pair checked both ways round; every line
 * here was checked against `dpkg --compare-versions`.
 */
static void test_version_compare_debian(void **state) {
        static const struct {
                const char *a, *b;
                int want;
        } table[] = {
                /* '~' sorts before everything, even the end: "~~" < "~~a" < "~" < "" < "a". */
                { "1.0~~", "1.0~~a", -1 },
                { "1.0~~a", "1.0~", -1 },
                { "1.0~", "1.0", -1 },
                { "1.0~rc1", "1.0", -1 },
                { "1.0~rc1", "1.0~rc2", -1 },
                { "1.2.3-4~bpo12+1", "1.2.3-4", -1 },
                { "1.0", "1.0a", -1 },
                /* Letters before non-letters, in ASCII order among themselves. */
                { "1.0a", "1.0+", -1 },
                { "1.0z", "1.0.", -1 },
                { "1.0A", "1.0a", -1 },
                { "1.0", "1.0.", -1 },
                { "1.0", "1.0.0", -1 },
                /* The epoch outweighs everything after it; none is 0. */
                { "1:0.9", "2.0", 1 },
                { "2:1", "1:999", 1 },
                { "0:1.0", "1.0", 0 },
                /* The revision is what follows the last '-'; none equals "0". */
                { "1.0-1", "1.0-2", -1 },
                { "1.0-9", "1.0-10", -1 },
                { "1.0-1", "1.0-1+b1", -1 },
                { "1.0-1-2", "1.0-1-1", 1 },
                { "1.0", "1.0-0", 0 },
                { "1.2.3-4ubuntu1", "1.2.3-4", 1 },
                /* Digits compare as numbers, leading zeros and all, however long. */
                { "1.001", "1.1", 0 },
                { "1.10", "1.9", 1 },
                { "1.99999999999999999999999", "1.99999999999999999999998", 1 },
                { "1.0+dfsg1-2", "1.0-2", 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                int ab = td_version_compare(table[i].a, table[i].b);
                int ba = td_version_compare(table[i].b, table[i].a);
                int sign = ab < 0 ? -1 : ab > 0 ? 1 : 0;
                if (sign != table[i].want || (ba < 0 ? -1 : ba > 0 ? 1 : 0) != -table[i].want)
                        fail_msg("%s vs %s: %d and %d, want %d", table[i].a, table[i].b, ab, ba,
                                 table[i].want);
        }
}

/* A version of any length compares in full: a status file may hold anything. */
static void test_version_compare_long(void **state) {
        char a[1200], b[1200];
        memset(a, '0', sizeof a);
        memset(b, '0', sizeof b);
        a[0] = b[0] = '1';
        a[1] = b[1] = '.';
        a[sizeof a - 2] = '1';
        b[sizeof b - 2] = '2';
        a[sizeof a - 1] = b[sizeof b - 1] = '\0';
        assert_true(td_version_compare(a, b) < 0);
        assert_true(td_version_compare(b, a) > 0);
        /* The revision after a long upstream version is found too. */
        a[sizeof a - 2] = b[sizeof b - 2] = '1';
        a[600] = b[600] = '-';
        b[sizeof b - 2] = '2';
        assert_true(td_version_compare(a, b) < 0);
        /* A long epoch saturates instead of wrapping round to a small one. */
        assert_true(td_version_compare("99999999999999999999999:1", "1:2") > 0);
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
                cmocka_unit_test(test_version_compare),      cmocka_unit_test(test_version_compare_debian),
                cmocka_unit_test(test_version_compare_long), cmocka_unit_test(test_strings),
                cmocka_unit_test(test_utf8_sanitize),        cmocka_unit_test(test_terminal_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
