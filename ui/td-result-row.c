/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-result-row.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-verdict.h"

struct _TdResultRow {
        GtkListBoxRow parent;
        const TdCheck *check; /* NULL for the row of the deferred token checks */
        GtkImage *status_icon;
        GtkLabel *status_label, *title_label, *message_label;
        GtkExpander *details;
        GtkLabel *advice_label, *repair_label, *contact_label, *code_label;
        GtkButton *repair_button;
};

enum { SIGNAL_REPAIR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(TdResultRow, td_result_row, GTK_TYPE_LIST_BOX_ROW)

static const char *const status_icons[_TD_STATUS_MAX] = {
        [TD_STATUS_PASS] = "emblem-ok-symbolic",        [TD_STATUS_WARN] = "dialog-information-symbolic",
        [TD_STATUS_FAIL] = "dialog-error-symbolic",     [TD_STATUS_SKIP] = "action-unavailable-symbolic",
        [TD_STATUS_ERROR] = "dialog-question-symbolic",
};

static void on_repair_clicked(TdResultRow *row) {
        g_signal_emit(row, signals[SIGNAL_REPAIR], 0);
}

static void td_result_row_class_init(TdResultRowClass *klass) {
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-result-row.ui");
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, status_icon);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, status_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, title_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, message_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, details);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, advice_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, repair_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, contact_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, code_label);
        gtk_widget_class_bind_template_child(widget_class, TdResultRow, repair_button);
        gtk_widget_class_bind_template_callback(widget_class, on_repair_clicked);
        /* The user asks for this row's repair (修复): the window plans it and asks to confirm. */
        signals[SIGNAL_REPAIR] = g_signal_new("repair", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 0);
}

static void td_result_row_init(TdResultRow *row) {
        gtk_widget_init_template(GTK_WIDGET(row));
}

/* A screen reader reads the row as one sentence: status, check, what it found. */
static void update_accessible_name(TdResultRow *row) {
        g_autofree char *name = g_strdup_printf("%s %s%s%s", gtk_label_get_text(row->status_label),
                                                gtk_label_get_text(row->title_label), _(": "),
                                                gtk_label_get_text(row->message_label));
        atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(row)), name);
}

static void show_status(TdResultRow *row, TdStatus status, const char *message) {
        gtk_image_set_from_icon_name(row->status_icon, status_icons[status], GTK_ICON_SIZE_BUTTON);
        gtk_label_set_text(row->status_label, td_status_word(status));
        atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(row->status_icon)), td_status_word(status));
        gtk_label_set_text(row->message_label, message ? message : "");
        GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(row->status_label));
        gtk_style_context_remove_class(style, "error");
        gtk_style_context_remove_class(style, "warning");
        if (status == TD_STATUS_FAIL || status == TD_STATUS_ERROR)
                gtk_style_context_add_class(style, "error");
        else if (status == TD_STATUS_WARN)
                gtk_style_context_add_class(style, "warning");
        update_accessible_name(row);
}

TdResultRow *td_result_row_new(const TdCheck *check) {
        TdResultRow *row = g_object_new(TD_TYPE_RESULT_ROW, NULL);
        row->check = check;
        gtk_label_set_text(row->title_label, td_gettext(check->title));
        gtk_label_set_text(row->status_label, _("Checking…"));
        update_accessible_name(row);
        return row;
}

TdResultRow *td_result_row_new_deferred(size_t n) {
        TdResultRow *row = g_object_new(TD_TYPE_RESULT_ROW, NULL);
        g_autofree char *title =
                g_strdup_printf(dngettext(GETTEXT_PACKAGE, "Checks that need the CA token (%zu)",
                                          "Checks that need the CA token (%zu)", n),
                                n);
        gtk_label_set_text(row->title_label, title);
        show_status(row, TD_STATUS_SKIP,
                    _("This was 【无锁一键检测】: plug the CA token in and press 【插锁一键检测】 to check "
                      "them."));
        return row;
}

const TdCheck *td_result_row_get_check(TdResultRow *row) {
        return row->check;
}

void td_result_row_set_live(TdResultRow *row, const TdLiveResult *live) {
        show_status(row, live->status, live->message);
}

static void set_detail(GtkLabel *label, const char *text) {
        gtk_label_set_text(label, text ? text : "");
        gtk_widget_set_visible(GTK_WIDGET(label), text && *text);
}

void td_result_row_set_result(TdResultRow *row, const TdResult *r, const char *contact) {
        show_status(row, r->status, r->message);
        bool problem =
                r->status == TD_STATUS_WARN || r->status == TD_STATUS_FAIL || r->status == TD_STATUS_ERROR;
        gtk_widget_set_visible(GTK_WIDGET(row->details), problem);
        if (!problem)
                return;
        g_autofree char *advice = td_cause_advice_for(r->cause, contact);
        g_autofree char *advice_line =
                advice ? g_strconcat(_("What to do (【建议修复项】): "), advice, NULL) : NULL;
        set_detail(row->advice_label, advice_line);
        g_autofree char *repair =
                td_result_has_fix(r) ? g_strconcat(_("Repair: "), td_gettext(r->fix.summary), NULL) : NULL;
        set_detail(row->repair_label, repair);
        gtk_widget_set_visible(GTK_WIDGET(row->repair_button), td_result_has_fix(r));
        /* Many rows have a 修复 button: each is named after its check for a screen reader. */
        g_autofree char *button_name =
                g_strdup_printf("%s%s%s", _("Repair (修复)"), _(": "), td_gettext(r->check->title));
        atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(row->repair_button)), button_name);
        g_autofree char *request = td_result_support_text(r, contact);
        set_detail(row->contact_label, request);
        g_autofree char *which = td_result_problem_code(r);
        g_autofree char *code = which ? g_strconcat(_("Problem code: "), which, NULL) : NULL;
        set_detail(row->code_label, code);
        /* A problem opens its details: the advice is what the user came for. */
        gtk_expander_set_expanded(row->details, r->status != TD_STATUS_WARN);
}
