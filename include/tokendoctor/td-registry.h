/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The checks built into this program (checks/, collected by meson into a generated table). The
 * engine itself knows no checks: it runs the table a frontend gives it.
 */
#pragma once

#include <stddef.h>

#include "td-check.h"

/* The built-in checks, in display order. Borrowed, static. */
const TdCheck *const *td_registry_get(size_t *ret_n);
/* The built-in check named @id, or NULL. */
const TdCheck *td_registry_find(const char *id);
