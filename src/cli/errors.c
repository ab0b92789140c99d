/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How a verb fails: a line on stderr, and with --json also one JSON error object on stdout, so
 * a script that asked for JSON always gets a document to read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-util.h"

static bool json_mode;

void td_cli_set_json_mode(int argc, char **argv) {
        /* Decided before the options are parsed, so that a usage error is JSON too. Options end
         * at "--". */
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "--json"))
                        json_mode = true;
}

bool td_cli_json_mode(void) {
        return json_mode;
}

static int fail_v(const char *code, int exit_status, const char *verb, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));
static int fail_v(const char *code, int exit_status, const char *verb, const char *fmt, va_list ap) {
        _cleanup_free_ char *message = td_strdup_vprintf(fmt, ap);
        td_log_error("%s", message ? message : fmt);
        if (exit_status == TD_EXIT_USAGE)
                fprintf(stderr,
                        verb ? _("Try “tokendoctor %s --help”.\n") : _("Try “tokendoctor --help”.\n"), verb);
        if (json_mode) {
                _cleanup_free_ char *doc = td_error_to_json(code, message ? message : fmt);
                if (doc)
                        puts(doc);
                fflush(stdout);
        }
        return exit_status;
}

int td_cli_fail(const char *code, int exit_status, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = fail_v(code, exit_status, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int td_usage_error(const char *verb, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = fail_v("usage", TD_EXIT_USAGE, verb, fmt, ap);
        va_end(ap);
        return r;
}
