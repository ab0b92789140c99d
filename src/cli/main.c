/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-engine.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"

static const TdVerb verbs[] = {
        { "check", N_("Run the one-click check (一键检测); --no-token without the token (无锁)"),
          td_cmd_check },
        { "list", N_("List every check: id, title, whether it needs the token, whether it can fix"),
          td_cmd_list },
        { "fix", N_("Repair what a check found (修复), after showing every change"), td_cmd_fix },
        { "undo", N_("Put back what a repair changed"), td_cmd_undo },
        { "cert", N_("Show the certificates on the token (证书显示)"), td_cmd_cert },
        { "sign-test", N_("Sign a fresh challenge with the token's key and verify it"), td_cmd_sign_test },
        { "watch", N_("Show token insert/remove events as they happen"), td_cmd_watch },
};

static void print_help(FILE *out) {
        fprintf(out, _("Usage: tokendoctor COMMAND [OPTIONS]\n\n"
                       "Diagnose and repair the CA token (CA锁) set-up for e-bidding platforms.\n\n"
                       "Commands:\n"));
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(out, "  %-10s %s\n", verbs[i].name, td_gettext(verbs[i].summary));
        fprintf(out, _("\nRun “tokendoctor COMMAND --help” for the options of a command.\n"));
}

int main(int argc, char **argv) {
        setlocale(LC_ALL, "");
        /* Numbers on the command line and in files are always written with a '.'. */
        setlocale(LC_NUMERIC, "C");
        td_i18n_init();
        td_cli_set_json_mode(argc, argv);

        if (argc < 2)
                return td_usage_error(NULL, _("missing command"));
        const char *verb = argv[1];
        if (streq(verb, "--help") || streq(verb, "-h") || streq(verb, "help")) {
                print_help(stdout);
                return TD_EXIT_OK;
        }
        if (streq(verb, "--version")) {
                printf("tokendoctor %s\n", TD_VERSION);
                return TD_EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, verb)) {
                        int status = verbs[i].run(argc - 1, argv + 1);
                        /*
                         * A check abandoned on a timeout or a cancel may still be inside libcurl or
                         * OpenSSL: exit() would run their cleanup under it (seen: a crash in
                         * curl_global_init as OPENSSL_cleanup ran). What we printed is flushed; the
                         * rest ends with the process.
                         */
                        if (td_engine_workers_running() > 0) {
                                fflush(stdout);
                                fflush(stderr);
                                _exit(status);
                        }
                        return status;
                }
        return td_usage_error(NULL, _("unknown command '%s'"), verb);
}
