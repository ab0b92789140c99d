/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-verdict.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-result.h"

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"

static const char *const status_colors[_TD_STATUS_MAX] = {
        [TD_STATUS_PASS] = "\033[32m", [TD_STATUS_WARN] = "\033[33m",  [TD_STATUS_FAIL] = "\033[31m",
        [TD_STATUS_SKIP] = "\033[90m", [TD_STATUS_ERROR] = "\033[35m",
};
static const char *const status_marks_unicode[_TD_STATUS_MAX] = {
        [TD_STATUS_PASS] = "✔", [TD_STATUS_WARN] = "⚠",  [TD_STATUS_FAIL] = "✘",
        [TD_STATUS_SKIP] = "–", [TD_STATUS_ERROR] = "‼",
};
static const char *const status_marks_ascii[_TD_STATUS_MAX] = {
        [TD_STATUS_PASS] = "+", [TD_STATUS_WARN] = "!",  [TD_STATUS_FAIL] = "x",
        [TD_STATUS_SKIP] = "-", [TD_STATUS_ERROR] = "?",
};

TdTextStyle td_text_style_for(int fd) {
        const char *term = getenv("TERM");
        /* https://no-color.org: any non-empty NO_COLOR turns colour off. */
        bool color = isatty(fd) && isempty(getenv("NO_COLOR")) && !streq_ptr(term, "dumb");
        const char *codeset = nl_langinfo(CODESET);
        return (TdTextStyle){ .color = color, .unicode = codeset && streq(codeset, "UTF-8") };
}

void td_render_header(const TdTextStyle *style, const char *platform_name, bool no_token) {
        /* The profile is a file from outside too: its text is shown, never obeyed. */
        _cleanup_free_ char *name = td_terminal_text(platform_name);
        printf("%s%s%s\n", style->color ? ANSI_BOLD : "", name ? name : "", style->color ? ANSI_RESET : "");
        printf("%s\n\n",
               no_token ? _("【无锁一键检测】: this computer's system, network, drivers and browser; "
                            "the CA token (CA 锁, USBKey) need not be plugged in.")
                        : _("【插锁一键检测】: this computer and the CA token (CA 锁, USBKey) "
                            "plugged into it."));
}

/* The widest status word, so that every title starts in one column. */
static int word_columns(void) {
        int width = 0;
        for (int s = 0; s < _TD_STATUS_MAX; s++) {
                int w = td_cli_text_columns(td_status_word((TdStatus) s));
                if (w > width)
                        width = w;
        }
        return width;
}

/* The mark and the status word, padded by terminal columns. */
static void print_status(const TdTextStyle *style, TdStatus status) {
        const char *mark = (style->unicode ? status_marks_unicode : status_marks_ascii)[status];
        const char *word = td_status_word(status);
        int pad = word_columns() - td_cli_text_columns(word);
        if (style->color)
                printf("%s%s %s" ANSI_RESET, status_colors[status], mark, word);
        else
                printf("%s %s", mark, word);
        printf("%*s ", pad > 0 ? pad : 0, "");
}

/* A line under a result, lined up with its title. */
static void print_detail(const char *label, const char *text) {
        printf("%*s%s%s\n", 2 + word_columns() + 1, "", label, text);
}

void td_render_result(const TdTextStyle *style, const TdResult *r) {
        print_status(style, r->status);
        printf("%s", td_gettext(r->check->title));
        if (r->message && *r->message) {
                /* Messages quote token labels, module errors, server answers and files. */
                _cleanup_free_ char *message = td_terminal_text(r->message);
                /* TRANSLATORS: between a check's title and its message */
                printf("%s%s", _(": "), message ? message : "");
        }
        putchar('\n');

        if (r->status == TD_STATUS_PASS || r->status == TD_STATUS_SKIP)
                return;
        _cleanup_free_ char *advice = td_cause_advice_for(r->cause, style->contact);
        _cleanup_free_ char *advice_safe = advice ? td_terminal_text(advice) : NULL;
        if (advice_safe)
                print_detail(_("What to do (【建议修复项】): "), advice_safe);
        if (td_result_has_fix(r)) {
                _cleanup_free_ char *command = td_strdup_printf(
                        "tokendoctor fix %s%s", r->check->id, style->fix_options ? style->fix_options : "");
                const char *summary = td_gettext(r->fix.summary);
                _cleanup_free_ char *line =
                        !command            ? NULL
                        : r->fix.privileged ? td_strdup_printf(_("%s. Ask this computer's administrator to "
                                                                 "run “%s” (it asks for the "
                                                                 "administrator's password)."),
                                                               summary, command)
                                            : td_strdup_printf(_("%s. Run “%s”."), summary, command);
                print_detail(_("Repair: "), line ? line : summary);
        }
        _cleanup_free_ char *request = td_result_support_text(r, style->contact);
        _cleanup_free_ char *safe = request ? td_terminal_text(request) : NULL;
        if (safe)
                print_detail("", safe);
        _cleanup_free_ char *code = td_result_problem_code(r);
        if (code)
                print_detail(_("Problem code: "), code);
}

void td_render_summary(const TdTextStyle *style, const TdReport *report, const TdVerdict *v) {
        if (v->n_deferred > 0) {
                print_status(style, TD_STATUS_SKIP);
                printf(dngettext(GETTEXT_PACKAGE,
                                 "Checks that need the CA token (%zu): this was "
                                 "【无锁一键检测】; they are checked by 【插锁一键检测】 (“tokendoctor "
                                 "check”) with the CA token plugged in.\n",
                                 "Checks that need the CA token (%zu): this was "
                                 "【无锁一键检测】; they are checked by 【插锁一键检测】 (“tokendoctor "
                                 "check”) with the CA token plugged in.\n",
                                 v->n_deferred),
                       v->n_deferred);
        }
        const unsigned *n = v->shown;
        printf("\n%s", style->color ? ANSI_BOLD : "");
        printf(_("Summary: passed %u, notes %u, fix needed %u, can't check %u, not checked %u (%.1f s)"),
               n[TD_STATUS_PASS], n[TD_STATUS_WARN], n[TD_STATUS_FAIL], n[TD_STATUS_ERROR],
               n[TD_STATUS_SKIP], report->duration_ms / 1000.0);
        printf("%s\n", style->color ? ANSI_RESET : "");
        if (report->cancelled)
                printf(_(
                        "Cancelled: the checks that had not finished are marked as skipped (cancelled).\n"));
}

void td_render_verdict(const TdTextStyle *style, const TdVerdict *v) {
        _cleanup_free_ char *sentence = td_verdict_text(v);
        printf("%s%s%s\n", style->color ? ANSI_BOLD : "", sentence ? sentence : "",
               style->color ? ANSI_RESET : "");
        _cleanup_free_ char *next = td_verdict_next_text(v, style->fix_options);
        if (next)
                printf("%s\n", next);
        if (v->code != TD_VERDICT_PROBLEMS && v->code != TD_VERDICT_CANCELLED)
                return;
        _cleanup_free_ char *request = td_support_request_text(style->contact);
        _cleanup_free_ char *safe = request ? td_terminal_text(request) : NULL;
        if (safe)
                printf("%s\n", safe);
}
