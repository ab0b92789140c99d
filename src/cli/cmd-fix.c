/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor fix ID|--all: run the check, show the repair's plan, ask, make the changes through
 * the repair runner (journalled, rolled back on failure), run the check again to prove it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-platform.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-repair.h"
#include "tokendoctor/td-util.h"
#include "tokendoctor/td-verdict.h"

/* Lines of a file's new content shown in the plan; JSON has all of it. */
#define CONTENT_LINES_SHOWN 12

typedef struct {
        const char *profile;
        const char *root;
        TdStrv ids; /* the checks to repair (--all: every one with a repair) */
        bool all;
        bool dry_run;
        bool yes;
        bool json;
        unsigned timeout_ms;
} FixArgs;

/* One check being repaired. */
typedef struct {
        const TdCheck *check;
        TdResult before;
        TdFixPlan plan;
        char *why;
        const char *status;
        TdRepairOutcome outcome;
        bool attempted;
        TdResult after;
        bool has_after;
} FixItem;

static void fix_help(void) {
        printf(_("Usage: tokendoctor fix ID|--all [OPTIONS]\n\n"
                 "Repair what a check found (修复): show every change first, ask, back up every file,\n"
                 "make the changes, and run the check again to prove the repair worked. Each repair is\n"
                 "kept in a journal so that “tokendoctor undo” puts everything back as it was.\n\n"
                 "  --all                repair everything that has an automatic repair\n"
                 "  --dry-run            show the changes and stop\n"
                 "  --yes                do not ask before changing anything\n"
                 "  --json               print one JSON object\n"
                 "  --profile NAME|FILE  platform profile (default: %s)\n"
                 "  --root DIR           check and repair the system files under DIR instead of /\n"
                 "  --timeout SECONDS    the checks' time limit (default: %u)\n\n"
                 "Exit status: 0 repaired (or nothing to repair), 1 changes made but the check does not\n"
                 "pass yet, 2 a repair failed or cannot be made (what was changed is put back), 64 usage\n"
                 "error, 78 bad profile.\n"),
               TD_PROFILE_DEFAULT, TD_ENGINE_DEFAULT_TIMEOUT_MS / 1000);
}

static int parse_args(int argc, char **argv, FixArgs *args) {
        enum { OPT_ALL = 0x100, OPT_DRY_RUN, OPT_YES, OPT_JSON, OPT_PROFILE, OPT_ROOT, OPT_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "all", no_argument, NULL, OPT_ALL },
                { "dry-run", no_argument, NULL, OPT_DRY_RUN },
                { "yes", no_argument, NULL, OPT_YES },
                { "json", no_argument, NULL, OPT_JSON },
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "root", required_argument, NULL, OPT_ROOT },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                {},
        };
        optind = 0;
        opterr = 0;
        int c, r;
        while ((c = getopt_long(argc, argv, ":hy", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        fix_help();
                        return 1;
                case OPT_ALL:
                        args->all = true;
                        break;
                case OPT_DRY_RUN:
                        args->dry_run = true;
                        break;
                case 'y':
                case OPT_YES:
                        args->yes = true;
                        break;
                case OPT_JSON:
                        args->json = true;
                        break;
                case OPT_PROFILE:
                        if ((r = td_option_profile("fix", optarg, &args->profile)) != 0)
                                return r;
                        break;
                case OPT_ROOT:
                        if ((r = td_option_root("fix", optarg, &args->root)) != 0)
                                return r;
                        break;
                case OPT_TIMEOUT:
                        if ((r = td_option_timeout("fix", optarg, &args->timeout_ms)) != 0)
                                return r;
                        break;
                default:
                        return td_option_error("fix", c, argv);
                }
        }
        for (; optind < argc; optind++) {
                const TdCheck *check = td_registry_find(argv[optind]);
                if (!check)
                        return td_usage_error("fix", _("unknown check id '%s' (see “tokendoctor list”)"),
                                              argv[optind]);
                if (!td_strv_contains((const char *const *) args->ids, check->id) &&
                    td_strv_push(&args->ids, check->id) < 0)
                        return -ENOMEM;
        }
        if (args->all == !!args->ids)
                return td_usage_error("fix", args->all
                                                     ? _("give either check ids or --all, not both")
                                                     : _("which check? Give its id (see “tokendoctor list”) "
                                                         "or --all"));
        return 0;
}

