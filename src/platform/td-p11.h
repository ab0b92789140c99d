/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * PKCS#11 facts, gathered out of process: tokendoctor never loads a vendor module itself. One
 * tokendoctor-p11probe per module per run loads it once and answers the listing, PIN-flag and
 * signing requests of every check over its pipes, each within its deadline (td-p11-session.c).
 * A probe killed by a signal is a crashing module, one past a deadline a hanging module; the
 * finding names the PKCS#11 function the probe had entered, and every later request on that
 * module fails fast with the same finding.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokendoctor/td-context.h"

typedef struct {
        char *id; /* CKA_ID, hex */
        char *label;
        uint8_t *der;
        size_t der_len;
} TdP11Cert;

typedef struct {
        char *slot_description;
        char *label, *manufacturer, *model, *serial;
        bool pin_final_try, pin_locked, pin_count_low;
        bool protected_auth; /* PIN pad: the PIN is entered on the device */
        TdP11Cert *certs;
        size_t n_certs;
} TdP11Token;

typedef struct {
        char *module;       /* resolved path */
        const char *cause;  /* NULL, module.missing, module.wrong-arch, module.crash, module.hang */
        char *message;      /* what went wrong, for the user (untranslated facts: paths, signals) */
        char *call;         /* module.crash, module.hang: the PKCS#11 function it was in, or NULL */
        char *probe_stderr; /* module.crash, module.hang: the probe's standard error (its tail) */
        char *library;      /* the module's own description */
        TdP11Token *tokens; /* initialised tokens only */
        size_t n_tokens;
} TdP11Listing;

/*
 * Resolve @module (a path, or a bare name looked up in this system's multiarch library
 * directories, never under --root: modules are code that runs) and list what it sees, within
 * @timeout_ms (which includes loading the module: the run's session with it starts here).
 * Memoised per module in the context; *ret is borrowed. Returns 0 with a listing
 * whose cause says what went wrong, or a negative errno when the probe could not be run.
 */
int td_p11_list(TdContext *ctx, const char *module, unsigned timeout_ms, const TdP11Listing **ret);

/* Parse the probe's JSON (for tests and fuzzing). 0, -EBADMSG or -ENOMEM. */
int td_p11_parse_listing(const char *json, TdP11Listing *listing);
void td_p11_listing_clear(TdP11Listing *listing);

/*
 * The ELF machine name of @path ("x86_64", "aarch64"...), or an error: -ENODEV or -EISDIR for
 * what is no regular file (never waiting on a FIFO), -ENOEXEC for no ELF file. *ret is static.
 */
int td_elf_machine(const char *path, const char **ret);

typedef enum {
        TD_P11_SIGNED,
        TD_P11_PIN_WRONG,   /* flags after the failed login are in the result */
        TD_P11_PIN_INVALID, /* length or characters refused before a try was spent */
        TD_P11_PIN_LOCKED,
        TD_P11_PIN_FINAL_TRY, /* refused before C_Login */
        TD_P11_PIN_COUNT_LOW, /* refused before C_Login: wrong PINs since the last success, count unknown */
        TD_P11_NO_TOKEN,      /* the token went away between listing and signing */
        TD_P11_NO_KEY,        /* no private key with the certificate's CKA_ID */
        TD_P11_NO_MECHANISM,  /* no SHA-256 RSA PKCS#1 or ECDSA mechanism for the key */
        TD_P11_FAILED,        /* a PKCS#11 call failed: message says which */
        TD_P11_CRASH,
        TD_P11_HANG,
} TdP11SignOutcome;

typedef struct {
        TdP11SignOutcome outcome;
        char *message;   /* for FAILED, CRASH, HANG: the call and its error, or the signal */
        char *call;      /* CRASH, HANG: the PKCS#11 function the module was in, or NULL */
        char *mechanism; /* CKM_... used */
        char *scheme;    /* "rsa-pkcs1-sha256" or "ecdsa-sha256": how to verify */
        uint8_t *signature;
        size_t signature_len;
        bool pin_final_try, pin_locked, pin_count_low; /* after TD_P11_PIN_WRONG */
} TdP11Signature;

/*
 * Sign @challenge with the key @key_id (hex CKA_ID) of the token @serial through @module (as
 * resolved by td_p11_list), in the run's probe session of that module, within @timeout_ms. @pin
 * reaches the probe through its pipe only, and is wiped as soon as it is written there (or
 * refused); NULL for a PIN pad. @count_low_ok: the caller knows
 * more than one try is left although the token says CKF_USER_PIN_COUNT_LOW (else the probe
 * refuses to log in, TD_P11_PIN_COUNT_LOW). A PIN with a control character or over 256 bytes
 * is TD_P11_PIN_INVALID without asking the token. 0 with the outcome in @ret (clear
 * it), or a negative errno when the probe could not be run. Thread-safe: serialised with the
 * session's other requests.
 */
int td_p11_sign(TdContext *ctx, const char *module, const char *serial, const char *key_id,
                const uint8_t *challenge, size_t challenge_len, char *pin, bool count_low_ok,
                unsigned timeout_ms, TdP11Signature *ret);

typedef struct {
        bool present; /* the token with that serial is (still) there */
        bool pin_final_try, pin_locked, pin_count_low, protected_auth;
        const char *cause; /* NULL, or the module's failure (module.crash, module.hang, ...) */
        char *message;     /* with a cause: the finding */
        char *call;        /* with a cause: the PKCS#11 function it was in, or NULL */
} TdP11PinState;

/*
 * The PIN flags of the token @serial now, through the run's session of @module (as resolved by
 * td_p11_list), within @timeout_ms: read again right before a PIN is asked for. 0 with @ret
 * filled (clear it), or a negative errno. Thread-safe.
 */
int td_p11_pin_state(TdContext *ctx, const char *module, const char *serial, unsigned timeout_ms,
                     TdP11PinState *ret);
void td_p11_pin_state_clear(TdP11PinState *st);
void td_p11_signature_clear(TdP11Signature *sig);

/* Parse the probe's answer to "sign" (for tests and fuzzing). 0, -EBADMSG or -ENOMEM. */
int td_p11_parse_signature(const char *json, TdP11Signature *sig);
