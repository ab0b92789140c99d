/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Repairs. A check that can repair what it finds declares a TdFix next to itself: for which
 * of its results it offers a repair (the offer is what `check` shows: the Repair: line, "fix"
 * in JSON), and the plan of changes that performs it. A plan is data: every change is shown
 * before anything changes (`fix --dry-run` stops there), and the runner (td-repair.h) backs up,
 * applies, rolls back and journals each kind of change in one place, so no check writes a file
 * itself.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "td-context.h"
#include "td-result.h"

typedef enum {
        /* Make @path hold @content with mode @mode (what was there is kept for undo). */
        TD_CHANGE_WRITE_FILE,
        /* Rename @path to @target, in the same directory: moved aside, never deleted. */
        TD_CHANGE_MOVE_ASIDE,
        /* Make @path a symbolic link to @target (a unit enabled under --root). */
        TD_CHANGE_WRITE_LINK,
        /*
         * Run @argv as the user (no shell, argv[0] an absolute path). It may change the files in
         * @paths and no others: each is kept before it runs.
         */
        TD_CHANGE_RUN,
        /* `pkexec tokendoctor-helper @verb [@arg]`: a privileged step, journalled by the helper. */
        TD_CHANGE_HELPER,
        _TD_CHANGE_MAX,
} TdChangeKind;

/* One change of a plan. Everything is owned by the plan. */
typedef struct {
        TdChangeKind kind;
        char *summary; /* translated: what this change does, in the words shown before it is made */
        char *path;    /* WRITE_FILE, MOVE_ASIDE, WRITE_LINK: an absolute path of this machine (a --root in
                          front) */
        char *target;  /* MOVE_ASIDE: the new name; WRITE_LINK: the link's text */
        char *content; /* WRITE_FILE */
        size_t content_len;
        unsigned mode; /* WRITE_FILE */
        char **argv;   /* RUN: NULL-terminated */
        char **paths;  /* RUN: NULL-terminated, may be empty */
        char *verb;    /* HELPER */
        char *arg;     /* HELPER: NULL for a verb without one */
} TdChange;

typedef struct {
        TdChange *changes;
        size_t n_changes;
        /*
         * After the changes: what the user still has to do for the repair to take effect
         * (translated; "log out and in again"), or NULL.
         */
        char *afterwards;
} TdFixPlan;

/* Free what @plan owns and empty it; @plan itself is the caller's. */
void td_fix_plan_clear(TdFixPlan *plan);
/* Whether a change of @plan runs as root (a HELPER change). */
bool td_fix_plan_is_privileged(const TdFixPlan *plan);

/*
 * Add a change to @plan. @summary_fmt is a translated printf format. 0, or -ENOMEM, -EINVAL
 * (a relative path, an argv[0] that is not absolute, a target outside @path's directory).
 */
int td_fix_plan_write_file(TdFixPlan *plan, const char *path, const void *content, size_t len, unsigned mode,
                           const char *summary_fmt, ...) __attribute__((format(printf, 6, 7)));
int td_fix_plan_move_aside(TdFixPlan *plan, const char *path, const char *target, const char *summary_fmt,
                           ...) __attribute__((format(printf, 4, 5)));
int td_fix_plan_write_link(TdFixPlan *plan, const char *path, const char *target, const char *summary_fmt,
                           ...) __attribute__((format(printf, 4, 5)));
int td_fix_plan_run(TdFixPlan *plan, const char *const *argv, const char *const *paths,
                    const char *summary_fmt, ...) __attribute__((format(printf, 4, 5)));
int td_fix_plan_helper(TdFixPlan *plan, const char *verb, const char *arg, const char *summary_fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Say what is left for the user after the changes (replaces an earlier text). */
int td_fix_plan_set_afterwards(TdFixPlan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A repair, declared beside its check (TdCheck.fix).
 *
 * offer() decides, from a WARN or FAIL of the check, whether `tokendoctor fix` can repair it
 * here, and fills *@ret (summary: an N_() text; privileged: whether it goes through the helper).
 * It must be honest: it offers only what plan() then does. NULL: every WARN and FAIL is offered
 * with @summary and @privileged.
 *
 * plan() adds to @plan the changes that repair @r (a result the offer accepted, from a run
 * under @ctx: the same root, profile and environment). It reads what it needs through @ctx and
 * changes nothing itself. Returns 0, or a negative errno with a translated reason in
 * *@ret_why (newly allocated; -EOPNOTSUPP: it cannot be done here, e.g. a package under --root).
 */
typedef struct TdFix {
        const char *summary; /* N_() text, what the repair does */
        bool privileged;
        bool (*offer)(const TdContext *ctx, const TdResult *r, TdFixOffer *ret);
        int (*plan)(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why);
} TdFix;

/* What td_fix_plan_for() made of a result. */
typedef enum {
        TD_FIX_NOTHING, /* the result passed or was skipped: nothing to repair */
        TD_FIX_NONE,    /* no repair for it: the advice is what there is */
        TD_FIX_CANNOT,  /* a repair exists but cannot be made here: *ret_why says why */
        TD_FIX_PLANNED, /* *plan holds the changes */
} TdFixPlanStatus;

/*
 * Plan the repair of @result, a result of a run under @ctx (its check's TdFix.plan() when the
 * engine offered one), for every frontend alike. Returns a TdFixPlanStatus, or -ENOMEM. With
 * TD_FIX_CANNOT, *@ret_why is a new translated reason; with TD_FIX_PLANNED, clear @plan after.
 */
int td_fix_plan_for(TdContext *ctx, const TdResult *result, TdFixPlan *plan, char **ret_why);
