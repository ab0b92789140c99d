/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A PIV card as OpenSC 0.23's PIV-II driver needs it (shared/TECH-NOTES.md section 1):
 * implicitly selected after reset, Discovery/CHUID/certificate objects, response and command
 * chaining, VERIFY with a retry counter, GENERAL AUTHENTICATE for RSA-2048 and P-256.
 */
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "piv.h"

#define SW(a, b) ((uint16_t) (((a) << 8) | (b)))
#define SW_OK SW(0x90, 0x00)
#define SW_WRONG_LENGTH SW(0x67, 0x00)
#define SW_SECURITY SW(0x69, 0x82)
#define SW_BLOCKED SW(0x69, 0x83)
#define SW_NO_DATA SW(0x69, 0x85)
#define SW_WRONG_DATA SW(0x6A, 0x80)
#define SW_NOT_FOUND SW(0x6A, 0x82)
#define SW_BAD_P1P2 SW(0x6A, 0x86)
#define SW_REF_NOT_FOUND SW(0x6A, 0x88)
#define SW_INS_UNKNOWN SW(0x6D, 0x00)
#define SW_CLA_UNKNOWN SW(0x6E, 0x00)

/* Generous: a certificate object is ~2 KiB; a signature request well under 1 KiB. */
#define CHAIN_MAX 4096
#define PENDING_MAX 8192

static const uint8_t piv_aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00 };

typedef struct {
        uint8_t key_ref;
        uint8_t container[3]; /* the data object holding its certificate */
        EVP_PKEY *key;
        uint8_t *object; /* 53{70 cert, 71 00, FE 00} */
        size_t object_len;
} PivSlot;

struct PivCard {
        char pin[8]; /* FF-padded, as VERIFY sends it */
        unsigned max_tries, tries;
        bool verified;
        bool just_verified; /* for the 9C key's user consent: VERIFY right before the signature */
        uint8_t guid[16];
        PivSlot slots[4];
        uint8_t chain[CHAIN_MAX];
        size_t chain_len;
        bool chaining;
        uint8_t *pending;
        size_t pending_len, pending_off;
};

/* --- a tiny TLV writer ------------------------------------------------------------------ */

typedef struct {
        uint8_t *buf;
        size_t len, cap;
        bool failed;
} Writer;

static void put(Writer *w, const void *data, size_t len) {
        if (w->failed || len == 0)
                return;
        if (w->len + len > w->cap) {
                size_t cap = (w->cap + len) * 2;
                uint8_t *grown = realloc(w->buf, cap);
                if (!grown) {
                        w->failed = true;
                        return;
                }
                w->buf = grown;
                w->cap = cap;
        }
        memcpy(w->buf + w->len, data, len);
        w->len += len;
}

static void put_tlv(Writer *w, const uint8_t *tag, size_t tag_len, const void *value, size_t len) {
        uint8_t l[3];
        size_t ll;
        if (len < 0x80)
                l[0] = (uint8_t) len, ll = 1;
        else if (len < 0x100)
                l[0] = 0x81, l[1] = (uint8_t) len, ll = 2;
        else
                l[0] = 0x82, l[1] = (uint8_t) (len >> 8), l[2] = (uint8_t) len, ll = 3;
        put(w, tag, tag_len);
        put(w, l, ll);
        put(w, value, len);
}

static void put_tlv1(Writer *w, uint8_t tag, const void *value, size_t len) {
        put_tlv(w, &tag, 1, value, len);
}

/* Read a BER length at @p (at most @avail bytes); returns bytes used, 0 when malformed. */
static size_t get_length(const uint8_t *p, size_t avail, size_t *ret_len) {
        if (avail < 1)
                return 0;
        if (p[0] < 0x80) {
                *ret_len = p[0];
                return 1;
        }
        if (p[0] == 0x81 && avail >= 2) {
                *ret_len = p[1];
                return 2;
        }
        if (p[0] == 0x82 && avail >= 3) {
                *ret_len = ((size_t) p[1] << 8) | p[2];
                return 3;
        }
        return 0;
}

