/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Repairs from the window, off the main loop: planned (td_fix_plan_for()) on a worker thread,
 * shown and confirmed by the user, then made (td_repair_apply()) on a worker thread, each
 * journalled and rolled back on failure as `tokendoctor fix` does.
 */
#pragma once

#include <gio/gio.h>

#include "tokendoctor/td-fix.h"
#include "tokendoctor/td-repair.h"

typedef struct {
        const TdResult *result; /* borrowed from the window's report */
        TdFixPlanStatus status;
        TdFixPlan plan;  /* TD_FIX_PLANNED */
        char *why;       /* TD_FIX_CANNOT */
        bool attempted;  /* td_repair_apply() was called */
        int apply_error; /* its return: 0, or a negative errno (-ECANCELED: stopped) */
        TdRepairOutcome outcome;
} TdRepairItem;

typedef struct {
        TdRepairItem *items;
        size_t n_items;
        size_t n_planned;
        gint stop; /* atomic: stop before the next change (what was done is rolled back) */
} TdRepairJob;

/* A job for @results (borrowed: they must outlive it). NULL on ENOMEM. */
TdRepairJob *td_repair_job_new(const TdResult *const *results, size_t n);
void td_repair_job_free(TdRepairJob *job);

/* Plan every item on a worker thread, with @ctx (not in use elsewhere meanwhile). */
void td_repair_job_plan_async(TdRepairJob *job, TdContext *ctx, GObject *source, GAsyncReadyCallback done,
                              gpointer user);
gboolean td_repair_job_plan_finish(GAsyncResult *result, GError **error);

/* Make the planned repairs on a worker thread. */
void td_repair_job_apply_async(TdRepairJob *job, GObject *source, GAsyncReadyCallback done, gpointer user);
gboolean td_repair_job_apply_finish(GAsyncResult *result, GError **error);