/* --all: every check that declares a repair. */
static int ids_with_repair(TdStrv *ret) {
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        for (size_t i = 0; i < n; i++)
                if (checks[i]->fix && td_strv_push(ret, checks[i]->id) < 0)
                        return -ENOMEM;
        return 0;
}

/* Run @ids (and what they need) under a fresh context; the report in *@ret. */
static int run_checks(const FixArgs *args, const char *const *ids, TdContext **ret_ctx, TdReport **ret) {
        TdContext *ctx;
        int r = td_cli_context_new(args->profile, args->root, &ctx);
        if (r != TD_EXIT_OK)
                return r;
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        TdEngineOptions opts = { .only = ids, .timeout_ms = args->timeout_ms };
        _cleanup_free_ char *error = NULL;
        r = td_engine_run(ctx, checks, n, &opts, ret, &error);
        if (r < 0) {
                td_context_unref(ctx);
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", error ? error : strerror(-r));
        }
        *ret_ctx = ctx;
        return TD_EXIT_OK;
}

static TdResult *find_result(const TdReport *report, const char *id) {
        for (size_t i = 0; i < report->n_results; i++)
                if (streq(report->results[i].check->id, id))
                        return &report->results[i];
        return NULL;
}

static void print_content(const TdChange *c) {
        const char *p = c->content;
        for (int line = 0; p && *p; line++) {
                const char *end = strchrnul(p, '\n');
                if (line == CONTENT_LINES_SHOWN) {
                        printf("        | ...\n");
                        break;
                }
                _cleanup_free_ char *text = strndup(p, (size_t) (end - p));
                _cleanup_free_ char *safe = text ? td_terminal_text(text) : NULL;
                printf("        | %s\n", safe ? safe : "");
                p = *end ? end + 1 : end;
        }
}

/* @argv as a shell would need it typed: each word that is not plain in single quotes, escaped. */
static char *quoted_command(char **argv) {
        _cleanup_strv_free_ TdStrv words = NULL;
        for (char **a = argv; a && *a; a++) {
                bool plain =
                        **a && strspn(*a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                          "-_./=:,+@%") == strlen(*a);
                _cleanup_free_ char *safe = td_terminal_text(*a);
                _cleanup_free_ char *word = NULL;
                if (!safe)
                        return NULL;
                if (plain)
                        word = TAKE_PTR(safe);
                else {
                        /* ' ends a quoted word: '\'' puts one in. */
                        size_t n = 2;
                        for (const char *p = safe; *p; p++)
                                n += *p == '\'' ? 4 : 1;
                        word = malloc(n + 1);
                        if (!word)
                                return NULL;
                        char *o = word;
                        *o++ = '\'';
                        for (const char *p = safe; *p; p++)
                                if (*p == '\'') {
                                        memcpy(o, "'\\''", 4);
                                        o += 4;
                                } else
                                        *o++ = *p;
                        *o++ = '\'';
                        *o = '\0';
                }
                if (td_strv_push(&words, word) < 0)
                        return NULL;
        }
        return td_strv_join((const char *const *) words, " ");
}

