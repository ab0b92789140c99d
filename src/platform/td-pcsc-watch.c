/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/td-atr.h"
#include "tokendoctor/td-watch.h"
#include "platform/td-pcsc.h"
#include "td-util.h"
#include "tokendoctor/td-context.h"

#define PNP_READER "\\\\?PnP?\\Notification"
#define MAX_READERS 64

struct TdWatch {
        TdContext *ctx; /* names the ATRs; may be NULL */
        pthread_mutex_t lock;
        SCARDCONTEXT context;
        bool have_context;
        atomic_bool stop;
};

typedef struct {
        char *name;
        DWORD state; /* the last dwEventState seen */
} Reader;

typedef struct {
        Reader readers[MAX_READERS];
        size_t n;
        TdContext *ctx;
        TdWatchCallback callback;
        void *user;
        bool stopped_by_callback;
} Watched;

TdWatch *td_watch_new(TdContext *ctx) {
        TdWatch *w = calloc(1, sizeof *w);
        if (!w)
                return NULL;
        pthread_mutex_init(&w->lock, NULL);
        w->ctx = td_context_ref(ctx);
        return w;
}

void td_watch_free(TdWatch *w) {
        if (!w)
                return;
        pthread_mutex_destroy(&w->lock);
        td_context_unref(w->ctx);
        free(w);
}

void td_watch_stop(TdWatch *w) {
        atomic_store(&w->stop, true);
        pthread_mutex_lock(&w->lock);
        /* Wakes a blocked SCardGetStatusChange; one that is about to block needs a repeat (see .h). */
        if (w->have_context)
                SCardCancel(w->context);
        pthread_mutex_unlock(&w->lock);
}

static bool emit(Watched *wd, TdWatchEventType type, bool initial, const char *reader, const uint8_t *atr,
                 size_t atr_len, const char *error) {
        _cleanup_free_ char *atr_text = atr_len ? td_atr_to_string(atr, atr_len) : NULL;
        _cleanup_free_ char *model = atr_text && wd->ctx ? td_atr_identify(wd->ctx, atr_text) : NULL;
        TdWatchEvent e = {
                .type = type,
                .initial = initial,
                .reader = reader,
                .atr = atr,
                .atr_len = atr_len,
                .atr_text = atr_text,
                .model = model,
                .error = error,
        };
        if (!wd->callback(&e, wd->user))
                wd->stopped_by_callback = true;
        return !wd->stopped_by_callback;
}

/*
 * Card events from one reader's state change. @fresh: the reader is new to us, so there is no
 * earlier state to compare with; @initial: what is found is the state at start, not a change.
 */
static bool reader_changed(Watched *wd, Reader *r, const SCARD_READERSTATE *rs, bool fresh, bool initial) {
        DWORD before = r->state, now = rs->dwEventState;
        bool was = !fresh && (before & SCARD_STATE_PRESENT), is = now & SCARD_STATE_PRESENT;
        /* The upper 16 bits count insertions and removals: a quick out-and-in between two calls. */
        bool cycled = was && is && (before >> 16) != (now >> 16);
        r->state = now;
        if ((was && !is) || cycled)
                if (!emit(wd, TD_WATCH_CARD_REMOVED, false, r->name, NULL, 0, NULL))
                        return false;
        if ((!was && is) || cycled)
                return emit(wd, (now & SCARD_STATE_MUTE) ? TD_WATCH_CARD_MUTE : TD_WATCH_CARD_INSERTED,
                            initial, r->name, rs->rgbAtr, rs->cbAtr <= sizeof rs->rgbAtr ? rs->cbAtr : 0,
                            NULL);
        return true;
}

static void forget_reader(Watched *wd, size_t i) {
        free(wd->readers[i].name);
        memmove(&wd->readers[i], &wd->readers[i + 1], (wd->n - i - 1) * sizeof wd->readers[0]);
        wd->n--;
}

static void forget_all(Watched *wd) {
        while (wd->n > 0)
                forget_reader(wd, wd->n - 1);
}

/* Reader @i is gone, and its card with it: report both and forget it. Returns false to stop. */
static bool drop_reader(Watched *wd, size_t i) {
        bool go_on = !(wd->readers[i].state & SCARD_STATE_PRESENT) ||
                     emit(wd, TD_WATCH_CARD_REMOVED, false, wd->readers[i].name, NULL, 0, NULL);
        go_on = go_on && emit(wd, TD_WATCH_READER_REMOVED, false, wd->readers[i].name, NULL, 0, NULL);
        forget_reader(wd, i);
        return go_on;
}

/*
 * Bring the list in line with pcscd's. pcsc-lite 1.9.9 signals the PnP reader only for changes
 * during a call, so the list is read again after every return. Returns false to stop.
 */
static bool sync_readers(Watched *wd, SCARDCONTEXT ctx, bool initial, LONG *ret_rv) {
        _cleanup_free_ char *names = NULL;
        size_t len;
        LONG rv = td_pcsc_reader_names(ctx, &names, &len);
        *ret_rv = rv;
        if (rv != SCARD_S_SUCCESS)
                return true;
        /* Gone readers first: their cards went with them. */
        for (size_t i = wd->n; i-- > 0;) {
                bool still = false;
                for (const char *n = names; n && n < names + len && *n; n += strlen(n) + 1)
                        still = still || streq(n, wd->readers[i].name);
                if (!still && !drop_reader(wd, i))
                        return false;
        }
        for (const char *n = names; n && n < names + len && *n; n += strlen(n) + 1) {
                bool known = false;
                for (size_t i = 0; i < wd->n; i++)
                        known = known || streq(n, wd->readers[i].name);
                if (known || wd->n == MAX_READERS)
                        continue;
                Reader *r = &wd->readers[wd->n];
                *r = (Reader){ .name = strdup(n) };
                if (!r->name) {
                        *ret_rv = SCARD_E_NO_MEMORY;
                        return true;
                }
                wd->n++;
                if (!emit(wd, TD_WATCH_READER_ADDED, initial, r->name, NULL, 0, NULL))
                        return false;
                /* Its card, if one is in: the state as of now. */
                SCARD_READERSTATE rs = { .szReader = r->name, .dwCurrentState = SCARD_STATE_UNAWARE };
                if (SCardGetStatusChange(ctx, 0, &rs, 1) == SCARD_S_SUCCESS &&
                    !reader_changed(wd, r, &rs, true, initial))
                        return false;
        }
        return true;
}

