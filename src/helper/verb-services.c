/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * start-pcscd and enable-ntp: two switches of the running systemd, each with the state it was
 * in noted first so that undo puts that state back. Both need systemd itself (systemctl and
 * timedatectl talk to it over D-Bus): elsewhere (a container, another init) they say so and
 * change nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "td-util.h"

#define PCSCD_SOCKET "pcscd.socket"
#define KEY_PCSCD_ENABLED "pcscd-socket-enabled"
#define KEY_PCSCD_ACTIVE "pcscd-socket-active"
#define KEY_NTP "ntp"

/* The first line of a program's answer, white space stripped; "" for none. */
static char *first_word(char *out) {
        if (!out)
                return strdup("");
        out[strcspn(out, "\n")] = '\0';
        char *w = strdup(td_strstrip(out));
        free(out);
        return w;
}

/* @argv's answer (its first line), whatever its exit status; NULL after a message when it did not run. */
static char *ask(TdHelper *h, const char *const *argv) {
        const TdHelperRunOptions opts = { .query = true, .any_exit = true };
        char *out = NULL;
        if (td_helper_run(h, argv, &opts, &out) < 0)
                return NULL;
        return first_word(out);
}

static int systemd_needed(const char *verb, const char *instead) {
        if (td_helper_find_program(td_helper_systemctl) && td_helper_systemd_running())
                return 0;
        td_helper_error("%s: systemd is not running on this system (a container, or another init), so "
                        "there is nothing to switch: %s",
                        verb, instead);
        return EX_UNAVAILABLE;
}

/* --- start-pcscd --------------------------------------------------------------------------- */

static const char pcscd_instead[] =
        "start pcscd with the system's own service manager, or run `pcscd` as root";

static int pcscd_possible(TdHelper *h) {
        return systemd_needed("start-pcscd", pcscd_instead);
}

static int pcscd_apply(TdHelper *h) {
        int r = pcscd_possible(h);
        if (r != 0)
                return r;
        const char *systemctl = td_helper_find_program(td_helper_systemctl);
        const char *is_enabled[] = { systemctl, "is-enabled", PCSCD_SOCKET, NULL };
        const char *is_active[] = { systemctl, "is-active", PCSCD_SOCKET, NULL };
        _cleanup_free_ char *enabled = ask(h, is_enabled);
        _cleanup_free_ char *active = ask(h, is_active);
        if (!enabled || !active)
                return TD_HELPER_EXIT_FAILED;
        if (isempty(enabled) || streq(enabled, "not-found")) {
                td_helper_error("start-pcscd: " PCSCD_SOCKET " is not installed: install pcscd first "
                                "(install-package pcscd)");
                return EX_UNAVAILABLE;
        }

        if (td_helper_note(h, KEY_PCSCD_ENABLED, enabled) < 0 ||
            td_helper_note(h, KEY_PCSCD_ACTIVE, active) < 0)
                return td_helper_fail(h);
        const TdHelperRunOptions opts = { 0 };
        const char *unmask[] = { systemctl, "unmask", PCSCD_SOCKET, NULL };
        const char *enable[] = { systemctl, "enable", "--now", PCSCD_SOCKET, NULL };
        if (streq(enabled, "masked") && td_helper_run(h, unmask, &opts, NULL) < 0)
                return td_helper_fail(h);
        if (td_helper_run(h, enable, &opts, NULL) < 0)
                return td_helper_fail(h);
        return td_helper_finish(h);
}

static int pcscd_undo(TdHelper *h, TdJournal *j) {
        const char *enabled = td_journal_get_string(j, KEY_PCSCD_ENABLED);
        const char *active = td_journal_get_string(j, KEY_PCSCD_ACTIVE);
        const char *systemctl = td_helper_find_program(td_helper_systemctl);
        if (!enabled || !active)
                return 0; /* failed before anything was switched */
        if (!systemctl)
                return -ENOENT;
        const TdHelperRunOptions opts = { 0 };
        const char *stop[] = { systemctl, "stop", PCSCD_SOCKET, NULL };
        const char *disable[] = { systemctl, "disable", PCSCD_SOCKET, NULL };
        const char *mask[] = { systemctl, "mask", PCSCD_SOCKET, NULL };
        int r = 0, k;
        if (!streq(active, "active") && (k = td_helper_run(h, stop, &opts, NULL)) < 0)
                r = k;
        if ((streq(enabled, "disabled") || streq(enabled, "masked")) &&
            (k = td_helper_run(h, disable, &opts, NULL)) < 0)
                r = r < 0 ? r : k;
        if (streq(enabled, "masked") && (k = td_helper_run(h, mask, &opts, NULL)) < 0)
                r = r < 0 ? r : k;
        return r;
}

const TdHelperVerb td_helper_verb_start_pcscd = {
        .name = "start-pcscd",
        .summary = "start the PC/SC service now and at every boot (pcscd.socket; unmasked when masked)",
        .apply = pcscd_apply,
        .undo = pcscd_undo,
        .undo_possible = pcscd_possible,
};

/* --- enable-ntp ---------------------------------------------------------------------------- */

static const char ntp_instead[] =
        "turn on time synchronisation with the system's own tool (chrony, ntpsec), or "
        "on the host of this container";

static int ntp_possible(TdHelper *h) {
        int r = systemd_needed("enable-ntp", ntp_instead);
        if (r == 0 && !td_helper_find_program(td_helper_timedatectl)) {
                td_helper_error("enable-ntp: timedatectl is not installed: %s", ntp_instead);
                return EX_UNAVAILABLE;
        }
        return r;
}

static int ntp_apply(TdHelper *h) {
        int r = ntp_possible(h);
        if (r != 0)
                return r;
        const char *timedatectl = td_helper_find_program(td_helper_timedatectl);
        const char *show[] = { timedatectl, "show", "-p", "NTP", "--value", NULL };
        _cleanup_free_ char *before = ask(h, show);
        if (!before)
                return TD_HELPER_EXIT_FAILED;
        if (!streq(before, "yes") && !streq(before, "no")) {
                _cleanup_free_ char *q = td_helper_quote(before);
                td_helper_error("enable-ntp: timedatectl gave \"%s\" for the NTP setting, not yes or no",
                                q ? q : "");
                return EX_UNAVAILABLE;
        }
        if (td_helper_note(h, KEY_NTP, before) < 0)
                return td_helper_fail(h);
        const char *set[] = { timedatectl, "set-ntp", "true", NULL };
        const TdHelperRunOptions opts = { 0 };
        if (td_helper_run(h, set, &opts, NULL) < 0) {
                td_helper_error("enable-ntp: no time synchronisation service? install one "
                                "(install-package systemd-timesyncd)");
                return td_helper_fail(h);
        }
        return td_helper_finish(h);
}

static int ntp_undo(TdHelper *h, TdJournal *j) {
        const char *before = td_journal_get_string(j, KEY_NTP);
        const char *timedatectl = td_helper_find_program(td_helper_timedatectl);
        if (!before || !streq(before, "no"))
                return 0;
        if (!timedatectl)
                return -ENOENT;
        const char *set[] = { timedatectl, "set-ntp", "false", NULL };
        const TdHelperRunOptions opts = { 0 };
        return td_helper_run(h, set, &opts, NULL);
}

const TdHelperVerb td_helper_verb_enable_ntp = {
        .name = "enable-ntp",
        .summary = "turn on network time synchronisation (timedatectl set-ntp true)",
        .apply = ntp_apply,
        .undo = ntp_undo,
        .undo_possible = ntp_possible,
};
