/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * browser.installed and browser.default against fixture roots (system desktop entries and
 * mimeapps.list under the root) and a temporary $HOME with XDG directories, and the desktop
 * entry and mimeapps.list parsers under them.
 */
#include "check-fixture.h"
#include "platform/td-desktop.h"

extern const TdCheck td_check_browser_installed;
extern const TdCheck td_check_browser_default;

#define APPS "usr/share/applications"

#define ENTRY(name, extra)                                                                                  \
        "[Desktop Entry]\nType=Application\nName=" name "\nExec=/usr/bin/true %U\n" extra                   \
        "MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;\n"
#define CHROME ENTRY("Google Chrome", "Name[zh_CN]=谷歌浏览器\n")
#define B360 ENTRY("360 Browser", "Name[zh_CN]=360安全浏览器\n")

typedef struct {
        char *root;
        char *home;
} Fixture;

static void fixture_new(Fixture *f) {
        f->root = fixture_new_root("browser");
        f->home = fixture_new_root("browser-home");
        /* The environment the checks see: only what the fixture sets. */
        assert_int_equal(setenv("HOME", f->home, 1), 0);
        unsetenv("XDG_DATA_HOME");
        unsetenv("XDG_CONFIG_HOME");
        unsetenv("XDG_DATA_DIRS");
        unsetenv("XDG_CONFIG_DIRS");
        unsetenv("XDG_CURRENT_DESKTOP");
        assert_int_equal(setenv("LANG", "C.UTF-8", 1), 0);
        unsetenv("LC_ALL");
        unsetenv("LC_MESSAGES");
}

static void fixture_done(Fixture *f) {
        fixture_remove(f->root);
        fixture_remove(f->home);
}

static void run(const Fixture *f, const TdCheck *check, TdResult *r) {
        fixture_run(check, f->root, NULL, r);
}

/* --- browser.installed ----------------------------------------------------------------------- */

