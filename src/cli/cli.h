/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "tokendoctor/td-util.h"
#include "tokendoctor/td-engine.h"

/* Exit statuses of CONTRACT.md. */
enum {
        TD_EXIT_OK = 0,
        TD_EXIT_WARN = 1,
        TD_EXIT_FAIL = 2,
        TD_EXIT_USAGE = 64,
        TD_EXIT_CONFIG = 78,
        TD_EXIT_CANCELLED = TD_ENGINE_EXIT_CANCELLED, /* SIGINT/SIGTERM during the run */
};

typedef struct {
        const char *name;
        const char *summary; /* N_() */
        int (*run)(int argc, char **argv);
} TdVerb;

int td_cmd_check(int argc, char **argv);
int td_cmd_list(int argc, char **argv);
int td_cmd_cert(int argc, char **argv);
int td_cmd_sign_test(int argc, char **argv);
int td_cmd_watch(int argc, char **argv);
int td_cmd_fix(int argc, char **argv);
int td_cmd_undo(int argc, char **argv);

/* What `check` and `sign-test` run with. */
typedef struct {
        const char *profile;
        bool no_token;
        TdStrv only; /* owned by the caller */
        bool json;
        const char *root;
        unsigned timeout_ms;
        bool pin_stdin;
        bool debug; /* --debug: what the checks saw besides their verdict, in the details */
        /* A check that must pass (or warn) for exit status 0, skipped or not: NULL for none. */
        const char *required;
} TdRunArgs;

/*
 * Run @checks with @args, print the results as text or JSON, return the exit status
 * (CONTRACT.md). @verb names the command in usage errors.
 */
int td_cli_run_checks(const TdRunArgs *args, const TdCheck *const *checks, size_t n_checks,
                      const char *verb);

/*
 * Load the profile @profile_name and make a context with it and @root (NULL = /). Returns
 * TD_EXIT_OK and *ret_ctx (td_context_unref() it), or the exit status after printing why
 * (TD_EXIT_CONFIG for a bad profile).
 */
int td_cli_context_new(const char *profile_name, const char *root, TdContext **ret_ctx);

/* Where the PIN comes from (pin-prompt.c). */
typedef struct {
        bool from_stdin;
        bool stdin_used;
        const TdEngineCancel *cancel; /* NULL, or the run's: a cancel ends the wait for the PIN */
} TdPinSource;

/*
 * A TdPinPrompt: @user is a TdPinSource. -ECANCELED, with the terminal as it was, when the
 * run is cancelled while it waits.
 */
int td_cli_pin_prompt(const char *token_label, int64_t deadline_ms, char *buf, size_t size, void *user);
/*
 * A TdConfirm: @user is the TdPinSource. Asks on the controlling terminal (echo on, [y/N]);
 * -ENOKEY without one or with --pin-stdin.
 */
int td_cli_confirm(const char *question, int64_t deadline_ms, void *user);
/*
 * Ctrl-Z (the signal thread's SIGTSTP): stop the process with the terminal as the shell
 * expects it (echo back on if a PIN prompt has it off), and when continued, switch echo off
 * again and repeat the question.
 */
void td_cli_terminal_suspend(void);
/*
 * Held while writing to the terminal, so a PIN prompt, live results and the progress line
 * never interleave. Taking it erases the progress line. Thread-safe.
 */
void td_cli_terminal_lock(void);
/* Take it only if free, without erasing (the progress line's own drawing). */
bool td_cli_terminal_trylock(void);
void td_cli_terminal_unlock(void);
/*
 * With the lock held, for the program's last words: no PIN prompt starts after this (a check
 * abandoned on its thread would switch echo off as the program exits).
 */
void td_cli_terminal_release_locked(void);

/*
 * SIGINT, SIGTERM and SIGTSTP (signals.c): block them in the calling thread, and so in every
 * thread it starts after (call before the engine starts any), and start a thread that takes
 * them: the first two cancel @cancel and kill the helpers, Ctrl-Z stops the process with the
 * terminal restored. 0, or a negative errno.
 */
