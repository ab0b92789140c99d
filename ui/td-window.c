/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>

#include <gio/gdesktopappinfo.h>

#include "td-cert-page.h"
#include "td-check-run.h"
#include "td-repair-dialog.h"
#include "td-repair-job.h"
#include "td-result-row.h"
#include "td-sign-page.h"
#include "td-timings.h"
#include "td-token-watch.h"
#include "td-ui-util.h"
#include "td-verdict-view.h"
#include "td-window.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-login.h"
#include "tokendoctor/td-profile.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-verdict.h"

struct _TdWindow {
        GtkApplicationWindow parent;
        GtkHeaderBar *header;
        GtkWidget *progress_box, *cancel_button;
        GtkProgressBar *progress_bar;
        TdVerdictView *verdict_view;
        GtkListBox *results;
        GtkLabel *token_label;
        GtkStack *pages;
        TdCertPage *cert_page;

        TdContext *ctx;     /* the profile's: names, contact; the first run's */
        bool ctx_used;      /* a run had it: the next one gets a fresh context */
        TdContext *run_ctx; /* the context of the run going on, or of the report shown */
        TdWindowContextFunc make_context;
        gpointer make_context_user;
        TdEngineCancel *cancel; /* of the run going on, or NULL */
        bool running, no_token;
        TdReport *report; /* the last finished run's, or NULL */
        GHashTable *rows; /* check id → TdResultRow (borrowed from the list) */
        TdTokenWatch *token_watch;
        TdTokenPresence token; /* as the watch last saw it */
        bool token_checked;    /* the results shown are of a 插锁 run */
        TdRepairJob *repair;   /* the repairs being planned or made, or NULL */
};

G_DEFINE_TYPE(TdWindow, td_window, GTK_TYPE_APPLICATION_WINDOW)

static const char *contact_of(TdWindow *win) {
        return td_context_get_profile(win->ctx)->support_contact;
}

static void set_running(TdWindow *win, bool running) {
        win->running = running;
        static const char *const run_actions[] = { "check-without-token", "check-with-token", "export",
                                                   "repair-all" };
        /* 插锁一键检测 waits for a token, unless pcscd cannot say (the check tells why). */
        bool fixable = false;
        for (size_t i = 0; win->report && i < win->report->n_results; i++)
                fixable |= td_result_has_fix(&win->report->results[i]);
        bool enabled[] = { !running, !running && win->token != TD_TOKEN_ABSENT, !running && win->report,
                           !running && fixable };
        for (size_t i = 0; i < G_N_ELEMENTS(run_actions); i++) {
                GAction *action = g_action_map_lookup_action(G_ACTION_MAP(win), run_actions[i]);
                g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled[i]);
        }
        g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(G_ACTION_MAP(win), "cancel")),
                                    running);
        gtk_widget_set_visible(win->progress_box, running);
}

static void clear_results(TdWindow *win) {
        g_hash_table_remove_all(win->rows);
        td_ui_remove_children(GTK_CONTAINER(win->results));
}

/* --- the token, watched live ---------------------------------------------------------------- */

static char *token_text(const TdTokenState *state) {
        switch (state->presence) {
        case TD_TOKEN_NO_SERVICE:
                return g_strdup(
                        _("The smart card service (pcscd) does not respond, so the CA token cannot be "
                          "seen. 【插锁一键检测】 tells why."));
        case TD_TOKEN_ABSENT:
                return g_strdup(_("No CA token is plugged in: plug the CA token (USBKey) in to run "
                                  "【插锁一键检测】."));
        case TD_TOKEN_MUTE:
                return g_strdup_printf(
                        _("A CA token is plugged in but does not respond (%s): pull it out and "
                          "plug it in again."),
                        state->reader);
        case TD_TOKEN_PRESENT:
                return state->model ? g_strdup_printf(_("CA token plugged in: %s, in %s."), state->model,
                                                      state->reader)
                                    : g_strdup_printf(_("CA token plugged in, in %s."), state->reader);
        default:
                return g_strdup(_("Looking for the CA token…"));
        }
}

