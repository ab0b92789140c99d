/* SPDX-License-Identifier: GPL-3.0-or-later */
/* drivers.platform against fixture roots holding a dpkg database, and the status file parser under it. */
#include "check-fixture.h"
#include "platform/td-dpkg.h"

extern const TdCheck td_check_drivers_platform;

#define STATUS_FILE "var/lib/dpkg/status"

/* A stanza as dpkg writes it, with the long fields dpkg keeps around the ones that count. */
#define STANZA(name, status, arch, version)                                                                 \
        "Package: " name "\n"                                                                               \
        "Status: " status "\n"                                                                              \
        "Priority: optional\n"                                                                              \
        "Section: utils\n"                                                                                  \
        "Installed-Size: 1234\n"                                                                            \
        "Maintainer: Vendor Support <support@vendor.example>\n"                                             \
        "Architecture: " arch "\n"                                                                          \
        "Version: " version "\n"                                                                            \
        "Depends: libc6 (>= 2.28), libpcsclite1 (>= 1.9)\n"                                                 \
        "Description: CA token driver of the platform\n"                                                    \
        " Lets the bidding platform's browser page reach the CA token.\n"                                   \
        " .\n"                                                                                              \
        " Package: not-a-field (a continuation line, whatever it looks like)\n"                             \
        "\n"

#define OK "install ok installed"

/* What every status file here holds besides the driver. */
#define BASE                                                                                                \
        STANZA("libc6", OK, "amd64", "2.36-9+deb12u4")                                                      \
        STANZA("pcscd", OK, "amd64", "1.9.9-2")                                                             \
        STANZA("opensc", OK, "amd64", "0.23.0-0.3+deb12u1")

/* A profile naming @packages (a profile list) and @min_version (NULL: any). */
static TdProfile *profile_with(const char *packages, const char *min_version) {
        TdProfile *p = fixture_profile();
        td_strv_free(p->driver_packages);
        p->driver_packages = td_strv_split(packages, ",");
        assert_non_null(p->driver_packages);
        for (char **s = p->driver_packages; *s; s++)
                td_strstrip(*s);
        free(p->driver_min_version);
        p->driver_min_version = min_version ? strdup(min_version) : NULL;
        return p;
}

/* Run drivers.platform on a fresh root holding @status as the dpkg database (NULL: none). */
static void run_with(const char *status, const char *packages, const char *min_version, TdResult *result) {
        char *root = fixture_new_root("dpkg");
        if (status)
                fixture_write_text(root, STATUS_FILE, status);
        fixture_run(&td_check_drivers_platform, root, profile_with(packages, min_version), result);
        fixture_remove(root);
}

