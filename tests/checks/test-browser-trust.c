/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * browser.trust against real NSS databases made at test time with certutil (-N, then -A with
 * the trust flags under test), a CA from the rig's td-mkcert, a temporary $HOME, and fixture
 * roots holding the desktop entries (which browsers are installed) and the system bundle.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "check-fixture.h"
#include "platform/td-nss.h"
#include "platform/td-process.h"

extern const TdCheck td_check_browser_trust;

#define CERTUTIL "/usr/bin/certutil"
#define APPS "usr/share/applications"
#define ENTRY(name, mime)                                                                                   \
        "[Desktop Entry]\nType=Application\nName=" name "\nExec=/usr/bin/true %U\nMimeType=" mime "\n"
#define CHROME ENTRY("Google Chrome", "x-scheme-handler/https;")
#define FIREFOX ENTRY("Firefox", "x-scheme-handler/https;")

typedef struct {
        char *root;
        char *home;
        char *ca;       /* the CA's PEM file */
        char *other_ca; /* another CA, never the profile's */
} Fixture;

static void run_tool(const char *const *argv) {
        TdProcessRun run = { .argv = argv, .timeout_ms = 20000, .stdout_max = 4096, .stderr_max = 4096 };
        TdProcessResult res = {};
        assert_int_equal(td_process_run(&run, &res), 0);
        if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
                fail_msg("%s failed: %s", argv[0], res.err ? res.err : "");
        td_process_result_clear(&res);
}

static char *make_ca(const char *dir, const char *name, const char *subject) {
        const char *mkcert = getenv("TD_MKCERT");
        if (isempty(mkcert))
                fail_msg("TD_MKCERT must name the rig's td-mkcert");
        char *out = td_strdup_printf("%s/%s", dir, name);
        assert_non_null(out);
        const char *argv[] = { mkcert, "ca", "--subject", subject, "--out", out, NULL };
        run_tool(argv);
        char *pem = td_strdup_printf("%s.pem", out);
        free(out);
        return pem;
}

/* An NSS database at HOME/@rel holding @pem as @nick with trust @flags (NULL: an empty one). */
static void make_db(const Fixture *f, const char *rel, const char *pem, const char *nick,
                    const char *flags) {
        char *dir = td_strdup_printf("%s/%s", f->home, rel);
        assert_non_null(dir);
        assert_int_equal(fixture_mkdir_p(dir), 0);
        char *db = td_strdup_printf("sql:%s", dir);
        const char *create[] = { CERTUTIL, "-N", "-d", db, "--empty-password", NULL };
        run_tool(create);
        if (pem) {
                const char *add[] = { CERTUTIL, "-A", "-d", db, "-n", nick, "-t", flags, "-i", pem, NULL };
                run_tool(add);
        }
        free(db);
        free(dir);
}

static void fixture_new(Fixture *f, const char *browsers) {
        if (access(CERTUTIL, X_OK) < 0) {
                /* A skip in CI is to be investigated: scripts/bootstrap installs libnss3-tools. */
                fprintf(stderr, "# %s missing: install libnss3-tools\n", CERTUTIL);
                exit(FIXTURE_EXIT_SKIP);
        }
        f->root = fixture_new_root("trust");
        f->home = fixture_new_root("trust-home");
        f->ca = make_ca(f->root, "platform-ca", "C=CN, O=Test Platform, CN=Test Platform Root CA");
        f->other_ca = make_ca(f->root, "other-ca", "CN=Someone Else CA");
        assert_int_equal(setenv("HOME", f->home, 1), 0);
        unsetenv("XDG_DATA_HOME");
        unsetenv("XDG_DATA_DIRS");
        assert_int_equal(setenv("LANG", "C.UTF-8", 1), 0);
        unsetenv("LC_ALL");
        unsetenv("LC_MESSAGES");
        if (strstr(browsers, "chrome"))
                fixture_write_text(f->root, APPS "/google-chrome.desktop", CHROME);
        if (strstr(browsers, "firefox"))
                fixture_write_text(f->root, APPS "/firefox.desktop", FIREFOX);
}

static void fixture_done(Fixture *f) {
        free(f->ca);
        free(f->other_ca);
        fixture_remove(f->root);
        fixture_remove(f->home);
}

