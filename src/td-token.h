/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Facts about the token shared by the cert.* and sign checks (built on td-p11 and td-x509). */
#pragma once

#include "platform/td-p11.h"
#include "platform/td-x509.h"
#include "tokendoctor/td-result.h"

/*
 * The first token any of the profile's modules sees (token.module found it: the listings are
 * memoised). 0 and the token, -ENODEV when no module sees one, or a negative errno.
 */
int td_token_find(TdContext *ctx, const TdResult *result, const TdP11Token **ret_token);
/* The same, and the resolved path of the module that sees it (borrowed from the context). */
int td_token_find_with_module(TdContext *ctx, const TdResult *result, const TdP11Token **ret_token,
                              const char **ret_module);

/*
 * The signing certificate on @token: the first whose key usage allows signatures. Returns its
 * index and fills @info (clear it), -ENOENT when the token holds none, -EBADMSG when every
 * certificate is broken.
 */
int td_token_signing_cert(const TdP11Token *token, TdCertInfo *info);