/* --- the card ------------------------------------------------------------------------------- */

PivCard *piv_card_new(const char *pin, unsigned max_tries, const uint8_t guid[16]) {
        size_t pin_len = strlen(pin);
        if (pin_len < 4 || pin_len > 8 || max_tries == 0 || max_tries > 15)
                return NULL;
        PivCard *card = calloc(1, sizeof *card);
        if (!card)
                return NULL;
        memset(card->pin, 0xFF, sizeof card->pin);
        memcpy(card->pin, pin, pin_len);
        card->max_tries = card->tries = max_tries;
        memcpy(card->guid, guid, 16);
        static const uint8_t refs[4] = { 0x9A, 0x9C, 0x9D, 0x9E };
        static const uint8_t containers[4][3] = {
                { 0x5F, 0xC1, 0x05 }, { 0x5F, 0xC1, 0x0A }, { 0x5F, 0xC1, 0x0B }, { 0x5F, 0xC1, 0x01 }
        };
        for (int i = 0; i < 4; i++) {
                card->slots[i].key_ref = refs[i];
                memcpy(card->slots[i].container, containers[i], 3);
        }
        return card;
}

void piv_card_free(PivCard *card) {
        if (!card)
                return;
        for (int i = 0; i < 4; i++) {
                EVP_PKEY_free(card->slots[i].key);
                free(card->slots[i].object);
        }
        free(card->pending);
        OPENSSL_cleanse(card->pin, sizeof card->pin);
        free(card);
}

static PivSlot *find_slot(PivCard *card, uint8_t key_ref) {
        for (int i = 0; i < 4; i++)
                if (card->slots[i].key_ref == key_ref)
                        return &card->slots[i];
        return NULL;
}

int piv_card_set_slot(PivCard *card, uint8_t key_ref, EVP_PKEY *key, const uint8_t *cert, size_t cert_len) {
        PivSlot *slot = find_slot(card, key_ref);
        if (!slot || !key || !cert || cert_len == 0 || cert_len > 0xFFF0)
                return -EINVAL;
        Writer inner = { 0 }, outer = { 0 };
        static const uint8_t uncompressed = 0x00;
        put_tlv1(&inner, 0x70, cert, cert_len);
        put_tlv1(&inner, 0x71, &uncompressed, 1);
        put_tlv1(&inner, 0xFE, NULL, 0);
        put_tlv1(&outer, 0x53, inner.buf, inner.len);
        free(inner.buf);
        if (inner.failed || outer.failed) {
                free(outer.buf);
                return -ENOMEM;
        }
        EVP_PKEY_up_ref(key);
        EVP_PKEY_free(slot->key);
        free(slot->object);
        slot->key = key;
        slot->object = outer.buf;
        slot->object_len = outer.len;
        return 0;
}

void piv_card_reset(PivCard *card) {
        card->verified = card->just_verified = card->chaining = false;
        card->chain_len = 0;
        free(card->pending);
        card->pending = NULL;
        card->pending_len = card->pending_off = 0;
}

void piv_card_set_tries(PivCard *card, unsigned tries) {
        card->tries = tries > card->max_tries ? card->max_tries : tries;
        if (card->tries == 0)
                card->verified = false;
}

unsigned piv_card_get_tries(const PivCard *card) {
        return card->tries;
}

static size_t status(uint8_t *out, uint16_t sw) {
        out[0] = (uint8_t) (sw >> 8);
        out[1] = (uint8_t) sw;
        return 2;
}

/* Send up to Le (256 for 0) bytes of the pending response; announce the rest with 61xx. */
static size_t send_pending(PivCard *card, size_t le, uint8_t *out) {
        size_t left = card->pending_len - card->pending_off;
        size_t n = le == 0 ? 256 : le;
        if (n > left)
                n = left;
        memcpy(out, card->pending + card->pending_off, n);
        card->pending_off += n;
        left -= n;
        if (left == 0) {
                free(card->pending);
                card->pending = NULL;
                card->pending_len = card->pending_off = 0;
                return n + status(out + n, SW_OK);
        }
        return n + status(out + n, SW(0x61, left >= 256 ? 0x00 : left));
}

