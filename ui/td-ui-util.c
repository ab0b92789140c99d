/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-ui-util.h"

void td_ui_remove_children(GtkContainer *container) {
        GList *children = gtk_container_get_children(container);
        for (GList *l = children; l; l = l->next)
                gtk_widget_destroy(GTK_WIDGET(l->data));
        g_list_free(children);
}

void td_ui_show_message(GtkWindow *parent, GtkMessageType type, const char *text, const char *detail) {
        GtkWidget *dialog = gtk_message_dialog_new(parent, parent ? GTK_DIALOG_MODAL : 0, type,
                                                   GTK_BUTTONS_CLOSE, "%s", text);
        if (detail)
                gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog), "%s", detail);
        g_signal_connect(dialog, "response", G_CALLBACK(gtk_widget_destroy), NULL);
        gtk_widget_show(dialog);
}
