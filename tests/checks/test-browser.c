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
                cmocka_unit_test(test_parse_desktop_entry),
                cmocka_unit_test(test_stem_matching),
                cmocka_unit_test(test_parse_mimeapps),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
