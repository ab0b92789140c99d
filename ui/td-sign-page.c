/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-check-run.h"
#include "td-pin-prompt.h"
#include "td-result-row.h"
#include "td-sign-page.h"
#include "td-ui-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-verdict.h"

/* A person typing a PIN is not a hung check: the run may wait this long for them. */
#define SIGN_RUN_TIMEOUT_MS 300000u

struct _TdSignPage {
        GtkBox parent;
        GtkButton *start_button;
        GtkLabel *state_label;
        GtkListBox *results;
        TdWindowContextFunc make_context;
        gpointer make_context_user;
        TdPinHost *pin_host;
        TdEngineCancel *cancel;
        TdContext *ctx;
};

G_DEFINE_TYPE(TdSignPage, td_sign_page, GTK_TYPE_BOX)

static const char *const sign_only[] = { "sign.test", NULL };

static void test_done(GObject *source, GAsyncResult *result, gpointer user) {
        TdSignPage *page = TD_SIGN_PAGE(source);
        g_autoptr(GError) error = NULL;
        TdReport *report = td_check_run_finish(result, &error);
        td_engine_cancel_free(page->cancel);
        page->cancel = NULL;
        gtk_widget_set_sensitive(GTK_WIDGET(page->start_button), TRUE);
        if (!report) {
                gtk_label_set_text(page->state_label, error->message);
                td_context_unref(g_steal_pointer(&page->ctx));
                return;
        }
        const char *contact = td_context_get_profile(page->ctx)->support_contact;
        const TdResult *sign = NULL;
        for (size_t i = 0; i < report->n_results; i++) {
                const TdResult *r = &report->results[i];
                if (!td_result_is_shown(r))
                        continue;
                TdResultRow *row = td_result_row_new(r->check);
                td_result_row_set_result(row, r, contact);
                gtk_container_add(GTK_CONTAINER(page->results), GTK_WIDGET(row));
                if (g_strcmp0(r->check->id, "sign.test") == 0)
                        sign = r;
        }
        gtk_label_set_text(page->state_label, sign && sign->status == TD_STATUS_PASS
                                                      ? _("Signing works with the key on this CA token.")
                                                      : _("The signing test did not pass: see below."));
        td_report_free(report);
        td_context_unref(g_steal_pointer(&page->ctx));
}

static void start_test(TdSignPage *page) {
        if (page->cancel)
                return;
        g_autofree char *error = NULL;
        page->ctx = page->make_context(page->make_context_user, &error);
        gtk_widget_show(GTK_WIDGET(page->state_label));
        if (!page->ctx) {
                gtk_label_set_text(page->state_label, error ? error : "");
                return;
        }
        if (!page->pin_host)
                page->pin_host = td_pin_host_new(GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(page))));
        td_pin_host_attach(page->pin_host, page->ctx);
        page->cancel = td_engine_cancel_new();
        td_ui_remove_children(GTK_CONTAINER(page->results));
        gtk_widget_set_sensitive(GTK_WIDGET(page->start_button), FALSE);
        gtk_label_set_text(page->state_label, _("Signing test running…"));
        static const TdCheckRunEvents no_events = { 0 };
        td_check_run_start(G_OBJECT(page), page->ctx, false, sign_only, SIGN_RUN_TIMEOUT_MS, page->cancel,
                           &no_events, page, test_done, NULL);
}

static void td_sign_page_finalize(GObject *object) {
        TdSignPage *page = TD_SIGN_PAGE(object);
        td_pin_host_free(page->pin_host);
        G_OBJECT_CLASS(td_sign_page_parent_class)->finalize(object);
}

static void td_sign_page_class_init(TdSignPageClass *klass) {
        G_OBJECT_CLASS(klass)->finalize = td_sign_page_finalize;
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-sign-page.ui");
        gtk_widget_class_bind_template_child(widget_class, TdSignPage, start_button);
        gtk_widget_class_bind_template_child(widget_class, TdSignPage, state_label);
        gtk_widget_class_bind_template_child(widget_class, TdSignPage, results);
        gtk_widget_class_bind_template_callback(widget_class, start_test);
}

static void td_sign_page_init(TdSignPage *page) {
        gtk_widget_init_template(GTK_WIDGET(page));
}

TdSignPage *td_sign_page_new(TdWindowContextFunc make_context, gpointer user) {
        TdSignPage *page = g_object_new(TD_TYPE_SIGN_PAGE, NULL);
        page->make_context = make_context;
        page->make_context_user = user;
        return page;
}
