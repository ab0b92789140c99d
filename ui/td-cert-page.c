/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>

#include "td-cert-page.h"
#include "td-ui-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-token.h"

/* The probe's whole budget for one read: a module that hangs is stopped by then. */
#define READ_TIMEOUT_MS 20000u

struct _TdCertPage {
        GtkBox parent;
        GtkButton *read_button;
        GtkLabel *state_label, *days_label, *hint_label;
        GtkGrid *fields;
        TdWindowContextFunc make_context;
        gpointer make_context_user;
        bool reading;
};

G_DEFINE_TYPE(TdCertPage, td_cert_page, GTK_TYPE_BOX)

static void td_cert_page_class_init(TdCertPageClass *klass) {
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-cert-page.ui");
        gtk_widget_class_bind_template_child(widget_class, TdCertPage, read_button);
        gtk_widget_class_bind_template_child(widget_class, TdCertPage, state_label);
        gtk_widget_class_bind_template_child(widget_class, TdCertPage, days_label);
        gtk_widget_class_bind_template_child(widget_class, TdCertPage, hint_label);
        gtk_widget_class_bind_template_child(widget_class, TdCertPage, fields);
        gtk_widget_class_bind_template_callback(widget_class, td_cert_page_read);
}

static void td_cert_page_init(TdCertPage *page) {
        gtk_widget_init_template(GTK_WIDGET(page));
}

TdCertPage *td_cert_page_new(TdWindowContextFunc make_context, gpointer user) {
        TdCertPage *page = g_object_new(TD_TYPE_CERT_PAGE, NULL);
        page->make_context = make_context;
        page->make_context_user = user;
        return page;
}

/* What the reading thread found. */
typedef struct {
        TdContext *ctx;
        TdTokenInfo *info;
        int error;
        unsigned warn_days;
} ReadData;

static void read_data_free(gpointer data) {
        ReadData *rd = data;
        td_token_info_free(rd->info);
        td_context_unref(rd->ctx);
        g_free(rd);
}

static void read_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *unused) {
        ReadData *rd = data;
        rd->error = td_token_info_get(rd->ctx, READ_TIMEOUT_MS, &rd->info);
        g_task_return_boolean(task, TRUE);
}

static void add_field(TdCertPage *page, int row, const char *name, const char *value) {
        GtkWidget *key = gtk_label_new(name);
        gtk_label_set_xalign(GTK_LABEL(key), 1);
        gtk_style_context_add_class(gtk_widget_get_style_context(key), "dim-label");
        GtkWidget *val = gtk_label_new(value);
        gtk_label_set_xalign(GTK_LABEL(val), 0);
        gtk_label_set_selectable(GTK_LABEL(val), TRUE);
        gtk_label_set_line_wrap(GTK_LABEL(val), TRUE);
        gtk_label_set_line_wrap_mode(GTK_LABEL(val), PANGO_WRAP_WORD_CHAR);
        gtk_widget_set_hexpand(val, TRUE);
        /* Read as one: "证书序列号：…". */
        g_autofree char *both = g_strdup_printf("%s%s%s", name, _(": "), value);
        atk_object_set_name(gtk_widget_get_accessible(val), both);
        gtk_grid_attach(page->fields, key, 0, row, 1, 1);
        gtk_grid_attach(page->fields, val, 1, row, 1, 1);
        gtk_widget_show(key);
        gtk_widget_show(val);
}

static char *format_time(time_t t) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);
        return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

/* The signing certificate the platform uses: the first that signs, else the first. */
static const TdCertInfo *signing_cert(const TdTokenInfo *info) {
        for (size_t i = 0; i < info->n_certs; i++)
                if (info->certs[i].signing)
                        return &info->certs[i];
        return info->n_certs ? &info->certs[0] : NULL;
}

