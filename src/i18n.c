/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <libintl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "td-i18n.h"
#include "td-util.h"

static bool has_catalogue(const char *dir) {
        /* zh_CN is the translation we always ship, so its presence marks a usable dir. */
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/%s.mo", dir, GETTEXT_PACKAGE);
        return access(path, R_OK) == 0;
}

void td_i18n_init(void) {
        const char *dir = getenv("TOKENDOCTOR_LOCALEDIR");
        if (isempty(dir))
                dir = has_catalogue(TD_LOCALEDIR)         ? TD_LOCALEDIR
                      : has_catalogue(TD_BUILD_LOCALEDIR) ? TD_BUILD_LOCALEDIR
                                                          : TD_LOCALEDIR;
        bindtextdomain(GETTEXT_PACKAGE, dir);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

const char *td_gettext(const char *msgid) {
        return msgid ? dgettext("tokendoctor", msgid) : NULL;
}