static void print_plan(const FixItem *it) {
        printf("\n%s %s — %s\n", _("Repair"), it->check->id, td_gettext(it->before.fix.summary));
        for (size_t i = 0; i < it->plan.n_changes; i++) {
                const TdChange *c = &it->plan.changes[i];
                _cleanup_free_ char *summary = td_terminal_text(c->summary);
                printf("  %zu. %s%s\n", i + 1, c->kind == TD_CHANGE_HELPER ? _("[administrator] ") : "",
                       summary ? summary : "");
                /* Paths, programs and arguments come from profiles and the user's files: escaped. */
                _cleanup_free_ char *path = c->path ? td_terminal_text(c->path) : NULL;
                _cleanup_free_ char *target = c->target ? td_terminal_text(c->target) : NULL;
                switch (c->kind) {
                case TD_CHANGE_WRITE_FILE:
                        printf("     %s %s (%04o)\n", _("write"), path ? path : "", c->mode);
                        print_content(c);
                        break;
                case TD_CHANGE_MOVE_ASIDE:
                        printf("     %s %s -> %s\n", _("move aside"), path ? path : "",
                               target ? target : "");
                        break;
                case TD_CHANGE_WRITE_LINK:
                        printf("     %s %s -> %s\n", _("link"), path ? path : "", target ? target : "");
                        break;
                case TD_CHANGE_RUN: {
                        _cleanup_free_ char *line = quoted_command(c->argv);
                        printf("     %s %s\n", _("run"), line ? line : "");
                        break;
                }
                case TD_CHANGE_HELPER: {
                        _cleanup_free_ char *arg = c->arg ? td_terminal_text(c->arg) : NULL;
                        printf("     %s pkexec tokendoctor-helper %s%s%s\n", _("run"), c->verb,
                               arg ? " " : "", arg ? arg : "");
                        break;
                }
                default:
                        break;
                }
        }
        printf("  %s\n", _("Every file is backed up first; “tokendoctor undo” puts it back."));
        if (it->plan.afterwards)
                printf("  %s %s\n", _("Afterwards:"), it->plan.afterwards);
}

static int ask(const FixArgs *args, size_t n_planned) {
        if (args->yes)
                return 1;
        static TdPinSource source;
        int r = td_cli_confirm(n_planned == 1 ? _("Make this repair?") : _("Make these repairs?"),
                               td_now_monotonic_ms() + 600000, &source);
        if (r == -ENOKEY)
                return -ENOKEY;
        return r > 0;
}

/* Plan each item whose result has an offer; returns how many have a plan. */
static size_t plan_items(TdContext *ctx, FixItem *items, size_t n) {
        static const char *const statuses[] = {
                [TD_FIX_NOTHING] = "nothing-to-fix",
                [TD_FIX_NONE] = "no-repair",
                [TD_FIX_CANNOT] = "cannot",
                [TD_FIX_PLANNED] = "planned",
        };
        size_t planned = 0;
        for (size_t i = 0; i < n; i++) {
                FixItem *it = &items[i];
                int r = td_fix_plan_for(ctx, &it->before, &it->plan, &it->why);
                if (r < 0) {
                        it->why = td_strdup_printf(_("The repair could not be planned: %s."), strerror(-r));
                        r = TD_FIX_CANNOT;
                }
                it->status = statuses[r];
                planned += r == TD_FIX_PLANNED;
        }
        return planned;
}

static void print_item_line(const FixItem *it, const char *contact) {
        if (streq(it->status, "nothing-to-fix"))
                printf(_("%s: nothing to repair (%s).\n"), it->check->id, td_status_word(it->before.status));
        else if (streq(it->status, "no-repair")) {
                _cleanup_free_ char *advice = td_cause_advice_for(it->before.cause, contact);
                printf(_("%s: tokendoctor has no automatic repair for this (%s). What to do: %s\n"),
                       it->check->id, it->before.cause ? it->before.cause : "?",
                       advice ? advice : _("see the check"));
        } else if (streq(it->status, "cannot"))
                printf(_("%s: the repair cannot be made here: %s\n"), it->check->id, it->why);
}

static bool stop_signal_pending(void *user) {
        sigset_t pending;
        return sigpending(&pending) == 0 &&
               (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM));
}

/*
 * Make the planned repairs with SIGINT and SIGTERM held: a Ctrl-C stops before the next change
 * and rolls back what the repair did, instead of killing tokendoctor between a change and its
 * journal entry. Returns true when one came (taken: the caller exits 130).
 */