static void on_token(const TdTokenState *state, gpointer user) {
        TdWindow *win = user;
        bool changed = win->token != state->presence;
        win->token = state->presence;
        g_autofree char *text = token_text(state);
        /* Results of a 插锁 run were of the token that was there: say so when it changes. */
        if (changed && !state->initial && win->token_checked && !win->running) {
                g_autofree char *with = g_strconcat(text, " ",
                                                    _("The CA token results below were of the token as it "
                                                      "was: run 【插锁一键检测】 again."),
                                                    NULL);
                gtk_label_set_text(win->token_label, with);
        } else {
                gtk_label_set_text(win->token_label, text);
        }
        set_running(win, win->running);
        /* 证书显示 follows the token: a token plugged in while it is shown is read at once. */
        if (changed && state->presence == TD_TOKEN_PRESENT &&
            gtk_stack_get_visible_child(win->pages) == GTK_WIDGET(win->cert_page))
                td_cert_page_read(win->cert_page);
}

/* 证书显示 shown with a token plugged in: read it, as the platform's tool does. */
static void on_page_changed(GObject *stack, GParamSpec *pspec, gpointer user) {
        TdWindow *win = user;
        if (gtk_stack_get_visible_child(win->pages) == GTK_WIDGET(win->cert_page) &&
            win->token == TD_TOKEN_PRESENT)
                td_cert_page_read(win->cert_page);
}

/* --- the run ------------------------------------------------------------------------------- */

static void on_row_repair(TdResultRow *row, gpointer user);

static TdResultRow *add_row(TdWindow *win, const TdCheck *check) {
        TdResultRow *row = td_result_row_new(check);
        g_signal_connect(row, "repair", G_CALLBACK(on_row_repair), win);
        g_hash_table_insert(win->rows, (gpointer) check->id, row);
        gtk_container_add(GTK_CONTAINER(win->results), GTK_WIDGET(row));
        return row;
}

static void on_live_result(const TdLiveResult *live, gpointer user) {
        TdWindow *win = user;
        if (live->shown)
                td_result_row_set_live(add_row(win, live->check), live);
}

static void on_progress(size_t n_finished, size_t n_total, gpointer user) {
        TdWindow *win = user;
        g_autofree char *text = g_strdup_printf(_("%zu of %zu checks done"), n_finished, n_total);
        gtk_progress_bar_set_fraction(win->progress_bar,
                                      n_total ? (double) n_finished / (double) n_total : 0);
        gtk_progress_bar_set_text(win->progress_bar, text);
}

static void run_done(GObject *source, GAsyncResult *result, gpointer user) {
        TdWindow *win = TD_WINDOW(source);
        td_timings_run_finished();
        g_autoptr(GError) error = NULL;
        TdReport *report = td_check_run_finish(result, &error);
        td_engine_cancel_free(win->cancel);
        win->cancel = NULL;
        if (!report) {
                set_running(win, false);
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("The check could not run"),
                                   error->message);
                return;
        }
        win->report = report;

        /* The report is the last word: every row from it, the advice and repairs with it. */
        for (size_t i = 0; i < report->n_results; i++) {
                const TdResult *r = &report->results[i];
                TdResultRow *row = g_hash_table_lookup(win->rows, r->check->id);
                if (!row && td_result_is_shown(r))
                        row = add_row(win, r->check);
                if (row)
                        td_result_row_set_result(row, r, contact_of(win));
        }
        TdVerdict verdict;
        if (td_verdict_from_report(report, win->no_token, &verdict) == 0) {
                if (verdict.n_deferred > 0)
                        gtk_container_add(GTK_CONTAINER(win->results),
                                          GTK_WIDGET(td_result_row_new_deferred(verdict.n_deferred)));
                td_verdict_view_set(win->verdict_view, &verdict, contact_of(win));
                td_verdict_clear(&verdict);
        }
        gtk_list_box_invalidate_sort(win->results);
        gtk_list_box_invalidate_headers(win->results);
        set_running(win, false);
}

/* The context for a new run: the window's the first time, a fresh one after (see td_window_new()). */
static TdContext *context_for_run(TdWindow *win) {
        if (!win->ctx_used) {
                win->ctx_used = true;
                return td_context_ref(win->ctx);
        }
        g_autofree char *error = NULL;
        TdContext *ctx = win->make_context(win->make_context_user, &error);
        if (!ctx)
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("The check could not run"),
                                   error ? error : "");
        return ctx;
}

