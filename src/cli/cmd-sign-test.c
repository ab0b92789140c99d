/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor sign-test: after renewal, does signing work with the renewed key? Runs sign.test
 * and the checks it stands on (the driver sees the token, the certificate is there), nothing
 * else.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"

static void sign_test_help(void) {
        printf(_("Usage: tokendoctor sign-test [OPTIONS]\n\n"
                 "Sign a fresh random challenge with the token's key and verify the signature with its\n"
                 "certificate. Asks for the PIN without showing it; refuses to try when the token has only\n"
                 "its last PIN try left or is locked.\n\n"
                 "  --pin-stdin          read the PIN from the first line of standard input\n"
                 "  --json               print one JSON object (as check --json)\n"
                 "  --profile NAME|FILE  platform profile (default: %s)\n"
                 "  --timeout SECONDS    finish within this time\n"
                 "  --debug              add what the checks saw to the details (the token driver's\n"
                 "                       error output)\n\n"
                 "Exit status: 0 the signature verified; 2 it did not, could not be made or was not\n"
                 "tried (no PIN); 64 usage error; 78 bad profile; 130 cancelled (Ctrl-C, SIGTERM).\n"),
               TD_PROFILE_DEFAULT);
}

int td_cmd_sign_test(int argc, char **argv) {
        enum { OPT_PIN_STDIN = 0x100, OPT_JSON, OPT_PROFILE, OPT_TIMEOUT, OPT_DEBUG };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "pin-stdin", no_argument, NULL, OPT_PIN_STDIN },
                { "json", no_argument, NULL, OPT_JSON },
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "debug", no_argument, NULL, OPT_DEBUG },
                {},
        };
        /* Not signing (no PIN given, a check before it failed) is not a signature that works. */
        TdRunArgs args = { .profile = TD_PROFILE_DEFAULT, .required = "sign.test" };
        optind = 0;
        opterr = 0;
        int c, r;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        sign_test_help();
                        return TD_EXIT_OK;
                case OPT_PIN_STDIN:
                        args.pin_stdin = true;
                        break;
                case OPT_JSON:
                        args.json = true;
                        break;
                case OPT_PROFILE:
                        if ((r = td_option_profile("sign-test", optarg, &args.profile)) != 0)
                                return r;
                        break;
                case OPT_TIMEOUT:
                        if ((r = td_option_timeout("sign-test", optarg, &args.timeout_ms)) != 0)
                                return r;
                        break;
                case OPT_DEBUG:
                        args.debug = true;
                        break;
                default:
                        return td_option_error("sign-test", c, argv);
                }
        }
        if (optind < argc)
                return td_usage_error("sign-test", _("unexpected argument '%s'"), argv[optind]);

        size_t n_all;
        const TdCheck *const *all = td_registry_get(&n_all);
        _cleanup_free_ bool *selected = calloc(n_all, sizeof *selected);
        _cleanup_free_ const TdCheck **checks = calloc(n_all, sizeof *checks);
        if (!selected || !checks) {
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        }
        if (td_checks_select(all, n_all, TD_STRV("sign.test"), selected) < 0) {
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", _("this build has no signing test"));
        }
        size_t n = 0;
        for (size_t i = 0; i < n_all; i++)
                if (selected[i])
                        checks[n++] = all[i];
        return td_cli_run_checks(&args, checks, n, "sign-test");
}
