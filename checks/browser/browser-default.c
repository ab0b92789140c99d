/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * browser.default: the browser that opens web links is one the platform supports. The default
 * is found as xdg-open and the desktops find it (td_default_browser_load(): mimeapps.list
 * files in the specification's order, x-scheme-handler/https, then http, then text/html).
 *
 *   - the default is on the profile's supported list, new enough or of a version its entry
 *     does not state (browsers are never run to ask): PASS;
 *   - it is on the unsupported list (360, QQ, Sogou, 猎豹, 2345...), older than the minimum, or
 *     on neither list: FAIL browser.unsupported. A browser on neither list fails too: the
 *     platform names the browsers it works with, and a link the platform's mail or page opens
 *     elsewhere is the failure users meet; the message names what is supported;
 *   - no default is set, or none of those set is installed: SKIP (skip_reason "no-default"):
 *     the desktop then picks a handler itself, which these files do not tell;
 *   - a mimeapps.list that could have named another default cannot be read: error.
 */
#include <errno.h>

#include "platform/td-desktop.h"
#include "platform/td-fact.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* The fact's details; returns the "default" object, or NULL when there is no default. */
static struct json_object *add_fact_details(TdResult *result, const TdDefaultBrowser *b) {
        td_detail_set_strv(result, NULL, "files", (const char *const *) b->files);
        td_detail_set_strv(result, NULL, "not_installed", (const char *const *) b->not_installed);
        struct json_object *unreadable = td_detail_add_array(result, NULL, "unreadable");
        for (size_t i = 0; i < b->n_unreadable; i++) {
                struct json_object *o = td_detail_append_object(result, unreadable);
                td_detail_set_string(result, o, "file", "%s", b->unreadable[i].file);
                td_detail_set_string(result, o, "error", "%s", strerror(-b->unreadable[i].error));
        }
        if (!b->id)
                return NULL;
        struct json_object *d = td_detail_add_object(result, NULL, "default");
        td_detail_set_string(result, d, "id", "%s", b->id);
        td_detail_set_string(result, d, "mime_type", "%s", b->mime_type);
        td_detail_set_string(result, d, "file", "%s", b->file);
        td_detail_set_string(result, d, "group", "%s", td_mimeapps_group_to_string(b->group));
        return d;
}

/* "Set Google Chrome as the default browser", naming one installed when there is one. */
static char *next_step(TdContext *ctx, const TdProfile *profile, const TdDesktopApps *apps) {
        for (size_t i = 0; i < apps->n_apps; i++) {
                TdBrowserMatch m;
                if (td_desktop_app_installed(&apps->apps[i]) &&
                    td_browser_match(profile, &apps->apps[i], true, &m) && m.kind == TD_BROWSER_SUPPORTED) {
                        _cleanup_free_ char *owned = NULL;
                        return td_strdup_printf(_("Set %s as the default browser (system settings, default "
                                                  "applications, web browser)."),
                                                td_browser_display_name(ctx, &apps->apps[i], &owned));
                }
        }
        const char *first = profile->n_browsers_supported > 0
                                    ? td_browser_stem_name(profile->browsers_supported[0].desktop_stem)
                                    : "Google Chrome";
        return td_strdup_printf(_("Install %s and set it as the default browser (system settings, default "
                                  "applications, web browser)."),
                                first);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile)
                return -EINVAL;
        const TdDesktopApps *apps;
        const TdDefaultBrowser *b;
        int r = td_desktop_apps_get(ctx, &apps);
        if (r < 0 || (r = td_default_browser_get(ctx, &b)) < 0)
                return r;
        struct json_object *d = add_fact_details(result, b);

        if (b->unreadable_before >= 0)
                return td_fact_unreadable_verdict(result, _("The default browser cannot be told"),
                                                  b->unreadable[b->unreadable_before].file,
                                                  b->unreadable[b->unreadable_before].error);
        if (!b->id) {
                td_result_add_detail(result, "skip_reason", "no-default");
                if (b->not_installed[0]) {
                        _cleanup_free_ char *named =
                                td_strv_join((const char *const *) b->not_installed, _(", "));
                        if (!named)
                                return -ENOMEM;
                        return td_result_set(result, TD_STATUS_SKIP, NULL,
                                             _("No default browser is in force: the one set (%s) is not "
                                               "installed, so the desktop picks one itself."),
                                             named);
                }
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("No default browser is set, so the desktop picks one itself."));
        }

        const TdDesktopApp *app = td_desktop_apps_find(apps, b->id);
        TdBrowserMatch m;
        if (!app || !td_browser_match(profile, app, false, &m))
                return -EINVAL; /* not reached: the default is an installed app */
        _cleanup_free_ char *owned = NULL;
        const char *name = td_browser_display_name(ctx, app, &owned);
        td_detail_set_string(result, d, "name", "%s", name);
        td_detail_set_string(result, d, "kind", "%s", td_browser_kind_to_string(m.kind));
        if (app->entry->app_version)
                td_detail_set_string(result, d, "version", "%s", app->entry->app_version);
        else
                td_detail_set_null(result, d, "version");

        if (m.kind == TD_BROWSER_SUPPORTED)
                return td_result_set(
                        result, TD_STATUS_PASS, NULL,
                        m.rule->min_major > 0 && !m.version_known
                                ? _("The default browser is %s, which the platform supports (its "
                                    "version is not stated, so it was not compared).")
                                : _("The default browser is %s, which the platform supports."),
                        name);

        _cleanup_free_ char *step = next_step(ctx, profile, apps);
        _cleanup_free_ char *wanted = td_browser_rules_describe(profile);
        if (!step || !wanted)
                return -ENOMEM;
        if (m.kind == TD_BROWSER_UNSUPPORTED)
                return td_result_set(result, TD_STATUS_FAIL, "browser.unsupported",
                                     _("The default browser is %s, which the platform does not support. %s"),
                                     name, step);
        if (m.kind == TD_BROWSER_TOO_OLD)
                return td_result_set(
                        result, TD_STATUS_FAIL, "browser.unsupported",
                        _("The default browser is %s version %s, older than version %u that the "
                          "platform requires. Update it. %s"),
                        name, app->entry->app_version, m.rule->min_major, step);
        return td_result_set(result, TD_STATUS_FAIL, "browser.unsupported",
                             _("The default browser is %s, which is not one the platform supports (%s). %s"),
                             name, wanted, step);
}

const TdCheck td_check_browser_default = {
        .id = "browser.default",
        .category = "browser",
        .title = N_("Default browser"),
        .causes = TD_STRV("browser.unsupported"),
        .run = run,
};
