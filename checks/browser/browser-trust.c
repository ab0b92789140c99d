/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * browser.trust: the platform's root CA (the profile's [ca] cert) is trusted where an installed
 * supported browser looks, compared by SHA-256 fingerprint:
 *
 *   - Chrome/Chromium: the user's shared NSS database, ~/.local/share/pki/nssdb (M146 and
 *     later) or ~/.pki/nssdb (before); the version in use is not known (browsers are never run
 *     to ask), so either counts;
 *   - Firefox: each profile's cert9.db (profiles.ini, also snap's).
 *
 * Trusted means certutil lists it with "C" in the SSL trust field (td_nss_flags_trust_tls()).
 * The system bundle (/etc/ssl/certs/ca-certificates.crt under the root) and certificates in
 * /usr/local/share/ca-certificates not yet in it are reported, but never make a pass: Firefox
 * does not read the system store by default, and whether a given Chrome build honours it on
 * Linux cannot be told from files. A false "missing" costs an import the platform's own
 * installer would do anyway; a false "trusted" leaves the platform's pages failing unexplained.
 *
 *   - the profile names no CA certificate: SKIP (skip_reason "not-configured");
 *   - no supported browser is installed: SKIP (skip_reason "no-browser"; browser.installed says so);
 *   - trusted in a database of an installed supported browser: PASS, naming where;
 *   - otherwise, when a database that counts could not be read (certutil missing or failing,
 *     the old cert8.db format): error, naming it — never a verdict on what it would have said;
 *   - otherwise: FAIL trust.missing (absent, present without trust, or no database yet).
 *
 * The repair (trust.missing, when certutil is installed and there is a database to import into:
 * one an installed supported browser reads, or Chromium's, which certutil can make) imports the
 * CA into each database of an installed supported browser that lacks it: `certutil -A` with the
 * trust flags it had plus "C" for websites (td_nss_flags_add_tls_trust()), one run change per
 * database, its cert9.db, key4.db and pkcs11.txt kept by the journal first. With a Chromium-family
 * browser and no Chromium database yet, ~/.pki/nssdb is made first, as the browser would make it
 * (`certutil -N --empty-password`; the runner makes the directory, 0700, and undo removes it). A
 * Firefox that is running holds its database: the plan refuses and says to close it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-desktop.h"
#include "platform/td-nss.h"
#include "platform/td-x509.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

#define CA_FILE_MAX (256 * 1024)
#define BUNDLE_MAX (4 * 1024 * 1024)
#define BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define LOCAL_CA_DIR "/usr/local/share/ca-certificates"

/* The profile's CA file as a path of this user: "~/" is $HOME (the profile leaves it to the reader). */
static char *ca_path(const TdContext *ctx, const char *ca) {
        const char *home = td_context_getenv(ctx, "HOME");
        if (td_startswith(ca, "~/") && home && home[0] == '/')
                return td_strdup_printf("%s/%s", home, ca + 2);
        return strdup(ca);
}

/* Which NSS users among the installed supported browsers. */
static void installed_browsers(const TdProfile *profile, const TdDesktopApps *apps,
                               bool used[_TD_NSS_BROWSER_MAX], TdStrvBuilder *names) {
        for (size_t i = 0; i < apps->n_apps; i++) {
                TdBrowserMatch m;
                if (!td_desktop_app_installed(&apps->apps[i]) ||
                    !td_browser_match(profile, &apps->apps[i], true, &m) || m.kind != TD_BROWSER_SUPPORTED)
                        continue;
                /* Chrome, Chromium and their flatpak ids share Chromium's database; Firefox has its own. */
                if (strstr(m.stem, "firefox"))
                        used[TD_NSS_FIREFOX] = true;
                else if (strstr(m.stem, "chrom"))
                        used[TD_NSS_CHROMIUM] = true;
                else
                        continue;
                (void) td_strv_builder_add(names, apps->apps[i].id);
        }
}

static bool pem_name(const char *name) {
        size_t n = strlen(name);
        return n > 4 && streq(name + n - 4, ".crt");
}

static bool has_print(const TdSha256 *prints, size_t n, const TdSha256 *print) {
        for (size_t i = 0; i < n; i++)
                if (memcmp(prints[i].bytes, print->bytes, sizeof print->bytes) == 0)
                        return true;
        return false;
}

/* The system store, for the details: "in-bundle", "pending" (installed, update-ca-certificates not run),
 * "absent". */
static int system_store(TdContext *ctx, TdResult *result, const TdSha256 *print) {
        struct json_object *o = td_detail_add_object(result, NULL, "system_store");
        _cleanup_free_ char *bundle = NULL;
        size_t len = 0;
        int r = td_context_read_file(ctx, BUNDLE, BUNDLE_MAX, &bundle, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT)
                td_detail_set_string(result, o, "error", "%s", strerror(-r));
        bool in_bundle = false;
        if (r >= 0) {
                _cleanup_free_ TdSha256 *prints = NULL;
                size_t n = 0;
                if (td_x509_pem_fingerprints(bundle, len, 4096, &prints, &n) < 0)
                        return -ENOMEM;
                in_bundle = has_print(prints, n, print);
        }
        _cleanup_strv_free_ TdStrv names = NULL;
        const char *pending = NULL;
        if (!in_bundle && td_context_list_dir(ctx, LOCAL_CA_DIR, pem_name, 256, &names) >= 0)
                for (size_t i = 0; names[i] && !pending; i++) {
                        _cleanup_free_ char *path = td_strdup_printf(LOCAL_CA_DIR "/%s", names[i]);
                        _cleanup_free_ char *text = NULL;
                        _cleanup_free_ TdSha256 *prints = NULL;
                        size_t n = 0;
                        if (!path)
                                return -ENOMEM;
                        if (td_context_read_file(ctx, path, CA_FILE_MAX, &text, &len) >= 0 &&
                            td_x509_pem_fingerprints(text, len, 16, &prints, &n) >= 0 &&
                            has_print(prints, n, print))
                                pending = names[i];
                }
        td_detail_set_string(result, o, "file", BUNDLE);
        td_detail_set_string(result, o, "state", "%s",
                             in_bundle ? "in-bundle"
                             : pending ? "pending"
                                       : "absent");
        if (pending)
                td_detail_set_string(result, o, "pending_file", LOCAL_CA_DIR "/%s", pending);
        return 0;
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile)
                return -EINVAL;
        if (isempty(profile->ca_cert)) {
                td_result_add_detail(result, "skip_reason", "not-configured");
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("The platform profile names no root certificate, so there is nothing "
                                       "to look for."));
        }
        td_detail_set_string(result, NULL, "ca_file", "%s", profile->ca_cert);

        /* The profile's own file, not a system file of the inspected machine: read as named. */
        _cleanup_free_ char *pem = NULL;
        size_t len = 0;
        _cleanup_free_ TdSha256 *ca = NULL;
        size_t n_ca = 0;
        _cleanup_free_ char *ca_file = ca_path(ctx, profile->ca_cert);
        if (!ca_file)
                return -ENOMEM;
        int r = td_read_regular_file(ca_file, CA_FILE_MAX, &pem, &len);
        if (r >= 0)
                r = td_x509_pem_fingerprints(pem, len, 1, &ca, &n_ca);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || n_ca == 0) {
                td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                              _("The platform's root certificate %s cannot be read: %s."), profile->ca_cert,
                              r < 0 ? strerror(-r) : _("it holds no PEM certificate"));
                return r < 0 ? r : -EBADMSG;
        }
        _cleanup_free_ char *fingerprint = td_sha256_to_string(&ca[0]);
        if (!fingerprint)
                return -ENOMEM;
        td_detail_set_string(result, NULL, "ca_sha256", "%s", fingerprint);

        const TdDesktopApps *apps;
        r = td_desktop_apps_get(ctx, &apps);
        if (r < 0)
                return r;
        bool used[_TD_NSS_BROWSER_MAX] = {};
        _cleanup_strv_builder_ TdStrvBuilder names_b = {};
        installed_browsers(profile, apps, used, &names_b);
        _cleanup_strv_free_ TdStrv browsers = td_strv_builder_steal(&names_b);
        if (!browsers)
                return -ENOMEM;
        td_detail_set_strv(result, NULL, "browsers", (const char *const *) browsers);
        struct json_object *readers = td_detail_add_array(result, NULL, "readers");
        for (int b = 0; b < _TD_NSS_BROWSER_MAX; b++)
                if (used[b])
                        td_detail_append_string(result, readers, "%s",
                                                td_nss_browser_to_string((TdNssBrowser) b));

        r = system_store(ctx, result, &ca[0]);
        if (r < 0)
                return r;

        TdNssDbs *dbs = NULL;
        r = td_nss_dbs_load(ctx, &dbs);
        if (r < 0)
                return r;
        const char *certutil = td_nss_certutil(ctx);
        if (certutil)
                td_detail_set_string(result, NULL, "certutil", "%s", certutil);
        else
                td_detail_set_null(result, NULL, "certutil");
        struct json_object *list = td_detail_add_array(result, NULL, "databases");
        const char *trusted_in = NULL, *unreadable = NULL;
        _cleanup_free_ char *unreadable_why = NULL; /* owned: certutil's words die with its lookup */
        for (size_t i = 0; i < dbs->n_unreadable; i++) {
                struct json_object *o = td_detail_append_object(result, list);
                td_detail_set_string(result, o, "browser", "firefox");
                td_detail_set_string(result, o, "dir", "%s", dbs->unreadable[i].file);
                td_detail_set_string(result, o, "state", "unreadable");
                td_detail_set_string(result, o, "error", "%s", strerror(-dbs->unreadable[i].error));
                if (used[TD_NSS_FIREFOX] && !unreadable) {
                        unreadable = dbs->unreadable[i].file;
                        unreadable_why = strdup(strerror(-dbs->unreadable[i].error));
                }
        }
        for (size_t i = 0; i < dbs->n_dbs && r >= 0; i++) {
                const TdNssDb *db = &dbs->dbs[i];
                struct json_object *o = td_detail_append_object(result, list);
                td_detail_set_string(result, o, "browser", "%s", td_nss_browser_to_string(db->browser));
                td_detail_set_string(result, o, "dir", "%s", db->dir);
                if (db->profile)
                        td_detail_set_string(result, o, "profile", "%s", db->profile);
                TdNssLookup lookup = {};
                const char *why = NULL;
                if (db->legacy)
                        why = _("the old cert8.db format, which is not supported");
                else if (!certutil)
                        why = _("certutil (Debian package libnss3-tools) is not installed");
                else {
                        r = td_nss_lookup(certutil, db->dir, &ca[0],
                                          td_result_budget_ms(result, 250, 200, 10000), &lookup);
                        if (r == -ENOMEM) {
                                td_nss_lookup_clear(&lookup);
                                break;
                        }
                        if (r < 0)
                                why = lookup.error ? lookup.error : strerror(-r);
                        r = 0;
                }
                if (why) {
                        td_detail_set_string(result, o, "state", "%s", db->legacy ? "legacy" : "unreadable");
                        td_detail_set_string(result, o, "error", "%s", why);
                        if (used[db->browser] && !unreadable) {
                                unreadable = db->dir;
                                unreadable_why = strdup(why);
                        }
                } else {
                        td_detail_set_string(result, o, "state", "%s",
                                             td_nss_cert_trust_to_string(lookup.trust));
                        if (lookup.nickname) {
                                td_detail_set_string(result, o, "nickname", "%s", lookup.nickname);
                                td_detail_set_string(result, o, "flags", "%s", lookup.flags);
                        }
                        if (lookup.trust == TD_NSS_CERT_TRUSTED && used[db->browser] && !trusted_in)
                                trusted_in = db->dir;
                }
                td_nss_lookup_clear(&lookup);
        }
        if (r < 0) {
                td_nss_dbs_free(dbs);
                return r;
        }

        if (!used[TD_NSS_CHROMIUM] && !used[TD_NSS_FIREFOX]) {
                td_nss_dbs_free(dbs);
                td_result_add_detail(result, "skip_reason", "no-browser");
                return td_result_set(result, TD_STATUS_SKIP, NULL,
                                     _("No browser the platform supports is installed, so no browser's "
                                       "trust was looked at."));
        }
        if (trusted_in) {
                r = td_result_set(result, TD_STATUS_PASS, NULL,
                                  _("The platform's root certificate is trusted by the browser (certificate "
                                    "database %s)."),
                                  trusted_in);
                td_nss_dbs_free(dbs);
                return r;
        }
        if (unreadable) {
                if (!unreadable_why) {
                        td_nss_dbs_free(dbs);
                        return -ENOMEM;
                }
                /* No verdict on what the database would have said: the engine records error. */
                td_result_set(result, TD_STATUS_ERROR, "engine.check-error",
                              _("Whether the browser trusts the platform's root certificate cannot be told: "
                                "its certificate database %s cannot be read (%s)."),
                              unreadable, unreadable_why);
                td_nss_dbs_free(dbs);
                return -EIO;
        }
        td_nss_dbs_free(dbs);
        return td_result_set(result, TD_STATUS_FAIL, "trust.missing",
                             _("The browser does not trust the platform's root certificate. Import %s into "
                               "the browser (settings, privacy and security, certificates, authorities), "
                               "trusting it to identify websites; then restart the browser."),
                             profile->ca_cert);
}