static void test_none_installed(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/vim.desktop", "[Desktop Entry]\nType=Application\nName=Vim\n");
        /* A game whose id begins with a browser's stem is no browser. */
        fixture_write_text(f.root, APPS "/chromium-bsu.desktop",
                           "[Desktop Entry]\nType=Application\nName=Chromium B.S.U.\nExec=chromium-bsu\n");
        TdResult r;
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail_json(&r, "browsers", "[]");
        assert_message_contains(&r, "Install Google Chrome");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_chrome_installed(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/google-chrome.desktop", CHROME);
        fixture_write_text(f.root, APPS "/360browser.desktop", B360);
        TdResult r;
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_message_contains(&r, "Google Chrome");
        /* The unsupported one is named, a fact, not a failure. */
        assert_message_contains(&r, "360 Browser");
        assert_detail(&r, "browsers.0.id", "360browser.desktop");
        assert_detail(&r, "browsers.0.kind", "unsupported");
        assert_detail(&r, "browsers.1.kind", "supported");
        assert_detail(&r, "browsers.1.file", "/" APPS "/google-chrome.desktop");
        /* No version in the entry: not compared, and said so. */
        assert_detail_json(&r, "browsers.1.version", "null");
        assert_detail_json(&r, "browsers.1.version_checked", "false");
        assert_message_contains(&r, "not compared");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_only_360(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/360browser.desktop", B360);
        assert_int_equal(setenv("LANG", "zh_CN.UTF-8", 1), 0);
        TdResult r;
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        /* Named as the entry's Chinese name under a Chinese locale. */
        assert_message_contains(&r, "360安全浏览器");
        assert_detail(&r, "browsers.0.kind", "unsupported");
        td_result_clear(&r);
        fixture_done(&f);
}

/* The default profile with @stem:@min_major its only supported browser. */
static TdProfile *profile_supporting(const char *stem, unsigned min_major) {
        TdProfile *p = fixture_profile();
        for (size_t i = 0; i < p->n_browsers_supported; i++)
                free(p->browsers_supported[i].desktop_stem);
        free(p->browsers_supported);
        p->browsers_supported = calloc(1, sizeof *p->browsers_supported);
        assert_non_null(p->browsers_supported);
        p->browsers_supported[0] = (TdBrowserRule){ .desktop_stem = strdup(stem), .min_major = min_major };
        assert_non_null(p->browsers_supported[0].desktop_stem);
        p->n_browsers_supported = 1;
        return p;
}

static void test_firefox_esr_and_versions(void **state) {
        Fixture f;
        fixture_new(&f);
        /* Version=1.0 is the specification's version, never the browser's. */
        fixture_write_text(f.root, APPS "/firefox-esr.desktop",
                           ENTRY("Firefox ESR", "Version=1.0\nX-AppImage-Version=115.6.0esr\n"));
        TdResult r;
        fixture_run(&td_check_browser_installed, f.root, profile_supporting("firefox", 100), &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "browsers.0.stem", "firefox");
        assert_detail(&r, "browsers.0.version", "115.6.0esr");
        assert_detail_json(&r, "browsers.0.version_checked", "true");
        td_result_clear(&r);

        /* A stated version below the minimum fails, naming it. */
        fixture_write_text(f.root, APPS "/firefox-esr.desktop",
                           ENTRY("Firefox ESR", "X-AppImage-Version=91.0\n"));
        fixture_run(&td_check_browser_installed, f.root, profile_supporting("firefox", 100), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail(&r, "browsers.0.kind", "too-old");
        assert_message_contains(&r, "91.0");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_user_shadows_and_hides(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/google-chrome.desktop", CHROME);
        /* The user's file of that id shadows the system's: here it renames it. */
        fixture_write_text(f.home, ".local/share/applications/google-chrome.desktop",
                           ENTRY("My Chrome", ""));
        TdResult r;
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "browsers.0.name", "My Chrome");
        assert_detail_json(&r, "browsers.0.user", "true");
        td_result_clear(&r);

        /* Hidden=true in the user's file removes it: no supported browser left. */
        fixture_write_text(f.home, ".local/share/applications/google-chrome.desktop",
                           ENTRY("My Chrome", "Hidden=true\n"));
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail(&r, "hidden.0.why", "hidden");
        td_result_clear(&r);

        /* $XDG_DATA_HOME, when set, is where the user's entries are. */
        char *data = td_strdup_printf("%s/data", f.home);
        assert_non_null(data);
        assert_int_equal(setenv("XDG_DATA_HOME", data, 1), 0);
        free(data);
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_subdirectory_id_and_try_exec(void **state) {
        Fixture f;
        fixture_new(&f);
        /* applications/vendor/google-chrome.desktop has the id vendor-google-chrome.desktop. */
        fixture_write_text(f.root, APPS "/google/chrome.desktop", CHROME);
        TdResult r;
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "browsers.0.id", "google-chrome.desktop");
        td_result_clear(&r);

        /* TryExec naming a program that is not under the root: not installed. */
        fixture_write_text(f.root, APPS "/google/chrome.desktop",
                           ENTRY("Google Chrome", "TryExec=google-chrome\n"));
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail(&r, "hidden.0.why", "program-missing");
        td_result_clear(&r);
        fixture_write_text(f.root, "usr/bin/google-chrome", "#!/bin/sh\n");
        char *prog = td_strdup_printf("%s/usr/bin/google-chrome", f.root);
        assert_non_null(prog);
        assert_int_equal(chmod(prog, 0755), 0);
        free(prog);
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_hostile_files(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/360browser.desktop", B360);
        /* A FIFO where Chrome's entry belongs: told at once, and it would decide: error. */
        fixture_mkfifo(f.root, APPS "/google-chrome.desktop");
        TdResult r;
        int err = fixture_run_error(&td_check_browser_installed, f.root, NULL, &r);
        assert_int_equal(err, -ENODEV);
        assert_detail(&r, "unreadable.0.file", "/" APPS "/google-chrome.desktop");
        td_result_clear(&r);

        /* A huge file and binary junk elsewhere decide nothing. */
        char *fifo = td_strdup_printf("%s/" APPS "/google-chrome.desktop", f.root);
        assert_non_null(fifo);
        assert_int_equal(unlink(fifo), 0);
        free(fifo);
        fixture_write_sparse(f.root, APPS "/huge.desktop", 1LL << 30);
        fixture_write(f.root, APPS "/junk.desktop", "\0\xff[Desk\n=\n[\n\x01=\x02", 16);
        /* A link out of the root resolves inside it: /etc/passwd under the root is absent. */
        fixture_symlink(f.root, APPS "/escape.desktop", "/etc/passwd");
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail(&r, "unreadable.0.file", "/" APPS "/escape.desktop");
        assert_detail(&r, "unreadable.0.error", strerror(ENOENT));
        assert_detail(&r, "unreadable.1.file", "/" APPS "/huge.desktop");
        assert_detail(&r, "browsers.0.id", "360browser.desktop");
        assert_false(td_result_has_detail(&r, "browsers.1"));
        td_result_clear(&r);

        /* A directory link that climbs out comes back to the root's own directory; the loop ends. */
        fixture_symlink(f.root, APPS "/loop", "../../../../../../usr/share/applications");
        run(&f, &td_check_browser_installed, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.none-supported");
        assert_detail(&r, "browsers.1.file", "/" APPS "/loop/360browser.desktop");
        assert_detail(&r, "browsers.1.kind", "other");
        td_result_clear(&r);
        fixture_done(&f);
}

/* --- browser.default ------------------------------------------------------------------------- */

static void write_mimeapps(const char *base, const char *rel, const char *id) {
        char *text = td_strdup_printf("[Default Applications]\nx-scheme-handler/https=%s\n", id);
        assert_non_null(text);
        fixture_write_text(base, rel, text);
        free(text);
}

static void installed_browsers(const Fixture *f) {
        fixture_write_text(f->root, APPS "/google-chrome.desktop", CHROME);
        fixture_write_text(f->root, APPS "/360browser.desktop", B360);
        fixture_write_text(f->root, APPS "/firefox.desktop", ENTRY("Firefox", ""));
        fixture_write_text(f->root, APPS "/epiphany.desktop", ENTRY("Web", ""));
}

static void test_default_unset_skips(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        TdResult r;
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_SKIP, NULL);
        assert_detail(&r, "skip_reason", "no-default");
        td_result_clear(&r);

        /* Set to one that is not installed: none in force. */
        write_mimeapps(f.home, ".config/mimeapps.list", "opera.desktop");
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_SKIP, NULL);
        assert_detail(&r, "not_installed.0", "opera.desktop");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_default_unsupported_and_other(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        write_mimeapps(f.home, ".config/mimeapps.list", "360browser.desktop");
        TdResult r;
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.unsupported");
        assert_message_contains(&r, "360 Browser");
        assert_message_contains(&r, "Set Google Chrome as the default browser");
        assert_detail(&r, "default.kind", "unsupported");
        td_result_clear(&r);

        /* On neither list: fails too, naming what is supported. */
        write_mimeapps(f.home, ".config/mimeapps.list", "epiphany.desktop");
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.unsupported");
        assert_detail(&r, "default.kind", "other");
        assert_message_contains(&r, "Google Chrome 90 or newer");
        td_result_clear(&r);

        write_mimeapps(f.home, ".config/mimeapps.list", "google-chrome.desktop");
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

/* Each location, alone, is read; and each one earlier in the order wins over the later ones. */
static void test_default_lookup_order(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        assert_int_equal(setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME", 1), 0);
        /* From the last in the order to the first: each new file must win over what was there. */
        static const struct {
                bool user;
                const char *rel;
        } order[] = {
                { false, "usr/share/applications/mimeapps.list" },
                { false, "usr/share/applications/gnome-mimeapps.list" },
                { false, "usr/local/share/applications/mimeapps.list" },
                { true, ".local/share/applications/mimeapps.list" },
                { true, ".local/share/applications/ubuntu-mimeapps.list" },
                { false, "etc/xdg/mimeapps.list" },
                { false, "etc/xdg/gnome-mimeapps.list" },
                { true, ".config/mimeapps.list" },
                { true, ".config/gnome-mimeapps.list" },
                { true, ".config/ubuntu-mimeapps.list" },
        };
        const char *ids[] = { "360browser.desktop", "google-chrome.desktop" };
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                const char *id = ids[i % 2];
                write_mimeapps(order[i].user ? f.home : f.root, order[i].rel, id);
                TdResult r;
                run(&f, &td_check_browser_default, &r);
                if (!strstr(td_result_get_detail(&r, "default.file"), order[i].rel))
                        fixture_print(&r);
                assert_non_null(strstr(td_result_get_detail(&r, "default.file"), order[i].rel));
                assert_detail(&r, "default.id", id);
                assert_verdict(&r, i % 2 ? TD_STATUS_PASS : TD_STATUS_FAIL,
                               i % 2 ? NULL : "browser.unsupported");
                td_result_clear(&r);
        }
        fixture_done(&f);
}

static void test_default_groups_and_fallbacks(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        /* [Added Associations] counts only when no file has a default; a later [Default] wins over it. */
        fixture_write_text(f.home, ".config/mimeapps.list",
                           "[Added Associations]\nx-scheme-handler/https=360browser.desktop;\n");
        write_mimeapps(f.root, APPS "/mimeapps.list", "google-chrome.desktop");
        TdResult r;
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "default.group", "Default Applications");
        td_result_clear(&r);

        /* A [Removed Associations] of an earlier file takes an added one away. */
        fixture_write_text(f.home, ".config/mimeapps.list",
                           "[Removed Associations]\nx-scheme-handler/https=360browser.desktop;\n");
        fixture_write_text(
                f.root, APPS "/mimeapps.list",
                "[Added Associations]\nx-scheme-handler/https=360browser.desktop;google-chrome.desktop;\n");
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "default.id", "google-chrome.desktop");
        assert_detail(&r, "default.group", "Added Associations");
        td_result_clear(&r);

        /* Only http set: its handler is the browser. The first installed of a list counts. */
        fixture_write_text(f.home, ".config/mimeapps.list",
                           "# comment\n[Default "
                           "Applications]\nx-scheme-handler/http=gone.desktop;360browser.desktop;\n");
        fixture_write_text(f.root, APPS "/mimeapps.list",
                           "[Default Applications]\ntext/html=google-chrome.desktop\n");
        run(&f, &td_check_browser_default, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.unsupported");
        assert_detail(&r, "default.mime_type", "x-scheme-handler/http");
        assert_detail(&r, "not_installed.0", "gone.desktop");
        td_result_clear(&r);
        fixture_done(&f);
}

static void test_default_unreadable(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        write_mimeapps(f.root, APPS "/mimeapps.list", "google-chrome.desktop");
        /* The user's file comes first and could name another default: no verdict without it. */
        fixture_mkfifo(f.home, ".config/mimeapps.list");
        TdResult r;
        assert_int_equal(fixture_run_error(&td_check_browser_default, f.root, NULL, &r), -ENODEV);
        td_result_clear(&r);
        fixture_done(&f);
}

/* --- browser.default's repair ---------------------------------------------------------------- */

/*
 * Run browser.default under @profile (taken; NULL: defaults), decide its offer as the engine does,
 * and plan the repair when it is offered. Returns plan()'s value, or 1 when nothing was offered.
 */
static int plan_default_fix(const Fixture *f, TdProfile *profile, TdResult *r, TdFixPlan *plan, char **why) {
        TdContext *ctx = fixture_context(f->root, profile);
        td_result_init(r, &td_check_browser_default);
        assert_int_equal(td_check_browser_default.run(ctx, r), 0);
        td_result_decide_fix(ctx, r);
        *plan = (TdFixPlan){ 0 };
        *why = NULL;
        int ret = td_result_has_fix(r) ? td_check_browser_default.fix->plan(ctx, r, plan, why) : 1;
        td_context_unref(ctx);
        return ret;
}

/* Make the plan's one write as the runner would, so the check can run again on it. */
static void apply_write(const TdFixPlan *plan) {
        assert_int_equal(plan->n_changes, 1);
        const TdChange *c = &plan->changes[0];
        assert_int_equal(c->kind, TD_CHANGE_WRITE_FILE);
        FILE *out = fopen(c->path, "wb");
        assert_non_null(out);
        assert_int_equal(fwrite(c->content, 1, c->content_len, out), c->content_len);
        assert_int_equal(fclose(out), 0);
        assert_int_equal(chmod(c->path, c->mode), 0);
}

static void assert_default(const Fixture *f, const char *id) {
        TdResult r;
        run(f, &td_check_browser_default, &r);
        assert_detail(&r, "default.id", id);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_default_fix_plan(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        static const char before[] =
                "# mine\n[Default Applications]\nx-scheme-handler/https=360browser.desktop\n"
                "image/png=eog.desktop\n\n[Added Associations]\ntext/html=360browser.desktop;\n";
        fixture_write_text(f.home, ".config/mimeapps.list", before);
        char *path = td_strdup_printf("%s/.config/mimeapps.list", f.home);
        assert_int_equal(chmod(path, 0600), 0);
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        assert_true(r.fix.offered);
        assert_false(r.fix.privileged);
        assert_detail(&r, "candidate.id", "google-chrome.desktop");
        assert_detail(&r, "candidate.name", "Google Chrome");
        assert_false(td_fix_plan_is_privileged(&plan));
        assert_int_equal(plan.n_changes, 1);
        assert_int_equal(plan.changes[0].kind, TD_CHANGE_WRITE_FILE);
        assert_string_equal(plan.changes[0].path, path);
        assert_int_equal(plan.changes[0].mode, 0600);
        assert_string_equal(
                plan.changes[0].content,
                "# mine\n[Default Applications]\nx-scheme-handler/https=google-chrome.desktop\n"
                "image/png=eog.desktop\nx-scheme-handler/http=google-chrome.desktop\n"
                "text/html=google-chrome.desktop\n\n[Added Associations]\ntext/html=360browser.desktop;\n");
        assert_non_null(strstr(plan.changes[0].summary, "Google Chrome"));
        /* plan() changes nothing itself. */
        size_t len;
        char *now = fixture_read(path, &len);
        assert_string_equal(now, before);
        free(now);
        apply_write(&plan);
        assert_default(&f, "google-chrome.desktop");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(path);
        fixture_done(&f);
}

/* No file yet: one is made, 0644; the system's default was the unsupported one. */
static void test_default_fix_new_file(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        write_mimeapps(f.root, APPS "/mimeapps.list", "360browser.desktop");
        char *config = td_strdup_printf("%s/settings", f.home);
        assert_int_equal(setenv("XDG_CONFIG_HOME", config, 1), 0);
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        char *path = td_strdup_printf("%s/mimeapps.list", config);
        assert_string_equal(plan.changes[0].path, path);
        assert_int_equal(plan.changes[0].mode, 0644);
        assert_string_equal(plan.changes[0].content, "[Default Applications]\n"
                                                     "x-scheme-handler/http=google-chrome.desktop\n"
                                                     "x-scheme-handler/https=google-chrome.desktop\n"
                                                     "text/html=google-chrome.desktop\n");
        assert_int_equal(fixture_mkdir_p(config), 0);
        apply_write(&plan);
        assert_default(&f, "google-chrome.desktop");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(path);
        free(config);
        fixture_done(&f);
}

/* A desktop's own file earlier in the order (UOS, deepin, GNOME) is the one written, else it would still
 * win. */
static void test_default_fix_desktop_file(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        assert_int_equal(setenv("XDG_CURRENT_DESKTOP", "Deepin:GNOME", 1), 0);
        write_mimeapps(f.home, ".config/mimeapps.list", "google-chrome.desktop");
        fixture_write_text(f.home, ".config/gnome-mimeapps.list",
                           "[Default Applications]\nx-scheme-handler/http=360browser.desktop\n");
        /* The first desktop's file names no web type: it is not the one that overrides. */
        fixture_write_text(f.home, ".config/deepin-mimeapps.list",
                           "[Default Applications]\ntext/plain=x.desktop\n");
        TdResult r;
        TdFixPlan plan;
        char *why;
        run(&f, &td_check_browser_default, &r);
        /* https is Chrome in mimeapps.list, http 360 in gnome's: the check reads https first. */
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        write_mimeapps(f.home, ".config/gnome-mimeapps.list", "360browser.desktop");
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        char *path = td_strdup_printf("%s/.config/gnome-mimeapps.list", f.home);
        assert_string_equal(plan.changes[0].path, path);
        apply_write(&plan);
        assert_default(&f, "google-chrome.desktop");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(path);
        fixture_done(&f);
}

/* A link (dotfiles kept elsewhere) stays a link: the file it names is changed. */
static void test_default_fix_symlink(void **state) {
        Fixture f;
        fixture_new(&f);
        installed_browsers(&f);
        write_mimeapps(f.home, "dotfiles/mimeapps.list", "360browser.desktop");
        char *target = td_strdup_printf("%s/dotfiles/mimeapps.list", f.home);
        fixture_symlink(f.home, ".config/mimeapps.list", target);
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        assert_string_equal(plan.changes[0].path, target);
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        free(target);
        fixture_done(&f);
}

/* The profile's order picks, not the directory's; a browser too old or a hostile id is never picked. */
static void test_default_fix_choice(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/360browser.desktop", B360);
        fixture_write_text(f.root, APPS "/chromium.desktop", ENTRY("Chromium", ""));
        fixture_write_text(f.root, APPS "/google-chrome-beta.desktop", ENTRY("Chrome Beta", ""));
        fixture_write_text(f.root, APPS "/google-chrome.desktop",
                           ENTRY("Chrome", "X-AppImage-Version=80.0\n"));
        fixture_write_text(f.root, APPS "/google-chrome-x;y.desktop", ENTRY("Evil", ""));
        write_mimeapps(f.home, ".config/mimeapps.list", "360browser.desktop");
        TdResult r;
        TdFixPlan plan;
        char *why;
        /* google-chrome comes first: its 80 is too old, the beta (at an unstated version) is taken. */
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        assert_detail(&r, "candidate.id", "google-chrome-beta.desktop");
        assert_non_null(strstr(plan.changes[0].content, "https=google-chrome-beta.desktop\n"));
        assert_message_contains(&r, "Set Chrome Beta as the default browser");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);

        /* Without the beta: the id that would write more than a value is passed over for Chromium. */
        char *beta = td_strdup_printf("%s/" APPS "/google-chrome-beta.desktop", f.root);
        assert_int_equal(unlink(beta), 0);
        free(beta);
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 0);
        assert_detail(&r, "candidate.id", "chromium.desktop");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        fixture_write_text(f.root, APPS "/google-chrome-beta.desktop", ENTRY("Chrome Beta", ""));

        TdProfile *p = fixture_profile();
        TdBrowserRule swap = p->browsers_supported[0];
        p->browsers_supported[0] = p->browsers_supported[1];
        p->browsers_supported[1] = swap;
        assert_int_equal(plan_default_fix(&f, p, &r, &plan, &why), 0);
        assert_detail(&r, "candidate.id", "chromium.desktop");
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        fixture_done(&f);
}

/* Nothing supported installed: no offer (the advice says to install one); plan() would refuse. */
static void test_default_fix_not_offered(void **state) {
        Fixture f;
        fixture_new(&f);
        fixture_write_text(f.root, APPS "/360browser.desktop", B360);
        write_mimeapps(f.home, ".config/mimeapps.list", "360browser.desktop");
        TdResult r;
        TdFixPlan plan;
        char *why;
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 1);
        assert_verdict(&r, TD_STATUS_FAIL, "browser.unsupported");
        assert_false(r.fix.offered);
        assert_false(td_result_has_detail(&r, "candidate"));
        assert_message_contains(&r, "Install Google Chrome");
        TdContext *ctx = fixture_context(f.root, NULL);
        assert_int_equal(td_check_browser_default.fix->plan(ctx, &r, &plan, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "Google Chrome"));
        assert_int_equal(plan.n_changes, 0);
        free(why);
        td_context_unref(ctx);
        td_result_clear(&r);

        /* A pass is offered nothing either. */
        fixture_write_text(f.root, APPS "/google-chrome.desktop", CHROME);
        write_mimeapps(f.home, ".config/mimeapps.list", "google-chrome.desktop");
        assert_int_equal(plan_default_fix(&f, NULL, &r, &plan, &why), 1);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_done(&f);
}

/* --- the parsers ----------------------------------------------------------------------------- */

static void test_parse_desktop_entry(void **state) {
        static const char text[] = "# comment\r\n"
                                   "[Desktop Entry]\r\n"
                                   "Type = Application\n"
                                   "Name=Old\n"
                                   "Name=Google\\sChrome\n"
                                   "Name[zh_CN]=谷歌浏览器\n"
                                   "Name[zh_TW]=Google 瀏覽器\n"
                                   "MimeType=text/html;x-scheme-handler/HTTPS;a\\;b;;\n"
                                   "X-Foo-Version=beta\n"
                                   "X-AppImage-Version=120.0.1\n"
                                   "Version=1.5\n"
                                   "NoDisplay=1\n"
                                   "junk line\n"
                                   "[Desktop Action new-window]\n"
                                   "Name=New Window\n"
                                   "Hidden=true\n";
        TdDesktopEntry *e = NULL;
        assert_int_equal(td_desktop_entry_parse(text, sizeof text - 1, &e), 0);
        assert_true(e->has_group);
        assert_string_equal(e->type, "Application");
        assert_string_equal(e->name, "Google Chrome");
        assert_string_equal(e->name_zh_cn, "谷歌浏览器");
        assert_string_equal(e->app_version, "120.0.1");
        assert_int_equal(td_strv_length((const char *const *) e->mime_types), 3);
        assert_string_equal(e->mime_types[2], "a;b");
        assert_true(td_desktop_entry_is_web_browser(e));
        assert_true(e->no_display);
        assert_false(e->hidden); /* the action's Hidden is not the entry's */
        assert_int_equal(e->n_invalid, 1);
        td_desktop_entry_free(e);

        unsigned major;
        assert_true(td_desktop_version_major("120.0.6099", &major));
        assert_int_equal(major, 120);
        assert_false(td_desktop_version_major("v1", &major));
}

static void test_stem_matching(void **state) {
        assert_true(td_desktop_id_matches_stem("firefox.desktop", "firefox"));
        assert_true(td_desktop_id_matches_stem("firefox-esr.desktop", "firefox"));
        assert_true(td_desktop_id_matches_stem("firefox_firefox.desktop", "firefox"));
        assert_true(td_desktop_id_matches_stem("google-chrome-beta.desktop", "google-chrome"));
        assert_true(td_desktop_id_matches_stem("com.google.Chrome.desktop", "google-chrome"));
        assert_true(td_desktop_id_matches_stem("Chromium.desktop", "chromium"));
        assert_false(td_desktop_id_matches_stem("firefoxy.desktop", "firefox"));
        assert_false(td_desktop_id_matches_stem("chromium.desktop", "chrome"));
        assert_false(td_desktop_id_matches_stem("google-chrome.desktop", "google-chrome-beta"));
        assert_false(td_desktop_id_matches_stem("x.desktop", ""));
}

static void test_parse_mimeapps(void **state) {
        static const char text[] = "[Added Associations]\n"
                                   "x-scheme-handler/https=a.desktop;b.desktop;\n"
                                   "[Default Applications]\n"
                                   "x-scheme-handler/https=c.desktop\n"
                                   "X-Scheme-Handler/HTTPS=d.desktop;\n"
                                   "[Other]\n"
                                   "text/html=e.desktop\n";
        TdMimeApps *apps = NULL;
        assert_int_equal(td_mimeapps_parse(text, sizeof text - 1, &apps), 0);
        char *const *ids = td_mimeapps_get(apps, TD_MIMEAPPS_DEFAULT, "x-scheme-handler/https");
        assert_non_null(ids);
        assert_string_equal(ids[0], "d.desktop"); /* the last line of a type counts */
        ids = td_mimeapps_get(apps, TD_MIMEAPPS_ADDED, "x-scheme-handler/https");
        assert_int_equal(td_strv_length((const char *const *) ids), 2);
        assert_null(td_mimeapps_get(apps, TD_MIMEAPPS_DEFAULT, "text/html"));
        td_mimeapps_free(apps);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_none_installed),
                cmocka_unit_test(test_chrome_installed),
                cmocka_unit_test(test_only_360),
                cmocka_unit_test(test_firefox_esr_and_versions),
                cmocka_unit_test(test_user_shadows_and_hides),
                cmocka_unit_test(test_subdirectory_id_and_try_exec),
                cmocka_unit_test(test_hostile_files),
                cmocka_unit_test(test_default_unset_skips),
                cmocka_unit_test(test_default_unsupported_and_other),
                cmocka_unit_test(test_default_lookup_order),
                cmocka_unit_test(test_default_groups_and_fallbacks),
                cmocka_unit_test(test_default_unreadable),
                cmocka_unit_test(test_default_fix_plan),
                cmocka_unit_test(test_default_fix_new_file),
                cmocka_unit_test(test_default_fix_desktop_file),
                cmocka_unit_test(test_default_fix_symlink),
                cmocka_unit_test(test_default_fix_choice),
                cmocka_unit_test(test_default_fix_not_offered),
                cmocka_unit_test(test_parse_desktop_entry),
                cmocka_unit_test(test_stem_matching),
                cmocka_unit_test(test_parse_mimeapps),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
