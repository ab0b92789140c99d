/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 签名测试: sign with the CA token's key and verify with its certificate, after renewal too. */
#pragma once

#include <gtk/gtk.h>

#include "td-context-source.h"

#define TD_TYPE_SIGN_PAGE (td_sign_page_get_type())
G_DECLARE_FINAL_TYPE(TdSignPage, td_sign_page, TD, SIGN_PAGE, GtkBox)

/* A page that runs sign.test (and what it stands on) in contexts from @make_context. */
TdSignPage *td_sign_page_new(TdWindowContextFunc make_context, gpointer user);
