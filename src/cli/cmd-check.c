/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-registry.h"

static void check_help(void) {
        printf(_("Usage: tokendoctor check [OPTIONS]\n\n"
                 "Run every check of the one-click check (一键检测) and show what to repair.\n\n"
                 "  --profile NAME|FILE  platform profile (default: %s)\n"
                 "  --no-token           check without the token (无锁一键检测): skip token checks\n"
                 "  --only ID[,ID...]    run only these checks and what they depend on\n"
                 "  --json               print one JSON object (see CONTRACT.md)\n"
                 "  --root DIR           read system files under DIR instead of /\n"
                 "  --timeout SECONDS    finish within this time (default: %u)\n"
                 "  --pin-stdin          read the token PIN from the first line of standard input\n"
                 "  --debug              add what the checks saw to the details (the token driver's\n"
                 "                       error output)\n\n"
                 "Exit status: 0 all passed, 1 warnings, 2 failures or errors, 64 usage error,\n"
                 "78 bad profile.\n"),
               TD_PROFILE_DEFAULT, TD_ENGINE_DEFAULT_TIMEOUT_MS / 1000);
        printf(_("130 cancelled (Ctrl-C, SIGTERM): what finished is printed, the rest is marked "
                 "cancelled.\n"));
}

static int parse_args(int argc, char **argv, TdRunArgs *args) {
        enum {
                OPT_PROFILE = 0x100,
                OPT_NO_TOKEN,
                OPT_ONLY,
                OPT_JSON,
                OPT_ROOT,
                OPT_TIMEOUT,
                OPT_PIN_STDIN,
                OPT_DEBUG
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "no-token", no_argument, NULL, OPT_NO_TOKEN },
                { "only", required_argument, NULL, OPT_ONLY },
                { "json", no_argument, NULL, OPT_JSON },
                { "root", required_argument, NULL, OPT_ROOT },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "pin-stdin", no_argument, NULL, OPT_PIN_STDIN },
                { "debug", no_argument, NULL, OPT_DEBUG },
                {},
        };
        optind = 0;
        opterr = 0;
        int c, r;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        check_help();
                        return 1;
                case OPT_PROFILE:
                        if ((r = td_option_profile("check", optarg, &args->profile)) != 0)
                                return r;
                        break;
                case OPT_NO_TOKEN:
                        args->no_token = true;
                        break;
                case OPT_ONLY: {
                        _cleanup_strv_free_ TdStrv ids = td_strv_split(optarg, ",");
                        if (!ids)
                                return -ENOMEM;
                        if (!ids[0])
                                return td_usage_error("check", _("--only needs at least one check id"));
                        for (char **id = ids; *id; id++) {
                                if (!td_registry_find(*id))
                                        return td_usage_error(
                                                "check", _("unknown check id '%s' (see “tokendoctor list”)"),
                                                *id);
                                if (!td_strv_contains((const char *const *) args->only, *id) &&
                                    td_strv_push(&args->only, *id) < 0)
                                        return -ENOMEM;
                        }
                        break;
                }
                case OPT_JSON:
                        args->json = true;
                        break;
                case OPT_ROOT:
                        if ((r = td_option_root("check", optarg, &args->root)) != 0)
                                return r;
                        break;
                case OPT_TIMEOUT:
                        if ((r = td_option_timeout("check", optarg, &args->timeout_ms)) != 0)
                                return r;
                        break;
                case OPT_PIN_STDIN:
                        args->pin_stdin = true;
                        break;
                case OPT_DEBUG:
                        args->debug = true;
                        break;
                default:
                        return td_option_error("check", c, argv);
                }
        }
        if (optind < argc)
                return td_usage_error("check", _("unexpected argument '%s'"), argv[optind]);
        return 0;
}

int td_cmd_check(int argc, char **argv) {
        TdRunArgs args = { .profile = TD_PROFILE_DEFAULT };
        int r = parse_args(argc, argv, &args);
        if (r != 0) {
                td_strv_free(args.only);
                return r == 1 ? TD_EXIT_OK : r < 0 ? TD_EXIT_FAIL : r;
        }
        size_t n_checks;
        const TdCheck *const *checks = td_registry_get(&n_checks);
        r = td_cli_run_checks(&args, checks, n_checks, "check");
        td_strv_free(args.only);
        return r;
}
