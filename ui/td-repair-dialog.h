/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The repairs about to be made, change by change, for the user to confirm (or not). */
#pragma once

#include <gtk/gtk.h>

#include "td-repair-job.h"

#define TD_TYPE_REPAIR_DIALOG (td_repair_dialog_get_type())
G_DECLARE_FINAL_TYPE(TdRepairDialog, td_repair_dialog, TD, REPAIR_DIALOG, GtkDialog)

/*
 * A modal dialog over @parent showing @job's plans (borrowed: it must outlive the dialog).
 * It answers GTK_RESPONSE_ACCEPT to make the repairs, anything else not to.
 */
TdRepairDialog *td_repair_dialog_new(GtkWindow *parent, const TdRepairJob *job);
