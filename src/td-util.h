/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library's own files include the helpers by their short name. */
#pragma once
#include "tokendoctor/td-util.h"

/*
 * The build tree's replacement for an installed path, for uninstalled runs: $@name
 * ($TOKENDOCTOR_P11PROBE, $TOKENDOCTOR_DATADIR, $TOKENDOCTOR_LOCALEDIR, set by meson devenv and
 * the tests), else @build_relative under the meson build tree the program itself runs from
 * (build/src/cli/tokendoctor started directly). NULL for an installed program without the
 * variable. These choose the code tokendoctor runs with the PIN and the data it trusts, so a
 * privileged process must never follow them: secure_getenv() ignores the variables under
 * setuid, setgid or file capabilities; tokendoctor-helper, which pkexec starts as root without
 * that flag, must not call this at all. Not thread-safe
 * against setenv(). A new string (free it), or NULL: none, or out of memory.
 */
char *td_uninstalled_path(const char *name, const char *build_relative);
