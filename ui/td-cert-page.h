/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 证书显示: the certificate on the CA token, with the fields the platform's tool shows. */
#pragma once

#include <gtk/gtk.h>

#include "td-context-source.h"

#define TD_TYPE_CERT_PAGE (td_cert_page_get_type())
G_DECLARE_FINAL_TYPE(TdCertPage, td_cert_page, TD, CERT_PAGE, GtkBox)

/* A page that reads the token in contexts from @make_context (see td_window_new()). */
TdCertPage *td_cert_page_new(TdWindowContextFunc make_context, gpointer user);
/* Read the certificate now (【读取证书】), off the main loop. */
void td_cert_page_read(TdCertPage *page);