static void start_check(TdWindow *win, bool no_token) {
        if (win->running)
                return;
        TdContext *ctx = context_for_run(win);
        if (!ctx)
                return;
        win->cancel = td_engine_cancel_new();
        if (!win->cancel) {
                td_context_unref(ctx);
                return;
        }
        /* The report shown goes with its context: both are replaced. */
        if (win->report)
                td_report_free(win->report);
        win->report = NULL;
        td_context_unref(win->run_ctx);
        win->run_ctx = ctx;
        clear_results(win);
        td_verdict_view_clear(win->verdict_view);
        win->no_token = no_token;
        win->token_checked = !no_token;
        gtk_progress_bar_set_fraction(win->progress_bar, 0);
        gtk_progress_bar_set_text(win->progress_bar, _("Starting…"));
        set_running(win, true);
        static const TdCheckRunEvents events = { .result = on_live_result, .progress = on_progress };
        td_timings_run_started();
        td_check_run_start(G_OBJECT(win), win->run_ctx, no_token, NULL, 0, win->cancel, &events, win,
                           run_done, NULL);
}

static void check_without_token(GSimpleAction *action, GVariant *param, gpointer user) {
        start_check(user, true);
}

static void check_with_token(GSimpleAction *action, GVariant *param, gpointer user) {
        start_check(user, false);
}

static void cancel_run(GSimpleAction *action, GVariant *param, gpointer user) {
        TdWindow *win = user;
        /* The engine abandons what runs: the report comes back at once, the rest "cancelled". */
        if (win->cancel)
                td_engine_cancel(win->cancel);
        /* A repair stops before its next change, and what it did is rolled back. */
        if (win->repair)
                g_atomic_int_set(&win->repair->stop, 1);
}

/* --- repairs (修复, 一键修复) ---------------------------------------------------------------- */

static void end_repair(TdWindow *win) {
        td_repair_job_free(win->repair);
        win->repair = NULL;
        set_running(win, false);
}

static void repairs_made(GObject *source, GAsyncResult *result, gpointer user) {
        TdWindow *win = TD_WINDOW(source);
        g_autoptr(GError) error = NULL;
        GString *failures = g_string_new(NULL);
        if (!td_repair_job_apply_finish(result, &error))
                g_string_append(failures, error->message);
        for (size_t i = 0; i < win->repair->n_items; i++) {
                const TdRepairItem *it = &win->repair->items[i];
                if (!it->attempted || it->apply_error == 0)
                        continue;
                g_string_append_printf(failures, "%s%s%s%s\n", td_gettext(it->result->check->title), _(": "),
                                       it->outcome.error ? it->outcome.error : g_strerror(-it->apply_error),
                                       it->outcome.rolled_back ? _(" (what was changed is put back)") : "");
                if (it->outcome.how_to)
                        g_string_append_printf(failures, "%s\n", it->outcome.how_to);
        }
        bool no_token = win->no_token;
        end_repair(win);
        if (failures->len > 0)
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("A repair could not be made"),
                                   failures->str);
        g_string_free(failures, TRUE);
        /* The check again, as it was run: the rows say whether the repair worked. */
        start_check(win, no_token);
}

static void on_repair_confirmed(GtkDialog *dialog, int response, gpointer user) {
        TdWindow *win = user;
        gtk_widget_destroy(GTK_WIDGET(dialog));
        if (response != GTK_RESPONSE_ACCEPT || win->repair->n_planned == 0) {
                end_repair(win);
                return;
        }
        gtk_progress_bar_set_fraction(win->progress_bar, 0);
        gtk_progress_bar_set_text(win->progress_bar, _("Repairing…"));
        td_repair_job_apply_async(win->repair, G_OBJECT(win), repairs_made, NULL);
}

