/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tokendoctor-gtk: the one-click check window over the same engine as the CLI. */
#include <errno.h>
#include <locale.h>

#include <gtk/gtk.h>

#include "td-timings.h"
#include "td-window.h"
#include "tokendoctor/td-context.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-profile.h"

#define TD_APP_ID "org.tokendoctor.TokenDoctor"

typedef struct {
        char *profile;  /* --profile NAME|FILE, or NULL for the default */
        char *root;     /* --root DIR (support staff, tests), or NULL */
        TdContext *ctx; /* the first, to show the profile's error before any window */
} AppState;

static void show_fatal(GtkApplication *app, const char *what, const char *why) {
        /* No window yet: a message that keeps the application alive until it is closed. */
        g_application_hold(G_APPLICATION(app));
        GtkWidget *dialog =
                gtk_message_dialog_new(NULL, 0, GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", what);
        gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog), "%s", why);
        g_signal_connect(dialog, "response", G_CALLBACK(gtk_widget_destroy), NULL);
        g_signal_connect_swapped(dialog, "destroy", G_CALLBACK(g_application_release), app);
        gtk_widget_show(dialog);
}

/* The profile and the system (--root) the window checks, in a new context. */
static int load_context(const AppState *state, TdContext **ret_ctx, char **ret_error) {
        TdProfile *profile = NULL;
        int r = td_profile_load(state->profile ? state->profile : TD_PROFILE_DEFAULT, &profile, ret_error);
        if (r < 0)
                return r;
        TdContext *ctx = td_context_new();
        if (!ctx) {
                td_profile_free(profile);
                return -ENOMEM;
        }
        td_context_take_profile(ctx, profile);
        r = td_context_set_root(ctx, state->root);
        if (r < 0) {
                td_context_unref(ctx);
                *ret_error = g_strdup_printf("--root %s: %s", state->root, g_strerror(-r));
                return r;
        }
        *ret_ctx = ctx;
        return 0;
}

static TdContext *make_context(gpointer user, char **ret_error) {
        TdContext *ctx = NULL;
        char *error = NULL;
        int r = load_context(user, &ctx, &error);
        if (r < 0) {
                *ret_error = g_strdup(error ? error : g_strerror(-r));
                free(error);
                return NULL;
        }
        return ctx;
}

static void startup(GtkApplication *app, gpointer user) {
        td_timings_init();
        g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
        gtk_css_provider_load_from_resource(css, "/org/tokendoctor/TokenDoctor/style.css");
        gtk_style_context_add_provider_for_screen(gdk_screen_get_default(), GTK_STYLE_PROVIDER(css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void activate(GtkApplication *app, gpointer user) {
        AppState *state = user;
        GtkWindow *existing = gtk_application_get_active_window(app);
        if (existing) {
                gtk_window_present(existing);
                return;
        }
        if (!state->ctx) {
                g_autofree char *error = NULL;
                int r = load_context(state, &state->ctx, &error);
                if (r < 0) {
                        show_fatal(app, _("The platform profile could not be read"),
                                   error ? error : g_strerror(-r));
                        return;
                }
        }
        GtkWidget *window = GTK_WIDGET(td_window_new(app, state->ctx, make_context, state));
        td_timings_watch_window(window);
        gtk_window_present(GTK_WINDOW(window));
}

int main(int argc, char **argv) {
        setlocale(LC_ALL, "");
        /* Numbers in files are always written with a '.'. */
        setlocale(LC_NUMERIC, "C");
        td_i18n_init();
        /* The .ui files name the catalogue for their translatable strings. */
        textdomain(GETTEXT_PACKAGE);

        AppState state = { 0 };
        const GOptionEntry options[] = {
                { "profile", 0, 0, G_OPTION_ARG_STRING, &state.profile,
                  N_("Platform profile (name or file)"), N_("NAME|FILE") },
                { "root", 0, 0, G_OPTION_ARG_FILENAME, &state.root,
                  N_("Read system files under DIR instead of /"), N_("DIR") },
                { NULL },
        };
        g_autoptr(GtkApplication) app = gtk_application_new(TD_APP_ID, G_APPLICATION_DEFAULT_FLAGS);
        g_application_add_main_option_entries(G_APPLICATION(app), options);
        g_signal_connect(app, "startup", G_CALLBACK(startup), NULL);
        g_signal_connect(app, "activate", G_CALLBACK(activate), &state);
        int status = g_application_run(G_APPLICATION(app), argc, argv);
        td_context_unref(state.ctx);
        g_free(state.profile);
        g_free(state.root);
        return status;
}
