/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor-p11probe: load one PKCS#11 module and answer in JSON.
 *
 *   session MODULE    load it once, then answer requests (one JSON line each) read from
 *                     standard input until it closes: list, pin-flags, sign (see session.c)
 *   list MODULE       what the module sees (no login), once
 *
 * Vendor modules crash and hang; this small program is the only code that ever calls into
 * one, so tokendoctor survives them and reports them. It writes nothing but its answers, the
 * PIN reaches it only through a pipe, and no token serial or key id is on its command line.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv) {
        /* tokendoctor's threads block SIGINT and SIGTERM (one thread takes them); not ours. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /*
         * A cancelled run kills its helpers' process groups (td_platform_kill_helpers()); a
         * tokendoctor killed outright cannot, so the probe watches for that itself.
         */
        int lifeline = probe_lifeline_start();
        if (lifeline < 0) {
                fprintf(stderr, "tokendoctor-p11probe: cannot watch the parent: %s\n", strerror(-lifeline));
                return 2;
        }
        if (argc == 3 && strcmp(argv[1], "session") == 0)
                return probe_session(argv[2]);
        if (argc == 3 && strcmp(argv[1], "list") == 0) {
                probe_output_init(STDOUT_FILENO, false);
                CK_FUNCTION_LIST *f = probe_load(argv[2]);
                if (!f)
                        return PROBE_EXIT_FAILED;
                int r = probe_list(f);
                probe_unload(f);
                return r;
        }
        fprintf(stderr, "usage: tokendoctor-p11probe session MODULE < REQUESTS\n"
                        "       tokendoctor-p11probe list MODULE\n");
        return 2;
}
