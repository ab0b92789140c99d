/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Process-wide set-up of the libraries the adapters use. */
#pragma once

/*
 * Initialise what must be initialised once, before any thread starts (libcurl's global
 * state). 0 or a negative errno. Call once from main().
 */
int td_platform_init(void);
