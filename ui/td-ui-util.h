/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small GTK helpers the window's widgets share. */
#pragma once

#include <gtk/gtk.h>

/* Destroy every child of @container (a list of rows, a grid of fields). */
void td_ui_remove_children(GtkContainer *container);
/* A message over @parent (NULL: none), closed by its button: @text, and @detail under it. */
void td_ui_show_message(GtkWindow *parent, GtkMessageType type, const char *text, const char *detail);
