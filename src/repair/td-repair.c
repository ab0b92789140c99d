/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "td-i18n.h"
#include "td-util.h"
#include "platform/td-process.h"
#include "repair/td-file.h"
#include "repair/td-journal.h"
#include "tokendoctor/td-repair.h"
#include "tokendoctor/td-strv.h"

#define HELPER_DEFAULT_TIMEOUT_MS (15u * 60u * 1000u)
#define RUN_TIMEOUT_MS 60000u
#define POLKIT_POLICY "/usr/share/polkit-1/actions/org.tokendoctor.helper.policy"

static void journal_freep(TdJournal **j) {
        td_journal_free(*j);
}
#define _cleanup_journal_ __attribute__((cleanup(journal_freep)))

void td_repair_outcome_clear(TdRepairOutcome *o) {
        if (!o)
                return;
        free(o->journal_id);
        free(o->error);
        free(o->how_to);
        *o = (TdRepairOutcome){ .failed_change = -1 };
}

char *td_repair_journal_dir(const char *state_home, const char *home) {
        if (!isempty(state_home) && state_home[0] == '/')
                return td_strdup_printf("%s/tokendoctor/journal", state_home);
        if (isempty(home) || home[0] != '/')
                return NULL;
        return td_strdup_printf("%s/.local/state/tokendoctor/journal", home);
}

#ifndef TD_HELPER
#error "TD_HELPER: the installed path of tokendoctor-helper"
#endif
#define PKEXEC "/usr/bin/pkexec"

int td_repair_options_init(TdRepairOptions *o) {
        *o = (TdRepairOptions){ 0 };
        o->journal_dir = td_repair_journal_dir(getenv("XDG_STATE_HOME"), getenv("HOME"));
        if (!o->journal_dir)
                return isempty(getenv("HOME")) ? -ENOENT : -ENOMEM;
        o->helper = td_uninstalled_path("TOKENDOCTOR_HELPER", "src/helper/tokendoctor-helper");
        if (!o->helper)
                o->helper = strdup(TD_HELPER);
        if (geteuid() != 0)
                o->pkexec = strdup(PKEXEC);
        if (!o->helper || (geteuid() != 0 && !o->pkexec)) {
                td_repair_options_clear(o);
                return -ENOMEM;
        }
        return 0;
}

void td_repair_options_clear(TdRepairOptions *o) {
        free(o->journal_dir);
        free(o->helper);
        free(o->pkexec);
        *o = (TdRepairOptions){ 0 };
}

static bool executable(const char *path) {
        return path && access(path, X_OK) == 0;
}

bool td_repair_helper_available(const TdRepairOptions *o, char **ret_why) {
        char *why = NULL;
        if (!executable(o->helper))
                why = td_strdup_printf(_("tokendoctor-helper is not installed (%s)."),
                                       o->helper ? o->helper : "?");
        else if (o->pkexec && !executable(o->pkexec))
                why = td_strdup_printf(
                        _("pkexec is not installed (Debian package: pkexec or policykit-1)."));
        else if (o->pkexec && access(POLKIT_POLICY, R_OK) < 0)
                why = td_strdup_printf(_("tokendoctor's polkit policy is not installed (%s): tokendoctor "
                                         "runs from where it was built, not installed system-wide."),
                                       POLKIT_POLICY);
        if (!why)
                return true;
        if (ret_why)
                *ret_why = why;
        else
                free(why);
        return false;
}

static char *helper_command_line(const TdRepairOptions *o, const char *verb, const char *arg) {
        return td_strdup_printf("sudo %s %s%s%s", o->helper ? o->helper : "tokendoctor-helper", verb,
                                arg ? " " : "", arg ? arg : "");
}

/* The helper's "journal ID" line. */
static char *helper_journal_id(const char *out) {
        for (const char *line = out; line && *line;) {
                const char *end = strchrnul(line, '\n');
                if (td_startswith(line, "journal ")) {
                        _cleanup_free_ char *id = strndup(line + 8, (size_t) (end - line - 8));
                        if (id && td_journal_id_is_valid(id))
                                return TAKE_PTR(id);
                }
                line = *end ? end + 1 : end;
        }
        return NULL;
}

static char *last_line(const char *text) {
        _cleanup_free_ char *copy = strdup(text ? text : "");
        if (!copy)
                return NULL;
        td_strstrip(copy);
        const char *nl = strrchr(copy, '\n');
        return strdup(nl ? nl + 1 : copy);
}

