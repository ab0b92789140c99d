/* SPDX-License-Identifier: GPL-3.0-or-later */
/* os.fonts against fixture roots with real font files, through real fontconfig. */
#include <dirent.h>

#include "check-fixture.h"
#include "platform/td-fonts.h"

extern const TdCheck td_check_os_fonts;

/* Fonts copied into the fixtures (Debian packages fonts-wqy-microhei, fonts-dejavu-core). */
static const char *const cjk_candidates[] = {
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
};
static const char *const latin_candidates[] = {
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
};
static const char *cjk_font;
static const char *latin_font;

/* fontconfig caches its scans per user: keep them in the fixture, not in the tester's home. */
static char *cache_home;

#define FONTS_CONF_HEAD                                                                                     \
        "<?xml version=\"1.0\"?>\n"                                                                         \
        "<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n"                                       \
        "<fontconfig>\n"

/* As a distribution writes it, with a cache directory under the root it must not touch. */
#define ROOT_FONTS_CONF                                                                                     \
        FONTS_CONF_HEAD                                                                                     \
        "  <dir>/usr/share/fonts</dir>\n"                                                                   \
        "  <include ignore_missing=\"yes\">conf.d</include>\n"                                              \
        "  <cachedir>/var/cache/fontconfig</cachedir>\n"                                                    \
        "</fontconfig>\n"

static const char *first_readable(const char *const *paths, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (access(paths[i], R_OK) == 0)
                        return paths[i];
        return NULL;
}

static size_t count_cache_files(const char *home) {
        char *path = td_strdup_printf("%s/fontconfig", home);
        DIR *d = opendir(path);
        free(path);
        size_t n = 0;
        for (struct dirent *e; d && (e = readdir(d));)
                if (strstr(e->d_name, ".cache-"))
                        n++;
        if (d)
                closedir(d);
        return n;
}

static void run_root(const char *root, TdResult *result) {
        fixture_run(&td_check_os_fonts, root, NULL, result);
}

