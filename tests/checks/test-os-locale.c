/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * os.locale against fixture roots whose locale archives localedef really generated, and the
 * locale-archive parser on that real output and on damaged copies of it.
 */
#include <byteswap.h>
#include <stdint.h>

#include "check-fixture.h"
#include "platform/td-locale-archive.h"
#include "platform/td-locale.h"

extern const TdCheck td_check_os_locale;

/* Roots holding a real archive with only zh_CN.UTF-8, and one with only zh_CN.GB2312. */
static char *utf8_root;
static char *gb2312_root;
static char *utf8_archive; /* path of the first root's archive */

static const char *skip_reason;

static char *generate(const char *input, const char *charmap, const char *name) {
        char *root = fixture_new_root("locale-gen");
        char *dir = td_strdup_printf("%s/usr/lib/locale", root);
        /* localedef will not create the directory of the archive itself. */
        if (!dir || fixture_mkdir_p(dir) < 0) {
                free(dir);
                fixture_remove(root);
                return NULL;
        }
        free(dir);
        char *cmd = td_strdup_printf("localedef --prefix='%s' -i %s -f %s %s >/dev/null", root, input,
                                     charmap, name);
        int rc = system(cmd);
        free(cmd);
        if (rc != 0 || !fixture_exists(root, "usr/lib/locale/locale-archive")) {
                fprintf(stderr, "# localedef -i %s -f %s %s failed (status %d)\n", input, charmap, name, rc);
                fixture_remove(root);
                return NULL;
        }
        return root;
}

static int group_setup(void **state) {
        utf8_root = generate("zh_CN", "UTF-8", "zh_CN.UTF-8");
        gb2312_root = generate("zh_CN", "GB2312", "zh_CN.GB2312");
        if (!utf8_root || !gb2312_root)
                return -1;
        utf8_archive = td_strdup_printf("%s/usr/lib/locale/locale-archive", utf8_root);
        return utf8_archive ? 0 : -1;
}

static int group_teardown(void **state) {
        free(utf8_archive);
        return fixture_remove_all(state);
}

static void set_env(const char *lc_all, const char *lc_messages, const char *lang) {
        const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        const char *values[] = { lc_all, lc_messages, lang };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (values[i])
                        assert_int_equal(setenv(names[i], values[i], 1), 0);
                else
                        assert_int_equal(unsetenv(names[i]), 0);
}

typedef enum {
        ARCHIVE_NONE,
        ARCHIVE_UTF8,
        ARCHIVE_GB2312,
} ArchiveKind;

static char *make_root(ArchiveKind kind) {
        char *root = fixture_new_root("os-locale");
        const char *from = kind == ARCHIVE_UTF8 ? utf8_root : kind == ARCHIVE_GB2312 ? gb2312_root : NULL;
        if (from) {
                char *path = td_strdup_printf("%s/usr/lib/locale/locale-archive", from);
                fixture_copy(path, root, "usr/lib/locale/locale-archive");
                free(path);
        }
        return root;
}

/* Set the environment, run os.locale on a root with @kind of archive, clean up. */
static void run_env(ArchiveKind kind, const char *lc_all, const char *lc_messages, const char *lang,
                    TdResult *result) {
        set_env(lc_all, lc_messages, lang);
        char *root = make_root(kind);
        fixture_run(&td_check_os_locale, root, NULL, result);
        fixture_remove(root);
}

