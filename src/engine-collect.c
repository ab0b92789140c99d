/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Collecting results: workers that finished, verdicts the engine gives, and handing them out. */
#include <stdarg.h>

#include "engine-internal.h"
#include "td-util.h"

void engine_settle(Job *job, TdStatus status, const char *cause, const char *fmt, ...) {
        td_result_clear(&job->result);
        va_list ap;
        va_start(ap, fmt);
        td_result_setv(&job->result, status, cause, fmt, ap);
        va_end(ap);
        job->state = JOB_SETTLED;
}

void engine_collect_finished(Run *run) {
        for (size_t i = 0; i < run->n_jobs; i++) {
                Job *job = &run->jobs[i];
                if (job->state != JOB_DONE)
                        continue;
                /* DONE is set as the worker's last act under the lock: the join is immediate. */
                pthread_join(job->thread, NULL);
                job->state = JOB_SETTLED;
                if (job->finished_ms >= engine_cancel_time(run))
                        engine_settle_cancelled_running(job, job->finished_ms - job->started_ms);
        }
}

static void give_progress(Run *run, Job *job, TdEngineEventType type) {
        if (type == TD_ENGINE_EVENT_STARTED) {
                job->announced_started = true;
                run->n_running++;
        } else {
                job->announced_finished = true;
                run->n_finished++;
                if (job->announced_started)
                        run->n_running--;
        }
        if (!run->opts->on_progress)
                return;
        TdEngineEvent event = {
                .type = type,
                .check = job->check,
                /* SETTLED results are the engine thread's alone: safe to lend unlocked. */
                .result = type == TD_ENGINE_EVENT_FINISHED ? &job->result : NULL,
                .index = (size_t) (job - run->jobs),
                .n_total = run->n_total,
                .n_finished = run->n_finished,
                .n_running = run->n_running,
        };
        pthread_mutex_unlock(&run->lock);
        run->opts->on_progress(&event, run->opts->on_progress_user);
        pthread_mutex_lock(&run->lock);
}

static void give_results_in_order(Run *run) {
        TdReport *report = run->report;
        while (run->emitted < run->n_jobs && run->jobs[run->emitted].state == JOB_SETTLED) {
                size_t i = run->emitted;
                td_result_move(&report->results[i], &run->jobs[i].result);
                report->counts[report->results[i].status]++;
                /* Counted before the callback: dependency decisions read moved results there. */
                run->emitted++;
                if (run->opts->on_result) {
                        pthread_mutex_unlock(&run->lock);
                        run->opts->on_result(&report->results[i], run->opts->on_result_user);
                        pthread_mutex_lock(&run->lock);
                }
        }
}

void engine_report_new(Run *run) {
        /*
         * What finished before what started: b, launched in the pass that saw its prerequisite
         * a finish, is told as starting after a finished. Then results in order, which moves
         * them out of their jobs.
         */
        for (size_t i = 0; i < run->n_jobs; i++) {
                Job *job = &run->jobs[i];
                if (!job->selected || job->state != JOB_SETTLED || job->announced_finished)
                        continue;
                if (job->launched && !job->announced_started)
                        give_progress(run, job, TD_ENGINE_EVENT_STARTED);
                give_progress(run, job, TD_ENGINE_EVENT_FINISHED);
        }
        for (size_t i = 0; i < run->n_jobs; i++) {
                Job *job = &run->jobs[i];
                if (job->selected && job->launched && !job->announced_started)
                        give_progress(run, job, TD_ENGINE_EVENT_STARTED);
        }
        give_results_in_order(run);
}

bool engine_all_reported(const Run *run) {
        return run->emitted == run->n_jobs;
}