static void test_not_configured_skips(void **state) {
        /* The shipped profile knows no Linux driver package of the platform. */
        TdResult r;
        char *root = fixture_new_root("dpkg");
        fixture_write_text(root, STATUS_FILE, BASE);
        fixture_run(&td_check_drivers_platform, root, NULL, &r);
        assert_int_equal(r.status, TD_STATUS_SKIP);
        assert_null(r.cause);
        assert_detail(&r, "skip_reason", "not-configured");
        assert_false(td_result_has_detail(&r, "packages"));
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_no_package_fails(void **state) {
        TdResult r;
        run_with(BASE, "vendor-driver*", "1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "vendor-driver*");
        assert_detail_json(&r, "packages", "[]");
        assert_detail_json(&r, "patterns", "[\"vendor-driver*\"]");
        assert_detail(&r, "min_version", "1.0");
        assert_detail(&r, "file", "/var/lib/dpkg/status");
        td_result_clear(&r);
}

static void test_no_database_fails(void **state) {
        TdResult r;
        run_with(NULL, "vendor-driver", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "/var/lib/dpkg/status");
        assert_message_contains(&r, "vendor-driver");
        td_result_clear(&r);
}

static void test_installed_passes(void **state) {
        TdResult r;
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1.2.0-1"), "vendor-driver", "1.0", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "vendor-driver 1.2.0-1");
        assert_detail_json(&r, "packages",
                           "[{\"name\":\"vendor-driver\",\"version\":\"1.2.0-1\",\"architecture\":\"amd64\","
                           "\"state\":\"installed\",\"status\":\"install ok installed\",\"installed\":true,"
                           "\"too_old\":false}]");
        td_result_clear(&r);

        /* Without min_version any version will do, and nothing is judged too old. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "0.1"), "vendor-driver", NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "min_version", "null");
        assert_false(td_result_has_detail(&r, "packages.0.too_old"));
        td_result_clear(&r);

        /* Exactly the version required is new enough. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1.0"), "vendor-driver", "1.0", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_too_old_fails(void **state) {
        TdResult r;
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "0.9.8-3"), "vendor-driver", "1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_message_contains(&r, "vendor-driver");
        assert_message_contains(&r, "0.9.8-3");
        assert_message_contains(&r, "1.0");
        assert_detail_json(&r, "packages.0.too_old", "true");
        assert_detail_json(&r, "packages.0.installed", "true");
        td_result_clear(&r);

        /* A pre-release sorts before its release: 1.0~rc1 is not yet 1.0. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1.0~rc1-1"), "vendor-driver", "1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_message_contains(&r, "1.0~rc1-1");
        td_result_clear(&r);

        /* 1.10 is newer than 1.9 (numbers, not text), and 1.9 older than 1.10. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1.10"), "vendor-driver", "1.9", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1.9"), "vendor-driver", "1.10", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        td_result_clear(&r);
}

static void test_epoch(void **state) {
        /* An epoch outweighs everything after it: 1:0.9 is newer than 2.0. */
        TdResult r;
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "1:0.9-1"), "vendor-driver", "2.0", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "1:0.9-1");
        td_result_clear(&r);

        run_with(BASE STANZA("vendor-driver", OK, "amd64", "3.0-1"), "vendor-driver", "1:1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_message_contains(&r, "3.0-1");
        assert_message_contains(&r, "1:1.0");
        td_result_clear(&r);
}

static void test_half_installed_fails(void **state) {
        TdResult r;
        run_with(BASE STANZA("vendor-driver", "install reinstreq half-installed", "amd64", "1.2.0-1"),
                 "vendor-driver", "1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "vendor-driver");
        assert_message_contains(&r, "half-installed");
        assert_detail(&r, "packages.0.state", "half-installed");
        assert_detail(&r, "packages.0.status", "install reinstreq half-installed");
        assert_detail_json(&r, "packages.0.installed", "false");
        /* Not installed, so not judged old or new. */
        assert_false(td_result_has_detail(&r, "packages.0.too_old"));
        td_result_clear(&r);

        /* Unpacked but never configured: the files are there, the set-up is not. */
        run_with(BASE STANZA("vendor-driver", "install ok unpacked", "amd64", "1.2.0-1"), "vendor-driver",
                 NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "unpacked");
        assert_message_contains(&r, "dpkg --configure -a");
        td_result_clear(&r);

        /* Installed but with dpkg's error flag up is not installed either. */
        run_with(BASE STANZA("vendor-driver", "install reinstreq installed", "amd64", "1.2.0-1"),
                 "vendor-driver", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_detail_json(&r, "packages.0.installed", "false");
        td_result_clear(&r);
}

static void test_removed_fails(void **state) {
        /* Removed, not purged: dpkg keeps the stanza for the configuration files left. */
        TdResult r;
        run_with(BASE STANZA("vendor-driver", "deinstall ok config-files", "amd64", "1.2.0-1"),
                 "vendor-driver", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "removed");
        assert_message_contains(&r, "config-files");
        assert_detail(&r, "packages.0.state", "config-files");
        td_result_clear(&r);

        /* Selected for installation, never installed: what the database says is what support needs. */
        run_with(BASE STANZA("vendor-driver", "install ok not-installed", "amd64", "1.2.0-1"),
                 "vendor-driver", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "\"install ok not-installed\"");
        td_result_clear(&r);

        /* Selected for removal but still installed ("deinstall ok installed") is installed. */
        run_with(BASE STANZA("vendor-driver", "deinstall ok installed", "amd64", "1.2.0-1"), "vendor-driver",
                 NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_two_packages(void **state) {
        TdResult r;
        /* Both installed and new enough: both named. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "2.0-1")
                         STANZA("vendor-driver-gm", OK, "amd64", "2.0-1"),
                 "vendor-driver*", "1.5", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "vendor-driver 2.0-1");
        assert_message_contains(&r, "vendor-driver-gm 2.0-1");
        assert_detail(&r, "packages.1.name", "vendor-driver-gm");
        td_result_clear(&r);

        /* One of them old: the browser may load it, so the old one is named. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "2.0-1")
                         STANZA("vendor-driver-gm", OK, "amd64", "1.1-4"),
                 "vendor-driver*", "1.5", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_message_contains(&r, "vendor-driver-gm");
        assert_message_contains(&r, "1.1-4");
        assert_detail_json(&r, "packages.0.too_old", "false");
        assert_detail_json(&r, "packages.1.too_old", "true");
        td_result_clear(&r);

        /* One installed, a second only left as configuration files: the installed one counts. */
        run_with(BASE STANZA("vendor-driver-old", "deinstall ok config-files", "amd64", "0.5")
                         STANZA("vendor-driver", OK, "amd64", "2.0-1"),
                 "vendor-driver*", "1.5", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.state", "config-files");
        assert_detail(&r, "packages.1.state", "installed");
        td_result_clear(&r);

        /* Neither installed: the half-installed one is named, not the removed one before it. */
        run_with(BASE STANZA("vendor-driver-old", "deinstall ok config-files", "amd64", "0.5")
                         STANZA("vendor-driver", "install ok half-configured", "amd64", "2.0-1"),
                 "vendor-driver*", NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
        assert_message_contains(&r, "vendor-driver is only partly installed");
        assert_message_contains(&r, "half-configured");
        td_result_clear(&r);

        /* The same package for two architectures (multiarch): both listed. */
        run_with(BASE STANZA("vendor-driver", OK, "amd64", "2.0-1")
                         STANZA("vendor-driver", OK, "i386", "2.0-1"),
                 "vendor-driver", "1.5", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.architecture", "amd64");
        assert_detail(&r, "packages.1.architecture", "i386");
        td_result_clear(&r);
}

static void test_globs(void **state) {
        static const char *const status = BASE STANZA("szca-driver-gm3000", OK, "arm64", "3.1")
                STANZA("other-vendor-driver", OK, "arm64", "0.1") STANZA("vendor-driver7", OK, "all", "0.2");
        TdResult r;
        run_with(status, "szca-driver*", "3.0", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.name", "szca-driver-gm3000");
        assert_false(td_result_has_detail(&r, "packages.1"));
        td_result_clear(&r);

        /* A glob matches the whole name: "vendor-driver*" is not "other-vendor-driver". */
        run_with(status, "vendor-driver*", "1.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_detail(&r, "packages.0.name", "vendor-driver7");
        assert_false(td_result_has_detail(&r, "packages.1"));
        td_result_clear(&r);

        /* ? and [...] as fnmatch has them; a second pattern of the list matches too. */
        run_with(status, "nothing, szca-driver-gm????", NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        run_with(status, "vendor-driver[0-9]", NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.name", "vendor-driver7");
        td_result_clear(&r);

        /* Debian names are lower-case; a profile's capitals mean the same package. */
        run_with(status, "SZCA-Driver*", NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_provides(void **state) {
        /* A package of another name that provides the driver, with a version. */
        TdResult r;
        run_with(BASE "Package: szca-ukey\nStatus: " OK "\nArchitecture: amd64\nVersion: 5.0\n"
                      "Provides: libszca1,\n vendor-driver (= 2.1)\n\n",
                 "vendor-driver", "2.0", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "szca-ukey");
        assert_message_contains(&r, "2.1");
        assert_detail(&r, "packages.0.provides", "vendor-driver");
        assert_detail(&r, "packages.0.provided_version", "2.1");
        td_result_clear(&r);

        /* An unversioned provide states no version: as for dpkg, it does not meet a minimum. */
        run_with(BASE "Package: szca-ukey\nStatus: " OK "\nVersion: 5.0\nProvides: vendor-driver\n",
                 "vendor-driver", "2.0", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "driver.old");
        assert_message_contains(&r, "does not state its version");
        assert_detail_json(&r, "packages.0.provided_version", "null");
        assert_detail_json(&r, "packages.0.architecture", "null");
        td_result_clear(&r);
}

static void test_damaged_database(void **state) {
        /* No trailing newline, CRLF, junk lines, a stanza without Package, NUL bytes, a field twice. */
        static const char status[] = "Status: install ok installed\nVersion: 9\n\n"
                                     "garbage without a colon\n"
                                     "Package: vendor-driver\r\n"
                                     "Version: 1.5-1\r\n"
                                     "Version: 0.1\r\n"
                                     "Status: install ok installed\r\n"
                                     "\r\n"
                                     "Package: x\0y\nStatus: install ok installed\n \t \n"
                                     "Package: last\nStatus: install ok installed\nVersion: 2";
        char *root = fixture_new_root("dpkg");
        fixture_write(root, STATUS_FILE, status, sizeof status - 1);
        TdResult r;
        fixture_run(&td_check_drivers_platform, root, profile_with("vendor-driver, last", "1.0"), &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.version", "1.5-1");
        assert_detail(&r, "packages.1.name", "last");
        assert_detail(&r, "packages.1.version", "2");
        assert_detail_json(&r, "unnamed_entries", "1");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_unreadable_database(void **state) {
        TdResult r;
        /* A FIFO where the database belongs: an error at once, never a read that waits. */
        char *root = fixture_new_root("dpkg");
        fixture_mkfifo(root, STATUS_FILE);
        fixture_run_error(&td_check_drivers_platform, root, profile_with("vendor-driver", NULL), &r);
        assert_string_equal(r.cause, "engine.check-error");
        assert_message_contains(&r, "/var/lib/dpkg/status");
        td_result_clear(&r);
        fixture_remove(root);

        /* Larger than any real database: refused before it is read. */
        root = fixture_new_root("dpkg");
        fixture_write_sparse(root, STATUS_FILE, (off_t) 65 * 1024 * 1024);
        assert_int_equal(
                fixture_run_error(&td_check_drivers_platform, root, profile_with("vendor-driver", NULL), &r),
                -EFBIG);
        td_result_clear(&r);
        fixture_remove(root);

        /*
         * Links resolve as on the customer's machine: an absolute one to this machine's backup of
         * its database names the root's own backup, which it lacks ("dpkg" is installed here, not
         * in the root); so does a relative one that climbs above the root.
         */
        static const char *const targets[] = { "/var/lib/dpkg/status-old",
                                               "../../../../../../../../var/lib/dpkg/status-old" };
        for (size_t i = 0; i < ELEMENTSOF(targets); i++) {
                root = fixture_new_root("dpkg");
                fixture_symlink(root, STATUS_FILE, targets[i]);
                fixture_run(&td_check_drivers_platform, root, profile_with("dpkg", NULL), &r);
                assert_verdict(&r, TD_STATUS_FAIL, "driver.missing");
                assert_message_contains(&r, "no Debian package database");
                td_result_clear(&r);
                fixture_remove(root);
        }

        /* A link to its own absolute path is, inside the root, a loop. */
        root = fixture_new_root("dpkg");
        fixture_symlink(root, STATUS_FILE, "/var/lib/dpkg/status");
        assert_int_equal(fixture_run_error(&td_check_drivers_platform, root, profile_with("dpkg", NULL), &r),
                         -ELOOP);
        assert_message_contains(&r, "loop of symbolic links");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_override(void **state) {
        /* The typed seam: a parsed database stands in for the file. */
        TdDpkgStatusFact *fact = calloc(1, sizeof *fact);
        assert_non_null(fact);
        fact->file = "/var/lib/dpkg/status";
        static const char text[] = STANZA("vendor-driver", OK, "loong64", "2.0");
        assert_int_equal(td_dpkg_status_parse(text, sizeof text - 1, &fact->status), 0);
        TdContext *ctx = fixture_context(NULL, profile_with("vendor-driver", "1.0"));
        assert_int_equal(td_dpkg_status_override(ctx, fact), 0);
        TdResult r;
        fixture_run_in(&td_check_drivers_platform, ctx, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "packages.0.architecture", "loong64");
        td_result_clear(&r);

        /* Once the fact is read, an override comes too late (and is freed). */
        ctx = fixture_context(NULL, NULL);
        const TdDpkgStatusFact *got;
        assert_int_equal(td_dpkg_status_get(ctx, &got), 0);
        fact = calloc(1, sizeof *fact);
        assert_non_null(fact);
        assert_int_equal(td_dpkg_status_override(ctx, fact), -EBUSY);
        td_context_unref(ctx);
}

/* ---- the parser on its own ---- */

static TdDpkgStatus *parse(const char *text, size_t len) {
        TdDpkgStatus *s = NULL;
        assert_int_equal(td_dpkg_status_parse(text, len, &s), 0);
        assert_non_null(s);
        return s;
}

static void test_parse_fields(void **state) {
        static const char text[] = "package: lower\n"
                                   "STATUS:   hold ok installed  \n"
                                   "Version:1.0\n"
                                   "Architecture : amd64\n"
                                   "Provides: a, b (= 1.0), c (>= 2), d(=3),\n"
                                   " e,\n"
                                   "\tf (= 4:5-6)\n";
        TdDpkgStatus *s = parse(text, sizeof text - 1);
        assert_int_equal(s->n_packages, 1);
        const TdDpkgPackage *p = &s->packages[0];
        assert_string_equal(p->package, "lower");
        assert_string_equal(p->status, "hold ok installed");
        assert_string_equal(p->state, "installed");
        assert_true(p->installed);
        assert_string_equal(p->version, "1.0");
        assert_string_equal(p->architecture, "amd64");
        /* Folded over three lines: a, b=1.0, c (no exact version), d=3, e, f=4:5-6. */
        assert_int_equal(p->n_provides, 6);
        const char *names[] = { "a", "b", "c", "d", "e", "f" };
        const char *versions[] = { NULL, "1.0", NULL, "3", NULL, "4:5-6" };
        for (size_t i = 0; i < 6; i++) {
                assert_string_equal(p->provides[i].name, names[i]);
                if (versions[i])
                        assert_string_equal(p->provides[i].version, versions[i]);
                else
                        assert_null(p->provides[i].version);
        }
        td_dpkg_status_free(s);
}

static void test_parse_states(void **state) {
        static const char text[] = "Package: a\nStatus: install ok installed\n\n"
                                   "Package: b\nStatus: install ok half-configured\n\n"
                                   "Package: c\nStatus: install ok triggers-pending\n\n"
                                   "Package: d\nStatus: purge ok not-installed\n\n"
                                   "Package: e\nStatus: installed\n\n"
                                   "Package: f\nStatus: install ok installed extra\n\n"
                                   "Package: g\n";
        TdDpkgStatus *s = parse(text, sizeof text - 1);
        assert_int_equal(s->n_packages, 7);
        const char *states[] = {
                "installed", "half-configured", "triggers-pending", "not-installed", NULL, NULL, NULL
        };
        for (size_t i = 0; i < 7; i++) {
                const TdDpkgPackage *p = &s->packages[i];
                if (states[i])
                        assert_string_equal(p->state, states[i]);
                else
                        assert_null(p->state);
                assert_int_equal(p->installed, i == 0);
        }
        assert_null(s->packages[6].status);
        td_dpkg_status_free(s);
}

static void test_parse_hostile(void **state) {
        /* Nothing at all, only blank lines, only junk. */
        TdDpkgStatus *s = parse("", 0);
        assert_int_equal(s->n_packages, 0);
        td_dpkg_status_free(s);
        s = parse("\n\n \n\t\r\n", 6);
        assert_int_equal(s->n_packages + s->n_unnamed, 0);
        td_dpkg_status_free(s);
        static const char junk[] = "\xff\xfe\x01 binary\n:\n: value\n  leading continuation\n";
        s = parse(junk, sizeof junk - 1);
        assert_int_equal(s->n_packages, 0);
        td_dpkg_status_free(s);

        /* An empty Package is none; a continuation after junk continues nothing. */
        static const char empty[] = "Package:   \nStatus: install ok installed\n\n"
                                    "Package: p\njunk line\n Status: install ok installed\n";
        s = parse(empty, sizeof empty - 1);
        assert_int_equal(s->n_packages, 1);
        assert_int_equal(s->n_unnamed, 1);
        assert_string_equal(s->packages[0].package, "p");
        assert_null(s->packages[0].status);
        td_dpkg_status_free(s);

        /* An indented "Package:" continues a long text; it never names the package. */
        static const char indented[] =
                "Description: x\n Package: evil\n\tVersion: 0\nPackage: real\nVersion: 2\n";
        s = parse(indented, sizeof indented - 1);
        assert_int_equal(s->n_packages, 1);
        assert_string_equal(s->packages[0].package, "real");
        assert_string_equal(s->packages[0].version, "2");
        td_dpkg_status_free(s);

        /* A line of a megabyte, and many stanzas: no limit but memory. */
        size_t big = 1024 * 1024;
        char *text = malloc(big + 64);
        assert_non_null(text);
        int n = snprintf(text, 64, "Package: huge\nDescription: ");
        memset(text + n, 'x', big);
        s = parse(text, (size_t) n + big);
        assert_int_equal(s->n_packages, 1);
        assert_string_equal(s->packages[0].package, "huge");
        td_dpkg_status_free(s);
        free(text);

        size_t count = 20000;
        text = malloc(count * 24);
        assert_non_null(text);
        size_t len = 0;
        for (size_t i = 0; i < count; i++)
                len += (size_t) sprintf(text + len, "Package: p%zu\n\n", i);
        s = parse(text, len);
        assert_int_equal(s->n_packages, count);
        assert_string_equal(s->packages[count - 1].package, "p19999");
        td_dpkg_status_free(s);
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_not_configured_skips),
                cmocka_unit_test(test_no_package_fails),
                cmocka_unit_test(test_no_database_fails),
                cmocka_unit_test(test_installed_passes),
                cmocka_unit_test(test_too_old_fails),
                cmocka_unit_test(test_epoch),
                cmocka_unit_test(test_half_installed_fails),
                cmocka_unit_test(test_removed_fails),
                cmocka_unit_test(test_two_packages),
                cmocka_unit_test(test_globs),
                cmocka_unit_test(test_provides),
                cmocka_unit_test(test_damaged_database),
                cmocka_unit_test(test_unreadable_database),
                cmocka_unit_test(test_override),
                cmocka_unit_test(test_parse_fields),
                cmocka_unit_test(test_parse_states),
                cmocka_unit_test(test_parse_hostile),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
