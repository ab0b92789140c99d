/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <string.h>

#include "td-check-run.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-verdict.h"

typedef struct {
        TdContext *ctx;
        bool no_token;
        const char *const *only;
        unsigned timeout_ms;
        TdEngineCancel *cancel;
        TdCheckRunEvents events;
        gpointer user;
        GMainContext *main_context;
        GTask *task; /* borrowed: each event on its way holds a reference */
} RunData;

/* One event on its way from the worker thread to the main loop. */
typedef struct {
        RunData *run;
        GTask *task; /* keeps @run alive until the event is delivered */
        bool is_result;
        TdLiveResult live;
        size_t n_finished, n_total;
} Handover;

static void handover_free(gpointer data) {
        Handover *h = data;
        g_free(h->live.message);
        g_object_unref(h->task);
        g_free(h);
}

static gboolean handover_dispatch(gpointer data) {
        Handover *h = data;
        if (h->is_result && h->run->events.result)
                h->run->events.result(&h->live, h->run->user);
        else if (!h->is_result && h->run->events.progress)
                h->run->events.progress(h->n_finished, h->n_total, h->run->user);
        return G_SOURCE_REMOVE;
}

static void hand_over(RunData *run, Handover *h) {
        h->run = run;
        h->task = g_object_ref(run->task);
        g_main_context_invoke_full(run->main_context, G_PRIORITY_DEFAULT, handover_dispatch, h,
                                   handover_free);
}

/* Worker thread: a copy of what the row needs, never the engine's result itself. */
static void on_result(const TdResult *result, void *user) {
        Handover *h = g_new0(Handover, 1);
        h->is_result = true;
        h->live = (TdLiveResult){
                .check = result->check,
                .status = result->status,
                .message = g_strdup(result->message),
                .shown = td_result_is_shown(result),
        };
        hand_over(user, h);
}

static void on_progress(const TdEngineEvent *event, void *user) {
        if (event->type != TD_ENGINE_EVENT_FINISHED)
                return;
        Handover *h = g_new0(Handover, 1);
        h->n_finished = event->n_finished;
        h->n_total = event->n_total;
        hand_over(user, h);
}

static void run_data_free(gpointer data) {
        RunData *run = data;
        g_main_context_unref(run->main_context);
        g_free(run);
}

static void run_in_thread(GTask *task, gpointer source_object, gpointer task_data, GCancellable *unused) {
        RunData *run = task_data;
        size_t n_checks;
        const TdCheck *const *checks = td_registry_get(&n_checks);
        TdEngineOptions opts = {
                .no_token = run->no_token,
                .only = run->only,
                .timeout_ms = run->timeout_ms,
                .cancel = run->cancel,
                .on_result = on_result,
                .on_result_user = run,
                .on_progress = on_progress,
                .on_progress_user = run,
        };
        TdReport *report = NULL;
        g_autofree char *why = NULL;
        int r = td_engine_run(run->ctx, checks, n_checks, &opts, &report, &why);
        if (r < 0)
                g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_errno(-r), "%s",
                                        why ? why : g_strerror(-r));
        else
                g_task_return_pointer(task, report, (GDestroyNotify) td_report_free);
}

void td_check_run_start(GObject *source_object, TdContext *ctx, bool no_token, const char *const *only,
                        unsigned timeout_ms, TdEngineCancel *cancel, const TdCheckRunEvents *events,
                        gpointer user, GAsyncReadyCallback done, gpointer done_user) {
        RunData *run = g_new0(RunData, 1);
        *run = (RunData){
                .ctx = ctx,
                .no_token = no_token,
                .only = only,
                .timeout_ms = timeout_ms,
                .cancel = cancel,
                .events = *events,
                .user = user,
                .main_context = g_main_context_ref_thread_default(),
        };
        g_autoptr(GTask) task = g_task_new(source_object, NULL, done, done_user);
        g_task_set_source_tag(task, td_check_run_start);
        run->task = task;
        g_task_set_task_data(task, run, run_data_free);
        g_task_run_in_thread(task, run_in_thread);
}

TdReport *td_check_run_finish(GAsyncResult *result, GError **error) {
        g_return_val_if_fail(G_IS_TASK(result), NULL);
        return g_task_propagate_pointer(G_TASK(result), error);
}
