/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tokensim's APDU handling: any byte sequence, split into APDUs, gets a status word. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tokensim/piv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t guid[16] = { 1 };
        static EVP_PKEY *key;
        static const uint8_t fake_cert[300] = { 0x30, 0x82, 0x01, 0x28 };
        if (!key)
                key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        PivCard *card = piv_card_new("123456", 3, guid);
        if (!card)
                return 0;
        piv_card_set_slot(card, 0x9C, key, fake_cert, sizeof fake_cert);
        /* First byte of each chunk = its length: a session of several APDUs. */
        uint8_t out[PIV_RESPONSE_MAX];
        while (size > 0) {
                size_t len = data[0];
                data++, size--;
                if (len > size)
                        len = size;
                size_t n = piv_card_process(card, data, len, out);
                if (n < 2 || n > PIV_RESPONSE_MAX)
                        abort();
                data += len, size -= len;
        }
        piv_card_free(card);
        return 0;
}
