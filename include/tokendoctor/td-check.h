/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "td-context.h"
#include "td-fix.h"
#include "td-result.h"

typedef enum {
        TD_CHECK_NEEDS_TOKEN = 1 << 0,   /* skipped by --no-token (无锁检测) */
        TD_CHECK_NEEDS_NETWORK = 1 << 1, /* talks to the platform's servers */
        TD_CHECK_NEEDS_PIN = 1 << 2,     /* asks for the token PIN */
} TdCheckFlags;

/*
 * A check is a static const descriptor. run() returns 0 whenever it reached a verdict
 * (FAIL included) and a negative errno when it could not decide; the engine then records
 * ERROR. run() is called on a worker thread and must only touch @ctx and @result.
 */
struct TdCheck {
        const char *id;       /* "os.locale" */
        const char *category; /* "system", "network", "token", ... */
        const char *title;    /* N_() text */
        TdCheckFlags flags;
        const char *const *depends; /* NULL-terminated check ids, or NULL */
        const char *const *causes;  /* NULL-terminated cause codes this check may report */
        int (*run)(TdContext *ctx, TdResult *result);
        const TdFix *fix;    /* NULL when no automatic repair exists */
        unsigned timeout_ms; /* 0: the engine's default */
};

#define TD_STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The check among @checks whose id is @id, or NULL. Borrowed. */
const TdCheck *td_checks_find(const TdCheck *const *checks, size_t n_checks, const char *id);

/*
 * Mark in @ret_selected (one flag per check, set by the caller to false) the checks among
 * @checks that running @ids takes: each named check and, recursively, what it depends on.
 * Dependencies missing from @checks are left out (the engine reports those). 0, or -ENOENT
 * when an id in @ids is not among @checks.
 */
int td_checks_select(const TdCheck *const *checks, size_t n_checks, const char *const *ids,
                     bool *ret_selected);

/* Whether @check may report @cause (it is listed in its descriptor). */
bool td_check_declares_cause(const TdCheck *check, const char *cause);

/* True when `tokendoctor fix` offers to repair @r (r->fix.offered). */
bool td_result_has_fix(const TdResult *r);

/*
 * Decide r->fix from @r's check's declared fix: an offer only for a WARN or FAIL, and only
 * where the fix's offer() accepts it under @ctx. The engine calls this on every verdict.
 */
void td_result_decide_fix(const TdContext *ctx, TdResult *r);
