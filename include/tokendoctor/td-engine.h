/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "td-check.h"
#include "td-context.h"
#include "td-result.h"

typedef struct {
        bool no_token;             /* 无锁检测: skip every check that needs the token */
        const char *const *only;   /* NULL-terminated ids: run these and their dependencies */
        unsigned timeout_ms;       /* the whole run ends by then; 0 = TD_ENGINE_DEFAULT_TIMEOUT_MS */
        unsigned check_timeout_ms; /* per check unless it declares its own; 0 = default */
        unsigned max_parallel;     /* worker threads; 0 = default */
        /* Called on the engine's thread as each result is final (for live frontends). */
        void (*on_result)(const TdResult *result, void *user);
        void *on_result_user;
} TdEngineOptions;

#define TD_ENGINE_DEFAULT_TIMEOUT_MS 60000u
#define TD_ENGINE_DEFAULT_CHECK_TIMEOUT_MS 30000u
#define TD_ENGINE_DEFAULT_PARALLEL 8u

typedef struct {
        TdResult *results; /* one per check given, in the order given */
        size_t n_results;
        time_t started; /* wall clock */
        int64_t duration_ms;
        unsigned counts[_TD_STATUS_MAX];
} TdReport;

/*
 * Run @checks (their dependencies must be among them) and return every result. Checks
 * run in parallel in dependency order; one whose prerequisite did not pass or warn is
 * skipped with the reason; one that overruns its deadline ends as ERROR with cause
 * "<area>.timeout" and is abandoned on its thread. Checks not selected by @opts->only
 * are reported as SKIP ("not selected").
 *
 * Returns 0 and a report the caller frees with td_report_free(), -EINVAL for an unknown
 * id in @opts->only or a dependency missing from @checks (with *ret_error naming it when
 * @ret_error is non-NULL), or -ENOMEM. Not reentrant for one context from two threads.
 */
int td_engine_run(TdContext *ctx, const TdCheck *const *checks, size_t n_checks, const TdEngineOptions *opts,
                  TdReport **ret_report, char **ret_error);

void td_report_free(TdReport *report);

/* The exit status CONTRACT.md gives `check`: 0 all pass/skip, 1 warnings, 2 fail/error. */
int td_report_exit_code(const TdReport *report);

/* The cause code the engine gives a check that overran: "<first id segment>.timeout". */
char *td_timeout_cause_for(const TdCheck *check);
