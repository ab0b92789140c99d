/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CA token watched live for the window: the engine's watch (td-watch.h) on its own thread,
 * its events folded into one state handed to the main loop at each change.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "tokendoctor/td-context.h"

typedef enum {
        TD_TOKEN_LOOKING,    /* no answer yet */
        TD_TOKEN_NO_SERVICE, /* pcscd does not answer: the check tells why */
        TD_TOKEN_ABSENT,     /* pcscd answers, no card in any reader */
        TD_TOKEN_MUTE,       /* a card that does not answer */
        TD_TOKEN_PRESENT,    /* a card answers */
} TdTokenPresence;

typedef struct {
        TdTokenPresence presence;
        const char *reader; /* PRESENT, MUTE: the reader it is in */
        const char *model;  /* PRESENT: the model the profile or smartcard_list.txt names, or NULL */
        bool initial;       /* the state found at start, not a change */
} TdTokenState;

typedef void (*TdTokenWatchFunc)(const TdTokenState *state, gpointer user);

typedef struct TdTokenWatch TdTokenWatch;

/*
 * Watch on @ctx (a reference is taken; give it a context no check run uses: the watch runs on
 * its own thread). @func is called on the calling thread's main context at each change.
 * NULL on ENOMEM.
 */
TdTokenWatch *td_token_watch_start(TdContext *ctx, TdTokenWatchFunc func, gpointer user);
/* Stop and wait for the thread; no call of @func comes after. NULL is a no-op. */
void td_token_watch_stop(TdTokenWatch *watch);
