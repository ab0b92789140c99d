/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sign: log in with the PIN the session read and sign CHALLENGE with the private key whose
 * CKA_ID is KEY-ID, on the token with serial SERIAL; pin-flags: that token's PIN flags now.
 *
 * The probe only signs; tokendoctor verifies the signature with the certificate itself, so a
 * module that returns garbage cannot make the test pass. The PIN flags are read again right
 * before C_Login, and again before a context-specific login: between tokendoctor's look and now
 * another program may have spent a try, and the last try is never ours to spend. A token that
 * says only "count low" (wrong PINs since the last success, how many tries left unknown) is not
 * logged in to either, unless tokendoctor knows more than one try is left.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

#define MAX_SLOTS 64
#define SIGNATURE_MAX 1024

/* DigestInfo prefix of SHA-256 (RFC 8017, 9.2 note 1), for modules that only offer CKM_RSA_PKCS. */
static const unsigned char sha256_digest_info[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                    0x01, 0x05, 0x00, 0x04, 0x20 };

typedef struct {
        CK_MECHANISM_TYPE mechanism;
        const char *name;
        const char *scheme; /* how tokendoctor verifies the result */
        bool hash_first;    /* the module signs a SHA-256 hash, not the data */
        bool digest_info;   /* ... wrapped in a DigestInfo */
} Scheme;

/* In order of preference per key type: the module hashes when it can. */
static const Scheme rsa_schemes[] = {
        { CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS", "rsa-pkcs1-sha256", false, false },
        { CKM_RSA_PKCS, "CKM_RSA_PKCS", "rsa-pkcs1-sha256", true, true },
};
static const Scheme ec_schemes[] = {
        { CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256", "ecdsa-sha256", false, false },
        { CKM_ECDSA, "CKM_ECDSA", "ecdsa-sha256", true, false },
};

static json_object *result_object(const char *result) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "result", json_object_new_string(result));
        return o;
}

static int report(const char *result, const char *step, CK_RV rv) {
        json_object *o = result_object(result);
        if (step) {
                json_object_object_add(o, "step", json_object_new_string(step));
                json_object_object_add(o, "ckr", json_object_new_int64((int64_t) rv));
                json_object_object_add(o, "message", json_object_new_string(p11_kit_strerror(rv)));
        }
        return probe_print(o);
}

static void add_pin_flags(json_object *o, CK_FLAGS flags) {
        json_object_object_add(o, "pin_final_try", json_object_new_boolean(flags & CKF_USER_PIN_FINAL_TRY));
        json_object_object_add(o, "pin_locked", json_object_new_boolean(flags & CKF_USER_PIN_LOCKED));
        json_object_object_add(o, "pin_count_low", json_object_new_boolean(flags & CKF_USER_PIN_COUNT_LOW));
}

bool probe_find_slot(CK_FUNCTION_LIST *f, const char *serial, CK_SLOT_ID *ret_slot,
                     CK_TOKEN_INFO *ret_info) {
        CK_SLOT_ID slots[MAX_SLOTS];
        CK_ULONG n = MAX_SLOTS;
        if (P11(f, C_GetSlotList, CK_TRUE, slots, &n) != CKR_OK)
                return false;
        size_t want = strlen(serial);
        for (CK_ULONG i = 0; i < n; i++) {
                CK_TOKEN_INFO ti;
                if (P11(f, C_GetTokenInfo, slots[i], &ti) != CKR_OK || !(ti.flags & CKF_TOKEN_INITIALIZED))
                        continue;
                size_t len = sizeof ti.serialNumber;
                while (len > 0 && (ti.serialNumber[len - 1] == ' ' || ti.serialNumber[len - 1] == '\0'))
                        len--;
                if (len == want && memcmp(ti.serialNumber, serial, len) == 0) {
                        *ret_slot = slots[i];
                        *ret_info = ti;
                        return true;
                }
        }
        return false;
}

static bool find_key(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, unsigned char *id, size_t id_len,
                     CK_OBJECT_HANDLE *ret_key) {
        CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE filter[] = { { CKA_CLASS, &klass, sizeof klass }, { CKA_ID, id, id_len } };
        CK_ULONG n = 0;
        if (P11(f, C_FindObjectsInit, s, filter, 2) != CKR_OK)
                return false;
        if (P11(f, C_FindObjects, s, ret_key, 1, &n) != CKR_OK)
                n = 0;
        P11(f, C_FindObjectsFinal, s);
        return n == 1;
}

