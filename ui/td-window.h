/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one-click check window: the two checks, their results by category, and the verdict. */
#pragma once

#include <gtk/gtk.h>

#include "td-context-source.h"

#define TD_TYPE_WINDOW (td_window_get_type())
G_DECLARE_FINAL_TYPE(TdWindow, td_window, TD, WINDOW, GtkApplicationWindow)

/*
 * A window over @ctx (a reference is taken): its profile and, for support staff, --root. Each
 * run after the first, and the token watch (its own thread), get a fresh context from
 * @make_context: facts a context keeps would otherwise hide what a repair changed.
 */
TdWindow *td_window_new(GtkApplication *app, TdContext *ctx, TdWindowContextFunc make_context,
                        gpointer user);
