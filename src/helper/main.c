/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor-helper [--dry-run] VERB [ARG]: pkexec starts it as root for whoever asked, with
 * their arguments. Nothing of the caller's is trusted: the environment is cleared before
 * anything else, the verb and its argument are checked byte by byte against fixed grammars and
 * allow-lists from root's own files, and only then does anything run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "helper.h"
#include "td-util.h"

__attribute__((format(printf, 2, 0))) static void vmessage(const char *prefix, const char *fmt, va_list ap) {
        fprintf(stderr, "tokendoctor-helper: %s", prefix);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void td_helper_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vmessage("", fmt, ap);
        va_end(ap);
}

void td_helper_warning(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vmessage("warning: ", fmt, ap);
        va_end(ap);
}

/* PKEXEC_UID, when it is a plain number: who asked, for messages and the journal only. */
static char *caller_uid(void) {
        const char *v = getenv("PKEXEC_UID");
        if (!v || !*v || strlen(v) > 10 || strspn(v, "0123456789") != strlen(v))
                return NULL;
        return strdup(v);
}

/*
 * Nothing of the caller's environment reaches us or the programs we run: no LD_*, no
 * DEBIAN_FRONTEND or APT_CONFIG, no TOKENDOCTOR_* (this program never looks at one), no
 * locale. (pkexec already cleans most of it; we do not rely on that.)
 */
static int reset_environment(void) {
        if (clearenv() != 0)
                return -1;
        if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 || setenv("LC_ALL", "C.UTF-8", 1) < 0)
                return -1;
        umask(022);
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_free_ char *caller = caller_uid();
        if (reset_environment() < 0) {
                td_helper_error("cannot reset the environment");
                return TD_HELPER_EXIT_FAILED;
        }

        int i = 1;
        if (argc == 2 && streq(argv[1], "--help")) {
                td_helper_print_help();
                return 0;
        }
        if (argc == 2 && streq(argv[1], "--version")) {
                printf("tokendoctor-helper %s\n", TD_VERSION);
                return 0;
        }
        bool dry_run = false;
        if (argc > i && streq(argv[i], "--dry-run")) {
                dry_run = true;
                i++;
        }
        if (geteuid() != 0) {
                td_helper_error("must run as root: start it as `pkexec %s VERB`",
                                TD_LIBEXECDIR "/tokendoctor-helper");
                return TD_HELPER_EXIT_NOT_ROOT;
        }
        if (argc <= i) {
                td_helper_error("missing verb (see --help)");
                return EX_USAGE;
        }
        const TdHelperVerb *verb = td_helper_verb_find(argv[i]);
        if (!verb) {
                _cleanup_free_ char *q = td_helper_quote(argv[i]);
                td_helper_error("unknown verb \"%s\" (see --help)", q ? q : "");
                return EX_USAGE;
        }
        const char *arg = argc > i + 1 ? argv[i + 1] : NULL;
        if (argc > i + 2) {
                td_helper_error("%s: too many arguments", verb->name);
                return EX_USAGE;
        }
        int r = td_helper_verb_check_grammar(verb, arg);
        if (r != 0)
                return r;

        TdHelper h = {
                .verb = verb,
                .arg = arg,
                .dry_run = dry_run,
                .caller_uid = caller,
        };
        if (verb->allowed && (r = verb->allowed(&h)) != 0)
                return r;
        r = verb->apply(&h);
        td_journal_free(h.journal);
        return r;
}