static void repairs_planned(GObject *source, GAsyncResult *result, gpointer user) {
        TdWindow *win = TD_WINDOW(source);
        g_autoptr(GError) error = NULL;
        if (!td_repair_job_plan_finish(result, &error)) {
                end_repair(win);
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("A repair could not be made"),
                                   error->message);
                return;
        }
        TdRepairDialog *dialog = td_repair_dialog_new(GTK_WINDOW(win), win->repair);
        g_signal_connect(dialog, "response", G_CALLBACK(on_repair_confirmed), win);
        gtk_widget_show(GTK_WIDGET(dialog));
}

/* Plan the repairs of @results (the report's), then show them for the user to confirm. */
static void start_repair(TdWindow *win, const TdResult *const *results, size_t n) {
        if (win->running || n == 0)
                return;
        win->repair = td_repair_job_new(results, n);
        gtk_progress_bar_set_fraction(win->progress_bar, 0);
        gtk_progress_bar_set_text(win->progress_bar, _("Preparing the repair…"));
        set_running(win, true);
        /* Planned with the facts of the run that found the problems. */
        td_repair_job_plan_async(win->repair, win->run_ctx, G_OBJECT(win), repairs_planned, NULL);
}

static void on_row_repair(TdResultRow *row, gpointer user) {
        TdWindow *win = user;
        const TdCheck *check = td_result_row_get_check(row);
        for (size_t i = 0; check && win->report && i < win->report->n_results; i++)
                if (win->report->results[i].check == check) {
                        const TdResult *r = &win->report->results[i];
                        start_repair(win, &r, 1);
                        return;
                }
}

static void repair_all(GSimpleAction *action, GVariant *param, gpointer user) {
        TdWindow *win = user;
        if (!win->report)
                return;
        g_autofree const TdResult **fixable = g_new0(const TdResult *, win->report->n_results);
        size_t n = 0;
        for (size_t i = 0; i < win->report->n_results; i++)
                if (td_result_has_fix(&win->report->results[i]))
                        fixable[n++] = &win->report->results[i];
        start_repair(win, fixable, n);
}

/* --- 客服 and export ------------------------------------------------------------------------ */

static void show_support(GSimpleAction *action, GVariant *param, gpointer user) {
        TdWindow *win = user;
        g_autofree char *request = td_support_request_text(contact_of(win));
        td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_INFO, _("The platform's 客服"), request);
}

static void export_to(TdWindow *win, const char *path) {
        TdVerdict verdict;
        bool with_verdict = td_verdict_from_report(win->report, win->no_token, &verdict) == 0;
        const TdProfile *profile = td_context_get_profile(win->ctx);
        g_autofree char *json = td_check_report_to_json(
                win->report, profile->id, with_verdict ? &verdict : NULL, contact_of(win), true);
        if (with_verdict)
                td_verdict_clear(&verdict);
        g_autoptr(GError) error = NULL;
        if (json && g_file_set_contents(path, json, -1, &error))
                return;
        td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("The results could not be saved"),
                           error ? error->message : g_strerror(ENOMEM));
}

static void export_results(GSimpleAction *action, GVariant *param, gpointer user) {
        TdWindow *win = user;
        if (!win->report)
                return;
        g_autoptr(GtkFileChooserNative) chooser = gtk_file_chooser_native_new(
                _("Export the results"), GTK_WINDOW(win), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);
        GtkFileChooser *fc = GTK_FILE_CHOOSER(chooser);
        gtk_file_chooser_set_do_overwrite_confirmation(fc, TRUE);
        gtk_file_chooser_set_current_name(fc, "tokendoctor.json");
        if (gtk_native_dialog_run(GTK_NATIVE_DIALOG(chooser)) == GTK_RESPONSE_ACCEPT) {
                g_autofree char *path = gtk_file_chooser_get_filename(fc);
                if (path)
                        export_to(win, path);
        }
}

/* --- 一键登录系统 --------------------------------------------------------------------------- */

static const char *const login_checks[] = { "browser.default", "browser.installed", NULL };

