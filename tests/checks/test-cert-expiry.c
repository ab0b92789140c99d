/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cert.expiry at its boundaries, the clock pinned to the second. days_left counts whole days
 * (rounded down, as the message shows them), and the profile's expiry_warn_days is "warn this
 * many days before the certificate expires": the warning window is exactly that long. So a
 * certificate with expiry_warn_days whole days left passes, and the warning starts one second
 * later, when fewer are left; expiry_warn_days = 0 means no warning before expiry. Counting
 * "days_left <= expiry_warn_days" would open the window a day early and warn on the last day
 * with the warning turned off. notBefore and notAfter are within the validity (RFC 5280).
 */
#include <time.h>

#include "token-fixture.h"

extern const TdCheck td_check_cert_expiry;

#define DAY 86400

static char *root;
static time_t not_before, not_after;

static time_t utc(int year, int month, int day) {
        struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day };
        return timegm(&tm);
}

static int setup(void **state) {
        root = fixture_new_root("cert-expiry");
        token_fixture_ca(root, "ca", "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA");
        token_fixture_leaf(root, "leaf", "ca", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
        token_fixture_insert(root, "leaf");
        not_before = utc(2026, 1, 1);
        not_after = utc(2027, 1, 1);
        return 0;
}

static int teardown(void **state) {
        unsetenv("TOKENDOCTOR_P11PROBE");
        return fixture_remove_all(state);
}

/* cert.expiry with expiry_warn_days @warn_days (-1: the profile leaves it out) at @now. */
static void run_expiry(int warn_days, time_t now, TdResult *r) {
        char *ca =
                warn_days >= 0 ? td_strdup_printf("[ca]\nexpiry_warn_days = %d\n", warn_days) : strdup("");
        assert_non_null(ca);
        token_fixture_run(&td_check_cert_expiry, token_fixture_profile(root, ca), now, r);
        free(ca);
}

static void assert_expiry(int warn_days, time_t now, TdStatus status, const char *cause,
                          const char *days_left) {
        TdResult r;
        run_expiry(warn_days, now, &r);
        assert_verdict(&r, status, cause);
        assert_detail_json(&r, "days_left", days_left);
        td_result_clear(&r);
}

static void test_default_30_days(void **state) {
        /* Built in (the seed platform's rule): 30. */
        assert_expiry(-1, not_after - 30 * DAY - 1, TD_STATUS_PASS, NULL, "30");
        assert_expiry(-1, not_after - 30 * DAY, TD_STATUS_PASS, NULL, "30");
        assert_expiry(-1, not_after - 30 * DAY + 1, TD_STATUS_WARN, "cert.expiring", "29");
        assert_expiry(-1, not_after - 29 * DAY, TD_STATUS_WARN, "cert.expiring", "29");
}

static void test_profile_days(void **state) {
        assert_expiry(7, not_after - 7 * DAY, TD_STATUS_PASS, NULL, "7");
        assert_expiry(7, not_after - 6 * DAY, TD_STATUS_WARN, "cert.expiring", "6");
        assert_expiry(90, not_after - 90 * DAY, TD_STATUS_PASS, NULL, "90");
        assert_expiry(90, not_after - 89 * DAY, TD_STATUS_WARN, "cert.expiring", "89");

        TdResult r;
        run_expiry(7, not_after - 6 * DAY, &r);
        assert_message_contains(&r, "expires in 6 days");
        td_result_clear(&r);
}

static void test_no_warning_with_zero_days(void **state) {
        assert_expiry(0, not_after - DAY, TD_STATUS_PASS, NULL, "1");
        assert_expiry(0, not_after - 1, TD_STATUS_PASS, NULL, "0");
}

static void test_validity_ends_included(void **state) {
        assert_expiry(-1, not_after, TD_STATUS_WARN, "cert.expiring", "0");
        assert_expiry(-1, not_before, TD_STATUS_PASS, NULL, "365");
        TdResult r;
        run_expiry(-1, not_after + 1, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "cert.expired");
        td_result_clear(&r);
        run_expiry(-1, not_before - 1, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "cert.not-yet-valid");
        td_result_clear(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_30_days),
                cmocka_unit_test(test_profile_days),
                cmocka_unit_test(test_no_warning_with_zero_days),
                cmocka_unit_test(test_validity_ends_included),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
