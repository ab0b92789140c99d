/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Launching checks: which pending check can run, which cannot and why, and the worker thread. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "td-i18n.h"
#include "td-util.h"

/* Worker threads of every run that have not returned yet, abandoned ones included. */
static atomic_uint live_workers;

unsigned td_engine_workers_running(void) {
        return atomic_load(&live_workers);
}

static void *job_thread(void *userdata) {
        Job *job = userdata;
        Run *run = job->run;
        TdResult r;
        td_result_init(&r, job->check);
        r.deadline_ms = job->deadline_ms;

        int64_t start = td_now_monotonic_ms();
        int ret = job->check->run(run->ctx, &r);
        if (ret < 0) {
                if (r.status != TD_STATUS_ERROR || !r.message)
                        td_result_set(&r, TD_STATUS_ERROR, "engine.check-error",
                                      _("The check could not run: %s."), strerror(-ret));
        } else if (!r.message) {
                td_result_set(&r, TD_STATUS_ERROR, "engine.check-error",
                              _("The check ended without a verdict (a bug in tokendoctor)."));
        } else if (r.details_incomplete) {
                /* What the check saw could not all be written down: its verdict cannot be shown. */
                td_result_set(&r, TD_STATUS_ERROR, "engine.check-error",
                              _("The check ran out of memory while recording what it saw."));
        }
        td_result_decide_fix(run->ctx, &r);
        r.duration_ms = td_now_monotonic_ms() - start;

        /* An abandoned job (overran, cancelled) is settled already: its late verdict is dropped. */
        pthread_mutex_lock(&run->lock);
        if (job->state == JOB_RUNNING) {
                job->finished_ms = start + r.duration_ms;
                td_result_move(&job->result, &r);
                job->state = JOB_DONE;
                pthread_cond_broadcast(&run->cond);
        }
        pthread_mutex_unlock(&run->lock);
        td_result_clear(&r);
        engine_run_unref(run);
        atomic_fetch_sub(&live_workers, 1);
        return NULL;
}

bool engine_settle_left_out(Run *run, Job *job) {
        if (!job->selected) {
                engine_settle(job, TD_STATUS_SKIP, NULL, _("Not selected (--only)."));
                td_result_add_detail(&job->result, "skip_reason", "not-selected");
                return true;
        }
        if (run->opts->no_token && (job->check->flags & TD_CHECK_NEEDS_TOKEN)) {
                engine_settle(job, TD_STATUS_SKIP, NULL,
                              _("Skipped: this check needs the token, and this is a check without it "
                                "(--no-token, 无锁检测)."));
                td_result_add_detail(&job->result, "skip_reason", "no-token");
                return true;
        }
        return false;
}

/* Settle a pending job whose prerequisite ended without passing; true if so. */
static bool settle_blocked(Run *run, Job *job) {
        for (const char *const *d = job->check->depends; d && *d; d++) {
                Job *dep = engine_find_job(run, *d);
                if (dep->state != JOB_SETTLED)
                        continue;
                /* Reported already when its index is below run->emitted: read it there. */
                const TdResult *res = dep - run->jobs < (ptrdiff_t) run->emitted
                                              ? &run->report->results[dep - run->jobs]
                                              : &dep->result;
                TdStatus st = res->status;
                if (st == TD_STATUS_PASS || st == TD_STATUS_WARN)
                        continue;
                engine_settle(job, TD_STATUS_SKIP, NULL,
                              _("Skipped: it needs %s (%s), which did not pass (%s)."), dep->check->id,
                              td_gettext(dep->check->title), td_status_to_string(st));
                td_result_add_detail(&job->result, "skip_reason", "dependency");
                td_result_add_detail(&job->result, "blocked_by", "%s", dep->check->id);
                return true;
        }
        return false;
}

static bool dependencies_settled(Run *run, const Job *job) {
        for (const char *const *d = job->check->depends; d && *d; d++)
                if (engine_find_job(run, *d)->state != JOB_SETTLED)
                        return false;
        return true;
}

static void launch(Run *run, Job *job, int64_t now) {
        const TdEngineOptions *opts = run->opts;
        unsigned budget = job->check->timeout_ms   ? job->check->timeout_ms
                          : opts->check_timeout_ms ? opts->check_timeout_ms
                                                   : TD_ENGINE_DEFAULT_CHECK_TIMEOUT_MS;
        job->started_ms = now;
        job->deadline_ms = now + budget < run->deadline_ms ? now + budget : run->deadline_ms;
        job->budget_ms = (unsigned) (job->deadline_ms - now);
        job->state = JOB_RUNNING;
        job->run = run;
        atomic_fetch_add(&run->refcount, 1);
        atomic_fetch_add(&live_workers, 1);
        int r = pthread_create(&job->thread, NULL, job_thread, job);
        if (r != 0) {
                atomic_fetch_sub(&live_workers, 1);
                atomic_fetch_sub(&run->refcount, 1);
                engine_settle(job, TD_STATUS_ERROR, "engine.check-error",
                              _("The check could not be started: %s."), strerror(r));
                return;
        }
        job->launched = true;
}

unsigned engine_launch_ready(Run *run, int64_t now) {
        unsigned max_parallel =
                run->opts->max_parallel ? run->opts->max_parallel : TD_ENGINE_DEFAULT_PARALLEL;
        unsigned running = 0;
        for (size_t i = 0; i < run->n_jobs; i++)
                running += run->jobs[i].state == JOB_RUNNING;

        /* Settling one job can decide another (a skip cascades): go over them until nothing moves. */
        bool progress = true;
        while (progress) {
                progress = false;
                for (size_t i = 0; i < run->n_jobs; i++) {
                        Job *job = &run->jobs[i];
                        if (job->state != JOB_PENDING)
                                continue;
                        if (engine_settle_left_out(run, job) || settle_blocked(run, job)) {
                                progress = true;
                                continue;
                        }
                        if (!dependencies_settled(run, job))
                                continue;
                        if (now >= run->deadline_ms) {
                                _cleanup_free_ char *cause = td_timeout_cause_for(job->check);
                                engine_settle(
                                        job, TD_STATUS_ERROR, cause ? cause : "engine.timeout",
                                        _("Not run: the time for the whole check (%.1f s) ran out first."),
                                        run->budget_ms / 1000.0);
                                progress = true;
                                continue;
                        }
                        if (running >= max_parallel)
                                continue;
                        launch(run, job, now);
                        if (job->state == JOB_RUNNING)
                                running++;
                        progress = true;
                }
        }
        return running;
}
