/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * install-udev-rule VID:PID: the rule of td_udev_rule_make() (the one token.usb shows), in the
 * file of td_repair_udev_rule_file(), for a token model a system profile names; then udev is
 * told to read it and to replay the device's "add", so the node gets its access now. Without a udevd (a
 * container) the rule is still written; the reload's failure is a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

static int udev_allowed(TdHelper *h) {
        unsigned vendor, product;
        if (td_repair_usb_id_parse(h->arg, &vendor, &product) < 0)
                return EX_USAGE;
        TdHelperAllow allow;
        if (td_helper_allow_load(&allow) < 0)
                return TD_HELPER_EXIT_FAILED;
        bool ok = td_helper_allow_usb_id(&allow, vendor, product);
        td_helper_allow_clear(&allow);
        if (!ok) {
                td_helper_error("install-udev-rule: %s is not a token model of a system profile (usb_ids in "
                                "/etc/tokendoctor/profiles or " TD_DATADIR "/profiles)",
                                h->arg);
                return EX_USAGE;
        }
        return 0;
}

static int udev_reload(TdHelper *h, unsigned vendor) {
        const char *udevadm = td_helper_find_program(td_helper_udevadm);
        if (!udevadm) {
                if (!h->dry_run)
                        td_helper_warning("udevadm is not installed: the rule applies once udev runs");
                return 0;
        }
        char match[32];
        snprintf(match, sizeof match, "--attr-match=idVendor=%04x", vendor);
        const char *reload[] = { udevadm, "control", "--reload-rules", NULL };
        const char *trigger[] = { udevadm, "trigger", "--action=add", "--subsystem-match=usb", match, NULL };
        const TdHelperRunOptions opts = { .warn_only = true };
        (void) td_helper_run(h, reload, &opts, NULL);
        (void) td_helper_run(h, trigger, &opts, NULL);
        return 0;
}

static int udev_apply(TdHelper *h) {
        unsigned vendor, product;
        if (td_repair_usb_id_parse(h->arg, &vendor, &product) < 0)
                return EX_USAGE;
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (td_repair_udev_rule_file(vendor, product, &path, &text) < 0)
                return TD_HELPER_EXIT_FAILED;
        if (td_helper_write(h, path, text, strlen(text), 0644) < 0)
                return td_helper_fail(h);
        udev_reload(h, vendor);
        return td_helper_finish(h);
}

/* The rule file is back as it was (or gone): udev reads the rules again. */
static int udev_undo(TdHelper *h, TdJournal *j) {
        const char *arg = td_journal_get_string(j, "argument");
        unsigned vendor;
        if (td_repair_usb_id_parse(arg, &vendor, NULL) < 0)
                return 0;
        return udev_reload(h, vendor);
}

const TdHelperVerb td_helper_verb_install_udev_rule = {
        .name = "install-udev-rule",
        .arg_name = "VID:PID",
        .arg_grammar = "a USB id VVVV:PPPP (lower-case hex)",
        .summary = "the udev rule that lets the user at the seat open a token of a profile's usb_ids",
        .allowed = udev_allowed,
        .apply = udev_apply,
        .undo = udev_undo,
};
