/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PIV applet of tokensim: pure APDU in, APDU out, no I/O. */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for 256 data bytes and a status word, the most one response carries. */
#define PIV_RESPONSE_MAX 258

typedef struct PivCard PivCard;

/* A card with @pin (4-8 ASCII characters), @max_tries and a 16-byte card serial (GUID). */
PivCard *piv_card_new(const char *pin, unsigned max_tries, const uint8_t guid[16]);
void piv_card_free(PivCard *card);

/*
 * Put a key and its certificate (DER) in key slot @key_ref (0x9A, 0x9C, 0x9D, 0x9E). The card
 * takes a reference on @key and copies @cert. Returns 0 or -EINVAL/-ENOMEM.
 */
int piv_card_set_slot(PivCard *card, uint8_t key_ref, EVP_PKEY *key, const uint8_t *cert, size_t cert_len);

/* Power off, power on and reset all clear the security status and pending data. */
void piv_card_reset(PivCard *card);

/* Set the PIN retry counter (0 = blocked). */
void piv_card_set_tries(PivCard *card, unsigned tries);
unsigned piv_card_get_tries(const PivCard *card);

/*
 * Answer one command APDU. Writes at most PIV_RESPONSE_MAX bytes into @out and returns their
 * number (always >= 2: a status word). Any input, however malformed, gets a status word.
 */
size_t piv_card_process(PivCard *card, const uint8_t *apdu, size_t len, uint8_t *out);
