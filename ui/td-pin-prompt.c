/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <string.h>

#include "td-pin-prompt.h"
#include "tokendoctor/td-i18n.h"

struct TdPinHost {
        GtkWindow *parent; /* weak */
        GMainContext *main_context;
};

/* One question on its way from a worker thread to the main loop and back. */
typedef struct {
        gint refs;
        GMutex lock;
        GCond cond;
        TdPinHost *host;
        bool pin; /* a PIN, else yes or no */
        char *text;
        char *buf; /* the worker's, written only while it waits (!abandoned) */
        size_t size;
        bool answered, abandoned;
        int result;
        GtkWidget *dialog; /* main loop only */
} Request;

static void request_unref(Request *req) {
        if (!g_atomic_int_dec_and_test(&req->refs))
                return;
        g_mutex_clear(&req->lock);
        g_cond_clear(&req->cond);
        g_free(req->text);
        g_free(req);
}

/* Main loop: the answer goes to the waiting worker, unless it gave up. */
static void answer(Request *req, int result, const char *pin) {
        g_mutex_lock(&req->lock);
        if (!req->abandoned && !req->answered) {
                if (pin) {
                        size_t len = strlen(pin);
                        if (len < req->size) {
                                memcpy(req->buf, pin, len + 1);
                                result = (int) len;
                        } else {
                                result = -EMSGSIZE;
                        }
                }
                req->result = result;
                req->answered = true;
                g_cond_signal(&req->cond);
        }
        g_mutex_unlock(&req->lock);
}

static void on_response(GtkDialog *dialog, int response, gpointer user) {
        Request *req = user;
        GtkWidget *entry = g_object_get_data(G_OBJECT(dialog), "td-entry");
        if (req->pin)
                answer(req, -ECANCELED,
                       response == GTK_RESPONSE_OK ? gtk_entry_get_text(GTK_ENTRY(entry)) : NULL);
        else
                answer(req, response == GTK_RESPONSE_YES ? 1 : 0, NULL);
        /* The entry's buffer zeroes the text it deletes: nothing of the PIN stays in it. */
        if (entry)
                gtk_entry_set_text(GTK_ENTRY(entry), "");
        req->dialog = NULL;
        gtk_widget_destroy(GTK_WIDGET(dialog));
        request_unref(req);
}

static GtkWidget *pin_dialog(Request *req) {
        GtkWidget *dialog =
                gtk_dialog_new_with_buttons(_("Enter the PIN (PIN 码)"), req->host->parent,
                                            GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, _("Cancel"),
                                            GTK_RESPONSE_CANCEL, _("OK"), GTK_RESPONSE_OK, NULL);
        GtkWidget *box = gtk_dialog_get_content_area(GTK_DIALOG(dialog));
        gtk_box_set_spacing(GTK_BOX(box), 8);
        gtk_container_set_border_width(GTK_CONTAINER(box), 12);
        GtkWidget *label = gtk_label_new(req->text);
        gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        GtkWidget *entry = gtk_entry_new();
        gtk_entry_set_visibility(GTK_ENTRY(entry), FALSE);
        gtk_entry_set_input_purpose(GTK_ENTRY(entry), GTK_INPUT_PURPOSE_PIN);
        gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
        atk_object_set_name(gtk_widget_get_accessible(entry), _("PIN"));
        gtk_box_pack_start(GTK_BOX(box), label, FALSE, FALSE, 0);
        gtk_box_pack_start(GTK_BOX(box), entry, FALSE, FALSE, 0);
        gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_OK);
        g_object_set_data(G_OBJECT(dialog), "td-entry", entry);
        gtk_widget_show_all(box);
        return dialog;
}

static gboolean ask_on_main(gpointer data) {
        Request *req = data;
        if (!req->host->parent) {
                answer(req, -ECANCELED, NULL);
                request_unref(req);
                return G_SOURCE_REMOVE;
        }
        req->dialog =
                req->pin ? pin_dialog(req)
                         : gtk_message_dialog_new(req->host->parent,
                                                  GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_QUESTION, GTK_BUTTONS_YES_NO, "%s", req->text);
        g_signal_connect(req->dialog, "response", G_CALLBACK(on_response), req);
        gtk_widget_show(req->dialog);
        return G_SOURCE_REMOVE;
}

/* The worker gave up (the check's deadline): the question is withdrawn from the screen. */
static gboolean withdraw_on_main(gpointer data) {
        Request *req = data;
        if (req->dialog)
                gtk_dialog_response(GTK_DIALOG(req->dialog), GTK_RESPONSE_CANCEL);
        request_unref(req);
        return G_SOURCE_REMOVE;
}

/* Worker thread: put the question on the main loop and wait for the answer until @deadline_ms. */
static int ask(TdPinHost *host, bool pin, char *text, int64_t deadline_ms, char *buf, size_t size) {
        Request *req = g_new0(Request, 1);
        req->refs = 2;
        g_mutex_init(&req->lock);
        g_cond_init(&req->cond);
        req->host = host;
        req->pin = pin;
        req->text = text;
        req->buf = buf;
        req->size = size;
        g_main_context_invoke(host->main_context, ask_on_main, req);
        g_mutex_lock(&req->lock);
        /* td_now_monotonic_ms() and GLib's monotonic time are both CLOCK_MONOTONIC. */
        while (!req->answered)
                if (!g_cond_wait_until(&req->cond, &req->lock, deadline_ms * 1000)) {
                        req->abandoned = true;
                        req->result = -ETIMEDOUT;
                        break;
                }
        int result = req->result;
        bool abandoned = req->abandoned;
        g_mutex_unlock(&req->lock);
        if (abandoned) {
                g_atomic_int_inc(&req->refs);
                g_main_context_invoke(host->main_context, withdraw_on_main, req);
        }
        request_unref(req);
        return result;
}

static int pin_prompt(const char *token_label, int64_t deadline_ms, char *buf, size_t size, void *user) {
        char *text = g_strdup_printf(_("Enter the PIN of the CA token “%s”. The PIN is not kept anywhere."),
                                     token_label ? token_label : "");
        return ask(user, true, text, deadline_ms, buf, size);
}

static int confirm(const char *question, int64_t deadline_ms, void *user) {
        return ask(user, false, g_strdup(question), deadline_ms, NULL, 0);
}

TdPinHost *td_pin_host_new(GtkWindow *parent) {
        TdPinHost *host = g_new0(TdPinHost, 1);
        host->parent = parent;
        g_object_add_weak_pointer(G_OBJECT(parent), (gpointer *) &host->parent);
        host->main_context = g_main_context_ref_thread_default();
        return host;
}

void td_pin_host_free(TdPinHost *host) {
        if (!host)
                return;
        if (host->parent)
                g_object_remove_weak_pointer(G_OBJECT(host->parent), (gpointer *) &host->parent);
        g_main_context_unref(host->main_context);
        g_free(host);
}

void td_pin_host_attach(TdPinHost *host, TdContext *ctx) {
        td_context_set_pin_prompt(ctx, pin_prompt, host);
        td_context_set_confirm(ctx, confirm, host);
}
