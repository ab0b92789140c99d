/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's run, shared by its files along the seams of its loop: engine.c (the run and
 * its loop), engine-launch.c (deciding and starting checks), engine-collect.c (taking in
 * results, reporting them in order and as progress), engine-wait.c (deadlines and the wait)
 * and engine-cancel.c (stopping a run from outside).
 *
 * Locking: Run.lock guards every Job's state and a RUNNING job's result. The engine's thread
 * holds it except around the frontend's callbacks and while it waits. A job's result belongs
 * to its worker until the job is DONE, then to the engine's thread alone, which reads SETTLED
 * results without the lock (no worker writes them any more).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "tokendoctor/td-engine.h"

typedef enum {
        JOB_PENDING,
        JOB_RUNNING,
        JOB_DONE,    /* the thread finished; result waiting to be collected */
        JOB_SETTLED, /* final result in job->result (or already moved to the report) */
} JobState;

typedef struct Run Run;

typedef struct {
        Run *run;
        const TdCheck *check;
        bool selected;
        JobState state;
        bool launched;           /* its thread was started (it may since have been abandoned) */
        bool announced_started;  /* STARTED reported (engine's thread only) */
        bool announced_finished; /* FINISHED reported (engine's thread only) */
        int64_t started_ms;
        int64_t finished_ms; /* when run() returned (set with DONE) */
        int64_t deadline_ms;
        unsigned budget_ms;
        TdResult result; /* the thread's own until JOB_DONE */
        pthread_t thread;
} Job;

/*
 * Shared between the engine and its worker threads. Reference counted because an
 * abandoned worker may outlive td_engine_run(): it holds a reference to the run (and so to
 * the context) until its check finally returns.
 */
struct Run {
        atomic_int refcount;
        pthread_mutex_t lock;
        pthread_cond_t cond; /* signalled when a job is DONE or the run is cancelled */
        TdContext *ctx;
        Job *jobs;
        size_t n_jobs;

        /* The engine's thread only, below. */
        const TdEngineOptions *opts;
        TdReport *report;
        TdEngineCancel *cancel; /* borrowed, may be NULL */
        int64_t deadline_ms;    /* of the whole run */
        unsigned budget_ms;     /* of the whole run */
        size_t emitted;         /* results moved to the report, in order */
        size_t n_total;         /* selected checks: those that give progress events */
        size_t n_finished;      /* FINISHED events given */
        size_t n_running;       /* STARTED events given without their FINISHED yet */
};

void engine_run_unref(Run *run);
Job *engine_find_job(Run *run, const char *id);

/* engine-collect.c */
void engine_settle(Job *job, TdStatus status, const char *cause, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/*
 * Join the workers that finished; their results become final — unless they returned after a
 * cancel, which may be why they returned (a PIN prompt ended by it): those are cancelled.
 * Lock held.
 */
void engine_collect_finished(Run *run);
/*
 * Give the frontend what is new: progress events, then the results final in order. Called
 * with the lock held; drops it around each callback.
 */
void engine_report_new(Run *run);
/* Whether every result is final and handed to the report. Lock held. */
bool engine_all_reported(const Run *run);

/* engine-launch.c */
/*
 * Settle the pending jobs that cannot run (not selected, --no-token, a prerequisite that
 * did not pass, no time left), and launch those whose prerequisites are final while fewer
 * than max_parallel run. Lock held. Returns how many jobs run now.
 */
unsigned engine_launch_ready(Run *run, int64_t now);
/* Settle a pending job the run leaves out (not selected, --no-token); true if so. */
bool engine_settle_left_out(Run *run, Job *job);

/* engine-wait.c */
/* Abandon the running jobs past their deadline: ERROR "<area>.timeout". Lock held. */
void engine_abandon_overdue(Run *run, int64_t now);
/* Wait for a job to finish, the next deadline or a cancel. Lock held (dropped while waiting). */
void engine_wait(Run *run);

/* engine-cancel.c */
/* Bind @run to its cancel object so that td_engine_cancel() wakes it; -EBUSY if taken. */
int engine_cancel_attach(Run *run);
void engine_cancel_detach(Run *run);
bool engine_cancel_requested(const Run *run);
/* When the run was cancelled (monotonic ms), or INT64_MAX when it was not. */
int64_t engine_cancel_time(const Run *run);
/* Settle a job as cancelled while it ran, @ran_ms into it. */
void engine_settle_cancelled_running(Job *job, int64_t ran_ms);
/* Settle every job not yet final as cancelled (abandoning the running ones). Lock held. */
void engine_cancel_jobs(Run *run, int64_t now);