/* --- the repair ------------------------------------------------------------------------------- */

static bool detail_list_has(const TdResult *r, const char *list, const char *value) {
        for (size_t i = 0;; i++) {
                char key[64];
                snprintf(key, sizeof key, "%s.%zu", list, i);
                const char *v = td_result_get_detail(r, key);
                if (!v)
                        return false;
                if (streq(v, value))
                        return true;
        }
}

/* Database @i of the details: 0 and its fields (borrowed), or -ENOENT past the last. */
static int detail_db(const TdResult *r, size_t i, const char **ret_browser, const char **ret_dir,
                     const char **ret_state, const char **ret_profile, const char **ret_flags) {
        const char **fields[] = { ret_browser, ret_dir, ret_state, ret_profile, ret_flags };
        const char *names[] = { "browser", "dir", "state", "profile", "flags" };
        for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
                char key[64];
                snprintf(key, sizeof key, "databases.%zu.%s", i, names[f]);
                *fields[f] = td_result_get_detail(r, key);
        }
        return *ret_dir ? 0 : -ENOENT;
}

/* A database the repair imports into: one an installed supported browser reads, without the CA. */
static bool wants_import(const TdResult *r, const char *browser, const char *state) {
        return browser && detail_list_has(r, "readers", browser) &&
               (streq_ptr(state, "absent") || streq_ptr(state, "untrusted"));
}