static TdProfile *profile_with_ca(const char *ca) {
        TdProfile *p = fixture_profile();
        free(p->ca_cert);
        p->ca_cert = ca ? strdup(ca) : NULL;
        /* The default profile names Chrome only; a platform's profile may add Firefox. */
        TdBrowserRule *rules = realloc(p->browsers_supported, (p->n_browsers_supported + 1) * sizeof *rules);
        assert_non_null(rules);
        rules[p->n_browsers_supported++] =
                (TdBrowserRule){ .desktop_stem = strdup("firefox"), .min_major = 100 };
        p->browsers_supported = rules;
        return p;
}

/* Run the check; @certutil "" means none is installed, NULL the real one. Returns run()'s value. */
static int run_check(const Fixture *f, const char *certutil, TdResult *r) {
        TdContext *ctx = fixture_context(f->root, profile_with_ca(f->ca));
        if (certutil)
                assert_int_equal(td_nss_override_certutil(ctx, isempty(certutil) ? NULL : certutil), 0);
        td_result_init(r, &td_check_browser_trust);
        int ret = td_check_browser_trust.run(ctx, r);
        td_context_unref(ctx);
        return ret;
}

/* Could not decide: the engine's cause, a message of the check's own. */
static void assert_error(const TdResult *r) {
        if (r->status != TD_STATUS_ERROR)
                fixture_print(r);
        assert_int_equal(r->status, TD_STATUS_ERROR);
        assert_string_equal(r->cause, "engine.check-error");
        assert_non_null(r->message);
}

static void test_not_configured(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        TdResult r;
        fixture_run(&td_check_browser_trust, f.root, profile_with_ca(NULL), &r);
        assert_verdict(&r, TD_STATUS_SKIP, NULL);
        assert_detail(&r, "skip_reason", "not-configured");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_chrome_trusted(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        make_db(&f, ".pki/nssdb", f.ca, "Test Platform Root CA", "C,,");
        TdResult r;
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "databases.0.browser", "chromium");
        assert_detail(&r, "databases.0.state", "trusted");
        assert_detail(&r, "databases.0.flags", "C,,");
        assert_detail(&r, "databases.0.nickname", "Test Platform Root CA");
        assert_message_contains(&r, ".pki/nssdb");
        td_result_clear(&r);
        fixture_done(&f);
}

/* The newer shared database, beside certificates that are not the profile's. */
static void test_chrome_new_location(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        make_db(&f, ".local/share/pki/nssdb", f.other_ca, "other", "CT,C,C");
        char *db = td_strdup_printf("sql:%s/.local/share/pki/nssdb", f.home);
        const char *add[] = {
                CERTUTIL, "-A", "-d", db, "-n", "平台 根证书", "-t", "CT,,", "-i", f.ca, NULL
        };
        run_tool(add);
        free(db);
        TdResult r;
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "databases.0.nickname", "平台 根证书");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_present_without_trust(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        make_db(&f, ".pki/nssdb", f.ca, "platform", ",,");
        /* A valid CA for TLS ("c") or a client-certificate issuer ("T") is not trusted for sites. */
        make_db(&f, ".local/share/pki/nssdb", f.ca, "platform", "cT,C,C");
        TdResult r;
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_detail(&r, "databases.0.state", "untrusted");
        assert_detail(&r, "databases.1.state", "untrusted");
        assert_detail(&r, "databases.1.flags", ",,");
        assert_message_contains(&r, f.ca);
        td_result_clear(&r);
        fixture_done(&f);
}