static void show_cert(TdCertPage *page, const TdCertInfo *c, unsigned warn_days) {
        g_autofree char *from = format_time(c->not_before), *until = format_time(c->not_after);
        g_autofree char *validity = g_strdup_printf("%s – %s", from, until);
        add_field(page, 0, _("Serial number (证书序列号)"), c->serial ? c->serial : "");
        add_field(page, 1, _("Subject (证书使用者)"), c->subject ? c->subject : "");
        add_field(page, 2, _("Validity (证书有效期)"), validity);
        add_field(page, 3, _("Issuer (证书颁发机构)"), c->issuer ? c->issuer : "");
        gtk_widget_show(GTK_WIDGET(page->fields));

        long days = td_cert_days_left(c, time(NULL));
        g_autofree char *days_text =
                days >= 0 ? g_strdup_printf(
                                    dngettext(GETTEXT_PACKAGE, "%ld day left", "%ld days left", days), days)
                          : g_strdup_printf(dngettext(GETTEXT_PACKAGE, "Expired %ld day ago",
                                                      "Expired %ld days ago", -days),
                                            -days);
        gtk_label_set_text(page->days_label, days_text);
        GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(page->days_label));
        gtk_style_context_remove_class(style, "td-days-expired");
        gtk_style_context_remove_class(style, "td-days-due");
        gtk_style_context_remove_class(style, "td-days-ok");
        /* Red once expired, amber when renewal is due, green otherwise (ui/style.css). */
        const char *cause = days < 0 ? "cert.expired" : days < (long) warn_days ? "cert.expiring" : NULL;
        gtk_style_context_add_class(style, days < 0 ? "td-days-expired"
                                           : cause  ? "td-days-due"
                                                    : "td-days-ok");
        gtk_widget_show(GTK_WIDGET(page->days_label));
        g_autofree char *hint = cause ? td_cause_advice_for(cause, NULL) : NULL;
        gtk_label_set_text(page->hint_label, hint ? hint : "");
        gtk_widget_set_visible(GTK_WIDGET(page->hint_label), hint != NULL);
}

static void clear_fields(TdCertPage *page) {
        td_ui_remove_children(GTK_CONTAINER(page->fields));
        gtk_widget_hide(GTK_WIDGET(page->fields));
        gtk_widget_hide(GTK_WIDGET(page->days_label));
        gtk_widget_hide(GTK_WIDGET(page->hint_label));
}

static void read_done(GObject *source, GAsyncResult *result, gpointer user) {
        TdCertPage *page = TD_CERT_PAGE(source);
        ReadData *rd = g_task_get_task_data(G_TASK(result));
        page->reading = false;
        gtk_widget_set_sensitive(GTK_WIDGET(page->read_button), TRUE);
        const TdCertInfo *cert = rd->error == 0 ? signing_cert(rd->info) : NULL;
        if (cert) {
                gtk_label_set_text(page->state_label, rd->info->label ? rd->info->label : "");
                show_cert(page, cert, rd->warn_days);
                return;
        }
        g_autofree char *text =
                rd->error == -ENODEV
                        ? g_strdup(_(
                                  "No CA token is seen: plug the CA token in and press 【读取证书】 again."))
                : rd->error == 0
                        ? g_strdup(_("The CA token holds no certificate."))
                        : g_strdup_printf(_("The certificate could not be read (%s). Run 【插锁一键检测】 "
                                            "to see why."),
                                          g_strerror(-rd->error));
        gtk_label_set_text(page->state_label, text);
}

void td_cert_page_read(TdCertPage *page) {
        if (page->reading)
                return;
        g_autofree char *error = NULL;
        TdContext *ctx = page->make_context(page->make_context_user, &error);
        clear_fields(page);
        if (!ctx) {
                gtk_label_set_text(page->state_label, error ? error : "");
                return;
        }
        page->reading = true;
        gtk_widget_set_sensitive(GTK_WIDGET(page->read_button), FALSE);
        gtk_label_set_text(page->state_label, _("Reading the certificate…"));
        ReadData *rd = g_new0(ReadData, 1);
        rd->ctx = ctx;
        rd->warn_days = td_context_get_profile(ctx)->ca_expiry_warn_days;
        g_autoptr(GTask) task = g_task_new(page, NULL, read_done, NULL);
        g_task_set_task_data(task, rd, read_data_free);
        g_task_run_in_thread(task, read_in_thread);
}