static void open_platform(TdWindow *win, const TdReport *report, TdContext *ctx) {
        const TdProfile *profile = td_context_get_profile(ctx);
        TdLoginBrowser browser;
        int r = td_login_browser_pick(report, &browser);
        const char *url = profile->urls && profile->urls[0] ? profile->urls[0] : NULL;
        if (r < 0 || !url) {
                g_autofree char *advice =
                        td_cause_advice_for("browser.none-supported", profile->support_contact);
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_WARNING,
                                   _("No browser the platform supports is installed"), advice);
                return;
        }
        g_autofree char *file = td_context_path(ctx, browser.file);
        g_autoptr(GDesktopAppInfo) app = file ? g_desktop_app_info_new_from_filename(file) : NULL;
        GList uris = { .data = (gpointer) url };
        g_autoptr(GError) error = NULL;
        g_autoptr(GdkAppLaunchContext) launch =
                gdk_display_get_app_launch_context(gtk_widget_get_display(GTK_WIDGET(win)));
        if (!app || !g_app_info_launch_uris(G_APP_INFO(app), &uris, G_APP_LAUNCH_CONTEXT(launch), &error)) {
                g_autofree char *what = g_strdup_printf(_("%s could not be started"), browser.name);
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, what,
                                   error ? error->message : browser.file);
        }
        td_login_browser_clear(&browser);
}

static void login_checked(GObject *source, GAsyncResult *result, gpointer user) {
        TdWindow *win = TD_WINDOW(source);
        TdContext *ctx = user;
        g_autoptr(GError) error = NULL;
        TdReport *report = td_check_run_finish(result, &error);
        g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(G_ACTION_MAP(win), "login")),
                                    TRUE);
        if (report)
                open_platform(win, report, ctx);
        else
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("The check could not run"),
                                   error->message);
        td_report_free(report);
        td_context_unref(ctx);
}

/* The browsers are asked afresh (a run of their two checks), then the platform opened in one. */
static void login(GSimpleAction *action, GVariant *param, gpointer user) {
        TdWindow *win = user;
        g_autofree char *error = NULL;
        TdContext *ctx = win->make_context(win->make_context_user, &error);
        if (!ctx) {
                td_ui_show_message(GTK_WINDOW(win), GTK_MESSAGE_ERROR, _("The check could not run"),
                                   error ? error : "");
                return;
        }
        g_simple_action_set_enabled(action, FALSE);
        static const TdCheckRunEvents no_events = { 0 };
        td_check_run_start(G_OBJECT(win), ctx, true, login_checks, 0, NULL, &no_events, win, login_checked,
                           ctx);
}

/* --- the list: by category, in the check's order within one ------------------------------- */

static int rank_of(GtkListBoxRow *row) {
        const TdCheck *check = td_result_row_get_check(TD_RESULT_ROW(row));
        /* The row for the token checks left out comes last. */
        return check ? td_category_rank(check->category) : G_MAXINT;
}

static int registry_index(const TdCheck *check) {
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        for (size_t i = 0; i < n; i++)
                if (checks[i] == check)
                        return (int) i;
        return (int) n;
}

static int sort_rows(GtkListBoxRow *a, GtkListBoxRow *b, gpointer user) {
        int ra = rank_of(a), rb = rank_of(b);
        if (ra != rb)
                return ra < rb ? -1 : 1;
        const TdCheck *ca = td_result_row_get_check(TD_RESULT_ROW(a)),
                      *cb = td_result_row_get_check(TD_RESULT_ROW(b));
        if (!ca || !cb)
                return 0;
        return registry_index(ca) - registry_index(cb);
}

static void header_rows(GtkListBoxRow *row, GtkListBoxRow *before, gpointer user) {
        const TdCheck *check = td_result_row_get_check(TD_RESULT_ROW(row));
        const TdCheck *prev = before ? td_result_row_get_check(TD_RESULT_ROW(before)) : NULL;
        if (!check || (prev && g_strcmp0(prev->category, check->category) == 0)) {
                gtk_list_box_row_set_header(row, NULL);
                return;
        }
        GtkWidget *label = gtk_label_new(td_category_title(check->category));
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        gtk_widget_set_margin_start(label, 12);
        gtk_widget_set_margin_top(label, 12);
        gtk_widget_set_margin_bottom(label, 4);
        gtk_style_context_add_class(gtk_widget_get_style_context(label), "dim-label");
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
        gtk_label_set_attributes(GTK_LABEL(label), attrs);
        pango_attr_list_unref(attrs);
        gtk_widget_show(label);
        gtk_list_box_row_set_header(row, label);
}

