/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * browser.installed: a browser the platform supports is installed, as the desktop's
 * application entries (td-desktop.h) show it.
 *
 *   - a browser of the profile's [browsers] supported list is installed, at its minimum major
 *     version or newer, or of a version its entry does not state: PASS. A version is known
 *     only from the entry (an X-*-Version key): browsers are never run to ask (slow, and under
 *     --root it would run the customer's programs), so an unknown version is not compared, and
 *     the details and the message say so;
 *   - supported browsers are installed, each older than its minimum: FAIL
 *     browser.none-supported, naming the versions;
 *   - none is installed: FAIL browser.none-supported, naming what the platform supports;
 *   - an entry that could be a supported browser exists but cannot be read (a FIFO, too large):
 *     error, since what it says would decide.
 *
 * Browsers of the unsupported list (360, QQ, Sogou...) are named in the message and the details
 * but fail nothing here: they are preinstalled on some distributions and harm nothing until
 * used for the platform, which browser.default looks at.
 */
#include <errno.h>

#include "platform/td-desktop.h"
#include "platform/td-fact.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* The browsers found, by kind, as names for the message. */
typedef struct {
        TdStrv names[_TD_BROWSER_KIND_MAX];
        const TdDesktopApp *unreadable; /* the first unreadable entry a supported stem names */
} Found;

static void found_clear(Found *f) {
        for (size_t i = 0; i < _TD_BROWSER_KIND_MAX; i++)
                td_strv_free(f->names[i]);
}

static void add_browser_details(TdContext *ctx, TdResult *result, struct json_object *array,
                                const TdDesktopApp *app, const TdBrowserMatch *m) {
        _cleanup_free_ char *owned = NULL;
        struct json_object *o = td_detail_append_object(result, array);
        td_detail_set_string(result, o, "id", "%s", app->id);
        td_detail_set_string(result, o, "name", "%s", td_browser_display_name(ctx, app, &owned));
        td_detail_set_string(result, o, "file", "%s", app->file);
        td_detail_set_bool(result, o, "user", app->user);
        td_detail_set_string(result, o, "kind", "%s", td_browser_kind_to_string(m->kind));
        if (m->stem)
                td_detail_set_string(result, o, "stem", "%s", m->stem);
        else
                td_detail_set_null(result, o, "stem");
        if (app->entry->app_version)
                td_detail_set_string(result, o, "version", "%s", app->entry->app_version);
        else
                td_detail_set_null(result, o, "version");
        td_detail_set_bool(result, o, "version_checked",
                           m->version_known && m->rule && m->rule->min_major > 0);
        if (m->rule)
                td_detail_set_int(result, o, "min_major", m->rule->min_major);
}

/* "Google Chrome", "Google Chrome 85", or "Google Chrome (version not stated)" as the kind needs. */
static char *browser_label(TdContext *ctx, const TdDesktopApp *app, const TdBrowserMatch *m) {
        _cleanup_free_ char *owned = NULL;
        const char *name = td_browser_display_name(ctx, app, &owned);
        if (m->kind == TD_BROWSER_TOO_OLD)
                return td_strdup_printf(_("%s %s (the platform needs %u or newer)"), name,
                                        app->entry->app_version, m->rule->min_major);
        if (m->kind == TD_BROWSER_SUPPORTED && m->rule->min_major > 0 && !m->version_known)
                return td_strdup_printf(_("%s (version not stated, so not compared with %u)"), name,
                                        m->rule->min_major);
        return strdup(name);
}

static int collect(TdContext *ctx, TdResult *result, const TdDesktopApps *apps, Found *f) {
        const TdProfile *profile = td_context_get_profile(ctx);
        struct json_object *browsers = td_detail_add_array(result, NULL, "browsers");
        struct json_object *unreadable = td_detail_add_array(result, NULL, "unreadable");
        struct json_object *hidden = td_detail_add_array(result, NULL, "hidden");
        for (size_t i = 0; i < apps->n_apps; i++) {
                const TdDesktopApp *app = &apps->apps[i];
                TdBrowserMatch m;
                if (!app->entry) {
                        struct json_object *o = td_detail_append_object(result, unreadable);
                        td_detail_set_string(result, o, "file", "%s", app->file);
                        td_detail_set_string(result, o, "error", "%s", strerror(-app->error));
                        if (!f->unreadable && td_browser_match(profile, app, false, &m) &&
                            m.kind != TD_BROWSER_UNSUPPORTED && m.kind != TD_BROWSER_OTHER)
                                f->unreadable = app;
                        continue;
                }
                if (!td_desktop_app_installed(app)) {
                        /* A user's Hidden=true (or a TryExec that is gone) is why a browser is not seen. */
                        if (td_browser_match(profile, app, true, &m) && m.kind != TD_BROWSER_OTHER) {
                                struct json_object *o = td_detail_append_object(result, hidden);
                                td_detail_set_string(result, o, "id", "%s", app->id);
                                td_detail_set_string(result, o, "file", "%s", app->file);
                                td_detail_set_string(result, o, "why", "%s",
                                                     app->entry->hidden      ? "hidden"
                                                     : app->try_exec_missing ? "program-missing"
                                                                             : "not-application");
                        }
                        continue;
                }
                if (!td_browser_match(profile, app, true, &m))
                        continue;
                add_browser_details(ctx, result, browsers, app, &m);
                _cleanup_free_ char *label = browser_label(ctx, app, &m);
                if (!label || td_strv_push(&f->names[m.kind], label) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static char *join(const TdStrv v) {
        return td_strv_join((const char *const *) v, _(", "));
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile)
                return -EINVAL;
        const TdDesktopApps *apps;
        int r = td_desktop_apps_get(ctx, &apps);
        if (r < 0)
                return r;
        td_detail_set_strv(result, NULL, "dirs", (const char *const *) apps->dirs);

        _cleanup_(found_clear) Found f = {};
        for (size_t i = 0; i < _TD_BROWSER_KIND_MAX; i++)
                if (!(f.names[i] = calloc(1, sizeof(char *))))
                        return -ENOMEM;
        if ((r = collect(ctx, result, apps, &f)) < 0)
                return r;

        _cleanup_free_ char *supported = join(f.names[TD_BROWSER_SUPPORTED]);
        _cleanup_free_ char *old = join(f.names[TD_BROWSER_TOO_OLD]);
        _cleanup_free_ char *unsupported = join(f.names[TD_BROWSER_UNSUPPORTED]);
        _cleanup_free_ char *wanted = td_browser_rules_describe(profile);
        if (!supported || !old || !unsupported || !wanted)
                return -ENOMEM;
        /* Said after the verdict: a fact worth knowing, not a failure of this check. */
        _cleanup_free_ char *also =
                unsupported[0] ? td_strdup_printf(_(" Also installed, but not supported by the "
                                                    "platform (do not use it for the platform): %s."),
                                                  unsupported)
                               : strdup("");
        if (!also)
                return -ENOMEM;

        if (supported[0])
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("A browser the platform supports is installed: %s.%s"), supported,
                                     also);
        if (f.unreadable)
                return td_fact_unreadable_verdict(result, _("The installed browsers cannot be listed"),
                                                  f.unreadable->file, f.unreadable->error);
        const char *first = profile->n_browsers_supported > 0
                                    ? td_browser_stem_name(profile->browsers_supported[0].desktop_stem)
                                    : "Google Chrome";
        if (old[0])
                return td_result_set(
                        result, TD_STATUS_FAIL, "browser.none-supported",
                        _("The installed browser is too old for the platform: %s. Update it, or "
                          "install %s.%s"),
                        old, first, also);
        return td_result_set(
                result, TD_STATUS_FAIL, "browser.none-supported",
                _("No browser the platform supports is installed; it supports %s. Install %s.%s"), wanted,
                first, also);
}

const TdCheck td_check_browser_installed = {
        .id = "browser.installed",
        .category = "browser",
        .title = N_("Browser"),
        .causes = TD_STRV("browser.none-supported"),
        .run = run,
};