static void test_root_with_cjk_font_passes(void **state) {
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        fixture_copy(cjk_font, root, "usr/share/fonts/truetype/wqy/wqy-microhei.ttc");

        TdResult r;
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        /* One collection, two faces: WenQuanYi Micro Hei and its Mono variant. */
        assert_detail_json(&r, "count", "2");
        assert_detail_json(&r, "families", "[\"WenQuanYi Micro Hei\",\"WenQuanYi Micro Hei Mono\"]");
        assert_non_null(td_result_get_detail(&r, "best"));
        assert_true(td_startswith(td_result_get_detail(&r, "best"), "WenQuanYi Micro Hei"));
        /* Found under the root, not in the machine's own /usr/share/fonts. */
        assert_true(td_startswith(td_result_get_detail(&r, "best_file"), root));
        td_result_clear(&r);

        /* Inspecting a root writes nothing into it, not even the cache its configuration names. */
        assert_false(fixture_exists(root, "var/cache/fontconfig"));
        assert_false(fixture_exists(root, "var"));
        /* Nor anywhere else: the root's fonts are scanned one by one, confined, never cached. */
        assert_int_equal(count_cache_files(cache_home), 0);

        /* A second run scans again and agrees. */
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "count", "2");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_root_with_latin_font_fails(void **state) {
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        fixture_copy(latin_font, root, "usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");

        TdResult r;
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_detail_json(&r, "count", "0");
        assert_detail_json(&r, "families", "[]");
        assert_message_contains(&r, "No installed font covers Simplified Chinese");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_root_without_fonts_conf_fails(void **state) {
        /* The font file is there, but without a configuration nothing finds it. */
        char *root = fixture_new_root("os-fonts");
        fixture_copy(cjk_font, root, "usr/share/fonts/truetype/wqy/wqy-microhei.ttc");

        TdResult r;
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_detail_json(&r, "count", "0");
        assert_message_contains(&r, "fonts.conf");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_root_without_fonts_fails(void **state) {
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);

        TdResult r;
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_detail_json(&r, "count", "0");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_root_include_resolves_under_root(void **state) {
        /* conf.d/ of the root names another font directory: both are read under the root. */
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        fixture_write_text(root, "etc/fonts/conf.d/50-vendor.conf",
                           FONTS_CONF_HEAD "  <dir>/opt/vendor/fonts</dir>\n</fontconfig>\n");
        fixture_copy(latin_font, root, "usr/share/fonts/DejaVuSans.ttf");
        fixture_copy(cjk_font, root, "opt/vendor/fonts/wqy-microhei.ttc");

        TdResult r;
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "count", "2");
        td_result_clear(&r);
        fixture_remove(root);
}

/*
 * Links in the root lead where they would on the customer's machine. Each root below finds
 * the CJK font only by following a link out of the root (to a directory made for the test,
 * standing for this machine's /etc/fonts and /usr/share/fonts), so it must not pass.
 */
static void test_root_links_stay_in_root(void **state) {
        char *outside = fixture_new_root("os-fonts-outside");
        fixture_write_text(outside, "fonts.conf", ROOT_FONTS_CONF);
        fixture_write_text(outside, "cjk.conf", FONTS_CONF_HEAD "  <dir>/opt/cjk</dir>\n</fontconfig>\n");
        fixture_copy(cjk_font, outside, "fonts/wqy-microhei.ttc");
        char *outside_conf = td_strdup_printf("%s/fonts.conf", outside);
        char *outside_cjk_conf = td_strdup_printf("%s/cjk.conf", outside);
        char *outside_fonts = td_strdup_printf("%s/fonts", outside);
        char *outside_font = td_strdup_printf("%s/fonts/wqy-microhei.ttc", outside);
        char *escaping = td_strdup_printf("../../../../../../../../../..%s/fonts", outside);
        TdResult r;

        /* fonts.conf itself: an absolute link that the root does not hold is no configuration. */
        char *root = fixture_new_root("os-fonts");
        fixture_symlink(root, "etc/fonts/fonts.conf", outside_conf);
        fixture_copy(cjk_font, root, "usr/share/fonts/wqy-microhei.ttc");
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_message_contains(&r, "fonts.conf");
        td_result_clear(&r);
        fixture_remove(root);

        /* A file of conf.d/ that names the directory of the root's CJK font, from outside. */
        root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        fixture_symlink(root, "etc/fonts/conf.d/50-cjk.conf", outside_cjk_conf);
        fixture_copy(cjk_font, root, "opt/cjk/wqy-microhei.ttc");
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_detail_json(&r, "count", "0");
        td_result_clear(&r);
        fixture_remove(root);

        /* The font directory, a subdirectory (through ".."), a font file: each a link out. */
        static const char *const links[] = { "usr/share/fonts", "usr/share/fonts/truetype/wqy",
                                             "usr/share/fonts/wqy-microhei.ttc" };
        const char *targets[] = { outside_fonts, escaping, outside_font };
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                root = fixture_new_root("os-fonts");
                fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
                fixture_symlink(root, links[i], targets[i]);
                run_root(root, &r);
                assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
                assert_detail_json(&r, "count", "0");
                td_result_clear(&r);
                fixture_remove(root);
        }

        /* Links that stay in the root are followed, as fontconfig follows them. */
        root = fixture_new_root("os-fonts");
        fixture_write_text(root, "usr/share/fontconfig/fonts.conf", ROOT_FONTS_CONF);
        fixture_symlink(root, "etc/fonts/fonts.conf", "/usr/share/fontconfig/fonts.conf");
        fixture_copy(cjk_font, root, "opt/wqy/wqy-microhei.ttc");
        fixture_symlink(root, "usr/share/fonts/wqy", "../../../opt/wqy");
        run_root(root, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "count", "2");
        char *expected = td_strdup_printf("%s/usr/share/fonts/wqy/wqy-microhei.ttc", root);
        assert_detail(&r, "best_file", expected);
        free(expected);
        td_result_clear(&r);
        fixture_remove(root);

        fixture_remove(outside);
        free(outside_conf);
        free(outside_cjk_conf);
        free(outside_fonts);
        free(outside_font);
        free(escaping);
}

