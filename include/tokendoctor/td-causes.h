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

/*
 * Where advice sends the user to the platform's 客服, it says how to reach them: this mark
 * stands for the profile's [support] contact.
 */
#define TD_CAUSE_CONTACT "{contact}"

/* The entry for @code, or NULL when the code is unknown. Static, borrowed. */
const TdCause *td_cause_lookup(const char *code);
/* Every known cause, NULL-terminated by code. */
const TdCause *td_causes_all(void);

/*
 * Translated advice for @code with how to reach 客服 filled in (td_support_contact(@contact)).
 * A new string (free it); NULL when @code has no advice, or on ENOMEM.
 */
char *td_cause_advice_for(const char *code, const char *contact);
/* Whether @code's advice sends the user to the platform's 客服. */
bool td_cause_advice_names_contact(const char *code);
/*
 * How to reach the platform's 客服: @contact (the profile's [support] contact) or, when none,
 * the 【客服】 icon of the platform's home page (translated). Borrowed.
 */
const char *td_support_contact(const char *contact);
