/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "td-check.h"
#include "td-engine.h"

/*
 * The `check --json` object of CONTRACT.md for @report. Newly allocated UTF-8 text
 * (free()), or NULL on ENOMEM. @profile_id may be NULL.
 */
char *td_report_to_json(const TdReport *report, const char *profile_id, bool pretty);

/* The `list --json` array for @checks. Newly allocated (free()), or NULL on ENOMEM. */
char *td_checks_to_json(const TdCheck *const *checks, size_t n_checks, bool pretty);