/* --- the object ---------------------------------------------------------------------------- */

static void td_window_dispose(GObject *object) {
        TdWindow *win = TD_WINDOW(object);
        /* A run still going holds the window (its GTask): cancel it so that it ends soon. */
        if (win->cancel)
                td_engine_cancel(win->cancel);
        if (win->repair)
                g_atomic_int_set(&win->repair->stop, 1);
        td_token_watch_stop(win->token_watch);
        win->token_watch = NULL;
        G_OBJECT_CLASS(td_window_parent_class)->dispose(object);
}

static void td_window_finalize(GObject *object) {
        TdWindow *win = TD_WINDOW(object);
        if (win->report)
                td_report_free(win->report);
        g_hash_table_unref(win->rows);
        td_context_unref(win->run_ctx);
        td_context_unref(win->ctx);
        G_OBJECT_CLASS(td_window_parent_class)->finalize(object);
}

static void td_window_class_init(TdWindowClass *klass) {
        G_OBJECT_CLASS(klass)->dispose = td_window_dispose;
        G_OBJECT_CLASS(klass)->finalize = td_window_finalize;
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        g_type_ensure(TD_TYPE_VERDICT_VIEW);
        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/tokendoctor/TokenDoctor/td-window.ui");
        gtk_widget_class_bind_template_child(widget_class, TdWindow, header);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, progress_box);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, progress_bar);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, cancel_button);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, verdict_view);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, results);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, token_label);
        gtk_widget_class_bind_template_child(widget_class, TdWindow, pages);
}

static const GActionEntry win_actions[] = {
        { .name = "check-without-token", .activate = check_without_token },
        { .name = "check-with-token", .activate = check_with_token },
        { .name = "cancel", .activate = cancel_run },
        { .name = "support", .activate = show_support },
        { .name = "export", .activate = export_results },
        { .name = "repair-all", .activate = repair_all },
        { .name = "login", .activate = login },
};

static void td_window_init(TdWindow *win) {
        gtk_widget_init_template(GTK_WIDGET(win));
        win->rows = g_hash_table_new(g_str_hash, g_str_equal);
        g_action_map_add_action_entries(G_ACTION_MAP(win), win_actions, G_N_ELEMENTS(win_actions), win);
        gtk_list_box_set_sort_func(win->results, sort_rows, NULL, NULL);
        gtk_list_box_set_header_func(win->results, header_rows, NULL, NULL);
}

TdWindow *td_window_new(GtkApplication *app, TdContext *ctx, TdWindowContextFunc make_context,
                        gpointer user) {
        TdWindow *win = g_object_new(TD_TYPE_WINDOW, "application", app, NULL);
        win->ctx = td_context_ref(ctx);
        win->make_context = make_context;
        win->make_context_user = user;
        const TdProfile *profile = td_context_get_profile(ctx);
        /* The profile always has a name (the loader refuses an empty one). */
        const char *name = profile->platform_name;
        gtk_header_bar_set_title(win->header, name);
        gtk_header_bar_set_subtitle(win->header, _("CA token one-click check (一键检测)"));
        gtk_window_set_title(GTK_WINDOW(win), name);
        win->token = TD_TOKEN_LOOKING;
        win->cert_page = td_cert_page_new(make_context, user);
        gtk_widget_show(GTK_WIDGET(win->cert_page));
        gtk_stack_add_titled(win->pages, GTK_WIDGET(win->cert_page), "cert", _("Certificate (证书显示)"));
        g_signal_connect(win->pages, "notify::visible-child", G_CALLBACK(on_page_changed), win);
        GtkWidget *sign_page = GTK_WIDGET(td_sign_page_new(make_context, user));
        gtk_widget_show(sign_page);
        gtk_stack_add_titled(win->pages, sign_page, "sign", _("Signing test (签名测试)"));

        g_autofree char *error = NULL;
        TdContext *watch_ctx = make_context(user, &error);
        if (watch_ctx) {
                win->token_watch = td_token_watch_start(watch_ctx, on_token, win);
                td_context_unref(watch_ctx);
        } else {
                g_warning("the CA token cannot be watched: %s", error ? error : "");
        }
        set_running(win, false);
        return win;
}
