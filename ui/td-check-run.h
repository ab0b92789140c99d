/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One run of the one-click check off the main loop: the engine on a worker thread, its progress
 * and results handed to the main loop as they come, the report at the end. The main loop never
 * waits for a check: a hung one is the engine's to time out or to abandon on Cancel.
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-engine.h"

/* A result as it arrives, before the report: what a row shows while the rest still run. */
typedef struct {
        const TdCheck *check; /* from the registry */
        TdStatus status;
        char *message;
        bool shown; /* td_result_is_shown() */
} TdLiveResult;

typedef struct {
        /* Main thread. @result is borrowed for the call. */
        void (*result)(const TdLiveResult *result, gpointer user);
        /* Main thread: @n_finished of @n_total checks are final. */
        void (*progress)(size_t n_finished, size_t n_total, gpointer user);
} TdCheckRunEvents;

/*
 * Start a run of every check, or of @only (NULL-terminated ids, borrowed until the run ends)
 * and what they depend on, without the token when @no_token, within @timeout_ms (0: the
 * engine's default), on @ctx, which must not be used elsewhere until it ends. @events go to the calling
 * thread's main context, then @done. The GTask keeps @source_object alive until then.
 */
void td_check_run_start(GObject *source_object, TdContext *ctx, bool no_token, const char *const *only,
                        unsigned timeout_ms, TdEngineCancel *cancel, const TdCheckRunEvents *events,
                        gpointer user, GAsyncReadyCallback done, gpointer done_user);
/* The report (free with td_report_free()), or NULL and @error set. */
TdReport *td_check_run_finish(GAsyncResult *result, GError **error);
