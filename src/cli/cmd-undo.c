/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tokendoctor undo [JOURNAL-ID]: put back what a repair changed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-repair.h"
#include "tokendoctor/td-util.h"

static void undo_help(void) {
        printf(_("Usage: tokendoctor undo [JOURNAL-ID] [OPTIONS]\n\n"
                 "Put back everything a repair (“tokendoctor fix”) changed: without an id the newest\n"
                 "repair still in force, else the one named (its id was printed by “fix”). What the\n"
                 "files held since is kept in the journal too, so nothing is lost.\n\n"
                 "  --json               print one JSON object\n\n"
                 "Exit status: 0 undone, 2 nothing to undo or it failed, 64 usage error.\n"));
}

int td_cmd_undo(int argc, char **argv) {
        enum { OPT_JSON = 0x100, OPT_PROFILE, OPT_ROOT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                /* Accepted like fix's: an entry knows its files, root and all. */
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "root", required_argument, NULL, OPT_ROOT },
                {},
        };
        bool json = false;
        optind = 0;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        undo_help();
                        return TD_EXIT_OK;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_PROFILE:
                case OPT_ROOT:
                        break;
                default:
                        return td_option_error("undo", c, argv);
                }
        }
        const char *id = optind < argc ? argv[optind++] : NULL;
        if (optind < argc)
                return td_usage_error("undo", _("unexpected argument '%s'"), argv[optind]);

        TdRepairOptions ropts;
        int r = td_repair_options_init(&ropts);
        if (r < 0)
                return td_cli_fail("no-home", TD_EXIT_FAIL,
                                   _("the repair journal needs a home directory ($HOME): %s"), strerror(-r));
        TdRepairOutcome outcome;
        r = td_repair_undo(&ropts, id, &outcome);
        if (json) {
                _cleanup_free_ char *text = td_undo_report_to_json(&outcome, r >= 0, true);
                if (text)
                        puts(text);
        } else if (r >= 0) {
                printf(_("Undone: %s. Every file it changed is back as it was.\n"), outcome.journal_id);
        } else {
                fprintf(stderr, "tokendoctor: %s\n", outcome.error ? outcome.error : strerror(-r));
                if (outcome.how_to)
                        fprintf(stderr, _("To make this change by hand, as administrator: %s\n"),
                                outcome.how_to);
        }
        td_repair_outcome_clear(&outcome);
        td_repair_options_clear(&ropts);
        return r >= 0 ? TD_EXIT_OK : TD_EXIT_FAIL;
}