/*
 * Only where plan() can do it: the CA file was read (a FAIL says so), certutil is installed, and
 * there is a database to import into (Chromium's can be made; Firefox's only Firefox makes).
 */
static bool fix_offer(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        (void) ctx;
        (void) ret;
        if (r->status != TD_STATUS_FAIL || !streq_ptr(r->cause, "trust.missing") ||
            !td_result_get_detail(r, "certutil") || !td_result_get_detail(r, "ca_sha256"))
                return false;
        if (detail_list_has(r, "readers", "chromium"))
                return true;
        const char *browser, *dir, *state, *profile, *flags;
        for (size_t i = 0; detail_db(r, i, &browser, &dir, &state, &profile, &flags) == 0; i++)
                if (wants_import(r, browser, state))
                        return true;
        return false;
}

/* A run of certutil on database @dir (taken: @summary); its files are kept by the journal first. */
static int add_certutil(TdFixPlan *plan, const char *const *argv, const char *dir, char *summary) {
        _cleanup_free_ char *text = summary;
        _cleanup_free_ char *cert = td_strdup_printf("%s/cert9.db", dir);
        _cleanup_free_ char *key = td_strdup_printf("%s/key4.db", dir);
        _cleanup_free_ char *modules = td_strdup_printf("%s/pkcs11.txt", dir);
        if (!text || !cert || !key || !modules)
                return -ENOMEM;
        const char *paths[] = { cert, key, modules, NULL };
        return td_fix_plan_run(plan, argv, paths, "%s", text);
}