/* A configuration file that is no regular file cannot be read, and is never waited on. */
static void test_root_unreadable_configuration(void **state) {
        static const char *const fifos[] = { "etc/fonts/fonts.conf", "etc/fonts/conf.d/50-fifo.conf" };
        TdResult r;
        for (size_t i = 0; i < ELEMENTSOF(fifos); i++) {
                char *root = fixture_new_root("os-fonts");
                if (i > 0)
                        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
                fixture_mkfifo(root, fifos[i]);
                fixture_copy(cjk_font, root, "usr/share/fonts/wqy-microhei.ttc");
                int64_t start = td_now_monotonic_ms();
                assert_int_equal(fixture_run_error(&td_check_os_fonts, root, NULL, &r), -ENODEV);
                assert_true(td_now_monotonic_ms() - start < 2000);
                char *expected = td_strdup_printf("/%s is not a regular file", fifos[i]);
                assert_message_contains(&r, expected);
                free(expected);
                td_result_clear(&r);
                fixture_remove(root);
        }

        /* A link to itself: inside the root, /etc/fonts/fonts.conf -> /etc/fonts/fonts.conf loops. */
        char *root = fixture_new_root("os-fonts");
        fixture_symlink(root, "etc/fonts/fonts.conf", "/etc/fonts/fonts.conf");
        assert_int_equal(fixture_run_error(&td_check_os_fonts, root, NULL, &r), -ELOOP);
        assert_message_contains(&r, "/etc/fonts/fonts.conf is a loop of symbolic links");
        td_result_clear(&r);
        fixture_remove(root);
}

/* A FIFO among the fonts is no font: the scan goes past it at once. */
static void test_root_fifo_font(void **state) {
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        fixture_mkfifo(root, "usr/share/fonts/a-fifo.ttf");
        fixture_copy(cjk_font, root, "usr/share/fonts/wqy-microhei.ttc");
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        run_root(root, &r);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "count", "2");
        td_result_clear(&r);
        fixture_remove(root);
}

/*
 * Without --root the user's normal configuration counts; FONTCONFIG_FILE points fontconfig
 * at a fixture configuration so the outcome does not depend on this machine's fonts.
 */
static char *fontconfig_file_fixture(const char *font, const char *extra) {
        char *dir = fixture_new_root("os-fonts-conf");
        char *dest = td_strdup_printf("fonts/%s", strrchr(font, '/') + 1);
        fixture_copy(font, dir, dest);
        char *conf =
                td_strdup_printf(FONTS_CONF_HEAD "  <dir>%s/fonts</dir>\n  <cachedir>%s/cache</cachedir>\n%s"
                                                 "</fontconfig>\n",
                                 dir, dir, extra);
        fixture_write_text(dir, "fonts.conf", conf);
        char *path = td_strdup_printf("%s/fonts.conf", dir);
        assert_int_equal(setenv("FONTCONFIG_FILE", path, 1), 0);
        free(path);
        free(conf);
        free(dest);
        return dir;
}

static void test_user_config_passes(void **state) {
        char *dir = fontconfig_file_fixture(cjk_font, "");
        TdResult r;
        fixture_run(&td_check_os_fonts, NULL, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "count", "2");
        assert_true(td_startswith(td_result_get_detail(&r, "best_file"), dir));
        td_result_clear(&r);
        unsetenv("FONTCONFIG_FILE");
        fixture_remove(dir);
}

