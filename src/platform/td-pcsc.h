/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PC/SC facts through pcsc-lite: the only code that includes winscard.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokendoctor/td-context.h"

typedef struct {
        char *name;
        bool card_present;
        bool card_mute; /* present but not answering (SCARD_STATE_MUTE) */
        bool exclusive; /* another program holds the card exclusively */
        uint8_t atr[36];
        size_t atr_len;
} TdPcscReader;

typedef struct {
        long establish_rv;     /* SCardEstablishContext's answer (0 = SCARD_S_SUCCESS) */
        const char *cause;     /* pcscd.down / pcscd.denied, or NULL when pcscd answered */
        char *error;           /* pcsc-lite's text for a failure, or NULL */
        TdPcscReader *readers; /* empty when none */
        size_t n_readers;
} TdPcscState;

/*
 * Ask pcscd what it sees, once per context (memoised: drivers.pcscd, token.reader and
 * token.card share one look). *ret_state is borrowed from the context. Returns 0, or a
 * negative errno when the look itself could not be made (not when pcscd is down: that is a
 * state).
 */
int td_pcsc_get_state(TdContext *ctx, const TdPcscState **ret_state);

/*
 * For tests, and readers states a virtual reader cannot produce (a mute card): make
 * td_pcsc_get_state() answer @state (taken, also on failure; built with calloc() and freed
 * with td_pcsc_state_free(), names owned) instead of asking pcscd. Returns 0, -EBUSY when the
 * state was read already, or -ENOMEM.
 */
int td_pcsc_state_override(TdContext *ctx, TdPcscState *state);
void td_pcsc_state_free(TdPcscState *state);

/*
 * The readers of pcsc-lite context @context (an SCARDCONTEXT) as SCardListReaders gives them:
 * names one after the other, each NUL-terminated. "No readers" is an empty list. Returns
 * pcsc-lite's code (SCARD_S_SUCCESS with *ret_names to free(), which may be NULL when empty).
 */
long td_pcsc_reader_names(long context, char **ret_names, size_t *ret_len);

/* The cause for a pcsc-lite return code at context set-up: pcscd.down, pcscd.denied or NULL. */
const char *td_pcsc_cause_from_rv(long rv);

/* "3B:88:80:01:..." upper-case hex; newly allocated or NULL on ENOMEM. */
char *td_atr_to_string(const uint8_t *atr, size_t len);

/*
 * The PIV application's PIN retry counter on the card in @reader, read with an empty VERIFY
 * (SP 800-73-4: answers 63Cx, x tries left, or 6983 blocked) — no try is spent. PKCS#11 only
 * says "final try" or "locked"; this says how many. 0 with *ret_tries (-1 when the PIN is
 * verified already and the card does not tell), -ENOTSUP when the card has no PIV application,
 * -ENODEV when the reader or card is gone, or a negative errno.
 */
int td_pcsc_piv_pin_tries(const char *reader, int *ret_tries);
