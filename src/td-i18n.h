/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libintl.h>

#define _(s) dgettext(GETTEXT_PACKAGE, s)
#define N_(s) (s)
/* Translate text that was marked with N_() elsewhere (titles, advice). */
#define td_gettext(s) ((s) ? dgettext(GETTEXT_PACKAGE, (s)) : NULL)

/*
 * Bind the text domain: the installed locale dir when it holds our catalogue, else the
 * build tree's (uninstalled runs), or $TOKENDOCTOR_LOCALEDIR when set. Call once, after
 * setlocale().
 */
void td_i18n_init(void);
