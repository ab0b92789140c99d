/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CA token as the frontends show it (证书显示): the token the profile's PKCS#11 modules see,
 * and its certificates parsed. Gathered out of process like every PKCS#11 fact.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "td-context.h"

typedef struct {
        char *subject; /* "C=CN, O=..., CN=..." as the seed shows DNs */
        char *subject_cn;
        char *issuer;
        char *serial; /* lower-case hex, as the renewal page shows it (证书序列号) */
        time_t not_before, not_after;
        char *key_type; /* RSA, EC, SM2 */
        int key_bits;
        bool signing; /* digitalSignature or nonRepudiation, or no keyUsage at all */
} TdCertInfo;

/* Free what @info owns; @info itself is the caller's. Safe on a zeroed one. */
void td_cert_info_clear(TdCertInfo *info);

typedef struct {
        char *label, *serial, *manufacturer, *model;
        char *module;      /* the PKCS#11 module that sees it */
        TdCertInfo *certs; /* the certificates that parse, in the token's order */
        size_t n_certs;
        size_t n_broken; /* certificates on the token that do not parse */
} TdTokenInfo;

/*
 * The first token any of the profile's modules sees, within @timeout_ms. 0 and *@ret_info
 * (td_token_info_free()), -ENODEV when no module sees a token, or a negative errno. Uses the
 * context's memoised listing, so a check run on the same context is not repeated.
 */
int td_token_info_get(TdContext *ctx, unsigned timeout_ms, TdTokenInfo **ret_info);
void td_token_info_free(TdTokenInfo *info);

/* Whole days from @now to the end of @cert's validity (negative once expired). */
long td_cert_days_left(const TdCertInfo *cert, time_t now);
