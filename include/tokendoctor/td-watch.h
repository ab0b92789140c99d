/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Token insert/remove events as they happen, from SCardGetStatusChange over every reader plus
 * the PnP notification reader: no polling while pcscd answers. pcscd going away and coming
 * back are events too, not errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "td-context.h"

typedef enum {
        TD_WATCH_READER_ADDED,
        TD_WATCH_READER_REMOVED,
        TD_WATCH_CARD_INSERTED,
        TD_WATCH_CARD_REMOVED,
        TD_WATCH_CARD_MUTE,    /* inserted but not answering */
        TD_WATCH_SERVICE_LOST, /* pcscd stopped answering */
        TD_WATCH_SERVICE_BACK, /* ... and answers again */
        _TD_WATCH_EVENT_MAX,
} TdWatchEventType;

/* "reader-added", "card-inserted", ... stable names for JSON. */
const char *td_watch_event_to_string(TdWatchEventType type);

typedef struct {
        TdWatchEventType type;
        bool initial;       /* the state found at start, not a change */
        const char *reader; /* NULL for service events */
        const uint8_t *atr; /* for CARD_INSERTED and CARD_MUTE */
        size_t atr_len;
        const char *atr_text; /* "3B:88:...", or NULL without an ATR */
        const char *model;    /* the ATR named by the profile or smartcard_list.txt, or NULL */
        const char *error;    /* for SERVICE_LOST: pcsc-lite's text */
} TdWatchEvent;

/* Return false to stop watching. Called on the watching thread; @event and its strings are
 * borrowed for the call. */
typedef bool (*TdWatchCallback)(const TdWatchEvent *event, void *user);

typedef struct TdWatch TdWatch;

/* A watch, not yet running; it holds a reference on @ctx (may be NULL), whose profile and
 * --root name the ATRs. NULL on ENOMEM. */
TdWatch *td_watch_new(TdContext *ctx);
/* Free; the watch must have returned from td_watch_run(). NULL is a no-op. */
void td_watch_free(TdWatch *watch);

/*
 * Report events to @callback until it returns false, td_watch_stop() is called, or
 * @timeout_ms passes (0 = no limit). While pcscd is away it is asked again every
 * @retry_ms (there is nothing to wait on). Returns 0, or a negative errno for a failure
 * that is not pcscd's absence.
 */
int td_watch_run(TdWatch *watch, unsigned timeout_ms, unsigned retry_ms, TdWatchCallback callback,
                 void *user);

/*
 * Make td_watch_run() return soon. Thread-safe; not async-signal-safe (call it from a thread).
 * pcsc-lite drops a cancel that comes just before SCardGetStatusChange blocks, and nothing
 * else wakes a wait without a timeout: call it again (every 100 ms, say) until
 * td_watch_run() has returned.
 */
void td_watch_stop(TdWatch *watch);