/* Answer with @data (owned by the caller), chained when longer than Le. */
static size_t respond(PivCard *card, const uint8_t *data, size_t len, size_t le, uint8_t *out) {
        free(card->pending);
        card->pending = NULL;
        card->pending_len = card->pending_off = 0;
        if (len == 0)
                return status(out, SW_OK);
        if (len > PENDING_MAX)
                return status(out, SW(0x6F, 0x00));
        card->pending = malloc(len);
        if (!card->pending)
                return status(out, SW(0x6F, 0x00));
        memcpy(card->pending, data, len);
        card->pending_len = len;
        return send_pending(card, le, out);
}

static size_t do_select(PivCard *card, uint8_t p1, const uint8_t *data, size_t lc, size_t le, uint8_t *out) {
        /* Failed SELECTs leave PIV selected: OpenSC probes other applets first. */
        if (p1 != 0x04 || lc < 9 || memcmp(data, piv_aid, 9) != 0)
                return status(out, SW_NOT_FOUND);
        static const uint8_t pix[] = { 0x00, 0x00, 0x10, 0x00, 0x01, 0x00 };
        static const char label[] = "tokendoctor tokensim";
        Writer alloc = { 0 }, inner = { 0 }, apt = { 0 };
        put_tlv1(&alloc, 0x4F, piv_aid, 5);
        put_tlv1(&inner, 0x4F, pix, sizeof pix);
        put_tlv1(&inner, 0x79, alloc.buf, alloc.len);
        put_tlv1(&inner, 0x50, label, sizeof label - 1);
        put_tlv1(&apt, 0x61, inner.buf, inner.len);
        size_t n = apt.failed || inner.failed || alloc.failed ? status(out, SW(0x6F, 0x00))
                                                              : respond(card, apt.buf, apt.len, le, out);
        free(alloc.buf);
        free(inner.buf);
        free(apt.buf);
        return n;
}

static size_t do_get_data(PivCard *card, uint8_t p1, uint8_t p2, const uint8_t *data, size_t lc, size_t le,
                          uint8_t *out) {
        if (p1 != 0x3F || p2 != 0xFF)
                return status(out, SW_BAD_P1P2);
        if (lc < 3 || data[0] != 0x5C || data[1] > 3 || (size_t) data[1] + 2 > lc)
                return status(out, SW_WRONG_DATA);
        const uint8_t *tag = data + 2;
        size_t tag_len = data[1];

        Writer w = { 0 };
        if (tag_len == 1 && tag[0] == 0x7E) {
                static const uint8_t policy[] = { 0x40, 0x00 };
                static const uint8_t policy_tag[] = { 0x5F, 0x2F };
                Writer inner = { 0 };
                put_tlv1(&inner, 0x4F, piv_aid, sizeof piv_aid);
                put_tlv(&inner, policy_tag, 2, policy, sizeof policy);
                put_tlv1(&w, 0x7E, inner.buf, inner.len);
                free(inner.buf);
        } else if (tag_len == 3 && tag[0] == 0x5F && tag[1] == 0xC1 && tag[2] == 0x02) {
                /* FASC-N of agency 9999: OpenSC then takes the GUID as the token serial. */
                static const uint8_t fascn[] = { 0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE,
                                                 0x73, 0x9D, 0x83, 0x68, 0x58, 0x21, 0x08, 0x42, 0x10,
                                                 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB };
                static const char expiry[] = "20991231";
                Writer inner = { 0 };
                put_tlv1(&inner, 0x30, fascn, sizeof fascn);
                put_tlv1(&inner, 0x34, card->guid, sizeof card->guid);
                put_tlv1(&inner, 0x35, expiry, 8);
                put_tlv1(&inner, 0x3E, NULL, 0);
                put_tlv1(&inner, 0xFE, NULL, 0);
                put_tlv1(&w, 0x53, inner.buf, inner.len);
                free(inner.buf);
        } else {
                for (int i = 0; i < 4; i++) {
                        PivSlot *s = &card->slots[i];
                        if (s->object && tag_len == 3 && memcmp(tag, s->container, 3) == 0) {
                                size_t n = respond(card, s->object, s->object_len, le, out);
                                return n;
                        }
                }
                return status(out, SW_NOT_FOUND);
        }
        size_t n = w.failed ? status(out, SW(0x6F, 0x00)) : respond(card, w.buf, w.len, le, out);
        free(w.buf);
        return n;
}

