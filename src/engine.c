/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * td_engine_run(): set up a run, then loop — take in what finished, give up on what overran
 * or was cancelled, start what is ready, report what is new, wait — until every result is
 * final. The steps live in engine-*.c; engine-internal.h says who owns what.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "td-i18n.h"
#include "td-util.h"

void engine_run_unref(Run *run) {
        if (atomic_fetch_sub(&run->refcount, 1) != 1)
                return;
        for (size_t i = 0; i < run->n_jobs; i++)
                td_result_clear(&run->jobs[i].result);
        free(run->jobs);
        pthread_cond_destroy(&run->cond);
        pthread_mutex_destroy(&run->lock);
        td_context_unref(run->ctx);
        free(run);
}

char *td_timeout_cause_for(const TdCheck *check) {
        const char *dot = strchr(check->id, '.');
        int area_len = dot ? (int) (dot - check->id) : (int) strlen(check->id);
        return td_strdup_printf("%.*s.timeout", area_len, check->id);
}

Job *engine_find_job(Run *run, const char *id) {
        for (size_t i = 0; i < run->n_jobs; i++)
                if (streq(run->jobs[i].check->id, id))
                        return &run->jobs[i];
        return NULL;
}

static int validate(const TdCheck *const *checks, size_t n, const TdEngineOptions *opts, char **ret_error) {
        for (size_t i = 0; i < n; i++)
                for (const char *const *d = checks[i]->depends; d && *d; d++) {
                        bool found = false;
                        for (size_t j = 0; j < n && !found; j++)
                                found = streq(checks[j]->id, *d);
                        if (!found) {
                                if (ret_error)
                                        *ret_error = td_strdup_printf(
                                                _("check %s depends on %s, which is not available"),
                                                checks[i]->id, *d);
                                return -EINVAL;
                        }
                }
        for (const char *const *o = opts->only; o && *o; o++) {
                bool found = false;
                for (size_t j = 0; j < n && !found; j++)
                        found = streq(checks[j]->id, *o);
                if (!found) {
                        if (ret_error)
                                *ret_error = td_strdup_printf(
                                        _("unknown check id \"%s\" (see “tokendoctor list”)"), *o);
                        return -EINVAL;
                }
        }
        return 0;
}

static Run *run_new(TdContext *ctx, const TdCheck *const *checks, size_t n_checks, const bool *selected) {
        Run *run = calloc(1, sizeof *run);
        if (!run)
                return NULL;
        run->jobs = calloc(n_checks ? n_checks : 1, sizeof(Job));
        if (!run->jobs) {
                free(run);
                return NULL;
        }
        atomic_init(&run->refcount, 1);
        pthread_mutex_init(&run->lock, NULL);
        /* Deadlines are monotonic: a wall clock set back must not stretch a wait. */
        pthread_condattr_t cattr;
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&run->cond, &cattr);
        pthread_condattr_destroy(&cattr);
        run->ctx = td_context_ref(ctx);
        run->n_jobs = n_checks;
        for (size_t i = 0; i < n_checks; i++) {
                run->jobs[i].check = checks[i];
                run->jobs[i].selected = selected[i];
                run->n_total += selected[i];
                td_result_init(&run->jobs[i].result, checks[i]);
        }
        return run;
}

static TdReport *report_new(const TdCheck *const *checks, size_t n_checks) {
        TdReport *report = calloc(1, sizeof *report);
        if (!report)
                return NULL;
        report->results = calloc(n_checks ? n_checks : 1, sizeof(TdResult));
        if (!report->results) {
                free(report);
                return NULL;
        }
        report->n_results = n_checks;
        for (size_t i = 0; i < n_checks; i++)
                td_result_init(&report->results[i], checks[i]);
        return report;
}

static bool any_job_in(const Run *run, JobState state) {
        for (size_t i = 0; i < run->n_jobs; i++)
                if (run->jobs[i].state == state)
                        return true;
        return false;
}

static void run_loop(Run *run) {
        pthread_mutex_lock(&run->lock);
        for (;;) {
                int64_t now = td_now_monotonic_ms();
                engine_collect_finished(run);
                engine_abandon_overdue(run, now);
                bool cancelled = engine_cancel_requested(run);
                if (cancelled)
                        engine_cancel_jobs(run, now);
                unsigned running = engine_launch_ready(run, now);

                /* Callbacks run unlocked: workers may finish or a cancel come meanwhile. */
                engine_report_new(run);
                if (engine_all_reported(run))
                        break;
                if (any_job_in(run, JOB_DONE) || (!cancelled && engine_cancel_requested(run)))
                        continue;
                if (running == 0 && !any_job_in(run, JOB_RUNNING)) {
                        /* Nothing runs and nothing can start: a dependency cycle. */
                        for (size_t i = 0; i < run->n_jobs; i++)
                                if (run->jobs[i].state == JOB_PENDING)
                                        engine_settle(&run->jobs[i], TD_STATUS_ERROR, "engine.cycle",
                                                      _("Not run: its dependencies form a cycle."));
                        continue;
                }
                engine_wait(run);
        }
        pthread_mutex_unlock(&run->lock);
}

int td_engine_run(TdContext *ctx, const TdCheck *const *checks, size_t n_checks,
                  const TdEngineOptions *opts_in, TdReport **ret_report, char **ret_error) {
        static const TdEngineOptions default_opts = { 0 };
        const TdEngineOptions *opts = opts_in ? opts_in : &default_opts;

        int r = validate(checks, n_checks, opts, ret_error);
        if (r < 0)
                return r;

        _cleanup_free_ bool *selected = calloc(n_checks ? n_checks : 1, sizeof(bool));
        if (!selected)
                return -ENOMEM;
        for (size_t i = 0; !opts->only && i < n_checks; i++)
                selected[i] = true;
        if (td_checks_select(checks, n_checks, opts->only, selected) < 0)
                return -EINVAL; /* validate() named it */

        TdReport *report = report_new(checks, n_checks);
        Run *run = report ? run_new(ctx, checks, n_checks, selected) : NULL;
        if (!run) {
                td_report_free(report);
                return -ENOMEM;
        }
        run->opts = opts;
        run->report = report;
        run->cancel = opts->cancel;
        r = engine_cancel_attach(run);
        if (r < 0) {
                engine_run_unref(run);
                td_report_free(report);
                return r;
        }

        run->budget_ms = opts->timeout_ms ? opts->timeout_ms : TD_ENGINE_DEFAULT_TIMEOUT_MS;
        int64_t start = td_now_monotonic_ms();
        run->deadline_ms = start + run->budget_ms;
        report->started = td_context_now(ctx);

        run_loop(run);

        engine_cancel_detach(run);
        report->duration_ms = td_now_monotonic_ms() - start;
        engine_run_unref(run);
        *ret_report = report;
        return 0;
}

void td_report_free(TdReport *report) {
        if (!report)
                return;
        for (size_t i = 0; i < report->n_results; i++)
                td_result_clear(&report->results[i]);
        free(report->results);
        free(report);
}

int td_report_exit_code(const TdReport *report) {
        if (report->cancelled)
                return TD_ENGINE_EXIT_CANCELLED;
        if (report->counts[TD_STATUS_FAIL] || report->counts[TD_STATUS_ERROR])
                return 2;
        if (report->counts[TD_STATUS_WARN])
                return 1;
        return 0;
}
