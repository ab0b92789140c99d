/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-token-watch.h"
#include "tokendoctor/td-watch.h"

/* While pcscd is away, how often it is asked again (there is nothing to wait on). */
#define RETRY_MS 1000u

struct TdTokenWatch {
        TdContext *ctx;
        TdWatch *watch;
        GThread *thread;
        GMainContext *main_context;
        TdTokenWatchFunc func;
        gpointer user;
        gint stopping;     /* atomic */
        gint finished;     /* atomic: td_watch_run() returned */
        gint delivering;   /* atomic: states on their way to the main loop */
        GHashTable *cards; /* watching thread: reader → model ("" when unknown); NULL value: mute */
        bool service;
};

typedef struct {
        TdTokenWatch *watch;
        TdTokenPresence presence;
        char *reader, *model;
        bool initial;
} Handover;

static void handover_free(gpointer data) {
        Handover *h = data;
        g_atomic_int_dec_and_test(&h->watch->delivering);
        g_free(h->reader);
        g_free(h->model);
        g_free(h);
}

static gboolean handover_dispatch(gpointer data) {
        Handover *h = data;
        if (!g_atomic_int_get(&h->watch->stopping)) {
                TdTokenState state = { .presence = h->presence,
                                       .reader = h->reader,
                                       .model = h->model,
                                       .initial = h->initial };
                h->watch->func(&state, h->watch->user);
        }
        return G_SOURCE_REMOVE;
}

/* Watching thread: the state now, from the readers' cards. */
static void hand_over(TdTokenWatch *w, bool initial) {
        Handover *h = g_new0(Handover, 1);
        h->watch = w;
        h->initial = initial;
        h->presence = w->service ? TD_TOKEN_ABSENT : TD_TOKEN_NO_SERVICE;
        GHashTableIter it;
        gpointer reader, model;
        g_hash_table_iter_init(&it, w->cards);
        while (w->service && g_hash_table_iter_next(&it, &reader, &model)) {
                /* One answering card is enough; a mute one is named only when none answers. */
                if (model) {
                        h->presence = TD_TOKEN_PRESENT;
                        g_free(h->reader);
                        g_free(h->model);
                        h->reader = g_strdup(reader);
                        h->model = *(const char *) model ? g_strdup(model) : NULL;
                        break;
                }
                h->presence = TD_TOKEN_MUTE;
                g_free(h->reader);
                h->reader = g_strdup(reader);
        }
        g_atomic_int_inc(&w->delivering);
        g_main_context_invoke_full(w->main_context, G_PRIORITY_DEFAULT, handover_dispatch, h, handover_free);
}

static bool on_event(const TdWatchEvent *e, void *user) {
        TdTokenWatch *w = user;
        if (g_atomic_int_get(&w->stopping))
                return false;
        switch (e->type) {
        case TD_WATCH_CARD_INSERTED:
                w->service = true;
                g_hash_table_insert(w->cards, g_strdup(e->reader), g_strdup(e->model ? e->model : ""));
                break;
        case TD_WATCH_CARD_MUTE:
                w->service = true;
                g_hash_table_insert(w->cards, g_strdup(e->reader), NULL);
                break;
        case TD_WATCH_CARD_REMOVED:
        case TD_WATCH_READER_REMOVED:
                g_hash_table_remove(w->cards, e->reader);
                break;
        case TD_WATCH_READER_ADDED:
        case TD_WATCH_SERVICE_BACK:
                w->service = true;
                break;
        case TD_WATCH_SERVICE_LOST:
                w->service = false;
                g_hash_table_remove_all(w->cards);
                break;
        default:
                return true;
        }
        hand_over(w, e->initial);
        return true;
}

static gpointer watch_thread(gpointer data) {
        TdTokenWatch *w = data;
        /* Before the first event: pcscd may be away, which the watch reports as SERVICE_LOST. */
        td_watch_run(w->watch, 0, RETRY_MS, on_event, w);
        g_atomic_int_set(&w->finished, 1);
        return NULL;
}

TdTokenWatch *td_token_watch_start(TdContext *ctx, TdTokenWatchFunc func, gpointer user) {
        TdTokenWatch *w = g_new0(TdTokenWatch, 1);
        w->watch = td_watch_new(ctx);
        if (!w->watch) {
                g_free(w);
                return NULL;
        }
        w->ctx = td_context_ref(ctx);
        w->func = func;
        w->user = user;
        w->main_context = g_main_context_ref_thread_default();
        w->cards = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        w->thread = g_thread_new("td-token-watch", watch_thread, w);
        return w;
}

void td_token_watch_stop(TdTokenWatch *w) {
        if (!w)
                return;
        g_atomic_int_set(&w->stopping, 1);
        /* pcsc-lite drops a cancel that comes just before its wait: repeat until it returned. */
        while (!g_atomic_int_get(&w->finished)) {
                td_watch_stop(w->watch);
                g_usleep(100 * 1000);
        }
        g_thread_join(w->thread);
        /* States still on their way hold the watch: let them land (they do nothing now). */
        while (g_atomic_int_get(&w->delivering) > 0)
                g_main_context_iteration(w->main_context, FALSE);
        td_watch_free(w->watch);
        td_context_unref(w->ctx);
        g_hash_table_unref(w->cards);
        g_main_context_unref(w->main_context);
        g_free(w);
}
