/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdbool.h>
#include <stdio.h>

#include "td-timings.h"

#define TICK_MS 5

static struct {
        bool enabled;
        gint64 last_tick; /* µs */
        gint64 worst;     /* µs, in the run going on */
        bool running;
} timings;

static gboolean tick(gpointer unused) {
        gint64 now = g_get_monotonic_time();
        /* The gap beyond the timer's own period is time the loop was not free to run it. */
        gint64 stall = now - timings.last_tick - TICK_MS * 1000;
        if (timings.running && stall > timings.worst)
                timings.worst = stall;
        timings.last_tick = now;
        return G_SOURCE_CONTINUE;
}

void td_timings_init(void) {
        timings.enabled = g_getenv("TOKENDOCTOR_GTK_TIMINGS") != NULL;
        if (!timings.enabled)
                return;
        timings.last_tick = g_get_monotonic_time();
        g_timeout_add(TICK_MS, tick, NULL);
}

static gboolean on_first_draw(GtkWidget *window, cairo_t *cr, gpointer unused) {
        fprintf(stderr, "td-timings first-draw %" G_GINT64_FORMAT "\n", g_get_monotonic_time());
        fflush(stderr);
        g_signal_handlers_disconnect_by_func(window, on_first_draw, NULL);
        return FALSE;
}

void td_timings_watch_window(GtkWidget *window) {
        if (timings.enabled)
                g_signal_connect(window, "draw", G_CALLBACK(on_first_draw), NULL);
}

void td_timings_run_started(void) {
        timings.running = true;
        timings.worst = 0;
        timings.last_tick = g_get_monotonic_time();
}

void td_timings_run_finished(void) {
        if (!timings.enabled || !timings.running)
                return;
        timings.running = false;
        fprintf(stderr, "td-timings run-stall-max-ms %.1f\n", (double) timings.worst / 1000.0);
        fflush(stderr);
}
