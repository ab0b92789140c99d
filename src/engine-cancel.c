/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cancelling a run from outside: the object a frontend holds, and what a cancel does to the jobs. */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine-internal.h"
#include "td-i18n.h"
#include "td-util.h"

struct TdEngineCancel {
        atomic_bool cancelled;
        _Atomic int64_t at_ms; /* when, monotonic; set before @cancelled */
        int fd;                /* eventfd, written once on cancel and never read: readable from then on */
        pthread_mutex_t lock;
        Run *run; /* the run to wake, while one uses this object */
};

TdEngineCancel *td_engine_cancel_new(void) {
        TdEngineCancel *cancel = calloc(1, sizeof *cancel);
        if (!cancel)
                return NULL;
        cancel->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (cancel->fd < 0) {
                free(cancel);
                return NULL;
        }
        atomic_init(&cancel->cancelled, false);
        atomic_init(&cancel->at_ms, INT64_MAX);
        pthread_mutex_init(&cancel->lock, NULL);
        return cancel;
}

void td_engine_cancel_free(TdEngineCancel *cancel) {
        if (!cancel)
                return;
        close(cancel->fd);
        pthread_mutex_destroy(&cancel->lock);
        free(cancel);
}

void td_engine_cancel(TdEngineCancel *cancel) {
        if (!cancel || atomic_load(&cancel->cancelled))
                return;
        /* Only the first caller's time counts: a check that returns after it is cancelled too. */
        int64_t unset = INT64_MAX;
        atomic_compare_exchange_strong(&cancel->at_ms, &unset, td_now_monotonic_ms());
        if (atomic_exchange(&cancel->cancelled, true))
                return;
        uint64_t one = 1;
        /* Cannot fail short of a counter overflow; there is only ever this one write. */
        (void) !write(cancel->fd, &one, sizeof one);
        /*
         * The flag is set before the run's lock is taken, and the engine looks at it under that
         * lock before it waits: the broadcast cannot fall between its look and its wait.
         */
        pthread_mutex_lock(&cancel->lock);
        if (cancel->run) {
                pthread_mutex_lock(&cancel->run->lock);
                pthread_cond_broadcast(&cancel->run->cond);
                pthread_mutex_unlock(&cancel->run->lock);
        }
        pthread_mutex_unlock(&cancel->lock);
}

bool td_engine_cancel_is_set(const TdEngineCancel *cancel) {
        return cancel && atomic_load(&((TdEngineCancel *) cancel)->cancelled);
}

int td_engine_cancel_get_fd(const TdEngineCancel *cancel) {
        return cancel ? cancel->fd : -EBADF;
}

int engine_cancel_attach(Run *run) {
        TdEngineCancel *cancel = run->cancel;
        if (!cancel)
                return 0;
        int r = 0;
        pthread_mutex_lock(&cancel->lock);
        if (cancel->run)
                r = -EBUSY;
        else
                cancel->run = run;
        pthread_mutex_unlock(&cancel->lock);
        if (r < 0)
                run->cancel = NULL; /* not ours to detach */
        return r;
}

void engine_cancel_detach(Run *run) {
        TdEngineCancel *cancel = run->cancel;
        if (!cancel)
                return;
        /* After this, td_engine_cancel() no longer touches the run, which may then be freed. */
        pthread_mutex_lock(&cancel->lock);
        cancel->run = NULL;
        pthread_mutex_unlock(&cancel->lock);
}

bool engine_cancel_requested(const Run *run) {
        return td_engine_cancel_is_set(run->cancel);
}

int64_t engine_cancel_time(const Run *run) {
        return run->cancel && td_engine_cancel_is_set(run->cancel) ? atomic_load(&run->cancel->at_ms)
                                                                   : INT64_MAX;
}

void engine_settle_cancelled_running(Job *job, int64_t ran_ms) {
        engine_settle(job, TD_STATUS_SKIP, NULL, _("Cancelled while it ran (after %.1f s)."),
                      ran_ms / 1000.0);
        job->result.duration_ms = ran_ms;
        td_result_add_detail(&job->result, "skip_reason", "cancelled");
        job->run->report->cancelled = true;
}

void engine_cancel_jobs(Run *run, int64_t now) {
        for (size_t i = 0; i < run->n_jobs; i++) {
                Job *job = &run->jobs[i];
                if (job->state == JOB_SETTLED) /* DONE ones were collected just before */
                        continue;
                if (job->state == JOB_RUNNING) {
                        /* Abandoned as on a timeout: its thread cleans up if its check ever returns. */
                        pthread_detach(job->thread);
                        engine_settle_cancelled_running(job, now - job->started_ms);
                } else if (!engine_settle_left_out(run, job)) { /* left out: it would not have run anyway */
                        engine_settle(job, TD_STATUS_SKIP, NULL, _("Not run: the check was cancelled."));
                        td_result_add_detail(&job->result, "skip_reason", "cancelled");
                        run->report->cancelled = true;
                }
        }
}