/* Run the helper with @verb and @arg; its journal id in *@ret_id. */
static int run_helper(const TdRepairOptions *o, const char *verb, const char *arg, char **ret_id,
                      TdRepairOutcome *out) {
        char *why = NULL;
        if (!td_repair_helper_available(o, &why)) {
                out->error = why;
                out->how_to = helper_command_line(o, verb, arg);
                return -EOPNOTSUPP;
        }
        const char *argv[6];
        size_t n = 0;
        if (o->pkexec)
                argv[n++] = o->pkexec;
        argv[n++] = o->helper;
        argv[n++] = verb;
        if (arg)
                argv[n++] = arg;
        argv[n] = NULL;
        TdProcessRun run = {
                .argv = argv,
                .timeout_ms = o->helper_timeout_ms ? o->helper_timeout_ms : HELPER_DEFAULT_TIMEOUT_MS,
                .stdout_max = 64 * 1024,
                .stderr_max = 16 * 1024,
        };
        TdProcessResult res = { 0 };
        int r = td_process_run(&run, &res);
        if (r < 0) {
                out->error =
                        td_strdup_printf(_("tokendoctor-helper could not be started: %s."), strerror(-r));
                return r;
        }
        int code = WIFEXITED(res.status) ? WEXITSTATUS(res.status) : -1;
        if (code == 0) {
                *ret_id = helper_journal_id(res.out);
                td_process_result_clear(&res);
                return 0;
        }
        _cleanup_free_ char *said = last_line(res.err);
        if (o->pkexec && (code == 126 || code == 127))
                out->error = td_strdup_printf(_("The administrator password was not given, or this user may "
                                                "not make this change (pkexec: %d)."),
                                              code);
        else if (res.timed_out)
                out->error = td_strdup_printf(
                        _("tokendoctor-helper %s did not finish in time and was stopped."), verb);
        else if (code == 69)
                out->error = td_strdup_printf(_("This system cannot do that step: %s"), said ? said : "");
        else
                out->error = td_strdup_printf(_("tokendoctor-helper %s failed: %s"), verb, said ? said : "");
        td_process_result_clear(&res);
        return code == 69 ? -EOPNOTSUPP : -EIO;
}

static int run_program(const TdChange *c, TdRepairOutcome *out) {
        TdProcessRun run = {
                .argv = (const char *const *) c->argv,
                .timeout_ms = RUN_TIMEOUT_MS,
                .stdout_max = 16 * 1024,
                .stderr_max = 16 * 1024,
        };
        TdProcessResult res = { 0 };
        int r = td_process_run(&run, &res);
        if (r < 0) {
                out->error = td_strdup_printf(_("%s could not be started: %s."), c->argv[0], strerror(-r));
                return r;
        }
        if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) {
                td_process_result_clear(&res);
                return 0;
        }
        _cleanup_free_ char *said = last_line(res.err);
        out->error = res.timed_out ? td_strdup_printf(_("%s did not finish in time."), c->argv[0])
                                   : td_strdup_printf(_("%s failed: %s"), c->argv[0], said ? said : "");
        td_process_result_clear(&res);
        return -EIO;
}

/*
 * Create the directories above @path that are missing, with @mode, each noted in the journal
 * before it is made: a rollback or an undo removes it again when empty, so the tree is left as
 * it was, not with empty directories the repair made.
 */
static int note_mkdir(const char *dir, void *user) {
        return td_journal_note_mkdir(user, dir);
}

static int parent_dir(TdJournal *j, const char *path, mode_t mode) {
        _cleanup_free_ char *dir = strndup(path, (size_t) (strrchr(path, '/') - path));
        if (!dir)
                return -ENOMEM;
        return isempty(dir) ? 0 : td_mkdir_parents(dir, mode, note_mkdir, j);
}