static const Scheme *pick_scheme(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, CK_KEY_TYPE key_type) {
        const Scheme *schemes;
        size_t n_schemes;
        if (key_type == CKK_RSA) {
                schemes = rsa_schemes;
                n_schemes = sizeof rsa_schemes / sizeof *rsa_schemes;
        } else if (key_type == CKK_EC) {
                schemes = ec_schemes;
                n_schemes = sizeof ec_schemes / sizeof *ec_schemes;
        } else
                return NULL;
        CK_ULONG n = 0;
        if (P11(f, C_GetMechanismList, slot, NULL, &n) != CKR_OK || n == 0 || n > 4096)
                return NULL;
        CK_MECHANISM_TYPE *list = calloc(n, sizeof *list);
        if (!list || P11(f, C_GetMechanismList, slot, list, &n) != CKR_OK) {
                free(list);
                return NULL;
        }
        const Scheme *picked = NULL;
        for (size_t s = 0; s < n_schemes && !picked; s++)
                for (CK_ULONG i = 0; i < n && !picked; i++)
                        if (list[i] == schemes[s].mechanism)
                                picked = &schemes[s];
        free(list);
        return picked;
}

/* What goes into C_Sign for @scheme: the challenge itself, its hash, or the DigestInfo of its hash. */
static size_t sign_input(const Scheme *scheme, const unsigned char *challenge, size_t len,
                         unsigned char *out) {
        if (!scheme->hash_first) {
                memcpy(out, challenge, len);
                return len;
        }
        size_t prefix = scheme->digest_info ? sizeof sha256_digest_info : 0;
        memcpy(out, sha256_digest_info, prefix);
        unsigned int md_len = 0;
        EVP_Digest(challenge, len, out + prefix, &md_len, EVP_sha256(), NULL);
        return prefix + md_len;
}

/*
 * The refusal the token's PIN flags call for before a login, or NULL when logging in may not
 * spend the last try: locked, final try, or count low with the count unknown.
 */
static const char *login_refusal(CK_FLAGS flags, bool count_low_ok) {
        if (flags & CKF_USER_PIN_LOCKED)
                return "pin-locked";
        if (flags & CKF_USER_PIN_FINAL_TRY)
                return "pin-final-try";
        if ((flags & CKF_USER_PIN_COUNT_LOW) && !count_low_ok)
                return "pin-count-low";
        return NULL;
}

static int sign_with_key(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                         const unsigned char *challenge, size_t challenge_len, char *pin, size_t pin_len,
                         bool protected_auth, bool count_low_ok) {
        CK_KEY_TYPE key_type = (CK_KEY_TYPE) -1;
        CK_BBOOL always_auth = CK_FALSE;
        CK_ATTRIBUTE type_attr = { CKA_KEY_TYPE, &key_type, sizeof key_type };
        CK_ATTRIBUTE auth_attr = { CKA_ALWAYS_AUTHENTICATE, &always_auth, sizeof always_auth };
        if (P11(f, C_GetAttributeValue, s, key, &type_attr, 1) != CKR_OK)
                return report("sign-failed", "C_GetAttributeValue", CKR_GENERAL_ERROR);
        /* Modules that predate the attribute answer CKR_ATTRIBUTE_TYPE_INVALID: no re-login then. */
        if (P11(f, C_GetAttributeValue, s, key, &auth_attr, 1) != CKR_OK)
                always_auth = CK_FALSE;

        const Scheme *scheme = pick_scheme(f, slot, key_type);
        if (!scheme) {
                json_object *o = result_object("no-mechanism");
                json_object_object_add(o, "key_type", json_object_new_int64((int64_t) key_type));
                return probe_print(o);
        }
        unsigned char input[EVP_MAX_MD_SIZE + 64 + 4096];
        if (challenge_len > 4096)
                return report("sign-failed", "challenge", CKR_DATA_LEN_RANGE);
        size_t input_len = sign_input(scheme, challenge, challenge_len, input);

        CK_MECHANISM mechanism = { scheme->mechanism, NULL, 0 };
        CK_RV rv = P11(f, C_SignInit, s, &mechanism, key);
        if (rv != CKR_OK)
                return report("sign-failed", "C_SignInit", rv);
        if (always_auth) {
                /* OpenSC's PIV 9C key and most non-repudiation keys: the PIN once more, right before
                 * use; that spends a try when it is wrong, so the flags are asked again first. */
                CK_TOKEN_INFO now;
                rv = P11(f, C_GetTokenInfo, slot, &now);
                if (rv != CKR_OK)
                        return report("sign-failed", "C_GetTokenInfo", rv);
                const char *refusal = login_refusal(now.flags, count_low_ok);
                if (refusal)
                        return report(refusal, NULL, 0);
                rv = P11(f, C_Login, s, CKU_CONTEXT_SPECIFIC, protected_auth ? NULL : (CK_UTF8CHAR *) pin,
                         protected_auth ? 0 : pin_len);
                if (rv != CKR_OK)
                        return report("sign-failed", "C_Login(CKU_CONTEXT_SPECIFIC)", rv);
        }
        unsigned char signature[SIGNATURE_MAX];
        CK_ULONG signature_len = sizeof signature;
        rv = P11(f, C_Sign, s, input, input_len, signature, &signature_len);
        if (rv != CKR_OK)
                return report("sign-failed", "C_Sign", rv);
        json_object *o = result_object("signed");
        json_object_object_add(o, "mechanism", json_object_new_string(scheme->name));
        json_object_object_add(o, "scheme", json_object_new_string(scheme->scheme));
        json_object_object_add(o, "signature", probe_base64(signature, signature_len));
        return probe_print(o);
}