static size_t do_verify(PivCard *card, uint8_t p1, uint8_t p2, const uint8_t *data, size_t lc,
                        uint8_t *out) {
        if (p2 != 0x80)
                return status(out, SW_REF_NOT_FOUND);
        if (p1 == 0xFF) { /* logout */
                card->verified = false;
                return status(out, SW_OK);
        }
        if (p1 != 0x00)
                return status(out, SW_BAD_P1P2);
        if (card->tries == 0)
                return status(out, SW_BLOCKED);
        if (lc == 0) /* status query: no try is spent */
                return status(out, card->verified ? SW_OK : SW(0x63, 0xC0 | card->tries));
        if (lc != 8)
                return status(out, SW_WRONG_DATA);
        if (CRYPTO_memcmp(data, card->pin, 8) == 0) {
                card->tries = card->max_tries;
                card->verified = card->just_verified = true;
                return status(out, SW_OK);
        }
        card->tries--;
        card->verified = false;
        return status(out, card->tries ? SW(0x63, 0xC0 | card->tries) : SW_BLOCKED);
}

/* Find tag 0x81 (the challenge) inside the 7C template. */
static bool find_challenge(const uint8_t *data, size_t lc, const uint8_t **ret, size_t *ret_len) {
        if (lc < 2 || data[0] != 0x7C)
                return false;
        size_t len, used = get_length(data + 1, lc - 1, &len);
        if (!used || 1 + used + len > lc)
                return false;
        const uint8_t *p = data + 1 + used, *end = p + len;
        while (p < end) {
                uint8_t tag = *p++;
                size_t l, u = get_length(p, (size_t) (end - p), &l);
                if (!u || (size_t) (end - p) < u + l)
                        return false;
                p += u;
                if (tag == 0x81) {
                        *ret = p;
                        *ret_len = l;
                        return true;
                }
                p += l;
        }
        return false;
}

/* m^d mod n on the padded block OpenSC sends (it advertises raw RSA only). */
static int rsa_raw(EVP_PKEY *key, const uint8_t *in, size_t len, uint8_t *sig, size_t *sig_len) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
        int ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
                 EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
                 EVP_PKEY_sign(ctx, sig, sig_len, in, len) > 0;
        EVP_PKEY_CTX_free(ctx);
        return ok ? 0 : -EINVAL;
}

static int ecdsa_hash(EVP_PKEY *key, const uint8_t *hash, size_t len, uint8_t *sig, size_t *sig_len) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
        int ok = ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_sign(ctx, sig, sig_len, hash, len) > 0;
        EVP_PKEY_CTX_free(ctx);
        return ok ? 0 : -EINVAL;
}

