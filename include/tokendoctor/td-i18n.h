/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libintl.h>

/* The library's messages are in the "tokendoctor" text domain; frontends with their own
 * gettext macros (GLib's gi18n.h) keep theirs. */
#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "tokendoctor"
#endif
#ifndef _
#define _(s) dgettext(GETTEXT_PACKAGE, s)
#endif
#ifndef N_
#define N_(s) (s)
#endif
/* Translate text of the library's that was marked with N_() (titles, advice), whatever text
 * domain the caller uses. NULL gives NULL. */
const char *td_gettext(const char *msgid);

/*
 * Bind the text domain: the installed locale dir, or $TOKENDOCTOR_LOCALEDIR when set (uninstalled
 * runs: meson devenv, the tests; never in a privileged process). Call once, after setlocale().
 */
void td_i18n_init(void);