static int sign_on_slot(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, const CK_TOKEN_INFO *ti, unsigned char *id,
                        size_t id_len, const unsigned char *challenge, size_t challenge_len,
                        bool count_low_ok, char *pin, size_t pin_len) {
        /* The contract: the last try is never spent, whatever the PIN. */
        const char *refusal = login_refusal(ti->flags, count_low_ok);
        if (refusal)
                return report(refusal, NULL, 0);
        bool protected_auth = ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH;

        CK_SESSION_HANDLE s;
        CK_RV rv = P11(f, C_OpenSession, slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
        if (rv != CKR_OK)
                return report("sign-failed", "C_OpenSession", rv);
        rv = P11(f, C_Login, s, CKU_USER, protected_auth ? NULL : (CK_UTF8CHAR *) pin,
                 protected_auth ? 0 : pin_len);
        if (rv == CKR_USER_ALREADY_LOGGED_IN) {
                /*
                 * Someone's login (an earlier request's, another application's in a shared
                 * module) stands: the PIN given was not checked. Log out and in again, so the
                 * test proves this PIN; the flags were checked above.
                 */
                P11(f, C_Logout, s);
                rv = P11(f, C_Login, s, CKU_USER, protected_auth ? NULL : (CK_UTF8CHAR *) pin,
                         protected_auth ? 0 : pin_len);
                if (rv == CKR_USER_ALREADY_LOGGED_IN) {
                        P11(f, C_CloseSession, s);
                        return report("login-failed", "C_Login (the token stays logged in)", rv);
                }
        }
        int r;
        if (rv == CKR_OK) {
                CK_OBJECT_HANDLE key;
                if (find_key(f, s, id, id_len, &key))
                        r = sign_with_key(f, slot, s, key, challenge, challenge_len, pin, pin_len,
                                          protected_auth, count_low_ok);
                else
                        r = report("no-key", NULL, 0);
                P11(f, C_Logout, s);
        } else if (rv == CKR_PIN_INCORRECT) {
                json_object *o = result_object("pin-wrong");
                CK_TOKEN_INFO after;
                if (P11(f, C_GetTokenInfo, slot, &after) == CKR_OK)
                        add_pin_flags(o, after.flags);
                r = probe_print(o);
        } else if (rv == CKR_PIN_LOCKED)
                r = report("pin-locked", NULL, 0);
        else if (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
                r = report("pin-invalid", "C_Login", rv);
        else
                r = report("login-failed", "C_Login", rv);
        P11(f, C_CloseSession, s);
        return r;
}

int probe_pin_flags(CK_FUNCTION_LIST *f, const char *serial) {
        CK_SLOT_ID slot;
        CK_TOKEN_INFO ti;
        json_object *o = json_object_new_object();
        bool present = probe_find_slot(f, serial, &slot, &ti);
        json_object_object_add(o, "present", json_object_new_boolean(present));
        if (present) {
                add_pin_flags(o, ti.flags);
                json_object_object_add(
                        o, "protected_auth",
                        json_object_new_boolean(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH));
        }
        return probe_print(o);
}

int probe_sign(CK_FUNCTION_LIST *f, const char *serial, const char *key_id_hex, const char *challenge_hex,
               bool count_low_ok, char *pin, size_t pin_len) {
        size_t id_len, challenge_len;
        unsigned char *id = probe_unhex(key_id_hex, &id_len);
        unsigned char *challenge = probe_unhex(challenge_hex, &challenge_len);
        int r;
        CK_SLOT_ID slot;
        CK_TOKEN_INFO ti;
        if (!id || !challenge || challenge_len == 0)
                r = probe_fail("usage", "KEY-ID and CHALLENGE must be hex", 0);
        else if (!probe_find_slot(f, serial, &slot, &ti))
                r = report("no-token", NULL, 0);
        else if (!pin && !(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH))
                /* Never a login without a PIN on a token without a PIN pad: it may cost a try. */
                r = probe_fail("usage", "this token needs a PIN", 0);
        else
                r = sign_on_slot(f, slot, &ti, id, id_len, challenge, challenge_len, count_low_ok, pin,
                                 pin_len);
        free(id);
        free(challenge);
        return r;
}