/* The system bundle is reported, never a pass: the browsers read their NSS databases. */
static void test_system_bundle_only(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        fixture_copy(f.other_ca, f.root, "etc/ssl/certs/ca-certificates.crt");
        size_t len;
        char *a = fixture_read(f.other_ca, &len), *b = fixture_read(f.ca, &len);
        char *bundle = td_strdup_printf("%s%s", a, b);
        fixture_write_text(f.root, "etc/ssl/certs/ca-certificates.crt", bundle);
        free(a), free(b), free(bundle);
        TdResult r;
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_detail(&r, "system_store.state", "in-bundle");
        assert_detail_json(&r, "databases", "[]");
        td_result_clear(&r);

        /* Installed for update-ca-certificates, not yet in the bundle. */
        fixture_write_text(f.root, "etc/ssl/certs/ca-certificates.crt", "");
        fixture_copy(f.ca, f.root, "usr/local/share/ca-certificates/platform.crt");
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_detail(&r, "system_store.state", "pending");
        assert_detail(&r, "system_store.pending_file", "/usr/local/share/ca-certificates/platform.crt");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_firefox_profiles(void **state) {
        Fixture f;
        fixture_new(&f, "firefox");
        char *abs = td_strdup_printf("%s/elsewhere/work", f.home);
        char *ini = td_strdup_printf("[General]\nStartWithLastProfile=1\n\n"
                                     "[Profile0]\nName=default-esr\nIsRelative=1\nPath=abc.default-esr\n\n"
                                     "[Profile1]\nName=work\nIsRelative=0\nPath=%s\n",
                                     abs);
        fixture_write_text(f.home, ".mozilla/firefox/profiles.ini", ini);
        make_db(&f, ".mozilla/firefox/abc.default-esr", NULL, NULL, NULL);
        make_db(&f, "elsewhere/work", f.ca, "platform", "C,,");
        TdResult r;
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "databases.0.profile", "default-esr");
        assert_detail(&r, "databases.0.state", "absent");
        assert_detail(&r, "databases.1.profile", "work");
        assert_detail(&r, "databases.1.dir", abs);
        assert_detail(&r, "databases.1.state", "trusted");
        td_result_clear(&r);

        /* Firefox's database is not Chrome's: with only Chrome installed it does not count. */
        char *apps = td_strdup_printf("%s/" APPS "/firefox.desktop", f.root);
        assert_int_equal(unlink(apps), 0);
        fixture_write_text(f.root, APPS "/google-chrome.desktop", CHROME);
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_detail(&r, "databases.1.state", "trusted");
        td_result_clear(&r);
        free(apps);
        free(ini);
        free(abs);
        fixture_done(&f);
}

static void test_certutil_missing(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        make_db(&f, ".pki/nssdb", f.ca, "platform", "C,,");
        TdResult r;
        assert_true(run_check(&f, "", &r) < 0);
        assert_error(&r);
        assert_message_contains(&r, "libnss3-tools");
        assert_detail(&r, "databases.0.state", "unreadable");
        td_result_clear(&r);

        /* A certutil path that is not there: told as an error too, never a pass. */
        char *gone = td_strdup_printf("%s/no-certutil", f.root);
        assert_true(run_check(&f, gone, &r) < 0);
        assert_error(&r);
        td_result_clear(&r);
        free(gone);
        fixture_done(&f);
}

