/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library's own files include the helpers by their short name. */
#pragma once
#include "tokendoctor/td-util.h"

/*
 * The build tree's replacement for an installed path, for uninstalled runs (meson devenv, the
 * tests): $TOKENDOCTOR_P11PROBE, $TOKENDOCTOR_DATADIR, $TOKENDOCTOR_LOCALEDIR. NULL when @name
 * is unset or empty. These choose the code tokendoctor runs with the PIN and the data it
 * trusts, so a privileged process must never follow them: secure_getenv() ignores them under
 * setuid, setgid or file capabilities; tokendoctor-helper, which pkexec starts as root without
 * that flag, must not call this at all. Borrowed; not thread-safe against setenv().
 */
const char *td_getenv_uninstalled(const char *name);
