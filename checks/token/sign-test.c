/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sign.test: the token signs a fresh random challenge with the key of its signing certificate,
 * and the signature verifies with that certificate. This is what the platform does at every
 * bid; after renewal it proves the new certificate and the key on the token belong together.
 *
 * The last PIN try is never spent: the token's flags are read again before the PIN is asked
 * for, and the probe reads them once more right before C_Login (and before a context-specific
 * login). A token that says only "count low" is logged in to only when the card tells a count
 * above one, or when the person at the terminal accepts the risk after being told it (never a
 * script's PIN from standard input). The PIN lives in a TdSecret (locked, out of core dumps,
 * which are off from then on) and is wiped as soon as it is in the probe's pipe. The module is
 * not loaded again:
 * the listing's probe session answers (td_p11_pin_state, td_p11_sign).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform/td-error-text.h"
#include "platform/td-pcsc.h"
#include "td-i18n.h"
#include "td-token.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-secret.h"

#define CHALLENGE_LEN 32
#define PIN_MAX 256
#define PROBE_MAX_MS 30000
#define MARGIN_MS 500
/* The signature itself: OpenSC reads and signs with a PIV token in about a second. */
#define PROBE_MIN_MS 10000

/*
 * The tries left as the card itself tells them, without spending one: a PIV card in a PC/SC
 * reader named as the PKCS#11 slot (OpenSC's convention). -1 when unknown.
 */
static int card_tries_left(TdContext *ctx, const TdP11Token *token) {
        const TdPcscState *pcsc;
        if (td_pcsc_get_state(ctx, &pcsc) == 0)
                for (size_t i = 0; i < pcsc->n_readers; i++) {
                        int tries;
                        if (streq(pcsc->readers[i].name, token->slot_description) &&
                            td_pcsc_piv_pin_tries(pcsc->readers[i].name, &tries) == 0 && tries >= 0)
                                return tries;
                }
        return -1;
}

/* How many tries are left after a wrong PIN. PKCS#11 only says "final try" or "locked". */
static int tries_left(TdContext *ctx, const TdP11Token *token, const TdP11Signature *sig) {
        int tries = card_tries_left(ctx, token);
        if (tries >= 0)
                return tries;
        if (sig->pin_locked)
                return 0;
        if (sig->pin_final_try)
                return 1;
        return -1;
}

static int report_wrong_pin(TdContext *ctx, TdResult *result, const TdP11Token *token,
                            const TdP11Signature *sig) {
        int left = tries_left(ctx, token, sig);
        if (left >= 0)
                td_detail_set_int(result, NULL, "pin_tries_left", left);
        if (left == 0)
                return td_result_set(
                        result, TD_STATUS_FAIL, "pin.wrong",
                        _("The PIN is wrong, and the CA token is now locked: it must be unlocked with "
                          "the administrator PIN (PUK) or by the platform's support."));
        if (left == 1)
                return td_result_set(
                        result, TD_STATUS_FAIL, "pin.wrong",
                        _("The PIN is wrong. One try is left: the next wrong PIN locks the token."));
        if (left > 1)
                return td_result_set(result, TD_STATUS_FAIL, "pin.wrong",
                                     dngettext(GETTEXT_PACKAGE,
                                               "The PIN is wrong. %d try is left before the token locks.",
                                               "The PIN is wrong. %d tries are left before the token locks.",
                                               left),
                                     left);
        return td_result_set(result, TD_STATUS_FAIL, "pin.wrong",
                             sig->pin_count_low
                                     ? _("The PIN is wrong, and only a few tries are left before the "
                                         "token locks.")
                                     : _("The PIN is wrong; the token does not say how many tries are "
                                         "left."));
}

static int report_signed(TdResult *result, const TdP11Cert *cert, const TdCertInfo *info,
                         const uint8_t *challenge, const TdP11Signature *sig) {
        td_result_add_detail(result, "mechanism", "%s", sig->mechanism);
        int r = td_x509_verify_signature(cert->der, cert->der_len, sig->scheme, challenge, CHALLENGE_LEN,
                                         sig->signature, sig->signature_len);
        if (r == 1)
                return td_result_set(
                        result, TD_STATUS_PASS, NULL,
                        _("The token signed a fresh challenge with the key of %s, and the signature "
                          "verifies with the certificate (%s %d)."),
                        info->subject_cn, info->key_type, info->key_bits);
        if (r == 0)
                return td_result_set(
                        result, TD_STATUS_FAIL, "sign.mismatch",
                        _("The CA token signs, but the signature does not match its certificate: the key "
                          "on the CA token does not belong to it. (Technical detail: the signature does "
                          "not verify with the certificate %s)"),
                        info->serial);
        if (r == -EOPNOTSUPP)
                return td_result_set(
                        result, TD_STATUS_FAIL, "sign.mismatch",
                        _("The CA token signs with a key that does not match its certificate. "
                          "(Technical detail: the signature is %s, the certificate holds a %s key)"),
                        sig->scheme, info->key_type);
        return r;
}

