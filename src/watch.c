/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The watch's event names: part of the core, so JSON can be written without the PC/SC adapter. */
#include "tokendoctor/td-watch.h"

const char *td_watch_event_to_string(TdWatchEventType type) {
        static const char *const names[_TD_WATCH_EVENT_MAX] = {
                [TD_WATCH_READER_ADDED] = "reader-added",   [TD_WATCH_READER_REMOVED] = "reader-removed",
                [TD_WATCH_CARD_INSERTED] = "card-inserted", [TD_WATCH_CARD_REMOVED] = "card-removed",
                [TD_WATCH_CARD_MUTE] = "card-mute",         [TD_WATCH_SERVICE_LOST] = "service-lost",
                [TD_WATCH_SERVICE_BACK] = "service-back",
        };
        return type < _TD_WATCH_EVENT_MAX ? names[type] : "unknown";
}
