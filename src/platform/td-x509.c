/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-x509.h"
#include "td-util.h"
#include "tokendoctor/td-strv.h"

static char *name_to_string(const X509_NAME *name) {
        BIO *bio = BIO_new(BIO_s_mem());
        if (!bio)
                return NULL;
        /* RFC 2253 escaping, but in certificate order, UTF-8 kept, ", " between parts. */
        unsigned long flags =
                (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_DN_REV & ~XN_FLAG_SEP_MASK) |
                XN_FLAG_SEP_CPLUS_SPC;
        X509_NAME_print_ex(bio, name, 0, flags);
        char *data;
        long len = BIO_get_mem_data(bio, &data);
        char *s = strndup(data, (size_t) (len > 0 ? len : 0));
        BIO_free(bio);
        return s;
}

static char *name_entry(const X509_NAME *name, int nid) {
        int i = X509_NAME_get_index_by_NID(name, nid, -1);
        if (i < 0)
                return strdup("");
        unsigned char *utf8 = NULL;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        char *s = n >= 0 ? strndup((char *) utf8, (size_t) n) : strdup("");
        OPENSSL_free(utf8);
        return s;
}

static time_t asn1_to_time(const ASN1_TIME *t) {
        struct tm tm;
        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return 0;
        return timegm(&tm);
}

void td_x509_prepare(void) {
        /* The configuration, the default provider and the digest every signing test verifies with. */
        OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
        EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
        EVP_MD_free(md);
        /*
         * What OpenSSL keeps for this thread (its error queue) is freed when a thread ends; the
         * caller's thread may instead be abandoned waiting for a hanging module, and the process
         * end without it. This thread needs nothing more of OpenSSL: give it back now.
         */
        OPENSSL_thread_stop();
}

int td_x509_parse(const uint8_t *der, size_t len, TdCertInfo *info) {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long) len);
        if (!x)
                return -EBADMSG;
        *info = (TdCertInfo){ 0 };
        info->subject = name_to_string(X509_get_subject_name(x));
        info->subject_cn = name_entry(X509_get_subject_name(x), NID_commonName);
        info->issuer = name_to_string(X509_get_issuer_name(x));
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        info->serial = hex ? strdup(hex) : strdup("");
        for (char *c = info->serial; c && *c; c++)
                *c = (char) tolower((unsigned char) *c);
        OPENSSL_free(hex);
        BN_free(bn);
        info->not_before = asn1_to_time(X509_get0_notBefore(x));
        info->not_after = asn1_to_time(X509_get0_notAfter(x));
        EVP_PKEY *key = X509_get0_pubkey(x);
        info->key_type = strdup(!key                        ? "unknown"
                                : EVP_PKEY_is_a(key, "SM2") ? "SM2"
                                : EVP_PKEY_is_a(key, "RSA") ? "RSA"
                                : EVP_PKEY_is_a(key, "EC")  ? "EC"
                                                            : "other");
        info->key_bits = key ? EVP_PKEY_get_bits(key) : 0;
        uint32_t usage = X509_get_key_usage(x);
        info->signing = usage == UINT32_MAX || (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
        X509_free(x);
        if (!info->subject || !info->subject_cn || !info->issuer || !info->serial || !info->key_type) {
                td_cert_info_clear(info);
                return -ENOMEM;
        }
        return 0;
}

int td_x509_parse_pem(const char *pem, TdCertInfo *info) {
        if (!pem)
                return -EBADMSG;
        BIO *bio = BIO_new_mem_buf(pem, -1);
        if (!bio)
                return -ENOMEM;
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!x) {
                ERR_clear_error(); /* the failure is told by the return value, not left for the next caller
                                    */
                return -EBADMSG;
        }
        unsigned char *der = NULL;
        int len = i2d_X509(x, &der);
        X509_free(x);
        if (len <= 0)
                return -ENOMEM;
        int r = td_x509_parse(der, (size_t) len, info);
        OPENSSL_free(der);
        return r;
}

void td_cert_info_clear(TdCertInfo *info) {
        free(info->subject);
        free(info->subject_cn);
        free(info->issuer);
        free(info->serial);
        free(info->key_type);
        *info = (TdCertInfo){ 0 };
}

