/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cert.issuer against CAs that are nearly the profile's: one whose name differs from it by a
 * character at the end, and a profile that writes a value short. Both are another CA; only the
 * whole value, attribute by attribute, names the platform's (the unit test of the comparison
 * is tests/unit/test-x509.c).
 */
#include "token-fixture.h"

extern const TdCheck td_check_cert_issuer;

#define SEED_ISSUER "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA"

static char *root;
/* Inside the leaves' validity: the chain is not what these tests are about. */
static const time_t now = 1790000000;

static int setup(void **state) {
        root = fixture_new_root("cert-issuer");
        token_fixture_ca(root, "seed", SEED_ISSUER);
        token_fixture_leaf(root, "seed-leaf", "seed", "2026-01-01", "2027-01-01");
        token_fixture_ca(root, "look-alike",
                         "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA2");
        token_fixture_leaf(root, "look-alike-leaf", "look-alike", "2026-01-01", "2027-01-01");
        token_fixture_ca(root, "test", "C=CN,O=Test,OU=Test,CN=Test CA");
        token_fixture_leaf(root, "test-leaf", "test", "2026-01-01", "2027-01-01");
        return 0;
}

static int teardown(void **state) {
        unsetenv("TOKENDOCTOR_P11PROBE");
        return fixture_remove_all(state);
}

/* cert.issuer on a token holding ROOT/@leaf.pem, the profile's [ca] issuer @issuer (NULL: the built-in). */
static void run_issuer(const char *leaf, const char *issuer, TdResult *r) {
        token_fixture_insert(root, leaf);
        char *ca = issuer ? td_strdup_printf("[ca]\nissuer = %s\n", issuer) : strdup("");
        assert_non_null(ca);
        token_fixture_run(&td_check_cert_issuer, token_fixture_profile(root, ca), now, r);
        free(ca);
}

static void test_platform_ca(void **state) {
        TdResult r;
        run_issuer("seed-leaf", NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        run_issuer("test-leaf", "C=CN, O=Test, OU=Test, CN=Test CA", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_look_alike_ca(void **state) {
        /* C, O and OU the platform's, CN the platform CA's name and one character more. */
        TdResult r;
        run_issuer("look-alike-leaf", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "cert.wrong-issuer");
        assert_detail(&r, "issuer",
                      "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA2");
        assert_detail(&r, "expected",
                      "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA");
        td_result_clear(&r);
        /* And the other way round: a profile for the look-alike, the platform's certificate. */
        run_issuer("seed-leaf", "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA2",
                   &r);
        assert_verdict(&r, TD_STATUS_FAIL, "cert.wrong-issuer");
        td_result_clear(&r);
}

static void test_profile_value_written_short(void **state) {
        TdResult r;
        run_issuer("test-leaf", "C=CN, O=Test, OU=Test, CN=Test", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "cert.wrong-issuer");
        assert_message_contains(&r, "CN=Test CA");
        td_result_clear(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_platform_ca),
                cmocka_unit_test(test_look_alike_ca),
                cmocka_unit_test(test_profile_value_written_short),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
