/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Naming a card from its ATR: the profile's patterns, then pcsc-tools' smartcard_list.txt. */
#pragma once

#include <stddef.h>

#include "tokendoctor/td-context.h"

/*
 * Look @atr ("3B:88:80:01:...", upper case) up in smartcard_list.txt text (an ATR regular
 * expression at the start of a line, space-separated hex with '.' wildcards, then
 * tab-indented description lines). Returns a new string with the first description of the
 * first matching entry, or NULL when none matches (or on ENOMEM).
 */
char *td_atr_lookup_smartcard_list(const char *list, size_t len, const char *atr);

/*
 * Identify @atr: a matching [token] / [token.NAME] ATR glob of the profile gives the model
 * name ("token" for the plain section), else ROOT/usr/share/pcsc/smartcard_list.txt; memoised
 * per ATR in the context. Returns a new string, or NULL when unknown (or on ENOMEM).
 */
char *td_atr_identify(TdContext *ctx, const char *atr);