static int apply_change(const TdRepairOptions *o, TdJournal *j, size_t index, const TdChange *c,
                        TdRepairOutcome *out) {
        int r;
        switch (c->kind) {
        case TD_CHANGE_WRITE_FILE:
                if ((r = parent_dir(j, c->path, 0755)) < 0 || (r = td_journal_save_file(j, c->path)) < 0 ||
                    (r = td_file_replace(c->path, c->content, c->content_len, c->mode, (uid_t) -1,
                                         (gid_t) -1)) < 0)
                        out->error =
                                td_strdup_printf(_("%s could not be written: %s."), c->path, strerror(-r));
                return r;
        case TD_CHANGE_MOVE_ASIDE: {
                struct stat st;
                if (lstat(c->target, &st) == 0)
                        r = -EEXIST;
                else if ((r = td_journal_note_rename(j, c->path, c->target)) == 0 &&
                         rename(c->path, c->target) < 0)
                        r = -errno;
                if (r < 0)
                        out->error = td_strdup_printf(_("%s could not be moved aside to %s: %s."), c->path,
                                                      c->target, strerror(-r));
                return r;
        }
        case TD_CHANGE_WRITE_LINK:
                if ((r = parent_dir(j, c->path, 0755)) < 0 || (r = td_journal_save_file(j, c->path)) < 0 ||
                    (r = td_file_replace_symlink(c->path, c->target)) < 0)
                        out->error = td_strdup_printf(_("The link %s could not be made: %s."), c->path,
                                                      strerror(-r));
                return r;
        case TD_CHANGE_RUN:
                /* A program's own files: what it needs made is private to the user (0700). */
                for (char **p = c->paths; p && *p; p++)
                        if ((r = parent_dir(j, *p, 0700)) < 0) {
                                out->error = td_strdup_printf(
                                        _("The directory of %s could not be made: %s."), *p, strerror(-r));
                                return r;
                        }
                for (char **p = c->paths; p && *p; p++)
                        if ((r = td_journal_save_file(j, *p)) < 0) {
                                out->error = td_strdup_printf(_("%s could not be backed up: %s."), *p,
                                                              strerror(-r));
                                return r;
                        }
                return run_program(c, out);
        case TD_CHANGE_HELPER: {
                _cleanup_free_ char *id = NULL;
                if ((r = run_helper(o, c->verb, c->arg, &id, out)) < 0)
                        return r;
                if (!id) {
                        out->error = td_strdup_printf(
                                _("tokendoctor-helper %s did not say where it kept its backup."), c->verb);
                        return -EBADMSG;
                }
                char key[32];
                snprintf(key, sizeof key, "helper.%zu", index);
                return td_journal_set_string(j, key, id);
        }
        default:
                return -EINVAL;
        }
}

/* Restore the helper's entries this user entry names, newest first. */
static int restore_helper_entries(const TdRepairOptions *o, TdJournal *j, size_t n_changes,
                                  TdRepairOutcome *out) {
        int first = 0;
        for (size_t i = n_changes; i-- > 0;) {
                char key[32];
                snprintf(key, sizeof key, "helper.%zu", i);
                const char *id = td_journal_get_string(j, key);
                if (!id)
                        continue;
                _cleanup_free_ char *ignored = NULL;
                TdRepairOutcome sub = { .failed_change = -1 };
                int r = run_helper(o, "restore", id, &ignored, &sub);
                if (r < 0 && first == 0) {
                        first = r;
                        free(out->error);
                        out->error = TAKE_PTR(sub.error);
                        free(out->how_to);
                        out->how_to = TAKE_PTR(sub.how_to);
                }
                td_repair_outcome_clear(&sub);
        }
        return first;
}

static size_t changes_noted(const TdJournal *j) {
        const char *n = td_journal_get_string(j, "changes");
        return n ? (size_t) strtoul(n, NULL, 10) : 0;
}

