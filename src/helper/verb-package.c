/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * install-package NAME: one Debian package of the built-in list or of a system profile's
 * [drivers] packages globs, with apt-get from the configured repositories. Undone by removing
 * it again, and only when the dpkg database had it not installed before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

#define KEY_PACKAGE "package"
#define KEY_WAS_INSTALLED "package-was-installed"

static int package_allowed(TdHelper *h) {
        TdHelperAllow allow;
        if (td_helper_allow_load(&allow) < 0)
                return TD_HELPER_EXIT_FAILED;
        bool ok = td_helper_allow_package(&allow, h->arg);
        td_helper_allow_clear(&allow);
        if (!ok) {
                td_helper_error(
                        "install-package: %s is neither a package tokendoctor installs nor one of a system "
                        "profile's [drivers] packages (/etc/tokendoctor/profiles, " TD_DATADIR "/profiles)",
                        h->arg);
                return EX_USAGE;
        }
        return 0;
}

/* Whether dpkg counts @name installed now: 1, 0, or a negative errno. */
static int package_installed(const char *name) {
        _cleanup_dpkg_status_free_ TdDpkgStatus *status = NULL;
        int r = td_helper_dpkg_status(&status);
        if (r < 0)
                return r;
        for (size_t i = 0; i < status->n_packages; i++)
                if (streq(status->packages[i].package, name))
                        return status->packages[i].installed;
        return 0;
}

/*
 * Never asks (a pkexec'd helper has no terminal): -y, and dpkg keeps a configuration file the
 * administrator changed instead of asking. --no-remove: a package that would take another off
 * the system is refused rather than -y agreeing to it.
 */
#define APT_INSTALL_ARGS                                                                                    \
        "install", "-y", "--no-install-recommends", "--no-remove", "-o", "Dpkg::Options::=--force-confdef", \
                "-o", "Dpkg::Options::=--force-confold"

static int package_apply(TdHelper *h) {
        const char *apt_get = td_helper_find_program(td_helper_apt_get);
        if (!apt_get) {
                td_helper_error(
                        "install-package: apt-get is not installed: install %s with this system's own "
                        "package tool",
                        h->arg);
                return EX_UNAVAILABLE;
        }
        int was = package_installed(h->arg);
        if (was < 0) {
                td_helper_error("install-package: cannot read the dpkg database: %s", strerror(-was));
                return EX_UNAVAILABLE;
        }

        const char *install[] = { apt_get, APT_INSTALL_ARGS, "--", h->arg, NULL };
        const TdHelperRunOptions opts = { .timeout_ms = TD_HELPER_TIMEOUT_APT_MS,
                                          .debian_noninteractive = true };
        if (h->dry_run) {
                /*
                 * What apt would do, from its own simulation: no lock taken, and its planner's log
                 * (/var/log/apt/eipp.log.xz, which even -s writes) sent nowhere, so nothing changes.
                 */
                const char *simulate[] = { apt_get,   "-s",
                                           "-o",      "Dir::Log::Planner=/dev/null",
                                           "install", "--no-install-recommends",
                                           "--",      h->arg,
                                           NULL };
                const TdHelperRunOptions sim = { .query = true, .debian_noninteractive = true };
                _cleanup_free_ char *out = NULL;
                td_helper_run(h, install, &opts, NULL);
                if (td_helper_run(h, simulate, &sim, &out) < 0)
                        return TD_HELPER_EXIT_FAILED;
                for (char *line = out, *next; line && *line; line = next) {
                        next = strchr(line, '\n');
                        if (next)
                                *next++ = '\0';
                        _cleanup_free_ char *q = td_helper_quote_n(line, 4096);
                        printf("apt: %s\n", q ? q : "");
                }
                return 0;
        }

        if (td_helper_note(h, KEY_PACKAGE, h->arg) < 0 ||
            td_helper_note(h, KEY_WAS_INSTALLED, was ? "yes" : "no") < 0)
                return td_helper_fail(h);
        if (td_helper_run(h, install, &opts, NULL) < 0)
                return td_helper_fail(h);
        if (package_installed(h->arg) != 1) {
                td_helper_error("install-package: apt-get finished but dpkg does not have %s installed",
                                h->arg);
                return td_helper_fail(h);
        }
        return td_helper_finish(h);
}

static int package_undo(TdHelper *h, TdJournal *j) {
        const char *name = td_journal_get_string(j, KEY_PACKAGE);
        const char *was = td_journal_get_string(j, KEY_WAS_INSTALLED);
        if (!name || !was || !streq(was, "no") || !td_repair_package_name_is_valid(name))
                return 0;
        if (package_installed(name) == 0)
                return 0;
        const char *dpkg = td_helper_find_program(td_helper_dpkg);
        if (!dpkg)
                return -ENOENT;
        /*
         * dpkg, not apt-get: it refuses when an installed package depends on this one, where
         * apt-get -y would take those along. Configuration files stay (--remove, not --purge).
         */
        const char *remove[] = { dpkg, "--remove", "--", name, NULL };
        const TdHelperRunOptions opts = { .timeout_ms = TD_HELPER_TIMEOUT_APT_MS,
                                          .debian_noninteractive = true };
        return td_helper_run(h, remove, &opts, NULL);
}

const TdHelperVerb td_helper_verb_install_package = {
        .name = "install-package",
        .arg_name = "PACKAGE",
        .arg_grammar = "a Debian package name ([a-z0-9][a-z0-9+.-]+, at most 100 bytes)",
        .summary = "install a Debian package tokendoctor or a system profile names (apt-get)",
        .allowed = package_allowed,
        .apply = package_apply,
        .undo = package_undo,
};
