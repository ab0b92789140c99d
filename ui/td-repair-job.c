/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>

#include "td-repair-job.h"
#include "tokendoctor/td-check.h"

TdRepairJob *td_repair_job_new(const TdResult *const *results, size_t n) {
        TdRepairJob *job = g_new0(TdRepairJob, 1);
        job->items = g_new0(TdRepairItem, n);
        job->n_items = n;
        for (size_t i = 0; i < n; i++)
                job->items[i].result = results[i];
        return job;
}

void td_repair_job_free(TdRepairJob *job) {
        if (!job)
                return;
        for (size_t i = 0; i < job->n_items; i++) {
                td_fix_plan_clear(&job->items[i].plan);
                g_free(job->items[i].why);
                td_repair_outcome_clear(&job->items[i].outcome);
        }
        g_free(job->items);
        g_free(job);
}

typedef struct {
        TdRepairJob *job;
        TdContext *ctx;
} PlanData;

static void plan_data_free(gpointer data) {
        PlanData *pd = data;
        td_context_unref(pd->ctx);
        g_free(pd);
}

static void plan_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *unused) {
        PlanData *pd = data;
        TdRepairJob *job = pd->job;
        job->n_planned = 0;
        for (size_t i = 0; i < job->n_items; i++) {
                TdRepairItem *it = &job->items[i];
                char *why = NULL;
                int r = td_fix_plan_for(pd->ctx, it->result, &it->plan, &why);
                if (r < 0) {
                        g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_errno(-r), "%s",
                                                g_strerror(-r));
                        return;
                }
                /* The library's string, kept with GLib's allocator for the window. */
                it->why = g_strdup(why);
                free(why);
                it->status = (TdFixPlanStatus) r;
                job->n_planned += r == TD_FIX_PLANNED;
        }
        g_task_return_boolean(task, TRUE);
}

void td_repair_job_plan_async(TdRepairJob *job, TdContext *ctx, GObject *source, GAsyncReadyCallback done,
                              gpointer user) {
        PlanData *pd = g_new0(PlanData, 1);
        pd->job = job;
        pd->ctx = td_context_ref(ctx);
        g_autoptr(GTask) task = g_task_new(source, NULL, done, user);
        g_task_set_task_data(task, pd, plan_data_free);
        g_task_run_in_thread(task, plan_in_thread);
}

gboolean td_repair_job_plan_finish(GAsyncResult *result, GError **error) {
        return g_task_propagate_boolean(G_TASK(result), error);
}

static bool stop_requested(void *user) {
        return g_atomic_int_get(&((TdRepairJob *) user)->stop) != 0;
}

static void apply_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *unused) {
        TdRepairJob *job = data;
        TdRepairOptions ropts;
        int r = td_repair_options_init(&ropts);
        if (r < 0) {
                g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_errno(-r), "%s", g_strerror(-r));
                return;
        }
        ropts.stop_requested = stop_requested;
        ropts.stop_user = job;
        for (size_t i = 0; i < job->n_items; i++) {
                TdRepairItem *it = &job->items[i];
                if (it->status != TD_FIX_PLANNED)
                        continue;
                if (stop_requested(job)) {
                        it->apply_error = -ECANCELED;
                        continue;
                }
                it->attempted = true;
                it->apply_error = td_repair_apply(&ropts, it->result->check->id, &it->plan, &it->outcome);
        }
        td_repair_options_clear(&ropts);
        g_task_return_boolean(task, TRUE);
}

void td_repair_job_apply_async(TdRepairJob *job, GObject *source, GAsyncReadyCallback done, gpointer user) {
        g_autoptr(GTask) task = g_task_new(source, NULL, done, user);
        g_task_set_task_data(task, job, NULL);
        g_task_run_in_thread(task, apply_in_thread);
}

gboolean td_repair_job_apply_finish(GAsyncResult *result, GError **error) {
        return g_task_propagate_boolean(G_TASK(result), error);
}
