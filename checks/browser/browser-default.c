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
 *
 * The repair (browser.unsupported, when a supported browser is installed: details "candidate")
 * makes the first installed browser of the profile's supported list, in the profile's order, the
 * default: one write of the user's mimeapps.list that sets x-scheme-handler/http, .../https and
 * text/html in [Default Applications] and keeps every other byte (td_mimeapps_set_default()).
 * The file is the one td_mimeapps_default_target() names: a desktop's own file in
 * $XDG_CONFIG_HOME (gnome-mimeapps.list, UOS/deepin's) when it names a web handler, as it would
 * override ~/.config/mimeapps.list, else that one. Nothing under --root: these are the user's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "platform/td-desktop.h"
#include "platform/td-fact.h"
#include "platform/td-mimeapps-edit.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* A mimeapps.list is a few KiB; what the desktop reads is at most this (td-desktop's limit). */
#define MIMEAPPS_MAX (1024u * 1024u)

static const char *const web_types[] = { "x-scheme-handler/http", "x-scheme-handler/https", "text/html",
                                         NULL };

/*
 * The installed browser a repair makes the default: for each supported rule in the profile's
 * order, its installed app (the one whose id is exactly the stem first, else the first by id),
 * supported at its version, with an id the file can hold. Borrowed from @apps, or NULL.
 */
static const TdDesktopApp *pick_supported(const TdProfile *profile, const TdDesktopApps *apps) {
        for (size_t i = 0; i < profile->n_browsers_supported; i++) {
                const TdBrowserRule *rule = &profile->browsers_supported[i];
                const TdDesktopApp *found = NULL;
                for (size_t j = 0; j < apps->n_apps; j++) {
                        const TdDesktopApp *app = &apps->apps[j];
                        TdBrowserMatch m;
                        if (!td_desktop_app_installed(app) || !td_browser_match(profile, app, true, &m) ||
                            m.kind != TD_BROWSER_SUPPORTED || m.rule != rule ||
                            !td_mimeapps_id_is_writable(app->id))
                                continue;
                        size_t n = strlen(rule->desktop_stem);
                        if (strncasecmp(app->id, rule->desktop_stem, n) == 0 &&
                            streq(app->id + n, ".desktop"))
                                return app;
                        if (!found)
                                found = app;
                }
                if (found)
                        return found;
        }
        return NULL;
}

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

static const char *first_supported_name(const TdProfile *profile) {
        return profile->n_browsers_supported > 0
                       ? td_browser_stem_name(profile->browsers_supported[0].desktop_stem)
                       : "Google Chrome";
}

/* "Set Google Chrome as the default browser", naming the one the repair would pick when there is one. */
static char *next_step(TdContext *ctx, const TdProfile *profile, const TdDesktopApp *candidate) {
        if (candidate) {
                _cleanup_free_ char *owned = NULL;
                return td_strdup_printf(_("Set %s as the default browser (system settings, default "
                                          "applications, web browser)."),
                                        td_browser_display_name(ctx, candidate, &owned));
        }
        return td_strdup_printf(_("Install %s and set it as the default browser (system settings, default "
                                  "applications, web browser)."),
                                first_supported_name(profile));
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

        const TdDesktopApp *candidate = pick_supported(profile, apps);
        if (candidate) {
                _cleanup_free_ char *cowned = NULL;
                struct json_object *c = td_detail_add_object(result, NULL, "candidate");
                td_detail_set_string(result, c, "id", "%s", candidate->id);
                td_detail_set_string(result, c, "name", "%s",
                                     td_browser_display_name(ctx, candidate, &cowned));
        }
        _cleanup_free_ char *step = next_step(ctx, profile, candidate);
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

/* Only where plan() can do it: a supported browser is installed (else the advice says to install one). */
static bool fix_offer(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        (void) ctx;
        (void) ret;
        return r->status == TD_STATUS_FAIL && streq_ptr(r->cause, "browser.unsupported") &&
               td_result_get_detail(r, "candidate.id");
}

static int fix_plan(TdContext *ctx, const TdResult *result, TdFixPlan *plan, char **ret_why) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdDesktopApps *apps;
        if (!profile)
                return -EINVAL;
        int r = td_desktop_apps_get(ctx, &apps);
        if (r < 0)
                return r;
        const TdDesktopApp *app = pick_supported(profile, apps);
        if (!app) {
                *ret_why = td_strdup_printf(_("No browser the platform supports is installed: install %s "
                                              "first."),
                                            first_supported_name(profile));
                return -EOPNOTSUPP;
        }
        _cleanup_free_ char *path = NULL;
        r = td_mimeapps_default_target(ctx, web_types, &path);
        if (r < 0) {
                *ret_why = path ? td_strdup_printf(_("%s cannot be read: %s."), path, strerror(-r))
                                : td_strdup_printf(_("The user's settings directory is not known: $HOME is "
                                                     "not set."));
                return r;
        }
        /* A link (dotfiles kept elsewhere) stays one: the file it names is the one to change. */
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
                char *real = realpath(path, NULL);
                if (real) {
                        free(path);
                        path = real;
                }
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        unsigned mode = 0644;
        r = td_read_regular_file(path, MIMEAPPS_MAX, &text, &len);
        if (r >= 0 && stat(path, &st) < 0)
                r = -errno;
        if (r >= 0)
                mode = st.st_mode & 07777;
        else if (r != -ENOENT) {
                *ret_why = td_strdup_printf(_("%s cannot be read: %s."), path, strerror(-r));
                return r;
        }
        _cleanup_free_ char *edited = NULL;
        size_t edited_len = 0;
        if ((r = td_mimeapps_set_default(text ? text : "", len, web_types, app->id, &edited, &edited_len)) <
            0)
                return r;
        _cleanup_free_ char *owned = NULL;
        const char *name = td_browser_display_name(ctx, app, &owned);
        if (text && edited_len == len && memcmp(edited, text, len) == 0) {
                *ret_why =
                        td_strdup_printf(_("%s already makes %s the default browser, yet it is not the one "
                                           "in force."),
                                         path, name);
                return -EALREADY;
        }
        return td_fix_plan_write_file(plan, path, edited, edited_len, mode,
                                      _("Make %s the default browser: web links and web pages open in it "
                                        "(%s)"),
                                      name, path);
}

const TdCheck td_check_browser_default = {
        .id = "browser.default",
        .category = "browser",
        .title = N_("Default browser"),
        .causes = TD_STRV("browser.unsupported"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Make a browser the platform supports the default browser"),
                               .offer = fix_offer,
                               .plan = fix_plan },
};
