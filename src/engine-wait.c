/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Deadlines and the wait: what overran is abandoned; the engine sleeps until something is due. */
#include "engine-internal.h"
#include "td-i18n.h"
#include "td-util.h"

void engine_abandon_overdue(Run *run, int64_t now) {
        for (size_t i = 0; i < run->n_jobs; i++) {
                Job *job = &run->jobs[i];
                if (job->state != JOB_RUNNING || now < job->deadline_ms)
                        continue;
                /* Its thread cleans up after itself when (if ever) the check returns. */
                pthread_detach(job->thread);
                _cleanup_free_ char *cause = td_timeout_cause_for(job->check);
                engine_settle(job, TD_STATUS_ERROR, cause ? cause : "engine.timeout",
                              _("The check did not finish within %.1f seconds and was stopped."),
                              job->budget_ms / 1000.0);
                job->result.duration_ms = now - job->started_ms;
        }
}

void engine_wait(Run *run) {
        int64_t next_wake = run->deadline_ms;
        for (size_t i = 0; i < run->n_jobs; i++) {
                const Job *job = &run->jobs[i];
                if (job->state == JOB_RUNNING && job->deadline_ms < next_wake)
                        next_wake = job->deadline_ms;
        }
        /* A worker that finishes or td_engine_cancel() broadcasts the condition: no lost wake-up,
         * as both change what the loop looks at under this lock. */
        struct timespec ts = { .tv_sec = next_wake / 1000, .tv_nsec = (long) (next_wake % 1000) * 1000000 };
        pthread_cond_timedwait(&run->cond, &run->lock, &ts);
}
