/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <libintl.h>

#include "td-i18n.h"
#include "td-util.h"

void td_i18n_init(void) {
        _cleanup_free_ char *dir = td_uninstalled_path("TOKENDOCTOR_LOCALEDIR", "po");
        bindtextdomain(GETTEXT_PACKAGE, dir ? dir : TD_LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

const char *td_gettext(const char *msgid) {
        return msgid ? dgettext("tokendoctor", msgid) : NULL;
}