static void test_no_database_or_browser(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        TdResult r;
        /* Chrome never started: the database it will make holds no platform CA either. */
        assert_int_equal(run_check(&f, "", &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        td_result_clear(&r);

        char *apps = td_strdup_printf("%s/" APPS "/google-chrome.desktop", f.root);
        assert_int_equal(unlink(apps), 0);
        free(apps);
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_SKIP, NULL);
        assert_detail(&r, "skip_reason", "no-browser");
        td_result_clear(&r);
        fixture_done(&f);
}

/* A FIFO or garbage where the database belongs: unreadable, named, and no hang. */
static void test_broken_databases(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        fixture_mkfifo(f.home, ".pki/nssdb/cert9.db");
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        assert_true(run_check(&f, NULL, &r) < 0);
        assert_true(td_now_monotonic_ms() - start < 5000);
        assert_error(&r);
        assert_detail(&r, "databases.0.state", "unreadable");
        assert_message_contains(&r, ".pki/nssdb");
        td_result_clear(&r);

        fixture_write_text(f.home, ".local/share/pki/nssdb/cert9.db", "not a database");
        assert_true(run_check(&f, NULL, &r) < 0);
        assert_detail(&r, "databases.0.state", "unreadable");
        td_result_clear(&r);

        /* The old format is named as such. */
        fixture_write_text(f.home, ".mozilla/firefox/profiles.ini",
                           "[Profile0]\nName=old\nPath=old.default\n");
        fixture_write_text(f.home, ".mozilla/firefox/old.default/cert8.db", "");
        fixture_write_text(f.root, APPS "/firefox.desktop", FIREFOX);
        assert_true(run_check(&f, NULL, &r) < 0);
        assert_detail(&r, "databases.2.state", "legacy");
        td_result_clear(&r);
        fixture_done(&f);
}

/* --- browser.trust's repair ------------------------------------------------------------------ */

/*
 * Run the check as run_check() does, decide its offer as the engine does, and plan the repair
 * when it is offered. Returns plan()'s value, or 1 when nothing was offered.
 */
static int plan_fix(const Fixture *f, const char *certutil, TdProfile *profile, TdResult *r, TdFixPlan *plan,
                    char **why) {
        TdContext *ctx = fixture_context(f->root, profile ? profile : profile_with_ca(f->ca));
        if (certutil)
                assert_int_equal(td_nss_override_certutil(ctx, isempty(certutil) ? NULL : certutil), 0);
        td_result_init(r, &td_check_browser_trust);
        (void) td_check_browser_trust.run(ctx, r);
        td_result_decide_fix(ctx, r);
        *plan = (TdFixPlan){ 0 };
        *why = NULL;
        int ret = td_result_has_fix(r) ? td_check_browser_trust.fix->plan(ctx, r, plan, why) : 1;
        td_context_unref(ctx);
        return ret;
}

/* Run the plan's programs as the runner would (it makes a missing directory, 0700, first). */
static void run_plan(const TdFixPlan *plan) {
        for (size_t i = 0; i < plan->n_changes; i++) {
                const TdChange *c = &plan->changes[i];
                assert_int_equal(c->kind, TD_CHANGE_RUN);
                char *dir = strdup(c->paths[0]);
                *strrchr(dir, '/') = '\0';
                assert_int_equal(fixture_mkdir_p(dir), 0);
                free(dir);
                run_tool((const char *const *) c->argv);
        }
}

static void assert_argv(const TdChange *c, const char *const *want) {
        assert_int_equal(c->kind, TD_CHANGE_RUN);
        size_t i = 0;
        for (; want[i]; i++) {
                assert_non_null(c->argv[i]);
                assert_string_equal(c->argv[i], want[i]);
        }
        assert_null(c->argv[i]);
}

static void assert_db_paths(const TdChange *c, const char *dir) {
        const char *names[] = { "cert9.db", "key4.db", "pkcs11.txt" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char *want = td_strdup_printf("%s/%s", dir, names[i]);
                assert_string_equal(c->paths[i], want);
                free(want);
        }
        assert_null(c->paths[3]);
}

/* Chrome never started: its database is made first, as Chrome would make it, then the CA goes in. */
static void test_fix_new_chromium_db(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_true(r.fix.offered);
        assert_false(r.fix.privileged);
        assert_detail(&r, "certutil", CERTUTIL);
        assert_detail(&r, "readers.0", "chromium");
        assert_false(td_fix_plan_is_privileged(&plan));
        assert_int_equal(plan.n_changes, 2);
        char *dir = td_strdup_printf("%s/.pki/nssdb", f.home);
        char *db = td_strdup_printf("sql:%s", dir);
        char *ca = realpath(f.ca, NULL);
        assert_argv(&plan.changes[0],
                    (const char *const[]){ CERTUTIL, "-N", "--empty-password", "-d", db, NULL });
        assert_db_paths(&plan.changes[0], dir);
        assert_argv(&plan.changes[1], (const char *const[]){ CERTUTIL, "-A", "-d", db, "-n",
                                                             "Test Platform Root CA (tokendoctor)", "-t",
                                                             "C,,", "-i", ca, NULL });
        assert_db_paths(&plan.changes[1], dir);
        assert_non_null(plan.afterwards);
        /* plan() changes nothing itself. */
        assert_false(fixture_exists(f.home, ".pki"));
        run_plan(&plan);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "databases.0.nickname", "Test Platform Root CA (tokendoctor)");
        td_result_clear(&r);
        free(ca);
        free(db);
        free(dir);
        fixture_done(&f);
}