static void test_zh_cn_generated_passes(void **state) {
        TdResult r;
        run_env(ARCHIVE_UTF8, NULL, NULL, "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "locale", "zh_CN.UTF-8");
        assert_detail(&r, "variable", "LANG");
        assert_detail(&r, "source", "environment");
        assert_detail_json(&r, "installed", "true");
        assert_detail_json(&r, "chinese_locales", "[\"zh_CN.utf8\"]");
        assert_detail(&r, "locale_archive", "ok");
        assert_message_contains(&r, "LANG=zh_CN.UTF-8 (environment)");
        td_result_clear(&r);

        /* The codeset is compared the way glibc looks it up. */
        run_env(ARCHIVE_UTF8, NULL, NULL, "zh_CN.utf8", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        run_env(ARCHIVE_GB2312, NULL, NULL, "zh_CN.GB2312", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_traditional_fails(void **state) {
        static const char *const traditional[] = { "zh_TW.UTF-8", "zh_HK.UTF-8",      "zh_MO.UTF-8",
                                                   "zh_TW",       "zh_Hant_TW.UTF-8", "zh_Hant" };
        for (size_t i = 0; i < ELEMENTSOF(traditional); i++) {
                TdResult r;
                /* Generated or not, Traditional Chinese is the wrong language. */
                run_env(ARCHIVE_UTF8, NULL, NULL, traditional[i], &r);
                assert_verdict(&r, TD_STATUS_FAIL, "locale.traditional");
                char *what = td_strdup_printf("LANG=%s (environment)", traditional[i]);
                assert_message_contains(&r, what);
                free(what);
                assert_detail(&r, "locale", traditional[i]);
                td_result_clear(&r);
        }

        TdResult r;
        run_env(ARCHIVE_UTF8, "zh_HK.UTF-8", NULL, "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.traditional");
        assert_message_contains(&r, "LC_ALL=zh_HK.UTF-8 (environment)");
        td_result_clear(&r);
}

static void test_not_chinese_fails(void **state) {
        static const char *const others[] = { "en_US.UTF-8",      "C",          "POSIX", "C.UTF-8",
                                              "de_DE.ISO-8859-1", "ja_JP.UTF-8" };
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                TdResult r;
                run_env(ARCHIVE_UTF8, NULL, NULL, others[i], &r);
                assert_verdict(&r, TD_STATUS_FAIL, "locale.not-chinese");
                assert_detail(&r, "locale", others[i]);
                td_result_clear(&r);
        }
}

static void test_nothing_set_fails(void **state) {
        TdResult r;
        run_env(ARCHIVE_UTF8, NULL, NULL, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-chinese");
        assert_detail(&r, "source", "none");
        assert_null(td_result_get_detail(&r, "locale"));
        td_result_clear(&r);

        /* Empty variables count as unset. */
        run_env(ARCHIVE_UTF8, "", "", "", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-chinese");
        assert_detail(&r, "source", "none");
        td_result_clear(&r);
}

static void test_not_installed_fails(void **state) {
        TdResult r;
        run_env(ARCHIVE_NONE, NULL, NULL, "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        assert_detail_json(&r, "installed", "false");
        assert_detail(&r, "locale_archive", "absent");
        assert_message_contains(&r, "LANG=zh_CN.UTF-8 (environment)");
        td_result_clear(&r);
}

static void test_only_gb2312_generated_fails(void **state) {
        TdResult r;
        run_env(ARCHIVE_GB2312, NULL, NULL, "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        assert_detail_json(&r, "installed", "false");
        assert_detail_json(&r, "chinese_locales", "[\"zh_CN.gb2312\"]");
        assert_message_contains(&r, "zh_CN.gb2312");
        td_result_clear(&r);

        /* And the other way round. */
        run_env(ARCHIVE_UTF8, NULL, NULL, "zh_CN.GB2312", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        td_result_clear(&r);
}

static void test_variable_precedence(void **state) {
        TdResult r;
        run_env(ARCHIVE_UTF8, "en_US.UTF-8", NULL, "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-chinese");
        assert_detail(&r, "variable", "LC_ALL");
        td_result_clear(&r);

        run_env(ARCHIVE_UTF8, NULL, "zh_TW.UTF-8", "zh_CN.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.traditional");
        assert_detail(&r, "variable", "LC_MESSAGES");
        td_result_clear(&r);

        run_env(ARCHIVE_UTF8, "", "zh_CN.UTF-8", "en_US.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "variable", "LC_MESSAGES");
        td_result_clear(&r);
}

static void test_system_default_files(void **state) {
        TdResult r;
        set_env(NULL, NULL, NULL);

        char *root = make_root(ARCHIVE_UTF8);
        fixture_write_text(root, "etc/default/locale",
                           "#  File generated by update-locale\nLANG=\"zh_TW.UTF-8\"\n");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.traditional");
        assert_detail(&r, "source", "/etc/default/locale");
        assert_message_contains(&r, "LANG=zh_TW.UTF-8 (/etc/default/locale)");
        td_result_clear(&r);
        fixture_remove(root);

        /* /etc/locale.conf when /etc/default/locale says nothing. */
        root = make_root(ARCHIVE_UTF8);
        fixture_write_text(root, "etc/default/locale", "# nothing here\n");
        fixture_write_text(root, "etc/locale.conf", "LANG=zh_CN.UTF-8\nLC_TIME=en_GB.UTF-8\n");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "source", "/etc/locale.conf");
        td_result_clear(&r);

        /* /etc/default/locale comes first; LC_ALL beats LANG inside a file too. */
        fixture_write_text(root, "etc/default/locale", "LANG=zh_CN.UTF-8\nLC_ALL=en_US.UTF-8\n");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-chinese");
        assert_detail(&r, "source", "/etc/default/locale");
        assert_detail(&r, "variable", "LC_ALL");
        td_result_clear(&r);

        /* The environment beats both files. */
        set_env(NULL, NULL, "zh_CN.UTF-8");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "source", "environment");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_locale_directories(void **state) {
        TdResult r;
        set_env(NULL, NULL, "zh_CN.UTF-8");

        /* Generated with localedef --no-archive: a directory per locale. */
        char *root = make_root(ARCHIVE_NONE);
        fixture_write_text(root, "usr/lib/locale/zh_CN.utf8/LC_CTYPE", "data");
        fixture_write_text(root, "usr/lib/locale/C.utf8/LC_CTYPE", "data");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "installed", "true");
        td_result_clear(&r);
        fixture_remove(root);

        /* A directory without LC_CTYPE is not a usable locale. */
        root = make_root(ARCHIVE_NONE);
        fixture_write_text(root, "usr/lib/locale/zh_CN.utf8/LC_MESSAGES/SYS_LC_MESSAGES", "data");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        td_result_clear(&r);
        fixture_remove(root);
}

/*
 * Links in the root's /usr/lib/locale lead where they would on the customer's machine: an
 * absolute link to /usr/lib/locale/... is the root's own, and "../.." stops at the root. A
 * locale generated on this machine (here: outside the root) must not count for the root.
 */
static void test_locale_links_stay_in_root(void **state) {
        TdResult r;
        set_env(NULL, NULL, "zh_CN.UTF-8");
        char *outside = fixture_new_root("os-locale-outside");
        fixture_write_text(outside, "C.utf8/LC_CTYPE", "data");
        char *outside_dir = td_strdup_printf("%s/C.utf8", outside);
        char *outside_ctype = td_strdup_printf("%s/C.utf8/LC_CTYPE", outside);
        char *escaping = td_strdup_printf("../../../../../../../../../..%s/C.utf8/LC_CTYPE", outside);

        char *root = make_root(ARCHIVE_NONE);
        fixture_symlink(root, "usr/lib/locale/zh_CN.utf8/LC_CTYPE", outside_ctype);
        fixture_symlink(root, "usr/lib/locale/zh_SG.utf8", outside_dir);
        fixture_symlink(root, "usr/lib/locale/zh_TW.utf8/LC_CTYPE", escaping);
        fixture_symlink(root, "usr/lib/locale/zh_MO.utf8/LC_CTYPE", "/dev/zero");
        fixture_mkfifo(root, "usr/lib/locale/zh_HK.utf8/LC_CTYPE");
        /* A link that stays in the root is followed: the root's C.utf8 is generated. */
        fixture_write_text(root, "usr/lib/locale/C.utf8/LC_CTYPE", "data");
        fixture_symlink(root, "usr/lib/locale/zh_CN.gb18030", "/usr/lib/locale/C.utf8");

        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        assert_detail_json(&r, "installed", "false");
        assert_detail_json(&r, "chinese_locales", "[\"zh_CN.gb18030\"]");
        td_result_clear(&r);

        fixture_remove(root);
        fixture_remove(outside);
        free(outside_dir);
        free(outside_ctype);
        free(escaping);
}

static void test_damaged_archive(void **state) {
        size_t len;
        char *data = fixture_read(utf8_archive, &len);
        set_env(NULL, NULL, "zh_CN.UTF-8");

        char *root = make_root(ARCHIVE_NONE);
        fixture_write(root, "usr/lib/locale/locale-archive", data, 200);
        TdResult r;
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        assert_detail(&r, "locale_archive", "damaged");
        assert_message_contains(&r, "damaged");
        td_result_clear(&r);
        fixture_remove(root);
        free(data);
}

static void test_accepted_locales_from_profile(void **state) {
        TdResult r;
        /* zh_SG is Simplified Chinese but not what the default profile was tested with. */
        run_env(ARCHIVE_UTF8, NULL, NULL, "zh_SG.UTF-8", &r);
        assert_verdict(&r, TD_STATUS_WARN, "locale.not-chinese");
        td_result_clear(&r);

        /* A profile that accepts it then wants it generated. */
        TdProfile *p = fixture_profile();
        td_strv_free(p->locales);
        p->locales = td_strv_split("zh_CN, zh_SG.UTF-8", ",");
        set_env(NULL, NULL, "zh_SG.UTF-8");
        char *root = make_root(ARCHIVE_UTF8);
        fixture_run(&td_check_os_locale, root, p, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.not-installed");
        td_result_clear(&r);
        fixture_remove(root);
}

/* The parser and the archive format. */

static TdStrv list_archive(const char *root) {
        char *cmd = td_strdup_printf("localedef --prefix='%s' --list-archive", root);
        FILE *p = popen(cmd, "r");
        free(cmd);
        assert_non_null(p);
        TdStrv names = calloc(1, sizeof(char *));
        char line[256];
        while (fgets(line, sizeof line, p))
                assert_int_equal(td_strv_push(&names, td_strstrip(line)), 0);
        assert_int_equal(pclose(p), 0);
        return names;
}

static void assert_strv_equal(char **a, char **b) {
        char *ja = td_strv_join((const char *const *) a, ",");
        char *jb = td_strv_join((const char *const *) b, ",");
        assert_string_equal(ja, jb);
        free(ja);
        free(jb);
}

static void test_parse_real_archives(void **state) {
        const char *roots[] = { utf8_root, gb2312_root };
        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                char *path = td_strdup_printf("%s/usr/lib/locale/locale-archive", roots[i]);
                size_t len;
                void *data = fixture_read(path, &len);

                TdStrv parsed = NULL;
                assert_int_equal(td_locale_archive_parse(data, len, &parsed), 0);
                TdStrv expected = list_archive(roots[i]);
                assert_true(expected[0] != NULL);
                assert_strv_equal(parsed, expected);

                /* Reading the file piecewise gives the same answer as the buffer. */
                TdContext *ctx = td_context_new();
                assert_int_equal(td_context_set_root(ctx, roots[i]), 0);
                TdStrv loaded = NULL;
                assert_int_equal(td_locale_archive_load(ctx, &loaded), 0);
                assert_strv_equal(loaded, expected);

                td_context_unref(ctx);
                td_strv_free(parsed);
                td_strv_free(loaded);
                td_strv_free(expected);
                free(data);
                free(path);
        }
}

/* Word @index of the archive, in the byte order it was written in (this machine's). */
static uint32_t get32(const uint8_t *data, size_t offset) {
        uint32_t v;
        memcpy(&v, data + offset, sizeof v);
        return v;
}

static void put32(uint8_t *data, size_t offset, uint32_t v) {
        memcpy(data + offset, &v, sizeof v);
}

/* Offset of the first used slot of the name table. */
static size_t first_entry(const uint8_t *data) {
        uint32_t table = get32(data, 8), slots = get32(data, 16);
        for (uint32_t i = 0; i < slots; i++)
                if (get32(data, table + i * 12 + 4) != 0)
                        return table + i * 12;
        fail();
        return 0;
}

/* Parse a copy of @data that is exactly @len bytes long, so any overread is a heap error. */
static int parse_exact(const uint8_t *data, size_t len, TdStrv *ret) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, data, len);
        int r = td_locale_archive_parse(copy, len, ret);
        free(copy);
        return r;
}

static void assert_rejected(const uint8_t *data, size_t len) {
        TdStrv names = NULL;
        assert_int_equal(parse_exact(data, len, &names), -EBADMSG);
        assert_null(names);
}

static void test_parse_truncated(void **state) {
        size_t len;
        uint8_t *data = fixture_read(utf8_archive, &len);
        size_t entry = first_entry(data);
        uint32_t name = get32(data, entry + 4), locrec = get32(data, entry + 8);

        size_t ctype_end = (size_t) get32(data, locrec + 4) + get32(data, locrec + 8);

        const size_t cuts[] = { 0,    1,        4,           55,      get32(data, 8) + 6,
                                name, name + 3, locrec + 50, len / 2, ctype_end - 1 };
        for (size_t i = 0; i < ELEMENTSOF(cuts); i++)
                assert_rejected(data, cuts[i]);
        free(data);
}

static void test_parse_offsets_out_of_range(void **state) {
        size_t len;
        uint8_t *data = fixture_read(utf8_archive, &len);
        size_t entry = first_entry(data);
        TdStrv names = NULL;

        struct {
                size_t offset;
                uint32_t value;
        } bad[] = {
                { 0, 0x12345678 },             /* magic */
                { 8, (uint32_t) len },         /* name table beyond the end */
                { 16, 0xffffffffu },           /* name table of 4G slots */
                { 16, (uint32_t) (len / 12) }, /* name table as large as the file */
                { 12, get32(data, 16) + 1 },   /* more used slots than slots */
                { 20, (uint32_t) len - 4 },    /* string table runs off the end */
                { 32, (uint32_t) len },        /* record table beyond the end */
                { entry + 4, (uint32_t) len }, /* name beyond the end */
                { entry + 4, 0xfffffff0u },
                { entry + 8, (uint32_t) len - 50 }, /* record runs off the end */
                { entry + 8, 0xffffffffu },
                { get32(data, entry + 8) + 4, (uint32_t) len },          /* LC_CTYPE data beyond the end */
                { get32(data, entry + 8) + 8, 0xffffffffu },             /* LC_CTYPE length */
                { get32(data, entry + 8) + 4 + 12 * 8, (uint32_t) len }, /* last category */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint32_t saved = get32(data, bad[i].offset);
                put32(data, bad[i].offset, bad[i].value);
                assert_rejected(data, len);
                put32(data, bad[i].offset, saved);
        }

        /* A name that runs into the end of the file without its NUL. */
        uint32_t saved = get32(data, entry + 4);
        memcpy(data + len - 3, "abc", 3);
        put32(data, entry + 4, (uint32_t) len - 3);
        assert_rejected(data, len);
        put32(data, entry + 4, saved);

        /* Restored, it parses again: the cases above failed for their own reason. */
        assert_int_equal(parse_exact(data, len, &names), 0);
        assert_string_equal(names[0], "zh_CN.utf8");
        td_strv_free(names);
        free(data);
}

static void test_parse_skips_bad_entries(void **state) {
        size_t len;
        uint8_t *data = fixture_read(utf8_archive, &len);
        size_t entry = first_entry(data);
        TdStrv names = NULL;

        /* A name no locale has ("zh/CN.utf8") is left out, not trusted. */
        char *name = (char *) data + get32(data, entry + 4);
        name[2] = '/';
        assert_int_equal(parse_exact(data, len, &names), 0);
        assert_null(names[0]);
        td_strv_free(names);
        name[2] = '_';

        /* A record without LC_CTYPE data cannot be loaded by glibc. */
        uint32_t ctype_len = get32(data, get32(data, entry + 8) + 8);
        put32(data, get32(data, entry + 8) + 8, 0);
        assert_int_equal(parse_exact(data, len, &names), 0);
        assert_null(names[0]);
        td_strv_free(names);
        put32(data, get32(data, entry + 8) + 8, ctype_len);

        /* Deleted slots (offsets zeroed) are empty. */
        put32(data, entry + 8, 0);
        assert_int_equal(parse_exact(data, len, &names), 0);
        assert_null(names[0]);
        td_strv_free(names);
        free(data);
}

static void test_parse_other_byte_order(void **state) {
        size_t len;
        uint8_t *data = fixture_read(utf8_archive, &len);
        uint32_t table = get32(data, 8), slots = get32(data, 16);

        /* What a machine of the other byte order would have written (seen through --root). */
        for (uint32_t i = 0; i < slots; i++) {
                size_t e = table + (size_t) i * 12;
                uint32_t locrec = get32(data, e + 8);
                if (get32(data, e + 4) && locrec)
                        for (size_t w = 0; w < 27; w++)
                                put32(data, locrec + w * 4, bswap_32(get32(data, locrec + w * 4)));
                for (size_t w = 0; w < 3; w++)
                        put32(data, e + w * 4, bswap_32(get32(data, e + w * 4)));
        }
        for (size_t w = 0; w < 14; w++)
                put32(data, w * 4, bswap_32(get32(data, w * 4)));

        TdStrv names = NULL;
        assert_int_equal(parse_exact(data, len, &names), 0);
        assert_non_null(names[0]);
        assert_string_equal(names[0], "zh_CN.utf8");
        assert_null(names[1]);
        td_strv_free(names);
        free(data);
}

static void test_parse_corruption_sweep(void **state) {
        size_t len;
        uint8_t *data = fixture_read(utf8_archive, &len);
        size_t entry = first_entry(data);
        size_t locrec = get32(data, entry + 8);
        const uint8_t values[] = { 0x00, 0xff, 0x80, 0x7f };

        /* Every byte of the header, the used slot and its record: any value, never a crash. */
        const struct { size_t start, len; } ranges[] = { { 0, 56 }, { entry, 12 }, { locrec, 108 } };
        for (size_t k = 0; k < ELEMENTSOF(ranges); k++)
                for (size_t i = ranges[k].start; i < ranges[k].start + ranges[k].len; i++)
                        for (size_t v = 0; v < ELEMENTSOF(values); v++) {
                                uint8_t saved = data[i];
                                data[i] = values[v];
                                TdStrv names = NULL;
                                int r = td_locale_archive_parse(data, len, &names);
                                assert_true(r == 0 || r == -EBADMSG);
                                assert_true((r == 0) == (names != NULL));
                                td_strv_free(names);
                                data[i] = saved;
                        }
        free(data);
}

static void test_load_errors(void **state) {
        TdContext *ctx = td_context_new();
        char *root = fixture_new_root("os-locale");
        TdStrv names = NULL;

        assert_int_equal(td_context_set_root(ctx, root), 0);
        assert_int_equal(td_locale_archive_load(ctx, &names), -ENOENT);
        /* A root without /usr/lib/locale has no locales, which is no error. */
        assert_int_equal(td_locale_dirs_load(ctx, &names), 0);
        assert_null(names[0]);
        td_strv_free(names);

        char *dir = td_strdup_printf("%s/usr/lib/locale/locale-archive", root);
        assert_int_equal(fixture_mkdir_p(dir), 0);
        names = NULL;
        assert_int_equal(td_locale_archive_load(ctx, &names), -EISDIR);
        assert_null(names);
        free(dir);

        fixture_write(root, "usr/lib/locale/empty/placeholder", "", 0);
        fixture_write_text(root, "usr/lib/locale/zh_CN.GB2312/LC_CTYPE", "data");
        fixture_write_text(root, "usr/lib/locale/C.utf8/LC_CTYPE", "data");
        assert_int_equal(td_locale_dirs_load(ctx, &names), 0);
        char *joined = td_strv_join((const char *const *) names, ",");
        assert_string_equal(joined, "C.utf8,zh_CN.GB2312");
        free(joined);
        td_strv_free(names);

        /* The union with a real archive, normalised. */
        char *archive = td_strdup_printf("%s/usr/lib/locale/locale-archive", root);
        assert_int_equal(rmdir(archive), 0);
        free(archive);
        fixture_copy(utf8_archive, root, "usr/lib/locale/locale-archive");
        int archive_status = 1;
        assert_int_equal(td_locales_installed(ctx, &names, &archive_status), 0);
        assert_int_equal(archive_status, 0);
        joined = td_strv_join((const char *const *) names, ",");
        assert_string_equal(joined, "C.utf8,zh_CN.gb2312,zh_CN.utf8");
        free(joined);
        td_strv_free(names);

        td_context_unref(ctx);
        fixture_remove(root);
}

/* A FIFO where a locale file belongs: refused at once, never waited on. */
static void test_fifo_default_file(void **state) {
        TdResult r;
        set_env(NULL, NULL, NULL);
        char *root = make_root(ARCHIVE_UTF8);
        fixture_mkfifo(root, "etc/default/locale");
        fixture_write_text(root, "etc/locale.conf", "LANG=zh_CN.UTF-8\n");
        int64_t start = td_now_monotonic_ms();
        /* What the FIFO would set cannot be told, so /etc/locale.conf does not decide either. */
        assert_int_equal(fixture_run_error(&td_check_os_locale, root, NULL, &r), -ENODEV);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_message_contains(&r, "/etc/default/locale is not a regular file");
        td_result_clear(&r);

        /* The environment comes first: the file is not even opened. */
        set_env(NULL, NULL, "zh_CN.UTF-8");
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_fifo_archive(void **state) {
        TdResult r;
        set_env(NULL, NULL, "zh_CN.UTF-8");
        char *root = make_root(ARCHIVE_NONE);
        fixture_mkfifo(root, "usr/lib/locale/locale-archive");
        fixture_write_text(root, "usr/lib/locale/zh_CN.utf8/LC_CTYPE", "data");
        int64_t start = td_now_monotonic_ms();
        fixture_run(&td_check_os_locale, root, NULL, &r);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "locale_archive", "unreadable");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_huge_default_file(void **state) {
        TdResult r;
        set_env(NULL, NULL, NULL);
        char *root = make_root(ARCHIVE_UTF8);
        fixture_write_sparse(root, "etc/locale.conf", (off_t) 1 << 32);
        assert_int_equal(fixture_run_error(&td_check_os_locale, root, NULL, &r), -EFBIG);
        assert_message_contains(&r, "/etc/locale.conf is too large");
        td_result_clear(&r);
        fixture_remove(root);
}

/* The typed override: no environment, files or archive are looked at. */
static void test_override(void **state) {
        set_env(NULL, NULL, "en_US.UTF-8");
        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        char *root = fixture_new_root("os-locale");
        assert_int_equal(td_context_set_root(ctx, root), 0);
        TdLocale *l = calloc(1, sizeof *l);
        assert_non_null(l);
        l->name = strdup("zh_HK.UTF-8");
        l->variable = "LANG";
        l->source = strdup("/etc/locale.conf");
        l->installed = td_strv_split("zh_HK.utf8", ",");
        l->generated = true;
        assert_int_equal(td_locale_override(ctx, l), 0);

        TdResult r;
        td_result_init(&r, &td_check_os_locale);
        assert_int_equal(td_check_os_locale.run(ctx, &r), 0);
        assert_verdict(&r, TD_STATUS_FAIL, "locale.traditional");
        assert_detail(&r, "source", "/etc/locale.conf");
        assert_detail_json(&r, "chinese_locales", "[\"zh_HK.utf8\"]");
        assert_detail_json(&r, "installed", "true");
        td_result_clear(&r);

        const TdLocale *got;
        assert_int_equal(td_locale_get(ctx, &got), 0);
        assert_ptr_equal(got, l);
        assert_int_equal(td_locale_override(ctx, calloc(1, sizeof(TdLocale))), -EBUSY);
        td_context_unref(ctx);
        fixture_remove(root);
}

static void test_normalize(void **state) {
        static const char *const cases[][2] = {
                { "zh_CN.UTF-8", "zh_CN.utf8" },
                { "zh_CN.utf8", "zh_CN.utf8" },
                { "zh_CN.GB2312", "zh_CN.gb2312" },
                { "zh_CN.GB18030", "zh_CN.gb18030" },
                { "de_DE.ISO-8859-1", "de_DE.iso88591" },
                { "de_DE.8859-1@euro", "de_DE.iso88591@euro" },
                { "sr_RS.UTF-8@latin", "sr_RS.utf8@latin" },
                { "sr_RS@latin", "sr_RS@latin" },
                { "zh_CN", "zh_CN" },
                { "C", "C" },
                { "C.UTF-8", "C.utf8" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *n = td_locale_normalize(cases[i][0]);
                assert_non_null(n);
                assert_string_equal(n, cases[i][1]);
                free(n);
        }
}

int main(void) {
        /* Prerequisites of the fixtures: say what is missing instead of failing obscurely. */
        if (system("localedef --help >/dev/null 2>&1") != 0)
                skip_reason = "localedef not found (Debian package libc-bin)";
        else if (access("/usr/share/i18n/locales/zh_CN", R_OK) < 0 ||
                 (access("/usr/share/i18n/charmaps/GB2312.gz", R_OK) < 0 &&
                  access("/usr/share/i18n/charmaps/GB2312", R_OK) < 0))
                skip_reason = "glibc locale sources not found (Debian package locales)";
        if (skip_reason) {
                printf("1..0 # SKIP %s\n", skip_reason);
                return FIXTURE_EXIT_SKIP;
        }

        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zh_cn_generated_passes),
                cmocka_unit_test(test_traditional_fails),
                cmocka_unit_test(test_not_chinese_fails),
                cmocka_unit_test(test_nothing_set_fails),
                cmocka_unit_test(test_not_installed_fails),
                cmocka_unit_test(test_only_gb2312_generated_fails),
                cmocka_unit_test(test_variable_precedence),
                cmocka_unit_test(test_system_default_files),
                cmocka_unit_test(test_locale_directories),
                cmocka_unit_test(test_locale_links_stay_in_root),
                cmocka_unit_test(test_damaged_archive),
                cmocka_unit_test(test_accepted_locales_from_profile),
                cmocka_unit_test(test_parse_real_archives),
                cmocka_unit_test(test_parse_truncated),
                cmocka_unit_test(test_parse_offsets_out_of_range),
                cmocka_unit_test(test_parse_skips_bad_entries),
                cmocka_unit_test(test_parse_other_byte_order),
                cmocka_unit_test(test_parse_corruption_sweep),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_fifo_default_file),
                cmocka_unit_test(test_fifo_archive),
                cmocka_unit_test(test_huge_default_file),
                cmocka_unit_test(test_override),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
