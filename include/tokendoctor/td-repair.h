/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Carrying out a fix's plan (td-fix.h): every file kept in a journal entry before it changes,
 * the changes made in order, and on a failure half way everything done so far put back. The
 * entry lets `tokendoctor undo` restore the exact previous state later. Privileged changes are
 * handed to tokendoctor-helper, which keeps its own journal as root; the user's entry records
 * the helper's entry id, so one undo reverses both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "td-fix.h"

/* Owned strings: td_repair_options_clear() frees them. */
typedef struct {
        char *journal_dir; /* the user's journal: $XDG_STATE_HOME/tokendoctor/journal */
        char *helper;      /* tokendoctor-helper's path */
        /*
         * How the helper is started: through @pkexec (its path), or, when NULL, directly (we run
         * as root already: the tests, a root shell).
         */
        char *pkexec;
        unsigned helper_timeout_ms; /* 0: 15 minutes (a package download) */
        /*
         * Asked before each change (NULL: never): true stops the repair there, and what it did
         * is rolled back (-ECANCELED). A change under way is finished first: a package half
         * installed is worse than one installed and then removed again.
         */
        bool (*stop_requested)(void *user);
        void *stop_user;
} TdRepairOptions;

typedef struct {
        char *journal_id;   /* the entry made or undone; NULL when none was made */
        size_t n_done;      /* changes made (before a failure) */
        long failed_change; /* the index of the change that failed, or -1 */
        char *error;        /* translated: what went wrong, or NULL */
        char *how_to;       /* translated: how to do a step by hand (no helper installed), or NULL */
        bool rolled_back;   /* a failure half way, and what was done is put back */
        bool rollback_failed;
} TdRepairOutcome;

void td_repair_outcome_clear(TdRepairOutcome *o);

/*
 * The options of this process: the user's journal ($XDG_STATE_HOME, else ~/.local/state), the
 * installed helper (for a run from the build tree, the build's, as td_uninstalled_path() finds
 * it), and pkexec unless we are root. 0, -ENOENT (neither XDG_STATE_HOME nor HOME is an
 * absolute path) or -ENOMEM.
 */
int td_repair_options_init(TdRepairOptions *o);
void td_repair_options_clear(TdRepairOptions *o);

/*
 * Whether the privileged steps can be started here: the helper is installed, with pkexec and
 * the polkit policy beside it (or we are root). When not, a translated why in *@ret_why.
 */
bool td_repair_helper_available(const TdRepairOptions *o, char **ret_why);

/*
 * Make the changes of @plan, journalled under o->journal_dir in an entry tagged @tag (the
 * check id). 0 when every change was made (the entry's state "applied"); a negative errno
 * when one failed: what was done is rolled back (state "rolled-back") and *@ret says which
 * change and why. Fill-in of *@ret happens in both cases (td_repair_outcome_clear() it).
 */
int td_repair_apply(const TdRepairOptions *o, const char *tag, const TdFixPlan *plan, TdRepairOutcome *ret);

/*
 * Undo the entry @id, or, when NULL, the newest entry still "applied": its files put back
 * (what they held since is kept in the entry), the helper's entries restored, newest first;
 * state "undone". 0, -ENOENT (no such entry / nothing to undo), -EALREADY (already undone or
 * rolled back), or the first error (*@ret says what).
 */
int td_repair_undo(const TdRepairOptions *o, const char *id, TdRepairOutcome *ret);

/* The user's journal directory for @state_home (XDG_STATE_HOME) or @home. New string or NULL. */
char *td_repair_journal_dir(const char *state_home, const char *home);
