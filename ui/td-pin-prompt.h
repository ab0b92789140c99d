/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine asks for the PIN (and for leave to take a risk) from a check's worker thread; the
 * window answers in a dialog on the main loop. The PIN goes from the entry into the engine's
 * buffer and nowhere else: the entry is emptied at once (GTK wipes what it deletes).
 */
#pragma once

#include <gtk/gtk.h>

#include "tokendoctor/td-context.h"

typedef struct TdPinHost TdPinHost;

/* Dialogs over @parent (held weakly), on the calling thread's main context. */
TdPinHost *td_pin_host_new(GtkWindow *parent);
/* After every run that used it has ended. NULL is a no-op. */
void td_pin_host_free(TdPinHost *host);
/* Ask through @host for @ctx's PIN prompts and confirmations. */
void td_pin_host_attach(TdPinHost *host, TdContext *ctx);