int td_repair_apply(const TdRepairOptions *o, const char *tag, const TdFixPlan *plan, TdRepairOutcome *ret) {
        *ret = (TdRepairOutcome){ .failed_change = -1 };
        _cleanup_journal_ TdJournal *j = NULL;
        int r = td_journal_create(o->journal_dir, tag, &j);
        if (r < 0) {
                ret->error = td_strdup_printf(_("The repair journal could not be created in %s: %s."),
                                              o->journal_dir, strerror(-r));
                return r;
        }
        ret->journal_id = strdup(td_journal_get_id(j));
        char n_text[32];
        snprintf(n_text, sizeof n_text, "%zu", plan->n_changes);
        if (!ret->journal_id || (r = td_journal_set_string(j, "changes", n_text)) < 0) {
                ret->error = td_strdup_printf("%s", strerror(r < 0 ? -r : ENOMEM));
                return r < 0 ? r : -ENOMEM;
        }
        for (size_t i = 0; i < plan->n_changes; i++) {
                if (o->stop_requested && o->stop_requested(o->stop_user)) {
                        r = -ECANCELED;
                        ret->error = td_strdup_printf(_("Stopped (Ctrl-C) before change %zu."), i + 1);
                } else
                        r = apply_change(o, j, i, &plan->changes[i], ret);
                if (r < 0) {
                        ret->failed_change = (long) i;
                        /* A journal set cannot fail without an error text of its own. */
                        if (!ret->error)
                                ret->error = td_strdup_printf("%s", strerror(-r));
                        /* Named by its summary: it says what the user can do ("close Firefox"). */
                        char *named = plan->changes[i].summary && ret->error
                                              ? td_strdup_printf(_("Step %zu (%s): %s"), i + 1,
                                                                 plan->changes[i].summary, ret->error)
                                              : NULL;
                        if (named) {
                                free(ret->error);
                                ret->error = named;
                        }
                        TdRepairOutcome rb = { .failed_change = -1 };
                        int rr = restore_helper_entries(o, j, i + 1, &rb);
                        int rf = td_journal_restore(j);
                        ret->rolled_back = true;
                        ret->rollback_failed = rr < 0 || rf < 0;
                        td_repair_outcome_clear(&rb);
                        (void) td_journal_set_state(j, ret->rollback_failed ? "rollback-failed"
                                                                            : "rolled-back");
                        return r;
                }
                ret->n_done = i + 1;
        }
        return td_journal_set_state(j, "applied");
}

/*
 * Applied; an undo that failed part way and may be tried again; or a repair that never ended
 * (the program was killed half way): what it changed is still in force.
 */
static bool in_force(const TdJournal *j) {
        const char *state = td_journal_get_state(j);
        return streq_ptr(state, "applied") || streq_ptr(state, "undo-failed") ||
               streq_ptr(state, "applying");
}

static int newest_applied(const char *dir, char **ret_id) {
        _cleanup_strv_free_ char **ids = NULL;
        int r = td_journal_list(dir, &ids);
        if (r < 0)
                return r;
        for (size_t i = td_strv_length((const char *const *) ids); i-- > 0;) {
                _cleanup_journal_ TdJournal *j = NULL;
                if (td_journal_open(dir, ids[i], &j) < 0)
                        continue;
                if (in_force(j)) {
                        *ret_id = strdup(ids[i]);
                        return *ret_id ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

int td_repair_undo(const TdRepairOptions *o, const char *id, TdRepairOutcome *ret) {
        *ret = (TdRepairOutcome){ .failed_change = -1 };
        _cleanup_free_ char *chosen = NULL;
        int r;
        if (!id) {
                if ((r = newest_applied(o->journal_dir, &chosen)) < 0) {
                        ret->error = r == -ENOENT ? td_strdup_printf(_("There is no repair to undo."))
                                                  : td_strdup_printf("%s", strerror(-r));
                        return r;
                }
                id = chosen;
        }
        _cleanup_journal_ TdJournal *j = NULL;
        if ((r = td_journal_open(o->journal_dir, id, &j)) < 0) {
                ret->error = r == -EINVAL   ? td_strdup_printf(_("'%s' is not a repair journal id."), id)
                             : r == -ENOENT ? td_strdup_printf(_("There is no repair %s in %s."), id,
                                                               o->journal_dir)
                                            : td_strdup_printf(_("The journal entry %s cannot be read: %s."),
                                                               id, strerror(-r));
                return r == -EINVAL ? -ENOENT : r;
        }
        ret->journal_id = strdup(id);
        if (!in_force(j)) {
                ret->error = td_strdup_printf(_("The repair %s is not in force (%s): nothing to undo."), id,
                                              td_journal_get_state(j));
                return -EALREADY;
        }
        int rh = restore_helper_entries(o, j, changes_noted(j), ret);
        int rf = td_journal_restore(j);
        if (rf < 0 && !ret->error)
                ret->error = td_strdup_printf(_("Some files could not be put back: %s."), strerror(-rf));
        if (rh < 0 || rf < 0) {
                (void) td_journal_set_state(j, "undo-failed");
                return rh < 0 ? rh : rf;
        }
        return td_journal_set_state(j, "undone");
}
