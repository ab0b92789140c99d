/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-repair-dialog.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-i18n.h"

struct _TdRepairDialog {
        GtkDialog parent;
        GtkLabel *heading, *footer;
        GtkBox *changes;
};

G_DEFINE_TYPE(TdRepairDialog, td_repair_dialog, GTK_TYPE_DIALOG)

static void td_repair_dialog_class_init(TdRepairDialogClass *klass) {
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-repair-dialog.ui");
        gtk_widget_class_bind_template_child(widget_class, TdRepairDialog, heading);
        gtk_widget_class_bind_template_child(widget_class, TdRepairDialog, footer);
        gtk_widget_class_bind_template_child(widget_class, TdRepairDialog, changes);
}

static void td_repair_dialog_init(TdRepairDialog *dialog) {
        gtk_widget_init_template(GTK_WIDGET(dialog));
}

static void add_line(TdRepairDialog *dialog, const char *text, bool bold, int indent) {
        GtkWidget *label = gtk_label_new(text);
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
        gtk_label_set_line_wrap_mode(GTK_LABEL(label), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_selectable(GTK_LABEL(label), TRUE);
        gtk_widget_set_margin_start(label, indent);
        if (bold) {
                PangoAttrList *attrs = pango_attr_list_new();
                pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
                gtk_label_set_attributes(GTK_LABEL(label), attrs);
                pango_attr_list_unref(attrs);
        }
        gtk_widget_show(label);
        gtk_box_pack_start(dialog->changes, label, FALSE, FALSE, 0);
}

/* The file, link or program a change touches, as `fix` shows it. */
static char *change_target(const TdChange *c) {
        switch (c->kind) {
        case TD_CHANGE_WRITE_FILE:
                return g_strdup_printf("%s %s (%04o)", _("write"), c->path, c->mode);
        case TD_CHANGE_MOVE_ASIDE:
                return g_strdup_printf("%s %s -> %s", _("move aside"), c->path, c->target);
        case TD_CHANGE_WRITE_LINK:
                return g_strdup_printf("%s %s -> %s", _("link"), c->path, c->target);
        case TD_CHANGE_RUN: {
                g_autofree char *line = g_strjoinv(" ", c->argv);
                return g_strdup_printf("%s %s", _("run"), line);
        }
        case TD_CHANGE_HELPER:
                return g_strdup_printf("%s pkexec tokendoctor-helper %s%s%s", _("run"), c->verb,
                                       c->arg ? " " : "", c->arg ? c->arg : "");
        default:
                return NULL;
        }
}

TdRepairDialog *td_repair_dialog_new(GtkWindow *parent, const TdRepairJob *job) {
        TdRepairDialog *dialog =
                g_object_new(TD_TYPE_REPAIR_DIALOG, "transient-for", parent, "use-header-bar", FALSE, NULL);
        gtk_dialog_add_button(GTK_DIALOG(dialog), _("Cancel"), GTK_RESPONSE_CANCEL);
        if (job->n_planned > 0) {
                gtk_dialog_add_button(GTK_DIALOG(dialog), _("Repair (修复)"), GTK_RESPONSE_ACCEPT);
                gtk_label_set_text(dialog->heading,
                                   job->n_planned == 1 ? _("Make this repair?") : _("Make these repairs?"));
        } else {
                gtk_label_set_text(dialog->heading, _("Nothing here can be repaired automatically."));
                gtk_widget_hide(GTK_WIDGET(dialog->footer));
        }
        for (size_t i = 0; i < job->n_items; i++) {
                const TdRepairItem *it = &job->items[i];
                const char *title = td_gettext(it->result->check->title);
                if (it->status == TD_FIX_CANNOT) {
                        g_autofree char *line =
                                g_strdup_printf(_("%s: the repair cannot be made here: %s"), title, it->why);
                        add_line(dialog, line, true, 0);
                        continue;
                }
                if (it->status != TD_FIX_PLANNED)
                        continue;
                g_autofree char *head =
                        g_strdup_printf("%s%s%s", title, _(": "), td_gettext(it->result->fix.summary));
                add_line(dialog, head, true, 0);
                for (size_t k = 0; k < it->plan.n_changes; k++) {
                        const TdChange *c = &it->plan.changes[k];
                        g_autofree char *line = g_strdup_printf(
                                "%zu. %s%s", k + 1, c->kind == TD_CHANGE_HELPER ? _("[administrator] ") : "",
                                c->summary ? c->summary : "");
                        add_line(dialog, line, false, 12);
                        g_autofree char *target = change_target(c);
                        if (target)
                                add_line(dialog, target, false, 28);
                }
                if (it->plan.afterwards) {
                        g_autofree char *after =
                                g_strdup_printf("%s %s", _("Afterwards:"), it->plan.afterwards);
                        add_line(dialog, after, false, 12);
                }
        }
        gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
        return dialog;
}
