/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * td_mimeapps_set_default(): the exact text it writes for the usual files, and, for those and
 * for odd, hostile and random ones, what every reader must then see: the three web types give
 * the new id in [Default Applications], and everything else the file said is unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "platform/td-desktop.h"
#include "platform/td-mimeapps-edit.h"
#include "td-util.h"

#define ID "google-chrome.desktop"

static const char *const web[] = { "x-scheme-handler/http", "x-scheme-handler/https", "text/html", NULL };

static bool is_web(const char *type) {
        for (size_t i = 0; web[i]; i++)
                if (strcasecmp(type, web[i]) == 0)
                        return true;
        return false;
}

static bool same_ids(char *const *a, char *const *b) {
        for (; *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return !*a && !*b;
}

/*
 * What readers see of @after is what they saw of @before, except that each web type now has
 * exactly @id in [Default Applications].
 */
static void assert_same_but_defaults(const char *before, size_t blen, const char *after, size_t alen) {
        TdMimeApps *old = NULL, *new = NULL;
        assert_int_equal(td_mimeapps_parse(before, blen, &old), 0);
        assert_int_equal(td_mimeapps_parse(after, alen, &new), 0);
        assert_int_equal(new->n_invalid, old->n_invalid);
        for (size_t i = 0; web[i]; i++) {
                char *const *ids = td_mimeapps_get(new, TD_MIMEAPPS_DEFAULT, web[i]);
                if (!ids || !ids[0] || !streq(ids[0], ID) || ids[1])
                        fail_msg("%s is not " ID " in:\n%.*s", web[i], (int) alen, after);
        }
        size_t n_old_other = 0, n_new_other = 0;
        for (size_t i = 0; i < old->n_items; i++) {
                const TdMimeAppsItem *it = &old->items[i];
                if (it->group == TD_MIMEAPPS_DEFAULT && is_web(it->mime_type))
                        continue;
                n_old_other++;
                char *const *ids = td_mimeapps_get(new, it->group, it->mime_type);
                if (!ids || !same_ids(ids, it->ids))
                        fail_msg("%s of group %d changed in:\n%.*s", it->mime_type, it->group, (int) alen,
                                 after);
        }
        for (size_t i = 0; i < new->n_items; i++)
                if (!(new->items[i].group == TD_MIMEAPPS_DEFAULT &&is_web(new->items[i].mime_type)))
                        n_new_other++;
        assert_int_equal(n_new_other, n_old_other);
        td_mimeapps_free(old);
        td_mimeapps_free(new);
}

/*
 * Every byte of @before is in @after in order (a subsequence), but for the values of rewritten
 * lines: checked loosely by the lines that are not web defaults appearing unchanged, in order.
 */
static void assert_other_lines_kept(const char *before, size_t blen, const char *after, size_t alen) {
        size_t apos = 0;
        for (size_t pos = 0; pos < blen;) {
                const char *nl = memchr(before + pos, '\n', blen - pos);
                size_t end = nl ? (size_t) (nl - before) + 1 : blen;
                const char *line = before + pos;
                size_t n = end - pos;
                pos = end;
                /* A line naming a web type may be rewritten; any other must come next, as it was. */
                const char *eq = memchr(line, '=', n);
                size_t key_len = eq ? (size_t) (eq - line) : 0;
                bool web_line = false;
                for (size_t i = 0; web[i]; i++)
                        for (size_t k = 0, wl = strlen(web[i]); k + wl <= key_len; k++)
                                if (strncasecmp(line + k, web[i], wl) == 0)
                                        web_line = true;
                if (web_line)
                        continue;
                const char *found = memmem(after + apos, alen - apos, line, n);
                if (!found)
                        fail_msg("line %.*s lost or moved in:\n%.*s", (int) n, line, (int) alen, after);
                apos = (size_t) (found - after) + n;
        }
}

static char *edit_ok(const char *text, size_t len, size_t *ret_len) {
        char *out = NULL;
        size_t out_len = 0;
        assert_int_equal(td_mimeapps_set_default(text, len, web, ID, &out, &out_len), 0);
        assert_non_null(out);
        assert_int_equal(out[out_len], '\0');
        assert_same_but_defaults(text, len, out, out_len);
        assert_other_lines_kept(text, len, out, out_len);
        /* Done again, nothing more changes. */
        char *again = NULL;
        size_t again_len = 0;
        assert_int_equal(td_mimeapps_set_default(out, out_len, web, ID, &again, &again_len), 0);
        assert_int_equal(again_len, out_len);
        assert_memory_equal(again, out, out_len);
        free(again);
        *ret_len = out_len;
        return out;
}

static void assert_edit(const char *before, const char *expected) {
        size_t len;
        char *out = edit_ok(before, strlen(before), &len);
        if (len != strlen(expected) || memcmp(out, expected, len) != 0)
                fail_msg("got:\n%s\n-- expected:\n%s", out, expected);
        free(out);
}

/* Comments, other groups, other keys, the same types in other groups: byte for byte. */
static void test_kept_bytes(void **state) {
        assert_edit("# made by hand\n"
                    "[Added Associations]\n"
                    "x-scheme-handler/https=360browser.desktop;firefox.desktop;\n"
                    "\n"
                    "[Default Applications]\n"
                    "text/plain=org.gnome.gedit.desktop\n"
                    "x-scheme-handler/https=360browser.desktop\n"
                    "image/png=eog.desktop\n"
                    "# belongs to the next group\n"
                    "\n"
                    "[Removed Associations]\n"
                    "text/html=qqbrowser.desktop;\n",
                    "# made by hand\n"
                    "[Added Associations]\n"
                    "x-scheme-handler/https=360browser.desktop;firefox.desktop;\n"
                    "\n"
                    "[Default Applications]\n"
                    "text/plain=org.gnome.gedit.desktop\n"
                    "x-scheme-handler/https=" ID "\n"
                    "image/png=eog.desktop\n"
                    "x-scheme-handler/http=" ID "\n"
                    "text/html=" ID "\n"
                    "# belongs to the next group\n"
                    "\n"
                    "[Removed Associations]\n"
                    "text/html=qqbrowser.desktop;\n");
}

static void test_group_absent(void **state) {
        /* Added at the end after a blank line; the open last line is ended first. */
        assert_edit("[Added Associations]\ntext/plain=gedit.desktop;",
                    "[Added Associations]\ntext/plain=gedit.desktop;\n\n"
                    "[Default Applications]\n"
                    "x-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID "\ntext/html=" ID "\n");
        /* A text that ends with a blank line gets no second one. */
        assert_edit("[Added Associations]\n\n",
                    "[Added Associations]\n\n[Default Applications]\n"
                    "x-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID "\ntext/html=" ID "\n");
        /* A group of another case is another group. */
        assert_edit("[default applications]\nx-scheme-handler/http=a.desktop\n",
                    "[default applications]\nx-scheme-handler/http=a.desktop\n\n[Default Applications]\n"
                    "x-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID "\ntext/html=" ID "\n");
}

/* No file: what is written is the group alone. */
static void test_file_absent(void **state) {
        assert_edit("", "[Default Applications]\nx-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID
                        "\ntext/html=" ID "\n");
}

static void test_crlf(void **state) {
        assert_edit("[Default "
                    "Applications]\r\ntext/plain=gedit.desktop\r\nx-scheme-handler/http=360.desktop\r\n",
                    "[Default Applications]\r\ntext/plain=gedit.desktop\r\nx-scheme-handler/http=" ID "\r\n"
                    "x-scheme-handler/https=" ID "\r\ntext/html=" ID "\r\n");
        /* Mixed: most lines say which; a rewritten line keeps its own end. */
        assert_edit("a=b\r\nc=d\r\ne=f\r\n[Default Applications]\nx-scheme-handler/https=x.desktop\n",
                    "a=b\r\nc=d\r\ne=f\r\n[Default Applications]\nx-scheme-handler/https=" ID "\n"
                    "x-scheme-handler/http=" ID "\r\ntext/html=" ID "\r\n");
        assert_edit("[Added Associations]\r\n",
                    "[Added Associations]\r\n\r\n[Default Applications]\r\n"
                    "x-scheme-handler/http=" ID "\r\nx-scheme-handler/https=" ID "\r\ntext/html=" ID "\r\n");
}

/* A group given twice: its lines are rewritten in both; what is missing goes into the first. */
static void test_duplicate_groups(void **state) {
        assert_edit("[Default Applications]\ntext/plain=gedit.desktop\n\n"
                    "[Added Associations]\nimage/png=eog.desktop;\n\n"
                    "[Default Applications]\nx-scheme-handler/https=360browser.desktop\n",
                    "[Default Applications]\ntext/plain=gedit.desktop\n"
                    "x-scheme-handler/http=" ID "\ntext/html=" ID "\n\n"
                    "[Added Associations]\nimage/png=eog.desktop;\n\n"
                    "[Default Applications]\nx-scheme-handler/https=" ID "\n");
}

/* Present already: spelled otherwise, with spaces, as a list, twice; each line keeps its key as written. */
static void test_key_present(void **state) {
        assert_edit("[Default Applications]\n"
                    "  X-Scheme-Handler/HTTPS = 360browser.desktop;firefox.desktop;\n"
                    "text/html=a.desktop\n"
                    "text/html=b.desktop\n"
                    "x-scheme-handler/http=" ID "\n",
                    "[Default Applications]\n"
                    "  X-Scheme-Handler/HTTPS =" ID "\n"
                    "text/html=" ID "\n"
                    "text/html=" ID "\n"
                    "x-scheme-handler/http=" ID "\n");
        /* The last line, without a line end: it stays without one. */
        assert_edit(
                "[Default Applications]\nx-scheme-handler/http=a.desktop\nx-scheme-handler/https=b.desktop\n"
                "text/html=c.desktop",
                "[Default Applications]\nx-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID "\n"
                "text/html=" ID);
        /* The header last, without a line end. */
        assert_edit("[Default Applications]", "[Default Applications]\nx-scheme-handler/http=" ID
                                              "\nx-scheme-handler/https=" ID "\ntext/html=" ID "\n");
}

static void assert_edit_bytes(const char *before, size_t blen, const char *expected, size_t elen) {
        size_t len;
        char *out = edit_ok(before, blen, &len);
        assert_int_equal(len, elen);
        assert_memory_equal(out, expected, elen);
        free(out);
}

static void test_hostile(void **state) {
        /* Lines the readers skip or read differently than they look. */
        assert_edit("[Default Applications] trailing\nx-scheme-handler/http=360.desktop\n"
                    "[Default Applications\n=no key\n[a[b]]\n\xff\xfe garbage\n",
                    "[Default Applications] trailing\nx-scheme-handler/http=360.desktop\n"
                    "[Default Applications\n=no key\n[a[b]]\n\xff\xfe garbage\n\n"
                    "[Default Applications]\nx-scheme-handler/http=" ID "\nx-scheme-handler/https=" ID
                    "\ntext/html=" ID "\n");
        /* A NUL ends what readers see of a line: a header before it is one, a value after it is dropped. */
        static const char nul_before[] = "[Default Applications]\0junk\n"
                                         "x-scheme-handler/https=360.desktop\0hidden\n"
                                         "text/plain=a\0b\n";
        static const char nul_after[] = "[Default Applications]\0junk\n"
                                        "x-scheme-handler/https=" ID "\n"
                                        "text/plain=a\0b\n"
                                        "x-scheme-handler/http=" ID "\ntext/html=" ID "\n";
        assert_edit_bytes(nul_before, sizeof nul_before - 1, nul_after, sizeof nul_after - 1);
        /* Blank lines of white space alone, lone carriage returns, a line of many bytes. */
        size_t big = 200000;
        char *text = malloc(big + 64);
        assert_non_null(text);
        strcpy(text, " \t\r\n\r\n[Default Applications]\ntext/plain=");
        size_t n = strlen(text);
        memset(text + n, 'x', big);
        strcpy(text + n + big, "\n");
        size_t len;
        char *out = edit_ok(text, strlen(text), &len);
        assert_int_equal(len, strlen(text) + 3 * (strlen("=" ID "\n")) + strlen("x-scheme-handler/http") +
                                      strlen("x-scheme-handler/https") + strlen("text/html"));
        free(out);
        free(text);
}

static void test_refused(void **state) {
        char *out = NULL;
        size_t len = 0;
        const char *bad_ids[] = {
                "",
                "google-chrome",
                ".desktop",
                "evil\n[Default Applications]\nx=y.desktop",
                "a;b.desktop",
                "a=b.desktop",
                "a b.desktop",
                "a[x].desktop",
                "a\\s.desktop",
                "../x.desktop",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_ids); i++) {
                assert_false(td_mimeapps_id_is_writable(bad_ids[i]));
                assert_int_equal(td_mimeapps_set_default("", 0, web, bad_ids[i], &out, &len), -EINVAL);
        }
        assert_false(td_mimeapps_id_is_writable(NULL));
        char long_id[300];
        memset(long_id, 'a', sizeof long_id);
        strcpy(long_id + 280, ".desktop");
        assert_false(td_mimeapps_id_is_writable(long_id));
        assert_true(td_mimeapps_id_is_writable("org.mozilla.firefox.desktop"));
        assert_true(td_mimeapps_id_is_writable("firefox_firefox.desktop"));

        const char *const bad_types[][2] = { { "text", NULL },       { "text/html/x", NULL },
                                             { "/html", NULL },      { "text/", NULL },
                                             { "text/h=tml", NULL }, { "text/h\ntml", NULL } };
        for (size_t i = 0; i < ELEMENTSOF(bad_types); i++)
                assert_int_equal(td_mimeapps_set_default("", 0, bad_types[i], ID, &out, &len), -EINVAL);
        assert_null(out);
}

/* Random files from pieces that matter: every one keeps the readers' view but for the defaults. */
static void test_random(void **state) {
#define P(s)                                                                                                \
        { s, sizeof(s) - 1 }
        static const struct {
                const char *text;
                size_t len;
        } pieces[] = {
                P("[Default Applications]"),
                P("[Added Associations]"),
                P("[Removed Associations]"),
                P("[Other]"),
                P("x-scheme-handler/http=a.desktop"),
                P("X-SCHEME-HANDLER/HTTPS = b.desktop;c.desktop;"),
                P("text/html=d.desktop;"),
                P("text/plain=e.desktop"),
                P("# comment"),
                P(""),
                P("   "),
                P("garbage"),
                P("[Default Applications"),
                P("a\0b=c"),
                P("text/html\0=x"),
                P("=x"),
                P("[Default Applications]\0x"),
        };
#undef P
        unsigned seed = 12345;
        char *text = malloc(64 * 64);
        assert_non_null(text);
        for (int round = 0; round < 3000; round++) {
                size_t len = 0;
                int n_lines = (int) (rand_r(&seed) % 12);
                for (int l = 0; l < n_lines; l++) {
                        size_t p = (size_t) rand_r(&seed) % ELEMENTSOF(pieces);
                        memcpy(text + len, pieces[p].text, pieces[p].len);
                        len += pieces[p].len;
                        unsigned end = (unsigned) rand_r(&seed) % 4;
                        /* "\n", "\r\n", or none (the pieces then run together, as they may). */
                        if (end <= 1)
                                text[len++] = '\n';
                        else if (end == 2) {
                                text[len++] = '\r';
                                text[len++] = '\n';
                        }
                }
                size_t out_len;
                char *out = edit_ok(text, len, &out_len);
                free(out);
        }
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kept_bytes),       cmocka_unit_test(test_group_absent),
                cmocka_unit_test(test_file_absent),      cmocka_unit_test(test_crlf),
                cmocka_unit_test(test_duplicate_groups), cmocka_unit_test(test_key_present),
                cmocka_unit_test(test_hostile),          cmocka_unit_test(test_refused),
                cmocka_unit_test(test_random),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
