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
 */
#include <errno.h>
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
        int r = td_read_regular_file(profile->ca_cert, CA_FILE_MAX, &pem, &len);
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

        r = system_store(ctx, result, &ca[0]);
        if (r < 0)
                return r;

        TdNssDbs *dbs = NULL;
        r = td_nss_dbs_load(ctx, &dbs);
        if (r < 0)
                return r;
        const char *certutil = td_nss_certutil(ctx);
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
                return td_result_set(
                        result, TD_STATUS_SKIP, NULL,
                        _("No browser the platform supports is installed, so no browser's trust "
                          "was looked at."));
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
        return td_result_set(
                result, TD_STATUS_FAIL, "trust.missing",
                _("The browser does not trust the platform's root certificate. Import %s into the "
                  "browser (settings, privacy and security, certificates, authorities), trusting it "
                  "to identify websites, or run the platform's root certificate installer (根证书安装); "
                  "then restart the browser."),
                profile->ca_cert);
}

const TdCheck td_check_browser_trust = {
        .id = "browser.trust",
        .category = "browser",
        .title = N_("Platform root certificate trusted by the browser"),
        .causes = TD_STRV("trust.missing"),
        .run = run,
        .timeout_ms = 30000,
};