/* "C", "cn", "OU", "E", "emailAddress": attribute names as people write them. */
static int attribute_nid(char *type) {
        if (strcasecmp(type, "E") == 0 || strcasecmp(type, "EMAIL") == 0)
                return NID_pkcs9_emailAddress;
        int nid = OBJ_txt2nid(type);
        for (char *c = type; nid == NID_undef && *c; c++)
                *c = (char) toupper((unsigned char) *c);
        return nid != NID_undef ? nid : OBJ_txt2nid(type);
}

int td_x509_issuer_matches(const uint8_t *der, size_t len, const char *expected) {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long) len);
        if (!x)
                return -EBADMSG;
        const X509_NAME *issuer = X509_get_issuer_name(x);
        int n_entries = X509_NAME_entry_count(issuer);
        _cleanup_strv_free_ TdStrv parts = td_strv_split(expected, ",");
        int r = parts ? 1 : -ENOMEM;
        size_t n_parts = td_strv_length((const char *const *) parts);
        if (r > 0 && (int) n_parts != n_entries)
                r = 0;
        bool *used = calloc((size_t) n_entries + 1, sizeof(bool));
        for (size_t i = 0; r > 0 && i < n_parts; i++) {
                char *eq = strchr(parts[i], '=');
                if (!eq) {
                        r = -EINVAL;
                        break;
                }
                *eq = '\0';
                char *type = td_strstrip(parts[i]), *value = td_strstrip(eq + 1);
                int nid = attribute_nid(type);
                if (nid == NID_undef) {
                        r = -EINVAL;
                        break;
                }
                bool found = false;
                for (int e = 0; e < n_entries && !found; e++) {
                        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(issuer, e);
                        if (used[e] || OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)) != nid)
                                continue;
                        unsigned char *utf8 = NULL;
                        int ul = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
                        found = ul >= 0 && (size_t) ul == strlen(value) &&
                                memcmp(utf8, value, (size_t) ul) == 0;
                        OPENSSL_free(utf8);
                        used[e] = found;
                }
                if (!found)
                        r = 0;
        }
        free(used);
        X509_free(x);
        return r;
}

/*
 * GM/T 0009's signer ID. OpenSSL 3.0-3.x verifies SM2 signatures with an empty ID unless one is
 * set per certificate, and every CA in the field signs with this one.
 */
#define SM2_DEFAULT_ID "1234567812345678"

static int set_sm2_id(X509 *x) {
        if (X509_get_signature_nid(x) != NID_SM2_with_SM3)
                return 0;
        ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
        if (!id ||
            ASN1_OCTET_STRING_set(id, (const unsigned char *) SM2_DEFAULT_ID, strlen(SM2_DEFAULT_ID)) != 1) {
                ASN1_OCTET_STRING_free(id);
                return -ENOMEM;
        }
        X509_set0_distinguishing_id(x, id); /* takes ownership */
        return 0;
}

/* The ID goes on every certificate whose own signature is checked: the leaf and intermediates. */
static int set_sm2_ids(X509 *leaf, X509_STORE *store) {
        int r = set_sm2_id(leaf);
        STACK_OF(X509_OBJECT) *objects = X509_STORE_get0_objects(store);
        for (int i = 0; r == 0 && i < sk_X509_OBJECT_num(objects); i++) {
                X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
                if (x)
                        r = set_sm2_id(x);
        }
        return r;
}

int td_x509_verify_chain(const uint8_t *der, size_t len, const char *ca_file, time_t at,
                         const char **ret_reason) {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long) len);
        if (!x)
                return -EBADMSG;
        X509_STORE *store = X509_STORE_new();
        X509_STORE_CTX *sctx = X509_STORE_CTX_new();
        int r = -ENOMEM;
        if (store && sctx) {
                if (X509_STORE_load_file(store, ca_file) != 1)
                        r = -ENOENT;
                else if (set_sm2_ids(x, store) == 0 && X509_STORE_CTX_init(sctx, store, x, NULL) == 1) {
                        X509_STORE_CTX_set_time(sctx, 0, at);
                        if (X509_verify_cert(sctx) == 1)
                                r = 0;
                        else {
                                r = -EBADMSG;
                                *ret_reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx));
                        }
                }
        }
        ERR_clear_error();
        X509_STORE_CTX_free(sctx);
        X509_STORE_free(store);
        X509_free(x);
        return r;
}

