/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What bench/window.py measures, printed on standard error when TOKENDOCTOR_GTK_TIMINGS is
 * set (and nothing otherwise): when the first window is drawn (CLOCK_MONOTONIC, µs), and the
 * longest the main loop went without running a 5 ms timer during each check run.
 */
#pragma once

#include <gtk/gtk.h>

void td_timings_init(void);
/* Report @window's first frame. */
void td_timings_watch_window(GtkWidget *window);
/* A check run starts / ends: the longest stall between is reported at the end. */
void td_timings_run_started(void);
void td_timings_run_finished(void);
