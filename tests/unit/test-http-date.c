/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP-date parser behind time.clock: RFC 9110's three forms, and what servers get wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "platform/td-http.h"
#include "td-util.h"

/* 2026-11-23T10:00:00Z */
#define NOW ((time_t) 1795428000)

static void assert_date(const char *s, time_t want) {
        time_t got = 0;
        int r = td_http_parse_date_relative(s, NOW, &got);
        if (r != 0)
                fail_msg("'%s' did not parse: %d", s, r);
        if (got != want)
                fail_msg("'%s' gave %lld, want %lld", s, (long long) got, (long long) want);
}

static void assert_bad(const char *s) {
        time_t got = 12345;
        int r = td_http_parse_date_relative(s, NOW, &got);
        if (r != -EINVAL)
                fail_msg("'%s' gave %d (time %lld), want -EINVAL", s, r, (long long) got);
        assert_int_equal(got, 12345); /* untouched on failure */
}

static void test_three_forms(void **state) {
        /* RFC 9110's own example, in all three forms. */
        assert_date("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
        assert_date("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
        assert_date("Sun Nov  6 08:49:37 1994", 784111777);

        assert_date("Thu, 01 Jan 1970 00:00:00 GMT", 0);
        assert_date("Mon, 23 Nov 2026 10:00:00 GMT", NOW);
        assert_date("Tue, 19 Jan 2038 03:14:08 GMT", INT64_C(2147483648)); /* past 32-bit time_t */
        assert_date("Fri, 31 Dec 9999 23:59:59 GMT", INT64_C(253402300799));
        assert_date("Wed, 31 Dec 1969 23:59:59 GMT", -1);
}

static void test_lenient(void **state) {
        /* Things real servers send that are harmless to accept. */
        assert_date("  Sun, 06 Nov 1994 08:49:37 GMT  ", 784111777);
        assert_date("\tSun, 06 Nov 1994 08:49:37 GMT\t", 784111777);
        assert_date("sun, 06 nov 1994 08:49:37 gmt", 784111777);
        assert_date("SUN, 06 NOV 1994 08:49:37 GMT", 784111777);
        assert_date("Sun, 06 Nov 1994 08:49:37 UTC", 784111777);
        assert_date("Sun, 6 Nov 1994 08:49:37 GMT", 784111777);
        assert_date("Sun,  06  Nov  1994  08:49:37  GMT", 784111777);
        assert_date("Sun Nov 6 08:49:37 1994", 784111777);
        assert_date("Sun Nov 06 08:49:37 1994", 784111777);
        assert_date("Sunday, 06-Nov-1994 08:49:37 GMT", 784111777);
        /* The weekday is not checked against the date (a wrong one still names the date). */
        assert_date("Mon, 06 Nov 1994 08:49:37 GMT", 784111777);
        assert_date("Monday, 06-Nov-94 08:49:37 GMT", 784111777);
        /* A leap second counts as the next second. */
        assert_date("Sat, 31 Dec 2016 23:59:60 GMT", 1483228800);
}

static void test_leap_years(void **state) {
        assert_date("Thu, 29 Feb 2024 12:00:00 GMT", 1709208000);
        assert_date("Tue, 29 Feb 2000 00:00:00 GMT", 951782400); /* divisible by 400 */
        assert_date("Sat, 01 Mar 2025 00:00:00 GMT", 1740787200);
        assert_date("Fri, 28 Feb 2025 00:00:00 GMT", 1740700800);
        assert_bad("Sat, 29 Feb 2025 00:00:00 GMT");
        assert_bad("Thu, 29 Feb 1900 00:00:00 GMT"); /* divisible by 100 only */
        assert_bad("Mon, 29 Feb 2100 00:00:00 GMT");
        assert_bad("Thu, 30 Feb 2024 00:00:00 GMT");
}

static void test_two_digit_years(void **state) {
        /* RFC 9110: more than 50 years ahead of now (2026) means the previous century. */
        assert_date("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
        assert_date("Thursday, 01-Jan-70 00:00:00 GMT", INT64_C(3155760000)); /* 2070: 44 years on */
        assert_date("Saturday, 01-Jan-00 00:00:00 GMT", 946684800);
        assert_date("Wednesday, 01-Jan-76 00:00:00 GMT", 3345062400); /* 2076: exactly 50 years on */
        assert_date("Thursday, 01-Jan-77 00:00:00 GMT", 220924800);   /* 1977 */
        time_t t;
        /* The same text means another year when "now" is another century. */
        assert_int_equal(
                td_http_parse_date_relative("Friday, 01-Jan-77 00:00:00 GMT", (time_t) 4102444800, &t), 0);
        assert_int_equal(t, (time_t) INT64_C(3376684800)); /* now 2100: 2077 */
        assert_int_equal(
                td_http_parse_date_relative("Thursday, 01-Jan-70 00:00:00 GMT", (time_t) 788918400, &t), 0);
        assert_int_equal(t, 0); /* now 1995: 1970 */
        assert_bad("Sunday, 06-Nov-994 08:49:37 GMT");
        assert_bad("Sunday, 06-Nov-4 08:49:37 GMT");
}

static void test_out_of_range(void **state) {
        assert_bad("Sun, 00 Nov 1994 08:49:37 GMT");
        assert_bad("Sun, 31 Nov 1994 08:49:37 GMT");
        assert_bad("Sun, 32 Dec 1994 08:49:37 GMT");
        assert_bad("Sun, 99 Dec 1994 08:49:37 GMT");
        assert_bad("Sun, 06 Nov 1994 24:00:00 GMT");
        assert_bad("Sun, 06 Nov 1994 08:60:00 GMT");
        assert_bad("Sun, 06 Nov 1994 08:49:61 GMT");
        assert_bad("Sun, 06 Nov 0000 08:49:37 GMT");
        assert_bad("Sun, 06 Nov 19940 08:49:37 GMT");
        assert_bad("Sun, 06 Nov 99999999999999999999 08:49:37 GMT");
        assert_bad("Sun, 006 Nov 1994 08:49:37 GMT");
        assert_bad("Sun, 06 Nov 1994 8:49:37 GMT");
        assert_bad("Sun, 06 Nov 1994 08:49:037 GMT");
        assert_bad("Sun Nov 36 08:49:37 1994");
}

static void test_garbage(void **state) {
        static const char *const bad[] = {
                "",
                " ",
                "GMT",
                "0",
                "1994-11-06T08:49:37Z",
                "784111777",
                "Sun, 06 Nov 1994 08:49:37",     /* no zone */
                "Sun, 06 Nov 1994 08:49:37 CET", /* not GMT */
                "Sun, 06 Nov 1994 08:49:37 +0000",
                "Sun, 06 Nov 1994 08:49:37 GMT junk", /* trailing junk */
                "Sun, 06 Nov 1994 08:49:37 GMTX",
                "Sun, 06 Nov 1994 08:49:37 GMT,",
                "Sun, 06 Foo 1994 08:49:37 GMT",
                "Sun, 06 November 1994 08:49:37 GMT",
                "Xyz, 06 Nov 1994 08:49:37 GMT",
                "Sundayyyyyyyyyyyyyyyyyyyyyyyyyyyy, 06 Nov 1994 08:49:37 GMT",
                "Sun 06 Nov 1994 08:49:37 GMT", /* no comma, not asctime either */
                "Sun,06 Nov 1994 08:49:37 GMT",
                "Sun, 06-Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov-1994 08:49:37 GMT",
                "Sun, -6 Nov 1994 08:49:37 GMT",
                "Sun, +6 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08-49-37 GMT",
                "Sun, 06 Nov 1994 08:49 GMT",
                "Sun, 06 Nov 1994 08:49:37 GMT\n", /* a header value never keeps its newline */
                "Sunday Nov  6 08:49:37 1994",     /* asctime wants the short name */
                "Sun Nov  6 08:49:37 94",
                "Sun Nov  6 08:49:37 1994 GMT",
                "Sun, 06 Nov 1994 08:49:37 G\xc3\x9cT",
                "Sun, 06 Nov 1994 08:49:37 GMT\xff",
                "\xe5\x91\xa8\xe6\x97\xa5, 06 Nov 1994 08:49:37 GMT",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_bad(bad[i]);

        time_t t = 7;
        assert_int_equal(td_http_parse_date_relative(NULL, NOW, &t), -EINVAL);
        assert_int_equal(t, 7);
}

static void test_current_time(void **state) {
        /* The wrapper agrees with the explicit form for dates whose year has four digits. */
        time_t a, b;
        assert_int_equal(td_http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &a), 0);
        assert_int_equal(td_http_parse_date_relative("Sun, 06 Nov 1994 08:49:37 GMT", 0, &b), 0);
        assert_int_equal(a, b);
        assert_int_equal(td_http_parse_date("not a date", &a), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_three_forms),  cmocka_unit_test(test_lenient),
                cmocka_unit_test(test_leap_years),   cmocka_unit_test(test_two_digit_years),
                cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_current_time),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