static size_t do_general_authenticate(PivCard *card, uint8_t alg, uint8_t key_ref, const uint8_t *data,
                                      size_t lc, size_t le, bool consent, uint8_t *out) {
        if (key_ref == 0x9B && alg == 0x00) /* the RNG request of C_GenerateRandom: not offered */
                return status(out, SW_BAD_P1P2);
        PivSlot *slot = find_slot(card, key_ref);
        if (!slot || !slot->key)
                return status(out, SW_BAD_P1P2);
        bool is_rsa = EVP_PKEY_is_a(slot->key, "RSA");
        int bits = EVP_PKEY_get_bits(slot->key);
        if ((is_rsa && !((alg == 0x07 && bits == 2048) || (alg == 0x06 && bits == 1024))) ||
            (!is_rsa && alg != 0x11 && alg != 0x14))
                return status(out, SW_BAD_P1P2);
        /* 9E is the card-authentication key (no PIN); 9C needs a VERIFY right before each use. */
        if (key_ref != 0x9E && (!card->verified || (key_ref == 0x9C && !consent)))
                return status(out, SW_SECURITY);

        const uint8_t *challenge;
        size_t challenge_len;
        if (!find_challenge(data, lc, &challenge, &challenge_len) || challenge_len == 0)
                return status(out, SW_WRONG_DATA);

        uint8_t sig[512];
        size_t sig_len = sizeof sig;
        int r = is_rsa ? (challenge_len == (size_t) bits / 8
                                  ? rsa_raw(slot->key, challenge, challenge_len, sig, &sig_len)
                                  : -EINVAL)
                       : ecdsa_hash(slot->key, challenge, challenge_len, sig, &sig_len);
        if (r < 0)
                return status(out, SW_WRONG_DATA);

        Writer inner = { 0 }, w = { 0 };
        put_tlv1(&inner, 0x82, sig, sig_len);
        put_tlv1(&w, 0x7C, inner.buf, inner.len);
        size_t n = w.failed || inner.failed ? status(out, SW(0x6F, 0x00))
                                            : respond(card, w.buf, w.len, le, out);
        free(inner.buf);
        free(w.buf);
        return n;
}

size_t piv_card_process(PivCard *card, const uint8_t *apdu, size_t len, uint8_t *out) {
        if (len < 4)
                return status(out, SW_WRONG_LENGTH);
        uint8_t cla = apdu[0], ins = apdu[1], p1 = apdu[2], p2 = apdu[3];
        const uint8_t *data = NULL;
        size_t lc = 0, le = 0;
        if (len == 5)
                le = apdu[4];
        else if (len > 5) {
                lc = apdu[4];
                if (lc == 0 || len < 5 + lc || len > 6 + lc)
                        return status(out, SW_WRONG_LENGTH);
                data = apdu + 5;
                if (len == 6 + lc)
                        le = apdu[5 + lc];
        }
        if ((cla & ~0x10) != 0x00)
                return status(out, SW_CLA_UNKNOWN);

        if (ins == 0xC0) {
                if (!card->pending)
                        return status(out, SW_NO_DATA);
                return send_pending(card, le, out);
        }
        /* Any other command drops what was left of a chained response. */
        free(card->pending);
        card->pending = NULL;
        card->pending_len = card->pending_off = 0;
        bool consent = card->just_verified;
        card->just_verified = false;

        if (cla & 0x10) { /* command chaining: collect, answer 9000 */
                if (card->chain_len + lc > sizeof card->chain) {
                        card->chain_len = 0;
                        return status(out, SW_WRONG_LENGTH);
                }
                if (lc)
                        memcpy(card->chain + card->chain_len, data, lc);
                card->chain_len += lc;
                card->chaining = true;
                card->just_verified = consent; /* a chained GA still counts as "right after" */
                return status(out, SW_OK);
        }
        uint8_t joined[CHAIN_MAX];
        if (card->chaining) {
                if (card->chain_len + lc > sizeof joined) {
                        card->chain_len = 0;
                        card->chaining = false;
                        return status(out, SW_WRONG_LENGTH);
                }
                memcpy(joined, card->chain, card->chain_len);
                if (lc)
                        memcpy(joined + card->chain_len, data, lc);
                lc += card->chain_len;
                data = joined;
                card->chain_len = 0;
                card->chaining = false;
        }

        switch (ins) {
        case 0xA4:
                return do_select(card, p1, data, lc, le, out);
        case 0xCB:
                return do_get_data(card, p1, p2, data, lc, le, out);
        case 0x20:
                return do_verify(card, p1, p2, data, lc, out);
        case 0x87:
                return do_general_authenticate(card, p1, p2, data, lc, le, consent, out);
        default:
                return status(out, SW_INS_UNKNOWN);
        }
}