static bool apply_items(TdRepairOptions *ropts, FixItem *items, size_t n) {
        sigset_t stop, old;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, &old);
        ropts->stop_requested = stop_signal_pending;
        for (size_t i = 0; i < n; i++) {
                FixItem *it = &items[i];
                if (!streq(it->status, "planned"))
                        continue;
                if (stop_signal_pending(NULL)) {
                        it->status = "cancelled";
                        continue;
                }
                it->attempted = true;
                int r = td_repair_apply(ropts, it->check->id, &it->plan, &it->outcome);
                it->status = r == -ECANCELED ? "cancelled" : r < 0 ? "failed" : "applied";
        }
        bool stopped = stop_signal_pending(NULL);
        if (stopped) {
                struct timespec now = { 0 };
                while (sigtimedwait(&stop, NULL, &now) > 0)
                        ;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return stopped;
}

/* Run the repaired checks again, in a new context: facts are read afresh. */
static int verify_items(const FixArgs *args, FixItem *items, size_t n) {
        _cleanup_strv_free_ TdStrv ids = NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(items[i].status, "applied") && td_strv_push(&ids, items[i].check->id) < 0)
                        return -ENOMEM;
        if (!ids)
                return 0;
        TdContext *ctx = NULL;
        TdReport *report = NULL;
        int r = run_checks(args, (const char *const *) ids, &ctx, &report);
        if (r != TD_EXIT_OK)
                return -EIO;
        for (size_t i = 0; i < n; i++) {
                FixItem *it = &items[i];
                if (!streq(it->status, "applied"))
                        continue;
                TdResult *res = find_result(report, it->check->id);
                if (!res) {
                        it->status = "not-verified";
                        continue;
                }
                td_result_init(&it->after, it->check);
                td_result_move(&it->after, res);
                it->has_after = true;
                it->status = it->after.status == TD_STATUS_PASS ? "repaired" : "not-verified";
        }
        td_report_free(report);
        td_context_unref(ctx);
        return 0;
}

static void print_outcome(const FixItem *it) {
        if (streq(it->status, "cancelled")) {
                printf(_("%s: stopped (Ctrl-C): nothing of this repair was changed.\n"), it->check->id);
                return;
        }
        if (streq(it->status, "failed")) {
                printf(_("%s: the repair failed: %s\n"), it->check->id,
                       it->outcome.error ? it->outcome.error : "?");
                if (it->outcome.how_to)
                        printf(_("  To make this change by hand, as administrator: %s\n  then run "
                                 "“tokendoctor check” "
                                 "again.\n"),
                               it->outcome.how_to);
                printf("  %s\n", it->outcome.rollback_failed
                                         ? _("Not everything could be put back; see “tokendoctor undo”.")
                                         : _("Nothing was changed: what had been done is put back."));
                return;
        }
        if (!it->attempted)
                return;
        printf(_("%s: repaired (journal %s; undo: “tokendoctor undo %s”)\n"), it->check->id,
               it->outcome.journal_id, it->outcome.journal_id);
        if (streq(it->status, "repaired"))
                printf("  %s\n", _("The check passes now."));
        else if (it->has_after) {
                _cleanup_free_ char *msg = td_terminal_text(it->after.message ? it->after.message : "");
                printf(_("  The check does not pass yet (%s): %s\n"), td_status_word(it->after.status),
                       msg ? msg : "");
        }
        if (it->plan.afterwards)
                printf("  %s %s\n", _("Afterwards:"), it->plan.afterwards);
}

static int exit_status(const FixItem *items, size_t n) {
        int status = TD_EXIT_OK;
        for (size_t i = 0; i < n; i++) {
                const char *s = items[i].status;
                if (streq(s, "failed") || streq(s, "cannot") || streq(s, "no-repair"))
                        status = TD_EXIT_FAIL;
                else if (streq(s, "not-verified") && status == TD_EXIT_OK)
                        status = TD_EXIT_WARN;
        }
        return status;
}

static int print_json(const FixArgs *args, const FixItem *items, size_t n, const char *profile_id,
                      const char *contact) {
        _cleanup_free_ TdFixReportItem *out = calloc(n ? n : 1, sizeof *out);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                out[i] = (TdFixReportItem){
                        .check = items[i].check,
                        .status = items[i].status,
                        .before = &items[i].before,
                        .plan = items[i].plan.n_changes ? &items[i].plan : NULL,
                        .why = items[i].why,
                        .outcome = items[i].attempted ? &items[i].outcome : NULL,
                        .after = items[i].has_after ? &items[i].after : NULL,
                };
        _cleanup_free_ char *json = td_fix_report_to_json(out, n, profile_id, contact, args->dry_run, true);
        if (!json)
                return -ENOMEM;
        puts(json);
        return 0;
}