/* Each database of an installed browser that lacks it; trust it had for other uses is kept. */
static void test_fix_existing_dbs(void **state) {
        Fixture f;
        fixture_new(&f, "chrome firefox");
        make_db(&f, ".local/share/pki/nssdb", f.ca, "platform mail", ",C,");
        fixture_write_text(
                f.home, ".mozilla/firefox/profiles.ini",
                "[Profile0]\nName=default\nPath=a.default\n\n[Profile1]\nName=work\nPath=b.work\n");
        make_db(&f, ".mozilla/firefox/a.default", NULL, NULL, NULL);
        make_db(&f, ".mozilla/firefox/b.work", f.other_ca, "other", "C,,");
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 0);
        assert_int_equal(plan.n_changes, 3);
        char *ca = realpath(f.ca, NULL);
        const char *rel[] = { ".local/share/pki/nssdb", ".mozilla/firefox/a.default",
                              ".mozilla/firefox/b.work" };
        const char *trust[] = { "C,C,", "C,,", "C,," };
        for (size_t i = 0; i < 3; i++) {
                char *dir = td_strdup_printf("%s/%s", f.home, rel[i]);
                char *db = td_strdup_printf("sql:%s", dir);
                assert_argv(&plan.changes[i], (const char *const[]){ CERTUTIL, "-A", "-d", db, "-n",
                                                                     "Test Platform Root CA (tokendoctor)",
                                                                     "-t", trust[i], "-i", ca, NULL });
                assert_db_paths(&plan.changes[i], dir);
                free(db);
                free(dir);
        }
        assert_non_null(strstr(plan.changes[1].summary, "default"));
        assert_non_null(strstr(plan.changes[2].summary, "work"));
        run_plan(&plan);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        assert_int_equal(run_check(&f, NULL, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "databases.0.flags", "C,C,");
        assert_detail(&r, "databases.0.nickname", "platform mail"); /* an import keeps its name */
        assert_detail(&r, "databases.1.state", "trusted");
        assert_detail(&r, "databases.2.state", "trusted");
        td_result_clear(&r);
        free(ca);
        fixture_done(&f);
}

/* A database no installed browser reads is left alone; nor is Chromium's made for Firefox alone. */
static void test_fix_only_readers(void **state) {
        Fixture f;
        fixture_new(&f, "firefox");
        make_db(&f, ".pki/nssdb", NULL, NULL, NULL);
        fixture_write_text(f.home, ".mozilla/firefox/profiles.ini",
                           "[Profile0]\nName=default\nPath=a.default\n");
        make_db(&f, ".mozilla/firefox/a.default", NULL, NULL, NULL);
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 0);
        assert_int_equal(plan.n_changes, 1);
        char *dir = td_strdup_printf("%s/.mozilla/firefox/a.default", f.home);
        assert_db_paths(&plan.changes[0], dir);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(dir);
        fixture_done(&f);
}

/* Offered only where plan() can act: certutil there, and a database to import into. */
static void test_fix_not_offered(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, "", NULL, &r, &plan, &why), 1);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_false(r.fix.offered);
        assert_true(td_result_has_detail(&r, "certutil"));
        assert_null(td_result_get_detail(&r, "certutil"));
        td_result_clear(&r);
        fixture_done(&f);

        /* Firefox alone, never started: no database yet, and only Firefox makes one. */
        fixture_new(&f, "firefox");
        fixture_write_text(f.home, ".mozilla/firefox/profiles.ini",
                           "[Profile0]\nName=new\nPath=n.default\n");
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 1);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        assert_false(r.fix.offered);
        td_result_clear(&r);

        /* Trusted: a pass, nothing to offer. */
        make_db(&f, ".mozilla/firefox/n.default", f.ca, "platform", "C,,");
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 1);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

