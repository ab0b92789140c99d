/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <stdio.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-registry.h"

int td_cmd_list(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                {},
        };
        bool json = false;
        optind = 0;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        printf(_("Usage: tokendoctor list [--json]\n\n"
                                 "List every check: id, title, whether it needs the token, whether it "
                                 "can fix what it finds.\n"));
                        return TD_EXIT_OK;
                case 'j':
                        json = true;
                        break;
                default:
                        return td_option_error("list", c, argv);
                }
        }
        if (optind < argc)
                return td_usage_error("list", _("unexpected argument '%s'"), argv[optind]);

        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        if (json) {
                _cleanup_free_ char *text = td_checks_to_json(checks, n, true);
                if (!text)
                        return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
                puts(text);
                return TD_EXIT_OK;
        }
        for (size_t i = 0; i < n; i++) {
                const TdCheck *chk = checks[i];
                printf("%-16s %s", chk->id, td_gettext(chk->title));
                if (chk->flags & TD_CHECK_NEEDS_TOKEN)
                        printf(_(" [needs the token]"));
                if (chk->fix)
                        printf(_(" [can fix]"));
                putchar('\n');
        }
        return TD_EXIT_OK;
}