static int report_outcome(TdContext *ctx, TdResult *result, const TdP11Token *token, const TdP11Cert *cert,
                          const TdCertInfo *info, const uint8_t *challenge, const TdP11Signature *sig) {
        if (sig->call)
                td_result_add_detail(result, "module_call", "%s", sig->call);
        /* The driver's own words, for support: the call, its error and the PKCS#11 code. */
        _cleanup_free_ char *raw = td_error_text(isempty(sig->message) ? _("no error text") : sig->message);
        if (!raw)
                return -ENOMEM;
        switch (sig->outcome) {
        case TD_P11_SIGNED:
                return report_signed(result, cert, info, challenge, sig);
        case TD_P11_PIN_WRONG:
                return report_wrong_pin(ctx, result, token, sig);
        case TD_P11_PIN_INVALID:
                return td_result_set(
                        result, TD_STATUS_FAIL, "pin.wrong",
                        _("The token refused the PIN as malformed (wrong length or characters); no "
                          "try was spent."));
        case TD_P11_PIN_LOCKED:
                return td_result_set(
                        result, TD_STATUS_FAIL, "pin.locked",
                        _("The CA token's PIN is locked, so it cannot sign. It must be unlocked with the "
                          "administrator PIN (PUK) or by the platform's support."));
        case TD_P11_PIN_FINAL_TRY:
                return td_result_set(
                        result, TD_STATUS_FAIL, "pin.final-try",
                        _("Only one PIN try is left on the token; the signing test does not spend "
                          "it."));
        case TD_P11_PIN_COUNT_LOW:
                return td_result_set(
                        result, TD_STATUS_WARN, "pin.count-low",
                        _("Wrong PINs were entered on this token since its last successful use, and "
                          "it does not say how many tries are left: the signing test does not risk "
                          "one, so signing was not tested."));
        case TD_P11_NO_KEY:
                return td_result_set(result, TD_STATUS_FAIL, "sign.mismatch",
                                     _("The CA token cannot sign with its certificate: no key on it belongs "
                                       "to the certificate. (Technical detail: no private key for the "
                                       "certificate %s)"),
                                     info->serial);
        case TD_P11_NO_MECHANISM:
                return td_result_set(result, TD_STATUS_FAIL, "sign.failed",
                                     _("The CA token driver offers no way to sign with this CA token's key. "
                                       "(Technical detail: no SHA-256 signature for the %s key)"),
                                     info->key_type);
        case TD_P11_NO_TOKEN:
                return td_result_set(result, TD_STATUS_FAIL, "sign.failed",
                                     _("The CA token was taken out during the signing test. Plug it in and "
                                       "run the test again."));
        case TD_P11_CRASH:
                return td_result_set(result, TD_STATUS_FAIL, "module.crash",
                                     _("The CA token driver (PKCS#11 module) crashed while signing, so the "
                                       "CA token cannot sign. Take the CA token out, plug it in again and "
                                       "run the test again; if this happens again, re-install the platform "
                                       "driver. (Technical detail: %s)"),
                                     raw);
        case TD_P11_HANG:
                return td_result_set(result, TD_STATUS_FAIL, "module.hang",
                                     _("The CA token driver (PKCS#11 module) stopped responding while "
                                       "signing, so the CA token cannot sign; it was stopped. Take the CA "
                                       "token out, plug it in again and run the test again. (Technical "
                                       "detail: %s)"),
                                     raw);
        case TD_P11_FAILED:
        default:
                return td_result_set(result, TD_STATUS_FAIL, "sign.failed",
                                     _("The CA token could not sign. Take the CA token out, plug it in "
                                       "again and run the test again. (Technical detail: %s)"),
                                     raw);
        }
}