/* PKCS#11 ECDSA signatures are r||s, each as wide as the curve order; OpenSSL wants DER. */
static int ecdsa_raw_to_der(const uint8_t *sig, size_t len, uint8_t **ret, size_t *ret_len) {
        if (len == 0 || len % 2 || len > 2 * 66)
                return -EBADMSG;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int) (len / 2), NULL),
               *s = BN_bin2bn(sig + len / 2, (int) (len / 2), NULL);
        if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
                BN_free(r);
                BN_free(s);
                ECDSA_SIG_free(es);
                return -ENOMEM;
        }
        unsigned char *out = NULL;
        int n = i2d_ECDSA_SIG(es, &out);
        ECDSA_SIG_free(es);
        if (n <= 0)
                return -ENOMEM;
        *ret = out;
        *ret_len = (size_t) n;
        return 0;
}

int td_x509_verify_signature(const uint8_t *der, size_t len, const char *scheme, const uint8_t *data,
                             size_t data_len, const uint8_t *sig, size_t sig_len) {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long) len);
        if (!x)
                return -EBADMSG;
        EVP_PKEY *key = X509_get0_pubkey(x);
        bool ecdsa = streq(scheme, "ecdsa-sha256");
        int r;
        if (!key)
                r = -EBADMSG;
        else if (ecdsa ? !EVP_PKEY_is_a(key, "EC")
                       : !streq(scheme, "rsa-pkcs1-sha256") || !EVP_PKEY_is_a(key, "RSA"))
                r = -EOPNOTSUPP;
        else {
                uint8_t *der_sig = NULL;
                size_t der_sig_len = 0;
                r = ecdsa ? ecdsa_raw_to_der(sig, sig_len, &der_sig, &der_sig_len) : 0;
                if (r == -EBADMSG)
                        r = 0; /* a signature of the wrong size simply does not verify */
                else if (r == 0) {
                        EVP_MD_CTX *md = EVP_MD_CTX_new();
                        if (!md)
                                r = -ENOMEM;
                        else if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) != 1)
                                r = -EOPNOTSUPP;
                        else
                                r = EVP_DigestVerify(md, ecdsa ? der_sig : sig,
                                                     ecdsa ? der_sig_len : sig_len, data, data_len) == 1;
                        EVP_MD_CTX_free(md);
                        OPENSSL_free(der_sig);
                }
        }
        ERR_clear_error();
        X509_free(x);
        return r;
}

int td_x509_pem_fingerprints(const char *pem, size_t len, size_t max, TdSha256 **ret_prints, size_t *ret_n) {
        if (len > INT_MAX)
                len = INT_MAX; /* a bundle is a few hundred KiB; the callers cap what they read */
        BIO *bio = BIO_new_mem_buf(pem, (int) len);
        if (!bio)
                return -ENOMEM;
        TdSha256 *prints = NULL;
        size_t n = 0;
        int r = 0;
        for (X509 *x; n < max && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL));) {
                TdSha256 *grown = realloc(prints, (n + 1) * sizeof *prints);
                unsigned digest_len = 0;
                if (!grown || !X509_digest(x, EVP_sha256(), grown[n].bytes, &digest_len) ||
                    digest_len != sizeof grown[n].bytes) {
                        X509_free(x);
                        prints = grown ? grown : prints;
                        r = -ENOMEM;
                        break;
                }
                X509_free(x);
                prints = grown;
                n++;
        }
        BIO_free(bio);
        ERR_clear_error(); /* the end of the text shows as an error; nothing is left for the next caller */
        if (r < 0) {
                free(prints);
                return r;
        }
        *ret_prints = prints;
        *ret_n = n;
        return 0;
}

char *td_sha256_to_string(const TdSha256 *print) {
        char *s = malloc(sizeof print->bytes * 3);
        if (!s)
                return NULL;
        for (size_t i = 0; i < sizeof print->bytes; i++)
                snprintf(s + i * 3, 4, "%02X%s", print->bytes[i], i + 1 < sizeof print->bytes ? ":" : "");
        return s;
}
