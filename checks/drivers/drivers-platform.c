/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.platform: the platform's driver package is installed, at the profile's version or
 * newer, as the dpkg database says.
 *
 *   - the profile names no driver package: SKIP (skip_reason "not-configured");
 *   - no package the profile's globs match is installed: FAIL driver.missing, naming the state
 *     of one that is half there (half-installed, unpacked, config-files...) so support sees it;
 *   - an installed match is older than `min_version`: FAIL driver.old, naming both versions;
 *   - else PASS.
 *
 * A package also matches through its Provides, with the version of a versioned provide: an
 * unversioned one states no version and so, as for dpkg's versioned dependencies, does not
 * satisfy `min_version`. Every installed match must be new enough, since the browser or the
 * platform may load the old one.
 */
#include <errno.h>

#include "platform/td-dpkg.h"
#include "platform/td-fact.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

typedef struct {
        const TdDpkgPackage *package;
        const char *provides; /* the name matched through Provides, else NULL */
        const char *version;  /* what is compared: the package's, or the provide's */
} Match;

static bool match_package(const TdProfile *profile, const TdDpkgPackage *p, Match *ret) {
        const char *provides, *version;
        if (!td_dpkg_package_matches(p, profile->driver_packages, &provides, &version))
                return false;
        *ret = (Match){ .package = p, .provides = provides, .version = version };
        return true;
}

static bool too_old(const Match *m, const char *min_version) {
        return min_version && (!m->version || td_version_compare(m->version, min_version) < 0);
}

static void add_match_details(TdResult *result, struct json_object *array, const Match *m,
                              const char *min_version) {
        const TdDpkgPackage *p = m->package;
        struct json_object *o = td_detail_append_object(result, array);
        td_detail_set_string(result, o, "name", "%s", p->package);
        if (p->version)
                td_detail_set_string(result, o, "version", "%s", p->version);
        else
                td_detail_set_null(result, o, "version");
        if (p->architecture)
                td_detail_set_string(result, o, "architecture", "%s", p->architecture);
        else
                td_detail_set_null(result, o, "architecture");
        if (p->state)
                td_detail_set_string(result, o, "state", "%s", p->state);
        else
                td_detail_set_null(result, o, "state");
        if (p->status)
                td_detail_set_string(result, o, "status", "%s", p->status);
        td_detail_set_bool(result, o, "installed", p->installed);
        if (m->provides) {
                td_detail_set_string(result, o, "provides", "%s", m->provides);
                if (m->version)
                        td_detail_set_string(result, o, "provided_version", "%s", m->version);
                else
                        td_detail_set_null(result, o, "provided_version");
        }
        if (p->installed && min_version)
                td_detail_set_bool(result, o, "too_old", too_old(m, min_version));
}

/* Some of its files are on the system, but dpkg does not count it installed. */
static bool partly_installed(const TdDpkgPackage *p) {
        return !p->installed && p->state && !streq(p->state, "config-files") &&
               !streq(p->state, "not-installed");
}

/* "vendor-driver", or "vendor-ukey (provides vendor-driver)" for a match through Provides. */
static char *match_name(const Match *m) {
        if (m->provides)
                return td_strdup_printf(_("%s (provides %s)"), m->package->package, m->provides);
        return strdup(m->package->package);
}

/* The verdict when no match is installed: @first is the one to name (see run()), or NULL. */
static int verdict_missing(TdResult *result, const char *patterns, const Match *first) {
        if (!first)
                return td_result_set(result, TD_STATUS_FAIL, "driver.missing",
                                     _("The platform's driver is not installed: no package named %s is on "
                                       "this computer. Install the platform's driver package."),
                                     patterns);
        _cleanup_free_ char *name = match_name(first);
        if (!name)
                return -ENOMEM;
        const char *state = first->package->state;
        /* "not-installed" stanzas are selections dpkg never acted on (an apt run cut short). */
        if (!state || streq(state, "not-installed"))
                return td_result_set(
                        result, TD_STATUS_FAIL, "driver.missing",
                        _("The platform's driver package %s is not installed properly: the package database "
                          "gives it the status \"%s\". Install the package again."),
                        name, first->package->status ? first->package->status : "");
        if (streq(state, "config-files"))
                return td_result_set(result, TD_STATUS_FAIL, "driver.missing",
                                     _("The platform's driver package %s was removed: only its settings are "
                                       "left (dpkg state \"%s\"). Install the package again."),
                                     name, state);
        return td_result_set(result, TD_STATUS_FAIL, "driver.missing",
                             _("The platform's driver package %s is only partly installed (dpkg state "
                               "\"%s\"), so it may not work. Ask this computer's administrator to finish "
                               "the installation (“dpkg --configure -a”) or to install the package again."),
                             name, state);
}