static int run(TdContext *ctx, TdResult *result) {
        const TdP11Token *token;
        const char *module;
        int r = td_token_find_with_module(ctx, result, &token, &module);
        if (r == -ENODEV)
                return td_result_set(result, TD_STATUS_FAIL, "sign.failed",
                                     _("No CA token is seen, so signing cannot be tested. Plug the CA token "
                                       "in and run the check again."));
        if (r < 0)
                return r;
        __attribute__((cleanup(td_cert_info_clear))) TdCertInfo info = { 0 };
        r = td_token_signing_cert(token, &info);
        if (r < 0)
                return r == -ENOENT || r == -EBADMSG
                               ? td_result_set(result, TD_STATUS_FAIL, "sign.failed",
                                               _("The CA token holds no signing certificate, so signing "
                                                 "cannot be tested."))
                               : r;
        const TdP11Cert *cert = &token->certs[r];
        td_result_add_detail(result, "certificate", "%s", info.serial);

        /* The flags as they are now, before a PIN is asked for: another program may have spent a
         * try since the listing, or the token may have gone. */
        __attribute__((cleanup(td_p11_pin_state_clear))) TdP11PinState now = { 0 };
        r = td_p11_pin_state(ctx, module, token->serial,
                             td_result_budget_ms(result, MARGIN_MS, 200, PROBE_MAX_MS), &now);
        if (r < 0)
                return r;
        /*
         * "Count low" alone: wrong PINs since the last success, the count unknown to PKCS#11. Only
         * a count the card tells (above one) makes a login safe; else the test does not log in.
         */
        bool count_low_ok = false;
        int confirmed = -ENOKEY;
        if (!now.cause && now.present && !now.pin_locked && !now.pin_final_try && now.pin_count_low) {
                int tries = card_tries_left(ctx, token);
                if (tries >= 0)
                        td_detail_set_int(result, NULL, "pin_tries_left", tries);
                count_low_ok = tries > 1;
                now.pin_locked = tries == 0;
                now.pin_final_try = tries == 1;
                if (tries < 0 && !now.protected_auth) {
                        /* Before the PIN prompt: a person who says no is not asked for a PIN at all. */
                        confirmed = td_context_confirm(
                                ctx,
                                _("Wrong PINs were entered on this CA token since its last successful use, "
                                  "and it does not say how many tries are left. If the PIN you type next is "
                                  "wrong too, the CA token may lock, and only the administrator PIN (PUK) "
                                  "or the platform's support can unlock it. Test signing anyway?"),
                                result->deadline_ms - PROBE_MIN_MS);
                        if (confirmed >= 0)
                                td_detail_set_bool(result, NULL, "count_low_confirmed", confirmed == 1);
                        count_low_ok = confirmed == 1;
                }
        }
        if (confirmed == 0)
                return td_result_set(result, TD_STATUS_WARN, "pin.count-low",
                                     _("Wrong PINs were entered on this token since its last successful "
                                       "use, and it does not say how many tries are left. You chose not to "
                                       "risk a try, so signing was not tested."));
        if (now.cause || !now.present || now.pin_locked || now.pin_final_try ||
            (now.pin_count_low && !count_low_ok)) {
                TdP11Signature refused = {
                        .outcome = now.cause && streq(now.cause, "module.hang")    ? TD_P11_HANG
                                   : now.cause && streq(now.cause, "module.crash") ? TD_P11_CRASH
                                   : now.cause                                     ? TD_P11_FAILED
                                   : !now.present                                  ? TD_P11_NO_TOKEN
                                   : now.pin_locked                                ? TD_P11_PIN_LOCKED
                                   : now.pin_final_try                             ? TD_P11_PIN_FINAL_TRY
                                                                                   : TD_P11_PIN_COUNT_LOW,
                        .message = now.message,
                        .call = now.call,
                };
                return report_outcome(ctx, result, token, cert, &info, NULL, &refused);
        }

        _cleanup_secret_ TdSecret *pin = NULL;
        if (!now.protected_auth) {
                r = td_secret_new(PIN_MAX, &pin);
                if (r < 0)
                        return td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                                             _("Signing cannot be tested: the PIN could not be kept safe "
                                               "in memory, so it is not asked for. (Technical detail: its "
                                               "memory cannot be kept out of core dumps; %s)"),
                                             strerror(-r));
                /* What is left after the PIN is for the probe: a person may take most of the time. */
                r = td_context_ask_pin(ctx, token->label, result->deadline_ms - PROBE_MIN_MS, pin->data,
                                       pin->size);
                if (r == -EBADMSG)
                        return td_result_set(result, TD_STATUS_FAIL, "pin.wrong",
                                             _("The PIN entered contains a control character (or a NUL "
                                               "byte), which no PIN has. It was not tried, and no try was "
                                               "spent."));
                if (r == -ENOKEY || r == -ECANCELED || r == -ETIMEDOUT) {
                        td_result_add_detail(result, "skip_reason", "no-pin");
                        return td_result_set(
                                result, TD_STATUS_SKIP, NULL, "%s",
                                r == -ENOKEY      ? _("No PIN was given, so signing was not tested (use "
                                                           "--pin-stdin, or run in a terminal).")
                                : r == -ETIMEDOUT ? _("No PIN was entered in time, so signing was not "
                                                      "tested.")
                                                  : _("No PIN was entered, so signing was not tested."));
                }
                if (r < 0)
                        return r;
        }

        uint8_t challenge[CHALLENGE_LEN];
        r = td_random_bytes(challenge, sizeof challenge);
        if (r < 0)
                return r;
        TdP11Signature sig;
        /* Wiped by td_p11_sign() as soon as it is in the probe's pipe. */
        r = td_p11_sign(ctx, module, token->serial, cert->id, challenge, sizeof challenge,
                        now.protected_auth ? NULL : pin->data, count_low_ok,
                        td_result_budget_ms(result, MARGIN_MS, 200, PROBE_MAX_MS), &sig);
        if (r == 0) {
                r = report_outcome(ctx, result, token, cert, &info, challenge, &sig);
                td_p11_signature_clear(&sig);
        }
        return r;
}

const TdCheck td_check_sign_test = {
        .id = "sign.test",
        .category = "certificate",
        .title = N_("Signing test"),
        .flags = TD_CHECK_NEEDS_TOKEN | TD_CHECK_NEEDS_PIN,
        .depends = TD_STRV("cert.present"),
        .causes = TD_STRV("pin.locked", "pin.final-try", "pin.count-low", "pin.wrong", "sign.mismatch",
                          "sign.failed", "module.crash", "module.hang"),
        .run = run,
        /* Includes a person typing the PIN. */
        .timeout_ms = 240000,
};
