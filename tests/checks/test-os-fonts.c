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
        /* The scan was cached where fontconfig caches this user's fonts, and nowhere else. */
        assert_true(count_cache_files(cache_home) > 0);

        /* A second run reads the scan back from the user cache and agrees. */
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
                cmocka_unit_test(test_user_config_passes),
                cmocka_unit_test(test_font_claiming_chinese_without_glyphs_fails),
                cmocka_unit_test(test_query_rejects_bad_sample),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