/* A Firefox that runs holds its profile's .parentlock: the plan says to close it, and plans nothing. */
static void test_fix_firefox_running(void **state) {
        Fixture f;
        fixture_new(&f, "firefox");
        fixture_write_text(f.home, ".mozilla/firefox/profiles.ini",
                           "[Profile0]\nName=default\nPath=a.default\n");
        make_db(&f, ".mozilla/firefox/a.default", NULL, NULL, NULL);
        fixture_write_text(f.home, ".mozilla/firefox/a.default/.parentlock", "");
        char *lock = td_strdup_printf("%s/.mozilla/firefox/a.default/.parentlock", f.home);
        char *dir = td_strdup_printf("%s/.mozilla/firefox/a.default", f.home);
        assert_int_equal(td_nss_firefox_running(dir), 0);
        int ready[2], hold[2];
        assert_int_equal(pipe(ready), 0);
        assert_int_equal(pipe(hold), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                /* As Firefox does: a write lock on .parentlock for as long as it runs. */
                close(ready[0]);
                close(hold[1]);
                int fd = open(lock, O_RDWR);
                struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
                if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
                        _exit(1);
                char c = 'x';
                (void) !write(ready[1], &c, 1);
                (void) !read(hold[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(hold[0]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        assert_int_equal(td_nss_firefox_running(dir), 1);
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), -EBUSY);
        assert_true(r.fix.offered);
        assert_non_null(strstr(why, "close every Firefox window"));
        assert_int_equal(plan.n_changes, 0);
        free(why);
        td_result_clear(&r);
        close(hold[1]);
        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* Closed (or crashed: the lock goes with the process), the way is free. */
        assert_int_equal(td_nss_firefox_running(dir), 0);
        assert_int_equal(plan_fix(&f, NULL, NULL, &r, &plan, &why), 0);
        assert_int_equal(plan.n_changes, 1);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        close(ready[0]);
        free(lock);
        free(dir);
        fixture_done(&f);
}

/* The profile may name the CA under the user's home: "~/" is $HOME, for the check and the repair. */
static void test_fix_ca_in_home(void **state) {
        Fixture f;
        fixture_new(&f, "chrome");
        fixture_copy(f.ca, f.home, "certs/platform.pem");
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_fix(&f, NULL, profile_with_ca("~/certs/platform.pem"), &r, &plan, &why), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "trust.missing");
        char *ca = td_strdup_printf("%s/certs/platform.pem", f.home);
        char *real = realpath(ca, NULL);
        assert_string_equal(plan.changes[1].argv[9], real);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(real);
        free(ca);
        fixture_done(&f);
}

static void test_fix_flags_and_nickname(void **state) {
        const char *const cases[][2] = {
                { NULL, "C,," },     { ",,", "C,," },        { ",C,", "C,C," },    { "p,C,", "C,C," },
                { "cT,,", "cTC,," }, { "CT,C,C", "CT,C,C" }, { "garbage", "C,," }, { "a,b,c,d", "C,," },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *got = td_nss_flags_add_tls_trust(cases[i][0]);
                assert_string_equal(got, cases[i][1]);
                assert_true(td_nss_flags_trust_tls(got));
                free(got);
        }
        char *n = td_nss_nickname("A:B\x1b[2J", " (x)");
        assert_string_equal(n, "A-B?[2J (x)");
        free(n);
        /* Cut at a character's end, never inside one (each 根 is three bytes). */
        char long_name[200] = "";
        for (int i = 0; i < 30; i++)
                strcat(long_name, "根");
        n = td_nss_nickname(long_name, "");
        assert_int_equal(strlen(n), 66);
        free(n);
}

static void test_trust_flags(void **state) {
        assert_true(td_nss_flags_trust_tls("C,,"));
        assert_true(td_nss_flags_trust_tls("CT,C,C"));
        assert_true(td_nss_flags_trust_tls("cCT,,"));
        assert_false(td_nss_flags_trust_tls(",C,C"));
        assert_false(td_nss_flags_trust_tls("cT,,"));
        assert_false(td_nss_flags_trust_tls("P,,"));
        assert_false(td_nss_flags_trust_tls("pC,,"));
        assert_false(td_nss_flags_trust_tls(""));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_trust_flags),         cmocka_unit_test(test_fix_flags_and_nickname),
                cmocka_unit_test(test_fix_new_chromium_db), cmocka_unit_test(test_fix_existing_dbs),
                cmocka_unit_test(test_fix_only_readers),    cmocka_unit_test(test_fix_not_offered),
                cmocka_unit_test(test_fix_firefox_running), cmocka_unit_test(test_fix_ca_in_home),
                cmocka_unit_test(test_not_configured),      cmocka_unit_test(test_chrome_trusted),
                cmocka_unit_test(test_chrome_new_location), cmocka_unit_test(test_present_without_trust),
                cmocka_unit_test(test_system_bundle_only),  cmocka_unit_test(test_firefox_profiles),
                cmocka_unit_test(test_certutil_missing),    cmocka_unit_test(test_no_database_or_browser),
                cmocka_unit_test(test_broken_databases),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