static int fix_run(const FixArgs *args) {
        TdContext *ctx = NULL;
        TdReport *report = NULL;
        int r = run_checks(args, (const char *const *) args->ids, &ctx, &report);
        if (r != TD_EXIT_OK)
                return r;
        const TdProfile *profile = td_context_get_profile(ctx);
        _cleanup_free_ char *profile_id = strdup(profile->id ? profile->id : "");
        size_t n = td_strv_length((const char *const *) args->ids);
        FixItem *items = calloc(n ? n : 1, sizeof *items);
        if (!items || !profile_id) {
                td_report_free(report);
                td_context_unref(ctx);
                free(items);
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        }
        for (size_t i = 0; i < n; i++) {
                TdResult *res = find_result(report, args->ids[i]);
                items[i].check = res->check;
                td_result_init(&items[i].before, res->check);
                td_result_move(&items[i].before, res);
        }
        size_t planned = plan_items(ctx, items, n);

        int status = TD_EXIT_OK;
        bool cancelled = false;
        if (!args->json) {
                for (size_t i = 0; i < n; i++) {
                        if (streq(items[i].status, "planned"))
                                print_plan(&items[i]);
                        else if (!args->all || !streq(items[i].status, "nothing-to-fix"))
                                print_item_line(&items[i], profile->support_contact);
                }
                if (args->all && planned == 0)
                        printf("%s\n", _("Nothing to repair: no check found a problem that tokendoctor can "
                                         "repair."));
                fflush(stdout);
        }
        TdRepairOptions ropts = { 0 };
        if (planned > 0 && !args->dry_run) {
                int answer = ask(args, planned);
                if (answer <= 0) {
                        for (size_t i = 0; i < n; i++)
                                if (streq(items[i].status, "planned"))
                                        items[i].status = "declined";
                        if (answer == -ENOKEY)
                                status = td_usage_error("fix",
                                                        _("nobody to ask here (no terminal): add --yes to "
                                                          "make the changes, or --dry-run to see them"));
                        else if (!args->json)
                                printf("%s\n", _("Nothing was changed."));
                } else if ((r = td_repair_options_init(&ropts)) < 0) {
                        status = td_cli_fail("no-home", TD_EXIT_FAIL,
                                             _("the repair journal needs a home directory ($HOME): %s"),
                                             strerror(-r));
                } else {
                        cancelled = apply_items(&ropts, items, n);
                        if (!cancelled)
                                verify_items(args, items, n);
                        if (!args->json)
                                for (size_t i = 0; i < n; i++)
                                        print_outcome(&items[i]);
                }
        }
        if (status == TD_EXIT_OK)
                status = cancelled ? TD_EXIT_CANCELLED : exit_status(items, n);
        /* A usage error printed its own JSON object: one document per run. */
        if (args->json && status != TD_EXIT_USAGE &&
            print_json(args, items, n, profile_id, profile->support_contact) < 0)
                status = td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        for (size_t i = 0; i < n; i++) {
                td_result_clear(&items[i].before);
                if (items[i].has_after)
                        td_result_clear(&items[i].after);
                td_fix_plan_clear(&items[i].plan);
                free(items[i].why);
                td_repair_outcome_clear(&items[i].outcome);
        }
        free(items);
        td_repair_options_clear(&ropts);
        td_report_free(report);
        td_context_unref(ctx);
        return status;
}

int td_cmd_fix(int argc, char **argv) {
        FixArgs args = { .profile = TD_PROFILE_DEFAULT };
        int r = parse_args(argc, argv, &args);
        if (r == 0 && args.all)
                r = ids_with_repair(&args.ids);
        if (r == 0)
                r = fix_run(&args);
        else
                r = r == 1 ? TD_EXIT_OK : r < 0 ? TD_EXIT_FAIL : r;
        td_strv_free(args.ids);
        return r;
}
