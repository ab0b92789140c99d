/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running checks for a command: profile, context, engine, rendering. Shared by check and sign-test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-platform.h"
#include "tokendoctor/td-verdict.h"

/* A person typing a PIN is not a hung check: the run may wait this long for them. */
#define PROMPT_RUN_TIMEOUT_MS 300000u

static void render_live(const TdResult *r, void *user) {
        /*
         * With --only, the checks left out are noise on a terminal, and a 无锁 run's token checks
         * are one line at the end (JSON still lists them all).
         */
        if (!td_result_is_shown(r))
                return;
        td_cli_terminal_lock();
        td_render_result(user, r);
        fflush(stdout);
        td_cli_terminal_unlock();
}

static bool will_ask_pin(const TdRunArgs *args, const TdCheck *const *checks, size_t n_checks) {
        if (args->no_token)
                return false;
        for (size_t i = 0; i < n_checks; i++)
                if ((checks[i]->flags & TD_CHECK_NEEDS_PIN) &&
                    (!args->only || td_strv_contains((const char *const *) args->only, checks[i]->id)))
                        return true;
        return false;
}

int td_cli_context_new(const char *profile_name, const char *root, TdContext **ret_ctx) {
        TdProfile *profile = NULL;
        _cleanup_free_ char *error = NULL;
        int r = td_profile_load(profile_name, &profile, &error);
        if (r < 0)
                return td_cli_fail("profile", TD_EXIT_CONFIG, "%s", error ? error : strerror(-r));
        TdContext *ctx = td_context_new();
        r = ctx ? td_context_set_root(ctx, root) : -ENOMEM;
        if (r < 0) {
                td_profile_free(profile);
                td_context_unref(ctx);
                if (r == -ENOMEM)
                        return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
                /* The option was checked when parsed: the directory went away since. */
                return td_usage_error("check", "--root %s: %s", root, strerror(-r));
        }
        td_context_take_profile(ctx, profile);
        *ret_ctx = ctx;
        return TD_EXIT_OK;
}

/* The results, once the run is over: the whole JSON document, or the text summary. */
static int print_report(const TdRunArgs *args, const TdTextStyle *style, const TdReport *report,
                        const char *profile_id, const char *verb) {
        /* `check` ends with the verdict; sign-test's own summary is its result. */
        bool with_verdict = streq_ptr(verb, "check");
        TdVerdict verdict;
        if (td_verdict_from_report(report, args->no_token, &verdict) < 0)
                return -ENOMEM;
        int r = 0;
        /* The last words: no PIN prompt of an abandoned check may start after them. */
        td_cli_terminal_lock();
        if (args->json) {
                _cleanup_free_ char *json = td_check_report_to_json(
                        report, profile_id, with_verdict ? &verdict : NULL, style->contact, true);
                if (!json)
                        r = -ENOMEM;
                else
                        puts(json);
        } else {
                td_render_summary(style, report, &verdict);
                if (with_verdict) {
                        putchar('\n');
                        td_render_verdict(style, &verdict);
                }
        }
        td_verdict_clear(&verdict);
        fflush(stdout);
        td_cli_terminal_release_locked();
        td_cli_terminal_unlock();
        return r;
}

int td_cli_run_checks(const TdRunArgs *args, const TdCheck *const *checks, size_t n_checks,
                      const char *verb) {
        TdContext *ctx;
        int r = td_cli_context_new(args->profile, args->root, &ctx);
        if (r != TD_EXIT_OK)
                return r;
        const TdProfile *profile = td_context_get_profile(ctx);
        const char *platform_name = profile->platform_name;
        const char *profile_id = profile->id ? profile->id : "";
        _cleanup_free_ char *error = NULL;
        /*
         * Both outlive the run, for the program's life (one run each): a check abandoned on its
         * thread (cancelled, overrun) may still be in the PIN prompt, which reads them.
         */
        static TdEngineCancel *cancel;
        static TdPinSource pin_source;
        if (!cancel)
                cancel = td_engine_cancel_new();
        TdCliSignals *signals = NULL;
        /* Before the engine starts a thread: they all inherit the blocked SIGINT and SIGTERM. */
        r = cancel ? td_cli_signals_start(cancel, &signals) : -ENOMEM;
        if (r < 0) {
                td_context_unref(ctx);
                td_log_error("%s", strerror(-r));
                return TD_EXIT_FAIL;
        }
        pin_source = (TdPinSource){ .from_stdin = args->pin_stdin, .cancel = cancel };
        td_context_set_pin_prompt(ctx, td_cli_pin_prompt, &pin_source);
        td_context_set_confirm(ctx, td_cli_confirm, &pin_source);
        td_context_set_debug(ctx, args->debug);

        TdTextStyle style = td_text_style_for(1);
        /* The same system and profile for the repair the results offer. */
        _cleanup_free_ char *fix_options = td_strdup_printf(
                "%s%s%s%s", args->root ? " --root " : "", args->root ? args->root : "",
                streq_ptr(args->profile, TD_PROFILE_DEFAULT) || !args->profile ? "" : " --profile ",
                streq_ptr(args->profile, TD_PROFILE_DEFAULT) || !args->profile ? "" : args->profile);
        _cleanup_free_ char *fix_options_safe = fix_options ? td_terminal_text(fix_options) : NULL;
        style.fix_options = fix_options_safe;
        style.contact = profile->support_contact;
        TdEngineOptions opts = {
                .no_token = args->no_token,
                .only = (const char *const *) args->only,
                .timeout_ms = args->timeout_ms,
                .cancel = cancel,
        };
        if (!opts.timeout_ms && !args->pin_stdin && will_ask_pin(args, checks, n_checks))
                opts.timeout_ms = PROMPT_RUN_TIMEOUT_MS;
        if (!args->json) {
                td_render_header(&style, platform_name, args->no_token);
                fflush(stdout);
                opts.on_result = render_live;
                opts.on_result_user = &style;
        }
        /*
         * A person at a terminal sees the run move; a script reading JSON or a log does not, nor
         * a terminal that cannot erase a line.
         */
        if (!args->json && isatty(STDERR_FILENO) && !streq_ptr(getenv("TERM"), "dumb") &&
            td_cli_progress_start(STDERR_FILENO, td_text_style_for(STDERR_FILENO).unicode) == 0)
                opts.on_progress = td_cli_progress_event;

        TdReport *report = NULL;
        r = td_engine_run(ctx, checks, n_checks, &opts, &report, &error);
        td_cli_progress_stop();
        /* Before anything else: an abandoned check's probe may be about to log in with the PIN. */
        if (td_engine_cancel_is_set(cancel))
                td_platform_kill_helpers();
        if (r < 0) {
                td_cli_signals_stop(signals);
                td_context_unref(ctx);
                if (r == -EINVAL)
                        return td_usage_error(verb, "%s", error ? error : strerror(-r));
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(-r));
        }

        int exit_code = td_report_exit_code(report);
        for (size_t i = 0; args->required && i < report->n_results; i++) {
                const TdResult *res = &report->results[i];
                if (streq(res->check->id, args->required) && res->status != TD_STATUS_PASS &&
                    res->status != TD_STATUS_WARN)
                        exit_code = TD_EXIT_FAIL;
        }
        bool printed = print_report(args, &style, report, profile_id, verb) >= 0;
        /* Only now: a Ctrl-C while the report was printed still leaves a whole document. */
        td_cli_signals_stop(signals);
        if (!printed)
                exit_code = td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        else if (td_engine_cancel_is_set(cancel))
                exit_code = TD_EXIT_CANCELLED;

        td_report_free(report);
        td_context_unref(ctx);
        return exit_code;
}
