/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 一键登录系统's browser: the supported default, else the first supported one, never 360. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tokendoctor/td-check.h"
#include "tokendoctor/td-login.h"

static const TdCheck installed_check = { .id = "browser.installed", .category = "browser", .title = "B" };
static const TdCheck default_check = { .id = "browser.default", .category = "browser", .title = "D" };

static void add_browser(TdResult *r, struct json_object *array, const char *id, const char *kind) {
        struct json_object *o = td_detail_append_object(r, array);
        td_detail_set_string(r, o, "id", "%s", id);
        td_detail_set_string(r, o, "name", "%s", id);
        td_detail_set_string(r, o, "file", "/usr/share/applications/%s", id);
        td_detail_set_string(r, o, "kind", "%s", kind);
}

/* browser.installed with 360 (unsupported), firefox and chrome (supported); the default @def. */
static void report_with(TdReport *rep, TdResult *res, const char *def, const char *def_kind) {
        td_result_init(&res[0], &installed_check);
        td_result_set(&res[0], TD_STATUS_PASS, NULL, "m");
        struct json_object *browsers = td_detail_add_array(&res[0], NULL, "browsers");
        add_browser(&res[0], browsers, "360browser.desktop", "unsupported");
        add_browser(&res[0], browsers, "firefox.desktop", "supported");
        add_browser(&res[0], browsers, "google-chrome.desktop", "supported");
        td_result_init(&res[1], &default_check);
        td_result_set(&res[1], TD_STATUS_PASS, NULL, "m");
        if (def) {
                struct json_object *d = td_detail_add_object(&res[1], NULL, "default");
                td_detail_set_string(&res[1], d, "id", "%s", def);
                td_detail_set_string(&res[1], d, "file", "%s", "/home/u/.config/mimeapps.list");
                td_detail_set_string(&res[1], d, "kind", "%s", def_kind);
        }
        *rep = (TdReport){ .results = res, .n_results = 2 };
}

static void pick(const char *def, const char *def_kind, const char *expected_id) {
        TdResult res[2];
        TdReport rep;
        report_with(&rep, res, def, def_kind);
        TdLoginBrowser b;
        assert_int_equal(td_login_browser_pick(&rep, &b), 0);
        assert_string_equal(b.id, expected_id);
        /* The desktop entry's file, not the mimeapps.list that named the default. */
        assert_non_null(strstr(b.file, "/applications/"));
        td_login_browser_clear(&b);
        td_result_clear(&res[0]);
        td_result_clear(&res[1]);
}

static void test_supported_default(void **state) {
        pick("google-chrome.desktop", "supported", "google-chrome.desktop");
}

static void test_unsupported_default_is_passed_over(void **state) {
        pick("360browser.desktop", "unsupported", "firefox.desktop");
        pick(NULL, NULL, "firefox.desktop");
}

static void test_no_supported_browser(void **state) {
        TdResult res;
        td_result_init(&res, &installed_check);
        td_result_set(&res, TD_STATUS_FAIL, "browser.none-supported", "m");
        struct json_object *browsers = td_detail_add_array(&res, NULL, "browsers");
        add_browser(&res, browsers, "360browser.desktop", "unsupported");
        TdReport rep = { .results = &res, .n_results = 1 };
        TdLoginBrowser b;
        assert_int_equal(td_login_browser_pick(&rep, &b), -ENOENT);
        td_result_clear(&res);
        /* A report without the browser checks says nothing of a browser. */
        rep.n_results = 0;
        assert_int_equal(td_login_browser_pick(&rep, &b), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_supported_default),
                cmocka_unit_test(test_unsupported_default_is_passed_over),
                cmocka_unit_test(test_no_supported_browser),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
