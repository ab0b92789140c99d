/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-engine.h"

typedef enum {
        JOB_PENDING,
        JOB_RUNNING,
        JOB_DONE,      /* the thread finished; result waiting to be collected */
        JOB_ABANDONED, /* overran its deadline; the thread cleans up after itself */
        JOB_SETTLED,   /* final result in the report */
} JobState;

typedef struct Run Run;

typedef struct {
        Run *run;
        const TdCheck *check;
        bool selected;
        JobState state;
        int64_t started_ms;
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
        pthread_cond_t cond;
        TdContext *ctx;
        Job *jobs;
        size_t n_jobs;
};

static void run_unref(Run *run) {
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
        r.duration_ms = td_now_monotonic_ms() - start;

        pthread_mutex_lock(&run->lock);
        if (job->state == JOB_RUNNING) {
                td_result_move(&job->result, &r);
                job->state = JOB_DONE;
                pthread_cond_broadcast(&run->cond);
        }
        pthread_mutex_unlock(&run->lock);
        td_result_clear(&r);
        run_unref(run);
        return NULL;
}

static Job *find_job(Run *run, const char *id) {
        for (size_t i = 0; i < run->n_jobs; i++)
                if (streq(run->jobs[i].check->id, id))
                        return &run->jobs[i];
        return NULL;
}

static void settle(Job *job, TdStatus status, const char *cause, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void settle(Job *job, TdStatus status, const char *cause, const char *fmt, ...) {
        td_result_clear(&job->result);
        va_list ap;
        va_start(ap, fmt);
        td_result_setv(&job->result, status, cause, fmt, ap);
        va_end(ap);
        job->state = JOB_SETTLED;
}

static void settle_timeout(Job *job, unsigned budget_ms, int64_t ran_ms) {
        _cleanup_free_ char *cause = td_timeout_cause_for(job->check);
        settle(job, TD_STATUS_ERROR, cause ? cause : "engine.timeout",
               _("The check did not finish within %.1f seconds and was stopped."), budget_ms / 1000.0);
        job->result.duration_ms = ran_ms;
}

/* Decide a pending job that cannot run; returns true when it was settled. */
static bool settle_unrunnable(Run *run, Job *job, const TdEngineOptions *opts) {
        if (!job->selected) {
                settle(job, TD_STATUS_SKIP, NULL, _("Not selected (--only)."));
                td_result_add_detail(&job->result, "skip_reason", "not-selected");
                return true;
        }
        if (opts->no_token && (job->check->flags & TD_CHECK_NEEDS_TOKEN)) {
                settle(job, TD_STATUS_SKIP, NULL,
                       _("Skipped: this check needs the token, and this is a check without it "
                         "(--no-token, 无锁检测)."));
                td_result_add_detail(&job->result, "skip_reason", "no-token");
                return true;
        }
        for (const char *const *d = job->check->depends; d && *d; d++) {
                Job *dep = find_job(run, *d);
                if (dep->state != JOB_SETTLED)
                        continue;
                TdStatus st = dep->result.status;
                if (st == TD_STATUS_PASS || st == TD_STATUS_WARN)
                        continue;
                settle(job, TD_STATUS_SKIP, NULL, _("Skipped: it needs %s (%s), which did not pass (%s)."),
                       dep->check->id, td_gettext(dep->check->title), td_status_to_string(st));
                td_result_add_detail(&job->result, "skip_reason", "dependency");
                td_result_add_detail(&job->result, "blocked_by", "%s", dep->check->id);
                return true;
        }
        return false;
}

static bool dependencies_settled(Run *run, const Job *job) {
        for (const char *const *d = job->check->depends; d && *d; d++)
                if (find_job(run, *d)->state != JOB_SETTLED)
                        return false;
        return true;
}

static int launch(Run *run, Job *job, const TdEngineOptions *opts, int64_t run_deadline) {
        unsigned budget = job->check->timeout_ms   ? job->check->timeout_ms
                          : opts->check_timeout_ms ? opts->check_timeout_ms
                                                   : TD_ENGINE_DEFAULT_CHECK_TIMEOUT_MS;
        int64_t now = td_now_monotonic_ms();
        job->started_ms = now;
        job->deadline_ms = now + budget < run_deadline ? now + budget : run_deadline;
        job->budget_ms = (unsigned) (job->deadline_ms - now);
        job->state = JOB_RUNNING;
        job->run = run;
        atomic_fetch_add(&run->refcount, 1);
        int r = pthread_create(&job->thread, NULL, job_thread, job);
        if (r != 0) {
                atomic_fetch_sub(&run->refcount, 1);
                settle(job, TD_STATUS_ERROR, "engine.check-error", _("The check could not be started: %s."),
                       strerror(r));
                return -r;
        }
        return 0;
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
                                        _("unknown check id \"%s\" (see `tokendoctor list`)"), *o);
                        return -EINVAL;
                }
        }
        return 0;
}

