/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "td-check.h"
#include "td-context.h"
#include "td-result.h"

/*
 * A way to stop a run from outside: a frontend's Cancel button, a terminal's Ctrl-C. Make it
 * before td_engine_run() (so a cancel that comes early is never lost), hand it in through
 * TdEngineOptions.cancel, cancel it from any thread. Once cancelled it stays cancelled.
 */
typedef struct TdEngineCancel TdEngineCancel;

/* A new, not yet cancelled object, or NULL on ENOMEM. Free it after the run has returned. */
TdEngineCancel *td_engine_cancel_new(void);
/* NULL is a no-op. Not while a td_engine_run() uses it or another thread may cancel it. */
void td_engine_cancel_free(TdEngineCancel *cancel);

/*
 * Cancel: the run using @cancel (now or later) stops at once. Running checks are abandoned
 * as on a timeout, checks not started are not started; both end as SKIP with the detail
 * skip_reason "cancelled", and td_engine_run() returns its report with .cancelled set.
 * Thread-safe and idempotent; it takes locks, so not async-signal-safe: a program that stops
 * on a signal calls it from a thread that sigwait()s for it. NULL is a no-op.
 */
void td_engine_cancel(TdEngineCancel *cancel);
/* Whether td_engine_cancel() was called. Thread-safe, lock-free. */
bool td_engine_cancel_is_set(const TdEngineCancel *cancel);
/*
 * A file descriptor that becomes readable (POLLIN) once @cancel is cancelled and stays so:
 * for a wait on the frontend's side (a PIN prompt polling a terminal) to end with the run.
 * Borrowed: valid until td_engine_cancel_free(). Do not read from it.
 */
int td_engine_cancel_get_fd(const TdEngineCancel *cancel);

typedef enum {
        TD_ENGINE_EVENT_STARTED,  /* a check was launched on its worker thread */
        TD_ENGINE_EVENT_FINISHED, /* a check's result is final (run, skipped, timed out, cancelled) */
        _TD_ENGINE_EVENT_MAX,
        _TD_ENGINE_EVENT_INVALID = -1,
} TdEngineEventType;

/* One progress event. Everything in it is borrowed for the duration of the call. */
typedef struct {
        TdEngineEventType type;
        const TdCheck *check;
        const TdResult *result; /* FINISHED: the final result; STARTED: NULL */
        size_t index;           /* the check's position among the checks given */
        size_t n_total;         /* checks the run decides: all given less those @only leaves out */
        size_t n_finished;      /* of those, final so far (this one included) */
        size_t n_running;       /* checks running now, this event taken into account */
} TdEngineEvent;

typedef struct {
        bool no_token;             /* 无锁检测: skip every check that needs the token */
        const char *const *only;   /* NULL-terminated ids: run these and their dependencies */
        unsigned timeout_ms;       /* the whole run ends by then; 0 = TD_ENGINE_DEFAULT_TIMEOUT_MS */
        unsigned check_timeout_ms; /* per check unless it declares its own; 0 = default */
        unsigned max_parallel;     /* worker threads; 0 = default */
        /*
         * Called as each result is final, in the order the checks were given (a result waits
         * for the ones before it), for live frontends. Every check gets one call, those left
         * out by @only included. Threads: as @on_progress.
         */
        void (*on_result)(const TdResult *result, void *user);
        void *on_result_user;
        /*
         * Progress, as it happens: STARTED when a check is launched, FINISHED as soon as its
         * result is final (any order). Checks left out by @only give no events; a check that
         * never ran (skipped, cancelled before it started) gives FINISHED only.
         *
         * Threads: called on the thread that called td_engine_run() — for a GUI that runs the
         * engine off its main loop, a worker thread: hand the event over (g_idle_add()) and
         * copy what you keep. Never two calls at once, never with an engine lock held. The run
         * waits for the callback (no deadline or cancel is acted on meanwhile): keep it short
         * and never block in it. It may call td_engine_cancel(); it must not start a run.
         */
        void (*on_progress)(const TdEngineEvent *event, void *user);
        void *on_progress_user;
        /* NULL, or how the run can be cancelled (see td_engine_cancel()). */
        TdEngineCancel *cancel;
} TdEngineOptions;

#define TD_ENGINE_DEFAULT_TIMEOUT_MS 60000u
#define TD_ENGINE_DEFAULT_CHECK_TIMEOUT_MS 30000u
#define TD_ENGINE_DEFAULT_PARALLEL 8u

/* The exit status CONTRACT.md gives a cancelled `check` (128 + SIGINT, as shells report it). */
#define TD_ENGINE_EXIT_CANCELLED 130

typedef struct {
        TdResult *results; /* one per check given, in the order given */
        size_t n_results;
        time_t started; /* wall clock */
        int64_t duration_ms;
        unsigned counts[_TD_STATUS_MAX];
        bool cancelled; /* cancelled before every result was final: some are skip_reason "cancelled" */
} TdReport;

/*
 * Run @checks (their dependencies must be among them) and return every result. Checks
 * run in parallel in dependency order; one whose prerequisite did not pass or warn is
 * skipped with the reason; one that overruns its deadline ends as ERROR with cause
 * "<area>.timeout" and is abandoned on its thread. Checks not selected by @opts->only
 * are reported as SKIP ("not selected"). When @opts->cancel is cancelled (before or during
 * the run), the run ends at once with what finished and the rest SKIP "cancelled".
 *
 * Returns 0 and a report the caller frees with td_report_free(), -EINVAL for an unknown
 * id in @opts->only or a dependency missing from @checks (with *ret_error naming it when
 * @ret_error is non-NULL), -EBUSY when @opts->cancel serves another run at the moment, or
 * -ENOMEM. Not reentrant for one context from two threads.
 */
int td_engine_run(TdContext *ctx, const TdCheck *const *checks, size_t n_checks, const TdEngineOptions *opts,
                  TdReport **ret_report, char **ret_error);

void td_report_free(TdReport *report);

/*
 * How many checks' worker threads, of any run, have not returned yet: after a run that
 * abandoned checks (a timeout, a cancel), they may still be inside a library. A program that
 * ends then must not run the libraries' exit handlers under them (OpenSSL's cleanup frees what
 * they use): flush and _exit() instead. Thread-safe.
 */
unsigned td_engine_workers_running(void);

/*
 * The exit status CONTRACT.md gives `check`: 0 all pass/skip, 1 warnings, 2 fail/error,
 * TD_ENGINE_EXIT_CANCELLED when the run was cancelled.
 */
int td_report_exit_code(const TdReport *report);

/* The cause code the engine gives a check that overran: "<first id segment>.timeout". */
char *td_timeout_cause_for(const TdCheck *check);
