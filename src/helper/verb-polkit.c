/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * allow-pcscd: the polkit rule that lets the user of an active local session use pcscd, in
 * the form the installed polkit reads (td_repair_polkit_flavour()). polkitd notices a new
 * rule or .pkla file by itself; nothing is reloaded.
 */
#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

static int allow_pcscd_apply(TdHelper *h) {
        _cleanup_dpkg_status_free_ TdDpkgStatus *status = NULL;
        int r = td_helper_dpkg_status(&status);
        if (r == -ENOMEM)
                return TD_HELPER_EXIT_FAILED;
        if (r < 0) {
                td_helper_error("allow-pcscd: cannot read the dpkg database (%s), so which polkit runs here "
                                "is not known: add the rule by hand",
                                strerror(-r));
                return EX_UNAVAILABLE;
        }
        TdPolkitFlavour flavour = td_repair_polkit_flavour(status);
        if (flavour == TD_POLKIT_NONE) {
                td_helper_error("allow-pcscd: polkit is not installed (neither polkitd nor policykit-1), so "
                                "no polkit rule can apply; install polkitd, or ask the administrator");
                return EX_UNAVAILABLE;
        }

        const char *path = td_repair_polkit_path(flavour);
        const char *text = td_repair_polkit_text(flavour);
        if (td_helper_note(h, "polkit-flavour", td_repair_polkit_flavour_to_string(flavour)) < 0 ||
            td_helper_write(h, path, text, strlen(text), 0644) < 0)
                return td_helper_fail(h);
        return td_helper_finish(h);
}

const TdHelperVerb td_helper_verb_allow_pcscd = {
        .name = "allow-pcscd",
        .summary = "let the user of an active local session use pcscd (a polkit rule)",
        .apply = allow_pcscd_apply,
};
