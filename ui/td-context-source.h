/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the window's parts get a context for each run (see td_window_new()). */
#pragma once

#include <glib.h>

#include "tokendoctor/td-context.h"

/* A new context of the window's profile and --root; NULL and *@ret_error (g_free()) on failure. */
typedef TdContext *(*TdWindowContextFunc)(gpointer user, char **ret_error);