typedef struct TdCliSignals TdCliSignals;
int td_cli_signals_start(TdEngineCancel *cancel, TdCliSignals **ret);
/*
 * End that thread and restore the signal mask; a signal that came meanwhile still cancels
 * @cancel (it is not left to kill the program). NULL is a no-op.
 */
void td_cli_signals_stop(TdCliSignals *signals);

/*
 * The progress line on a terminal (progress.c), for `check` runs that take over half a second:
 * start it on @fd (standard error, a terminal) before the run, hand it the engine's events
 * (td_cli_progress_event is a TdEngineOptions.on_progress), and stop it before printing the
 * summary: stopping erases it. One at a time per process. start: 0 or a negative errno.
 */
int td_cli_progress_start(int fd, bool unicode);
void td_cli_progress_event(const TdEngineEvent *event, void *user);
void td_cli_progress_stop(void);
/* Erase the line if it is on screen. Terminal lock held (td_cli_terminal_lock() calls it). */
void td_cli_progress_erase_locked(void);

/* With --json anywhere on the command line, failures also print a JSON error object. */
void td_cli_set_json_mode(int argc, char **argv);
bool td_cli_json_mode(void);
/*
 * A verb's failure: "tokendoctor: MESSAGE" on stderr and, in JSON mode, {"error": {@code,
 * message}} on stdout. @code is a stable word (profile, no-token, internal, ...). Returns
 * @exit_status.
 */
int td_cli_fail(const char *code, int exit_status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Print "tokendoctor: MESSAGE" and a hint to stderr (and the JSON error); returns TD_EXIT_USAGE. */
int td_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The usage error for what getopt_long() returned as @c (':' a missing value, anything else an
 * unknown option) at argv[optind - 1]; returns TD_EXIT_USAGE.
 */
int td_option_error(const char *verb, int c, char **argv);

/* Parse "--timeout" seconds (decimal allowed, 0 < s <= 86400) into ms; -EINVAL on junk. */
int td_parse_timeout(const char *s, unsigned *ret_ms);

/*
 * The options every command that runs checks shares: 0 with the value stored, or the usage
 * error's exit status (TD_EXIT_USAGE) after printing it for @verb.
 */
int td_option_profile(const char *verb, const char *arg, const char **ret_profile);
/* --root DIR: an existing directory. */
int td_option_root(const char *verb, const char *arg, const char **ret_root);
int td_option_timeout(const char *verb, const char *arg, unsigned *ret_ms);

/* Terminal columns (columns.c). */
/* The first bytes of @s that fit in @columns columns; *@ret_used (if set): the columns they take. */
size_t td_cli_fit_columns(const char *s, int columns, int *ret_used);
/* The columns @s takes on a terminal (a Chinese character two). */
int td_cli_text_columns(const char *s);

/* Text rendering (render-text.c). */
typedef struct {
        bool color;
        bool unicode;
        /* What `tokendoctor fix ID` needs to repair what this run saw (" --root DIR"), or NULL. */
        const char *fix_options;
        /* The profile's [support] contact, or NULL. */
        const char *contact;
} TdTextStyle;

TdTextStyle td_text_style_for(int fd);
/* The platform's name (the profile's, never empty) and which check runs. */
void td_render_header(const TdTextStyle *style, const char *platform_name, bool no_token);
void td_render_result(const TdTextStyle *style, const TdResult *r);
/*
 * After the results: the one line that stands for the token checks a 无锁 run left out, the
 * counts of what was shown, and whether the run was cancelled.
 */
struct TdVerdict;
void td_render_summary(const TdTextStyle *style, const TdReport *report, const struct TdVerdict *verdict);
/*
 * The last lines of `check`: whether 【CA 续期】 can go on, the next step for the problems (the
 * fix commands, the administrator, or 客服) and how to reach 客服.
 */
void td_render_verdict(const TdTextStyle *style, const struct TdVerdict *verdict);
