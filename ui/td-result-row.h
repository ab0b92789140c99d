/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One check in the results list: its status and what it found, the advice and repair below. */
#pragma once

#include <gtk/gtk.h>

#include "td-check-run.h"
#include "tokendoctor/td-result.h"

#define TD_TYPE_RESULT_ROW (td_result_row_get_type())
G_DECLARE_FINAL_TYPE(TdResultRow, td_result_row, TD, RESULT_ROW, GtkListBoxRow)

/* A row for @check, shown as still being checked. */
TdResultRow *td_result_row_new(const TdCheck *check);
const TdCheck *td_result_row_get_check(TdResultRow *row);
/* The result as it arrived during the run: status and message. */
void td_result_row_set_live(TdResultRow *row, const TdLiveResult *live);
/*
 * The final result, from the report: status, message and, for a problem, the advice (naming
 * @contact, the profile's [support] contact), the repair and the problem code for 客服.
 */
void td_result_row_set_result(TdResultRow *row, const TdResult *result, const char *contact);
/* A row that stands for the @n token checks a 无锁 run leaves for 插锁一键检测. */
TdResultRow *td_result_row_new_deferred(size_t n);
