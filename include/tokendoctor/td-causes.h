/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * The knowledge base of cause codes: for each stable code, what to do about it
 * (the seed's 建议修复项). Frontends show the advice under a failing check.
 */
typedef struct {
        const char *code;   /* "locale.traditional" */
        const char *advice; /* N_() text */
} TdCause;

/* The entry for @code, or NULL when the code is unknown. Static, borrowed. */
const TdCause *td_cause_lookup(const char *code);
/* Translated advice for @code, or NULL. Borrowed. */
const char *td_cause_advice(const char *code);
/* Every known cause, NULL-terminated by code. */
const TdCause *td_causes_all(void);