static void test_font_claiming_chinese_without_glyphs_fails(void **state) {
        /*
         * A font whose language list says zh-cn (here forced by a scan rule) but whose
         * character map lacks the platform's name: the character check must catch it.
         */
        char *dir = fontconfig_file_fixture(latin_font,
                                            "  <match target=\"scan\">\n"
                                            "    <test name=\"family\"><string>DejaVu Sans</string></test>\n"
                                            "    <edit name=\"lang\" mode=\"assign\"><langset>"
                                            "<string>zh-cn</string></langset></edit>\n"
                                            "  </match>\n");
        TdResult r;
        fixture_run(&td_check_os_fonts, NULL, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "fonts.no-cjk");
        assert_detail_json(&r, "count", "1");
        assert_detail(&r, "best", "DejaVu Sans");
        assert_message_contains(&r, "华润守正电子招标采购平台");
        td_result_clear(&r);
        unsetenv("FONTCONFIG_FILE");
        fixture_remove(dir);
}

static void test_query_rejects_bad_sample(void **state) {
        TdContext *ctx = td_context_new();
        char *root = fixture_new_root("os-fonts");
        fixture_write_text(root, "etc/fonts/fonts.conf", ROOT_FONTS_CONF);
        assert_int_equal(td_context_set_root(ctx, root), 0);
        TdFontsInfo *info = NULL;
        assert_int_equal(td_fonts_query(ctx, "zh-cn", "\xff\xfe", &info), -EINVAL);
        assert_null(info);
        assert_int_equal(td_fonts_query(ctx, "zh-cn", "华", &info), 0);
        assert_string_equal(info->missing, "华");
        td_fonts_info_free(info);
        td_fonts_info_free(NULL);
        td_context_unref(ctx);
        fixture_remove(root);
}

static int group_setup(void **state) {
        cache_home = fixture_new_root("os-fonts-cache");
        return setenv("XDG_CACHE_HOME", cache_home, 1);
}

static int group_teardown(void **state) {
        /* Let valgrind see a clean heap: no other thread uses fontconfig by now. */
        td_fonts_shutdown();
        return fixture_remove_all(state);
}

int main(void) {
        cjk_font = first_readable(cjk_candidates, ELEMENTSOF(cjk_candidates));
        latin_font = first_readable(latin_candidates, ELEMENTSOF(latin_candidates));
        if (!cjk_font || !latin_font) {
                printf("1..0 # SKIP fixture fonts missing: install the Debian packages %s\n",
                       !cjk_font && !latin_font ? "fonts-wqy-microhei and fonts-dejavu-core"
                       : !cjk_font              ? "fonts-wqy-microhei"
                                                : "fonts-dejavu-core");
                return FIXTURE_EXIT_SKIP;
        }
        /* The user's configuration must not leak into the --root tests. */
        unsetenv("FONTCONFIG_FILE");
        unsetenv("FONTCONFIG_PATH");
        unsetenv("FONTCONFIG_SYSROOT");
        /*
         * fontconfig lists a font's family names in the scanning user's language first;
         * scan as a Traditional Chinese user so the tests see that the English names are
         * reported all the same.
         */
        unsetenv("FC_LANG");
        unsetenv("LC_ALL");
        unsetenv("LC_CTYPE");
        setenv("LANG", "zh_TW.UTF-8", 1);

        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_with_cjk_font_passes),
                cmocka_unit_test(test_root_with_latin_font_fails),
                cmocka_unit_test(test_root_without_fonts_conf_fails),
                cmocka_unit_test(test_root_without_fonts_fails),
                cmocka_unit_test(test_root_include_resolves_under_root),
                cmocka_unit_test(test_root_links_stay_in_root),
                cmocka_unit_test(test_root_unreadable_configuration),
                cmocka_unit_test(test_root_fifo_font),
                cmocka_unit_test(test_user_config_passes),
                cmocka_unit_test(test_font_claiming_chinese_without_glyphs_fails),
                cmocka_unit_test(test_query_rejects_bad_sample),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