static void collect_report(Run *run, TdReport *report, const TdEngineOptions *opts, size_t *emitted) {
        /* Report in the given order as soon as a prefix is final, so live output stays ordered. */
        while (*emitted < run->n_jobs && run->jobs[*emitted].state == JOB_SETTLED) {
                Job *job = &run->jobs[*emitted];
                td_result_move(&report->results[*emitted], &job->result);
                report->counts[report->results[*emitted].status]++;
                if (opts->on_result) {
                        pthread_mutex_unlock(&run->lock);
                        opts->on_result(&report->results[*emitted], opts->on_result_user);
                        pthread_mutex_lock(&run->lock);
                }
                (*emitted)++;
        }
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

        TdReport *report = calloc(1, sizeof *report);
        Run *run = calloc(1, sizeof *run);
        if (!report || !run || !(run->jobs = calloc(n_checks ? n_checks : 1, sizeof(Job))) ||
            !(report->results = calloc(n_checks ? n_checks : 1, sizeof(TdResult)))) {
                if (run)
                        free(run->jobs);
                free(run);
                if (report)
                        free(report->results);
                free(report);
                return -ENOMEM;
        }
        atomic_init(&run->refcount, 1);
        pthread_mutex_init(&run->lock, NULL);
        pthread_condattr_t cattr;
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&run->cond, &cattr);
        pthread_condattr_destroy(&cattr);
        run->ctx = td_context_ref(ctx);
        run->n_jobs = n_checks;
        report->n_results = n_checks;
        for (size_t i = 0; i < n_checks; i++) {
                run->jobs[i].check = checks[i];
                run->jobs[i].selected = selected[i];
                td_result_init(&run->jobs[i].result, checks[i]);
                td_result_init(&report->results[i], checks[i]);
        }

        unsigned max_parallel = opts->max_parallel ? opts->max_parallel : TD_ENGINE_DEFAULT_PARALLEL;
        unsigned budget = opts->timeout_ms ? opts->timeout_ms : TD_ENGINE_DEFAULT_TIMEOUT_MS;
        int64_t start = td_now_monotonic_ms();
        int64_t run_deadline = start + budget;
        report->started = td_context_now(ctx);
        size_t emitted = 0;

        pthread_mutex_lock(&run->lock);
        for (;;) {
                int64_t now = td_now_monotonic_ms();
                unsigned running = 0;
                size_t unsettled = 0;

                /* Collect finished threads and abandon those past their deadline. */
                for (size_t i = 0; i < n_checks; i++) {
                        Job *job = &run->jobs[i];
                        if (job->state == JOB_DONE) {
                                pthread_join(job->thread, NULL);
                                job->state = JOB_SETTLED;
                        } else if (job->state == JOB_RUNNING && now >= job->deadline_ms) {
                                pthread_detach(job->thread);
                                job->state = JOB_ABANDONED;
                                settle_timeout(job, job->budget_ms, now - job->started_ms);
                        }
                }

                /* Decide or launch pending jobs, in the given order. */
                bool progress = true;
                while (progress) {
                        progress = false;
                        running = 0;
                        for (size_t i = 0; i < n_checks; i++)
                                running += run->jobs[i].state == JOB_RUNNING;
                        for (size_t i = 0; i < n_checks; i++) {
                                Job *job = &run->jobs[i];
                                if (job->state != JOB_PENDING)
                                        continue;
                                if (settle_unrunnable(run, job, opts)) {
                                        progress = true;
                                        continue;
                                }
                                if (!dependencies_settled(run, job))
                                        continue;
                                if (now >= run_deadline) {
                                        _cleanup_free_ char *cause = td_timeout_cause_for(job->check);
                                        settle(job, TD_STATUS_ERROR, cause ? cause : "engine.timeout",
                                               _("Not run: the time for the whole check (%.1f s) "
                                                 "ran out first."),
                                               budget / 1000.0);
                                        progress = true;
                                        continue;
                                }
                                if (running >= max_parallel)
                                        continue;
                                launch(run, job, opts, run_deadline);
                                running++;
                                progress = true;
                        }
                }

                collect_report(run, report, opts, &emitted);

                int64_t next_wake = run_deadline;
                for (size_t i = 0; i < n_checks; i++) {
                        Job *job = &run->jobs[i];
                        if (job->state != JOB_SETTLED)
                                unsettled++;
                        if (job->state == JOB_RUNNING && job->deadline_ms < next_wake)
                                next_wake = job->deadline_ms;
                }
                if (unsettled == 0)
                        break;
                if (running == 0) {
                        bool any_done = false;
                        for (size_t i = 0; i < n_checks; i++)
                                any_done |= run->jobs[i].state == JOB_DONE;
                        if (!any_done) {
                                /* Nothing runs and nothing can start: a dependency cycle. */
                                for (size_t i = 0; i < n_checks; i++)
                                        if (run->jobs[i].state == JOB_PENDING)
                                                settle(&run->jobs[i], TD_STATUS_ERROR, "engine.cycle",
                                                       _("Not run: its dependencies form a cycle."));
                        }
                        continue;
                }
                bool any_done = false;
                for (size_t i = 0; i < n_checks; i++)
                        any_done |= run->jobs[i].state == JOB_DONE;
                if (any_done) /* finished while on_result ran unlocked */
                        continue;
                struct timespec ts = { .tv_sec = next_wake / 1000,
                                       .tv_nsec = (long) (next_wake % 1000) * 1000000 };
                pthread_cond_timedwait(&run->cond, &run->lock, &ts);
        }
        pthread_mutex_unlock(&run->lock);

        report->duration_ms = td_now_monotonic_ms() - start;
        run_unref(run);
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
        if (report->counts[TD_STATUS_FAIL] || report->counts[TD_STATUS_ERROR])
                return 2;
        if (report->counts[TD_STATUS_WARN])
                return 1;
        return 0;
}
