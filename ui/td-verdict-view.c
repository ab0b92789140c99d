/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-verdict-view.h"

struct _TdVerdictView {
        GtkBox parent;
        GtkLabel *sentence_label, *next_label, *contact_label;
};

G_DEFINE_TYPE(TdVerdictView, td_verdict_view, GTK_TYPE_BOX)

static void td_verdict_view_class_init(TdVerdictViewClass *klass) {
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-verdict-view.ui");
        gtk_widget_class_bind_template_child(widget_class, TdVerdictView, sentence_label);
        gtk_widget_class_bind_template_child(widget_class, TdVerdictView, next_label);
        gtk_widget_class_bind_template_child(widget_class, TdVerdictView, contact_label);
}

static void td_verdict_view_init(TdVerdictView *view) {
        gtk_widget_init_template(GTK_WIDGET(view));
        /* A named region a screen reader can jump to, not a layout filler. */
        atk_object_set_role(gtk_widget_get_accessible(GTK_WIDGET(view)), ATK_ROLE_PANEL);
}

static void set_line(GtkLabel *label, const char *text) {
        gtk_label_set_text(label, text ? text : "");
        gtk_widget_set_visible(GTK_WIDGET(label), text != NULL);
}

void td_verdict_view_set(TdVerdictView *view, const TdVerdict *verdict, const char *contact) {
        g_autofree char *sentence = td_verdict_text(verdict);
        g_autofree char *next = td_verdict_next_text(verdict, NULL);
        g_autofree char *request =
                verdict->code == TD_VERDICT_PROBLEMS || verdict->code == TD_VERDICT_CANCELLED
                        ? td_support_request_text(contact)
                        : NULL;
        set_line(view->sentence_label, sentence);
        set_line(view->next_label, next);
        set_line(view->contact_label, request);
        GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(view->sentence_label));
        gtk_style_context_remove_class(style, "error");
        if (verdict->code == TD_VERDICT_PROBLEMS)
                gtk_style_context_add_class(style, "error");
        gtk_widget_show(GTK_WIDGET(view));
}

void td_verdict_view_clear(TdVerdictView *view) {
        gtk_widget_hide(GTK_WIDGET(view));
}
