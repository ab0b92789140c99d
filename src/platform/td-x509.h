/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificates through OpenSSL: the only code that parses X.509. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tokendoctor/td-token.h"

/*
 * Initialise OpenSSL now (its configuration, the default provider, SHA-256): it takes a
 * couple of milliseconds at the first certificate otherwise. For a thread that has time to
 * spare, as while the PKCS#11 probe loads its module. Thread-safe; later calls are free.
 */
void td_x509_prepare(void);

/* Parse DER. 0, -EBADMSG for a broken certificate, -ENOMEM. Clear with td_cert_info_clear(). */
int td_x509_parse(const uint8_t *der, size_t len, TdCertInfo *ret_info);

/*
 * Parse the first certificate of PEM text (as a TLS library hands over a server's). Same
 * contract as td_x509_parse(); -EBADMSG when there is no PEM certificate in @pem.
 */
int td_x509_parse_pem(const char *pem, TdCertInfo *ret_info);

/*
 * Whether the certificate's issuer is @expected ("C=CN, O=..., OU=..., CN=..."): attribute by
 * attribute, in any order, attribute names case-insensitive, values exact after trimming.
 * 1 match, 0 no match, -EINVAL when @expected cannot be read, -EBADMSG for a broken cert.
 */
int td_x509_issuer_matches(const uint8_t *der, size_t len, const char *expected);

/*
 * Verify the certificate's chain to the CA certificate(s) in the PEM file @ca_file at time @at.
 * 0 verified; -EBADMSG with *ret_reason (static text) when it does not verify; -ENOENT when the
 * CA file cannot be read.
 */
int td_x509_verify_chain(const uint8_t *der, size_t len, const char *ca_file, time_t at,
                         const char **ret_reason);

/*
 * Verify @sig over @data with the certificate's public key. @scheme is "rsa-pkcs1-sha256" or
 * "ecdsa-sha256" (@sig is the raw r||s PKCS#11 returns). 1 verified, 0 it does not verify,
 * -EBADMSG for a broken certificate, -EOPNOTSUPP for a scheme that does not fit the key.
 */
int td_x509_verify_signature(const uint8_t *der, size_t len, const char *scheme, const uint8_t *data,
                             size_t data_len, const uint8_t *sig, size_t sig_len);

/* A certificate's SHA-256 fingerprint: the digest of its DER encoding. */
typedef struct {
        uint8_t bytes[32];
} TdSha256;

/*
 * The fingerprints of the PEM certificates in @pem (@len bytes, NUL not needed): a CA bundle,
 * certutil's -a output. Text around the blocks is skipped; reading stops at the first block
 * that is not a certificate, and at @max of them. Returns 0 with *ret_prints (free(); NULL
 * when none) and *ret_n, or -ENOMEM. Thread-safe.
 */
int td_x509_pem_fingerprints(const char *pem, size_t len, size_t max, TdSha256 **ret_prints, size_t *ret_n);

/* "AB:CD:..." for a report. New string (free()), or NULL on ENOMEM. */
char *td_sha256_to_string(const TdSha256 *print);