static int import_into(TdFixPlan *plan, const char *certutil, const char *dir, const char *nickname,
                       const char *flags, const char *ca_file, const char *browser, const char *profile) {
        _cleanup_free_ char *db = td_strdup_printf("sql:%s", dir);
        _cleanup_free_ char *trust = td_nss_flags_add_tls_trust(flags);
        if (!db || !trust)
                return -ENOMEM;
        const char *argv[] = { certutil, "-A", "-d", db, "-n", nickname, "-t", trust, "-i", ca_file, NULL };
        return add_certutil(
                plan, argv, dir,
                streq(browser, "firefox")
                        ? td_strdup_printf(_("Trust the platform's root certificate in Firefox (profile "
                                             "“%s”, %s); Firefox must be closed"),
                                           profile ? profile : dir, dir)
                        : td_strdup_printf(
                                  _("Trust the platform's root certificate in Chrome and Chromium (%s)"),
                                  dir));
}

static int fix_plan(TdContext *ctx, const TdResult *result, TdFixPlan *plan, char **ret_why) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile || isempty(profile->ca_cert))
                return -EINVAL;
        const char *certutil = td_nss_certutil(ctx);
        if (!certutil) {
                *ret_why = td_strdup_printf(_("certutil (Debian package libnss3-tools) is not installed."));
                return -EOPNOTSUPP;
        }
        /* certutil is given the file by its full path: the plan shows exactly what it reads. */
        _cleanup_free_ char *named = ca_path(ctx, profile->ca_cert);
        _cleanup_free_ char *ca_file = named ? realpath(named, NULL) : NULL;
        _cleanup_free_ char *pem = NULL;
        size_t len = 0;
        int r = ca_file ? td_read_regular_file(ca_file, CA_FILE_MAX, &pem, &len) : named ? -errno : -ENOMEM;
        TdCertInfo info = {};
        if (r >= 0)
                r = td_x509_parse_pem(pem, &info);
        if (r < 0) {
                *ret_why = td_strdup_printf(_("The platform's root certificate %s cannot be read: %s."),
                                            profile->ca_cert, strerror(-r));
                return r;
        }
        /* As the browsers list it: the CA's name, and who put it there. */
        _cleanup_free_ char *nickname =
                td_nss_nickname(isempty(info.subject_cn) ? _("Platform root certificate") : info.subject_cn,
                                " (tokendoctor)");
        td_cert_info_clear(&info);
        if (!nickname)
                return -ENOMEM;

        bool chromium = detail_list_has(result, "readers", "chromium"), chromium_db = false;
        const char *browser, *dir, *state, *name, *flags;
        for (size_t i = 0; detail_db(result, i, &browser, &dir, &state, &name, &flags) == 0; i++) {
                chromium_db = chromium_db || streq_ptr(browser, "chromium");
                if (!wants_import(result, browser, state) || !streq(browser, "firefox"))
                        continue;
                r = td_nss_firefox_running(dir);
                if (r > 0) {
                        *ret_why = td_strdup_printf(_("Firefox is open (profile “%s”): close every Firefox "
                                                      "window, then run the repair again."),
                                                    name ? name : dir);
                        return -EBUSY;
                }
        }
        const char *home = td_context_getenv(ctx, "HOME");
        if (chromium && !chromium_db) {
                if (isempty(home) || home[0] != '/') {
                        *ret_why = td_strdup_printf(
                                _("The user's settings directory is not known: $HOME is not set."));
                        return -ENOENT;
                }
                /* Where Chrome and Chromium make theirs at their first start, as they make it. */
                _cleanup_free_ char *new_dir = td_strdup_printf("%s/.pki/nssdb", home);
                _cleanup_free_ char *db = new_dir ? td_strdup_printf("sql:%s", new_dir) : NULL;
                if (!db)
                        return -ENOMEM;
                const char *argv[] = { certutil, "-N", "--empty-password", "-d", db, NULL };
                if ((r = add_certutil(
                             plan, argv, new_dir,
                             td_strdup_printf(
                                     _("Create the certificate database of Chrome and Chromium (%s)"),
                                     new_dir))) < 0 ||
                    (r = import_into(plan, certutil, new_dir, nickname, NULL, ca_file, "chromium", NULL)) <
                            0)
                        return r;
        }
        for (size_t i = 0; detail_db(result, i, &browser, &dir, &state, &name, &flags) == 0; i++)
                if (wants_import(result, browser, state) &&
                    (r = import_into(plan, certutil, dir, nickname, flags, ca_file, browser, name)) < 0)
                        return r;
        if (plan->n_changes == 0) {
                *ret_why = td_strdup_printf(_("There is no certificate database to import into yet: start "
                                              "the browser once, close it, then run the repair again."));
                return -EOPNOTSUPP;
        }
        return td_fix_plan_set_afterwards(plan, "%s",
                                          _("Close every browser window and open the platform again: "
                                            "browsers read their certificates when they start."));
}

const TdCheck td_check_browser_trust = {
        .id = "browser.trust",
        .category = "browser",
        .title = N_("Platform root certificate in the browser"),
        .causes = TD_STRV("trust.missing"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Import the platform's root certificate into the browsers' "
                                             "certificate databases"),
                               .offer = fix_offer,
                               .plan = fix_plan },
        .timeout_ms = 30000,
};
