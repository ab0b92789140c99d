/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP-date parsing (RFC 9110 section 5.6.7) for time.clock. Pure, no curl. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "td-http.h"
#include "td-util.h"

static const char *const month_names[12] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const day_short[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const day_long[7] = {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

static bool is_ows(char c) {
        return c == ' ' || c == '\t';
}

/* Read a run of letters into @word (at most @size - 1 of them; a longer run fails). */
static bool read_word(const char **p, char *word, size_t size) {
        size_t n = 0;
        while (isalpha((unsigned char) (*p)[n])) {
                if (n + 1 >= size)
                        return false;
                word[n] = (*p)[n];
                n++;
        }
        if (n == 0)
                return false;
        word[n] = '\0';
        *p += n;
        return true;
}

static int find_name(const char *word, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(word, names[i]) == 0)
                        return (int) i;
        return -1;
}

/* Between @min and @max decimal digits (max <= 4, so no overflow). */
static bool read_digits(const char **p, unsigned min, unsigned max, unsigned *ret, unsigned *ret_count) {
        unsigned v = 0, n = 0;
        while (n < max && isdigit((unsigned char) (*p)[n])) {
                v = v * 10 + (unsigned) ((*p)[n] - '0');
                n++;
        }
        if (n < min || isdigit((unsigned char) (*p)[n]))
                return false;
        *p += n;
        *ret = v;
        if (ret_count)
                *ret_count = n;
        return true;
}

static bool expect_char(const char **p, char c) {
        if (**p != c)
                return false;
        (*p)++;
        return true;
}

/* One or more spaces (RFC 9110 wants exactly one; servers are sloppy, and that is harmless). */
static bool expect_space(const char **p) {
        if (!is_ows(**p))
                return false;
        while (is_ows(**p))
                (*p)++;
        return true;
}

static bool read_month(const char **p, unsigned *ret) {
        char word[8];
        if (!read_word(p, word, sizeof word))
                return false;
        int m = find_name(word, month_names, 12);
        if (m < 0)
                return false;
        *ret = (unsigned) m + 1;
        return true;
}

static bool read_time_of_day(const char **p, unsigned *h, unsigned *m, unsigned *s) {
        return read_digits(p, 2, 2, h, NULL) && expect_char(p, ':') && read_digits(p, 2, 2, m, NULL) &&
               expect_char(p, ':') && read_digits(p, 2, 2, s, NULL);
}

static bool read_zone(const char **p) {
        char word[8];
        if (!read_word(p, word, sizeof word))
                return false;
        return strcasecmp(word, "GMT") == 0 || strcasecmp(word, "UTC") == 0;
}

static bool is_leap(unsigned y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m) {
        static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* RFC 9110: a two-digit year more than 50 years ahead of now is in the previous century. */
static unsigned expand_year(unsigned yy, time_t now) {
        struct tm tm;
        unsigned this_year = gmtime_r(&now, &tm) ? (unsigned) tm.tm_year + 1900 : 1970;
        unsigned year = this_year / 100 * 100 + yy;
        if (year > this_year + 50)
                year -= 100;
        return year;
}

int td_http_parse_date_relative(const char *s, time_t now, time_t *ret) {
        if (!s)
                return -EINVAL;
        const char *p = s;
        unsigned day, month, year, hour, minute, second, count;
        char word[12];

        while (is_ows(*p))
                p++;
        if (!read_word(&p, word, sizeof word))
                return -EINVAL;
        bool short_name = find_name(word, day_short, 7) >= 0;
        bool long_name = find_name(word, day_long, 7) >= 0;
        if (!short_name && !long_name)
                return -EINVAL;

        if (expect_char(&p, ',')) {
                /* IMF-fixdate "06 Nov 1994" or RFC 850 "06-Nov-94" */
                if (!expect_space(&p) || !read_digits(&p, 1, 2, &day, NULL))
                        return -EINVAL;
                if (expect_char(&p, '-')) {
                        if (!read_month(&p, &month) || !expect_char(&p, '-') ||
                            !read_digits(&p, 2, 4, &year, &count) || count == 3)
                                return -EINVAL;
                        if (count == 2)
                                year = expand_year(year, now);
                } else {
                        if (!expect_space(&p) || !read_month(&p, &month) || !expect_space(&p) ||
                            !read_digits(&p, 4, 4, &year, NULL))
                                return -EINVAL;
                }
                if (!expect_space(&p) || !read_time_of_day(&p, &hour, &minute, &second) ||
                    !expect_space(&p) || !read_zone(&p))
                        return -EINVAL;
        } else {
                /* asctime "Nov  6 08:49:37 1994" */
                if (!short_name || !expect_space(&p) || !read_month(&p, &month) || !expect_space(&p) ||
                    !read_digits(&p, 1, 2, &day, NULL) || !expect_space(&p) ||
                    !read_time_of_day(&p, &hour, &minute, &second) || !expect_space(&p) ||
                    !read_digits(&p, 4, 4, &year, NULL))
                        return -EINVAL;
        }
        while (is_ows(*p))
                p++;
        if (*p != '\0')
                return -EINVAL;

        if (year < 1 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
            second > 60)
                return -EINVAL;

        int64_t t = days_from_civil(year, month, day) * 86400 + (int64_t) hour * 3600 +
                    (int64_t) minute * 60 + second;
        if ((int64_t) (time_t) t != t)
                return -ERANGE;
        *ret = (time_t) t;
        return 0;
}

int td_http_parse_date(const char *s, time_t *ret) {
        return td_http_parse_date_relative(s, time(NULL), ret);
}
