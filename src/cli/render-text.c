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

static const char *status_label(TdStatus s) {
        switch (s) {
        case TD_STATUS_PASS:
                return _("PASS");
        case TD_STATUS_WARN:
                return _("WARN");
        case TD_STATUS_FAIL:
                return _("FAIL");
        case TD_STATUS_SKIP:
                return _("SKIP");
        default:
                return _("ERROR");
        }
}

TdTextStyle td_text_style_for(int fd) {
        const char *term = getenv("TERM");
        /* https://no-color.org: any non-empty NO_COLOR turns colour off. */
        bool color = isatty(fd) && isempty(getenv("NO_COLOR")) && !streq_ptr(term, "dumb");
        const char *codeset = nl_langinfo(CODESET);
        return (TdTextStyle){ .color = color, .unicode = codeset && streq(codeset, "UTF-8") };
}

void td_render_header(const TdTextStyle *style, const char *platform_name, const char *profile_id,
                      bool no_token) {
        /* The profile is a file from outside too: its text is shown, never obeyed. */
        _cleanup_free_ char *name = td_terminal_text(platform_name), *id = td_terminal_text(profile_id);
        printf("%s%s%s\n", style->color ? ANSI_BOLD : "", name ? name : "", style->color ? ANSI_RESET : "");
        printf(no_token ? _("One-click check without the token (无锁一键检测), profile %s\n\n")
                        : _("One-click check with the token (插锁一键检测), profile %s\n\n"),
               id ? id : "");
}

/* The longest check id, so that every title starts in one column. */
static int id_width(void) {
        static int width;
        if (!width) {
                size_t n;
                const TdCheck *const *checks = td_registry_get(&n);
                for (size_t i = 0; i < n; i++)
                        if ((int) strlen(checks[i]->id) > width)
                                width = (int) strlen(checks[i]->id);
        }
        return width;
}

void td_render_result(const TdTextStyle *style, const TdResult *r) {
        const char *mark = (style->unicode ? status_marks_unicode : status_marks_ascii)[r->status];
        if (style->color)
                printf("%s%s %-5s" ANSI_RESET, status_colors[r->status], mark, status_label(r->status));
        else
                printf("%s %-5s", mark, status_label(r->status));
        printf(" %-*s %s", id_width(), r->check->id, td_gettext(r->check->title));
        if (r->message && *r->message) {
                /* Messages quote token labels, module errors, server answers and files. */
                _cleanup_free_ char *message = td_terminal_text(r->message);
                /* TRANSLATORS: between a check's title and its message */
                printf("%s%s", _(": "), message ? message : "");
        }
        putchar('\n');

        if (r->status == TD_STATUS_PASS || r->status == TD_STATUS_SKIP)
                return;
        if (r->cause)
                printf("         %s %s\n", _("Cause:"), r->cause);
        const char *advice = td_cause_advice(r->cause);
        if (advice)
                printf("         %s %s\n", _("What to do (建议修复项):"), advice);
        if (td_result_has_fix(r)) {
                printf("         %s %s\n", _("Repair:"), td_gettext(r->fix.summary));
                printf("         %s tokendoctor fix %s%s\n", _("Run:"), r->check->id,
                       style->fix_options ? style->fix_options : "");
        }
}

void td_render_summary(const TdTextStyle *style, const TdReport *report) {
        const unsigned *n = report->counts;
        printf("\n%s", style->color ? ANSI_BOLD : "");
        printf(_("Summary: %u passed, %u warnings, %u failed, %u errors, %u skipped (%.1f s)"),
               n[TD_STATUS_PASS], n[TD_STATUS_WARN], n[TD_STATUS_FAIL], n[TD_STATUS_ERROR],
               n[TD_STATUS_SKIP], report->duration_ms / 1000.0);
        printf("%s\n", style->color ? ANSI_RESET : "");
        if (report->cancelled)
                printf(_(
                        "Cancelled: the checks that had not finished are marked as skipped (cancelled).\n"));
}

void td_render_verdict(const TdTextStyle *style, const TdVerdict *v, const char *contact) {
        const char *fix_options = style->fix_options ? style->fix_options : "";
        printf("%s", style->color ? ANSI_BOLD : "");
        _cleanup_free_ char *sentence = td_verdict_text(v);
        printf("%s", sentence ? sentence : "");
        printf("%s\n", style->color ? ANSI_RESET : "");
        bool ask_support = false;
        for (size_t i = 0; i < v->n_items; i++) {
                const TdResult *r = v->items[i].result;
                const char *id = r->check->id, *title = td_gettext(r->check->title);
                switch (v->items[i].next) {
                case TD_NEXT_FIX:
                        printf(_("  - %s (%s): run “tokendoctor fix %s%s”.\n"), title, id, id, fix_options);
                        break;
                case TD_NEXT_ADMIN:
                        printf(_("  - %s (%s): ask this computer's administrator to run “tokendoctor fix "
                                 "%s%s” "
                                 "(it asks for the administrator's password).\n"),
                               title, id, id, fix_options);
                        break;
                default:
                        printf(_("  - %s (%s): do what is advised above, or ask the platform's 客服.\n"),
                               title, id);
                        ask_support = true;
                        break;
                }
        }
        if (!ask_support)
                return;
        _cleanup_free_ char *safe = contact ? td_terminal_text(contact) : NULL;
        if (safe)
                printf(_("Platform 客服: %s (send them what “tokendoctor check --json” prints).\n"), safe);
        else
                printf("%s\n",
                       _("Platform 客服: see the platform's home page (send them what “tokendoctor check "
                         "--json” prints)."));
}
