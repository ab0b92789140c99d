/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one-click check window: the two checks, their results by category, and the verdict. */
#pragma once

#include <gtk/gtk.h>

#include "tokendoctor/td-context.h"

#define TD_TYPE_WINDOW (td_window_get_type())
G_DECLARE_FINAL_TYPE(TdWindow, td_window, TD, WINDOW, GtkApplicationWindow)

/*
 * A window over @ctx (a reference is taken): its profile and, for support staff, --root. The
 * token is watched on @watch_ctx, a second context of the same profile (the watch has its own
 * thread; a context serves one thread at a time).
 */
TdWindow *td_window_new(GtkApplication *app, TdContext *ctx, TdContext *watch_ctx);