static int64_t remaining(int64_t deadline) {
        if (deadline == 0)
                return INFINITE;
        int64_t left = deadline - td_now_monotonic_ms();
        return left > 0 ? left : 0;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void set_context(TdWatch *w, SCARDCONTEXT ctx, bool have) {
        pthread_mutex_lock(&w->lock);
        w->context = ctx;
        w->have_context = have;
        pthread_mutex_unlock(&w->lock);
}

/* Watch on one established context until pcscd goes away (returns the code), or a stop. */
static LONG watch_context(TdWatch *w, Watched *wd, SCARDCONTEXT ctx, bool initial, int64_t deadline) {
        LONG rv;
        if (!sync_readers(wd, ctx, initial, &rv) || rv != SCARD_S_SUCCESS)
                return rv;
        SCARD_READERSTATE states[MAX_READERS + 1];
        while (!atomic_load(&w->stop) && !wd->stopped_by_callback) {
                size_t n = 0;
                for (; n < wd->n; n++)
                        states[n] = (SCARD_READERSTATE){ .szReader = wd->readers[n].name,
                                                         .dwCurrentState = wd->readers[n].state };
                states[n++] =
                        (SCARD_READERSTATE){ .szReader = PNP_READER, .dwCurrentState = SCARD_STATE_UNAWARE };
                int64_t left = remaining(deadline);
                if (left == 0)
                        return SCARD_E_TIMEOUT;
                rv = SCardGetStatusChange(ctx, (DWORD) left, states, (DWORD) n);
                if (rv == SCARD_E_TIMEOUT && deadline == 0)
                        continue;
                if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED)
                        return rv;
                if (rv == SCARD_E_UNKNOWN_READER) {
                        /* A reader vanished between listing and waiting. */
                        if (!sync_readers(wd, ctx, false, &rv) || rv != SCARD_S_SUCCESS)
                                return rv;
                        continue;
                }
                if (rv != SCARD_S_SUCCESS)
                        return rv;
                for (size_t i = 0; i + 1 < n; i++) {
                        if (!(states[i].dwEventState & SCARD_STATE_CHANGED))
                                continue;
                        if (states[i].dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))
                                continue; /* a removed reader: sync_readers reports it */
                        if (!reader_changed(wd, &wd->readers[i], &states[i], false, false))
                                return SCARD_S_SUCCESS;
                }
                if (!sync_readers(wd, ctx, false, &rv) || rv != SCARD_S_SUCCESS)
                        return rv;
        }
        return SCARD_S_SUCCESS;
}

int td_watch_run(TdWatch *w, unsigned timeout_ms, unsigned retry_ms, TdWatchCallback callback, void *user) {
        Watched wd = { .ctx = w->ctx, .callback = callback, .user = user };
        int64_t deadline = timeout_ms ? td_now_monotonic_ms() + timeout_ms : 0;
        bool initial = true, lost = false;
        int r = 0;
        while (!atomic_load(&w->stop) && !wd.stopped_by_callback) {
                SCARDCONTEXT ctx;
                LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
                if (rv == SCARD_S_SUCCESS) {
                        set_context(w, ctx, true);
                        if (lost && !emit(&wd, TD_WATCH_SERVICE_BACK, false, NULL, NULL, 0, NULL)) {
                                set_context(w, 0, false);
                                SCardReleaseContext(ctx);
                                break;
                        }
                        lost = false;
                        /* A stop that came before the context existed had nothing to cancel. */
                        rv = atomic_load(&w->stop) ? SCARD_E_CANCELLED
                                                   : watch_context(w, &wd, ctx, initial, deadline);
                        initial = false;
                        set_context(w, 0, false);
                        SCardReleaseContext(ctx);
                        if (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED)
                                break;
                        if (rv == SCARD_E_NO_MEMORY) {
                                r = -ENOMEM;
                                break;
                        }
                }
                /*
                 * pcscd gone (NO_SERVICE, COMM_ERROR, SERVICE_STOPPED, INVALID_HANDLE) or refusing us:
                 * either way there is no service for this user until it answers again.
                 */
                if (!lost) {
                        /* Every card and reader went with the service. */
                        while (wd.n > 0 && drop_reader(&wd, wd.n - 1))
                                ;
                        forget_all(&wd);
                        if (wd.stopped_by_callback || !emit(&wd, TD_WATCH_SERVICE_LOST, initial, NULL, NULL,
                                                            0, pcsc_stringify_error(rv)))
                                break;
                        lost = true;
                        initial = false;
                }
                /* With no service there is nothing to block on: ask again shortly. */
                int64_t left = remaining(deadline);
                if (left == 0)
                        break;
                sleep_ms((unsigned) (left < retry_ms ? left : retry_ms));
        }
        forget_all(&wd);
        return r;
}
