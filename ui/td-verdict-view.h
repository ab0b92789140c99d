/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The head of the results: can I renew, what next, whom to call — the CLI's last three lines. */
#pragma once

#include <gtk/gtk.h>

#include "tokendoctor/td-verdict.h"

#define TD_TYPE_VERDICT_VIEW (td_verdict_view_get_type())
G_DECLARE_FINAL_TYPE(TdVerdictView, td_verdict_view, TD, VERDICT_VIEW, GtkBox)

/* Show @verdict (@contact: the profile's [support] contact, or NULL). */
void td_verdict_view_set(TdVerdictView *view, const TdVerdict *verdict, const char *contact);
/* Hide it (a new run started). */
void td_verdict_view_clear(TdVerdictView *view);
