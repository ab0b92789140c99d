/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a frontend asks of the adapters as a whole. */
#pragma once

/*
 * Kill the process group of every helper program still running (the PKCS#11 probes): for a
 * frontend that ends a cancelled run, whose abandoned checks may still wait on one. Final: no
 * helper starts after it (the spawn fails with -ECANCELED). Thread-safe; not async-signal-safe (call it from
 * a thread, as the CLI's signal thread does).
 */
void td_platform_kill_helpers(void);
