/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor-p11probe: load one PKCS#11 module, do one thing with it, print JSON.
 *
 *   list MODULE                              what the module sees (no login)
 *   sign MODULE SERIAL KEY-ID CHALLENGE      log in with the PIN on stdin and sign CHALLENGE
 *
 * Vendor modules crash and hang; this small program is the only code that ever calls into
 * one, so tokendoctor survives them and reports them. It writes nothing but its answer, and
 * the PIN reaches it only through a pipe.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "probe.h"

int main(int argc, char **argv) {
        /*
         * A module that hangs must not outlive tokendoctor: a cancelled run (Ctrl-C) abandons
         * the check waiting for this probe and exits at once.
         */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* tokendoctor's threads block SIGINT and SIGTERM (one thread takes them); not ours. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (argc == 3 && strcmp(argv[1], "list") == 0)
                return probe_list(argv[2]);
        if (argc == 6 && strcmp(argv[1], "sign") == 0)
                return probe_sign(argv[2], argv[3], argv[4], argv[5]);
        fprintf(stderr, "usage: tokendoctor-p11probe list MODULE\n"
                        "       tokendoctor-p11probe sign MODULE SERIAL KEY-ID CHALLENGE < PIN\n");
        return 2;
}
