/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tokendoctor cert: the certificates on the token, as the renewal page shows them (证书显示). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-token.h"
#include "tokendoctor/td-util.h"

#define CERT_TIMEOUT_MS 20000

static void format_time(time_t t, char *buf, size_t size) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void cert_to_text(const TdCertInfo *c, long days_left) {
        char from[40], until[40];
        format_time(c->not_before, from, sizeof from);
        format_time(c->not_after, until, sizeof until);
        /* Certificate fields are whatever the certificate says: shown, never obeyed. */
        _cleanup_free_ char *serial = td_terminal_text(c->serial), *subject = td_terminal_text(c->subject),
                            *issuer = td_terminal_text(c->issuer);
        /* One format per line: the label and its value are joined as the language joins them. */
        printf(_("Serial number (证书序列号): %s\n"), serial ? serial : "");
        printf(_("Subject (证书使用者): %s\n"), subject ? subject : "");
        printf(_("Validity (证书有效期): %s – %s\n"), from, until);
        printf(_("Issuer (证书颁发机构): %s\n"), issuer ? issuer : "");
        printf(_("Key: %s %d%s\n"), c->key_type, c->key_bits, c->signing ? _(", for signatures") : "");
        if (days_left >= 0)
                printf(_("Days left: %ld\n"), days_left);
        else
                printf(_("Expired %ld days ago\n"), -days_left);
        putchar('\n');
}

int td_cmd_cert(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                { "profile", required_argument, NULL, 'p' },
                {},
        };
        bool json = false;
        const char *profile_name = TD_PROFILE_DEFAULT;
        optind = 0;
        opterr = 0;
        int c, r;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        printf(_("Usage: tokendoctor cert [--json] [--profile NAME|FILE]\n\n"
                                 "Show every certificate on the token (证书显示): serial number, subject, "
                                 "validity,\n"
                                 "issuer and the days left. Exit status 0 when a certificate was shown, 2 "
                                 "when none.\n"));
                        return TD_EXIT_OK;
                case 'j':
                        json = true;
                        break;
                case 'p':
                        if ((r = td_option_profile("cert", optarg, &profile_name)) != 0)
                                return r;
                        break;
                default:
                        return td_option_error("cert", c, argv);
                }
        }
        if (optind < argc)
                return td_usage_error("cert", _("unexpected argument '%s'"), argv[optind]);

        TdContext *ctx;
        r = td_cli_context_new(profile_name, NULL, &ctx);
        if (r != TD_EXIT_OK)
                return r;

        TdTokenInfo *token = NULL;
        r = td_token_info_get(ctx, CERT_TIMEOUT_MS, &token);
        if (r < 0) {
                td_context_unref(ctx);
                if (r == -ENODEV)
                        return td_cli_fail(
                                "no-token", TD_EXIT_FAIL, "%s",
                                _("no CA token is seen (run “tokendoctor check” to find out why)"));
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(-r));
        }

        time_t now = td_context_now(ctx);
        size_t shown = token->n_certs;
        if (json) {
                _cleanup_free_ char *doc = td_token_info_to_json(token, now, true);
                if (doc)
                        puts(doc);
                else
                        r = td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        } else {
                _cleanup_free_ char *label = td_terminal_text(token->label),
                                    *serial = td_terminal_text(token->serial);
                printf(_("Token \"%s\" (serial %s)\n\n"), label ? label : "", serial ? serial : "");
                for (size_t i = 0; i < token->n_certs; i++)
                        cert_to_text(&token->certs[i], td_cert_days_left(&token->certs[i], now));
                if (!shown)
                        printf("%s\n", _("The token holds no certificate."));
        }
        td_token_info_free(token);
        td_context_unref(ctx);
        return shown ? TD_EXIT_OK : TD_EXIT_FAIL;
}