static int verdict_old(TdResult *result, const Match *old, const char *min_version) {
        _cleanup_free_ char *name = match_name(old);
        if (!name)
                return -ENOMEM;
        if (!old->version)
                return td_result_set(result, TD_STATUS_FAIL, "driver.old",
                                     _("The platform's driver package %s does not state its version, so it "
                                       "cannot be shown to be version %s or newer as the platform requires. "
                                       "Install the platform's current driver."),
                                     name, min_version);
        return td_result_set(result, TD_STATUS_FAIL, "driver.old",
                             _("The platform's driver package %s is version %s, older than version %s that "
                               "the platform requires. Install the platform's current driver."),
                             name, old->version, min_version);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile)
                return -EINVAL;
        if (!profile->driver_packages || !profile->driver_packages[0]) {
                td_result_add_detail(result, "skip_reason", "not-configured");
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("The profile names no driver package of the platform to look for."));
        }

        const char *min_version = profile->driver_min_version;
        td_detail_set_strv(result, NULL, "patterns", (const char *const *) profile->driver_packages);
        if (min_version)
                td_detail_set_string(result, NULL, "min_version", "%s", min_version);
        else
                td_detail_set_null(result, NULL, "min_version");
        _cleanup_free_ char *patterns =
                td_strv_join((const char *const *) profile->driver_packages, _(", "));
        if (!patterns)
                return -ENOMEM;

        const TdDpkgStatusFact *fact;
        int r = td_dpkg_status_get(ctx, &fact);
        if (r < 0)
                return r;
        td_detail_set_string(result, NULL, "file", "%s", fact->file);
        if (fact->error == -ENOENT)
                return td_result_set(result, TD_STATUS_FAIL, "driver.missing",
                                     _("The platform's driver package %s is not installed: this computer "
                                       "has no Debian package database (%s is missing)."),
                                     patterns, fact->file);
        if (fact->error < 0)
                return td_fact_unreadable_verdict(result, _("The installed packages cannot be listed"),
                                                  fact->file, fact->error);
        const TdDpkgStatus *status = fact->status;
        if (status->n_unnamed > 0)
                td_detail_set_int(result, NULL, "unnamed_entries", (int64_t) status->n_unnamed);

        struct json_object *array = td_detail_add_array(result, NULL, "packages");
        Match first = {}, first_old = {};
        /* "vendor-driver 2.0-1" of each installed match, for the message. */
        _cleanup_strv_free_ TdStrv installed = calloc(1, sizeof(char *));
        if (!installed)
                return -ENOMEM;
        for (size_t i = 0; i < status->n_packages; i++) {
                Match m;
                if (!match_package(profile, &status->packages[i], &m))
                        continue;
                add_match_details(result, array, &m, min_version);
                /* Of packages not installed, one partly there says the most: it is named first. */
                if (!first.package || (!partly_installed(first.package) && partly_installed(m.package)))
                        first = m;
                if (!m.package->installed)
                        continue;
                if (!first_old.package && too_old(&m, min_version))
                        first_old = m;
                _cleanup_free_ char *name = match_name(&m);
                _cleanup_free_ char *item =
                        name ? td_strdup_printf("%s %s", name, m.version ? m.version : "?") : NULL;
                if (!item || td_strv_push(&installed, item) < 0)
                        return -ENOMEM;
        }

        if (!installed[0])
                return verdict_missing(result, patterns, first.package ? &first : NULL);
        if (first_old.package)
                return verdict_old(result, &first_old, min_version);
        _cleanup_free_ char *list = td_strv_join((const char *const *) installed, _(", "));
        if (!list)
                return -ENOMEM;
        return td_result_set(result, TD_STATUS_PASS, NULL, _("The platform's driver is installed: %s."),
                             list);
}

const TdCheck td_check_drivers_platform = {
        .id = "drivers.platform",
        .category = "drivers",
        .title = N_("Platform driver"),
        .causes = TD_STRV("driver.missing", "driver.old"),
        .run = run,
};
