/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cert.issuer's comparison (td_x509_issuer_matches): attribute by attribute, the names written
 * as people write them, each value whole. A CA whose name differs by a character is another CA,
 * and a profile that writes a value short names another CA too: neither is a substring or
 * prefix match. The certificates are made here, issuer only, each with a fresh P-256 key.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform/td-x509.h"
#include "td-util.h"

#define SEED_ISSUER "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA"

/* @dn ("C=CN,O=...,CN=..."; no escaped commas) in certificate order, values as UTF8String
 * (countryName stays PrintableString: OpenSSL's table, as td-mkcert and CAs in the field do). */
static X509_NAME *name_from(const char *dn) {
        X509_NAME *name = X509_NAME_new();
        assert_non_null(name);
        char *copy = strdup(dn), *save = NULL;
        assert_non_null(copy);
        for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(part, '=');
                assert_non_null(eq);
                *eq = '\0';
                assert_int_equal(X509_NAME_add_entry_by_txt(name, part, MBSTRING_UTF8,
                                                            (const unsigned char *) eq + 1, -1, -1, 0),
                                 1);
        }
        free(copy);
        return name;
}

/* A certificate issued by @issuer_dn, as DER; the caller frees it. */
static uint8_t *cert_issued_by(const char *issuer_dn, size_t *ret_len) {
        EVP_PKEY *key = EVP_EC_gen("P-256");
        X509 *x = X509_new();
        X509_NAME *issuer = name_from(issuer_dn), *subject = name_from("C=CN,CN=四号投标公司");
        assert_non_null(key);
        assert_non_null(x);
        assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
        assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
        assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
        assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
        assert_int_equal(X509_set_issuer_name(x, issuer), 1);
        assert_int_equal(X509_set_subject_name(x, subject), 1);
        assert_int_equal(X509_set_pubkey(x, key), 1);
        assert_true(X509_sign(x, key, EVP_sha256()) > 0);
        unsigned char *der = NULL;
        int len = i2d_X509(x, &der);
        assert_true(len > 0);
        X509_NAME_free(issuer);
        X509_NAME_free(subject);
        X509_free(x);
        EVP_PKEY_free(key);
        *ret_len = (size_t) len;
        return der;
}

static int matches(const char *issuer_dn, const char *expected) {
        size_t len;
        uint8_t *der = cert_issued_by(issuer_dn, &len);
        int r = td_x509_issuer_matches(der, len, expected);
        OPENSSL_free(der);
        return r;
}

static void test_same_ca_written_as_people_write_it(void **state) {
        assert_int_equal(matches(SEED_ISSUER,
                                 "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA"),
                         1);
        /* Order, spacing and the case of attribute names are the writer's. */
        assert_int_equal(matches(SEED_ISSUER,
                                 "cn=华润守正招标有限公司CA,ou=电子商务部 ,  O=华润守正招标有限公司, c=CN"),
                         1);
}

static void test_look_alike_ca_is_another_ca(void **state) {
        /* Three attributes the same and the fourth one character longer, on either side. */
        assert_int_equal(
                matches("C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA2", SEED_ISSUER),
                0);
        assert_int_equal(
                matches(SEED_ISSUER, "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA2"),
                0);
        /* The same words in the wrong attribute. */
        assert_int_equal(
                matches("C=CN,O=电子商务部,OU=华润守正招标有限公司,CN=华润守正招标有限公司CA", SEED_ISSUER),
                0);
}

static void test_value_written_short_is_another_value(void **state) {
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN=Test"), 0);
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN=CA"), 0);
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN=est C"), 0);
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN="), 0);
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test", "C=CN, O=Test, OU=Test, CN=Test CA"), 0);
        /* Values are compared as they are: their case is the CA's. */
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN=test ca"), 0);
        assert_int_equal(matches("C=CN,O=Test,OU=Test,CN=Test CA", "C=CN, O=Test, OU=Test, CN=Test CA"), 1);
}

static void test_attributes_missing_or_extra(void **state) {
        assert_int_equal(matches(SEED_ISSUER, "C=CN, O=华润守正招标有限公司, CN=华润守正招标有限公司CA"), 0);
        assert_int_equal(matches("C=CN,O=华润守正招标有限公司,CN=华润守正招标有限公司CA", SEED_ISSUER), 0);
        /* One attribute twice does not stand in for another one. */
        assert_int_equal(matches(SEED_ISSUER, "C=CN, O=华润守正招标有限公司, O=华润守正招标有限公司, "
                                              "CN=华润守正招标有限公司CA"),
                         0);
}

static void test_unreadable_expectation_or_certificate(void **state) {
        assert_int_equal(
                matches(SEED_ISSUER, "C=CN, O=华润守正招标有限公司, OU=电子商务部, 华润守正招标有限公司CA"),
                -EINVAL);
        assert_int_equal(matches(SEED_ISSUER,
                                 "C=CN, O=华润守正招标有限公司, OU=电子商务部, XX=华润守正招标有限公司CA"),
                         -EINVAL);
        static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01 };
        assert_int_equal(td_x509_issuer_matches(junk, sizeof junk, SEED_ISSUER), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_ca_written_as_people_write_it),
                cmocka_unit_test(test_look_alike_ca_is_another_ca),
                cmocka_unit_test(test_value_written_short_is_another_value),
                cmocka_unit_test(test_attributes_missing_or_extra),
                cmocka_unit_test(test_unreadable_expectation_or_certificate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
