/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One serialiser: check documents carry the schema and typed details, and read back. */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-engine.h"
#include "tokendoctor/td-json.h"

static int run_grouped(TdContext *ctx, TdResult *r) {
        json_object *urls = td_detail_get_array(r, NULL, "urls");
        for (int i = 0; i < 2; i++) {
                json_object *u = td_detail_append_object(r, urls);
                td_detail_set_string(r, u, "url", "https://u%d.test/", i);
                td_detail_set_int(r, u, "http_status", 200 + i);
                td_detail_set_bool(r, u, "tls_verified", i == 0);
                td_detail_set_double(r, u, "connect_ms", 1.5);
        }
        td_detail_set_strv(r, NULL, "readers", TD_STRV("Virtual PCD 00 00", "读卡器 01"));
        td_detail_set_null(r, NULL, "proxy");
        return td_result_set(r, TD_STATUS_WARN, "test.grouped", "two URLs, one \"quoted\"");
}

static int run_pass(TdContext *ctx, TdResult *r) {
        return td_result_set(r, TD_STATUS_PASS, NULL, "fine");
}

static int run_oom(TdContext *ctx, TdResult *r) {
        /* What a check sees when a group could not be made: writing into NULL. */
        td_detail_set_int(r, NULL, "before", 1);
        td_detail_set_int(r, td_detail_append_object(r, NULL), "lost", 2);
        return td_result_set(r, TD_STATUS_PASS, NULL, "claims a pass");
}

static const TdFix fix = { .summary = "Repair it", .privileged = true };
static const TdCheck grouped = {
        .id = "test.grouped", .category = "network", .title = "Grouped", .run = run_grouped, .fix = &fix
};
static const TdCheck plain = { .id = "test.plain",
                               .category = "system",
                               .title = "Plain",
                               .run = run_pass,
                               .depends = TD_STRV("test.grouped") };
static const TdCheck oom = { .id = "test.oom", .category = "system", .title = "Incomplete", .run = run_oom };

static TdReport *run(const TdCheck *const *checks, size_t n) {
        TdContext *ctx = td_context_new();
        TdReport *report = NULL;
        assert_int_equal(td_engine_run(ctx, checks, n, NULL, &report, NULL), 0);
        td_context_unref(ctx);
        return report;
}

static void test_document_is_typed_and_versioned(void **state) {
        const TdCheck *checks[] = { &grouped, &plain };
        TdReport *report = run(checks, 2);
        _cleanup_free_ char *text = td_report_to_json(report, "shouzheng", false);
        assert_non_null(text);
        json_object *root = json_tokener_parse(text), *v, *results, *r0, *details, *urls, *u;
        assert_non_null(root);
        assert_true(json_object_object_get_ex(root, "schema", &v));
        assert_int_equal(json_object_get_int(v), TD_JSON_SCHEMA);
        assert_true(json_object_object_get_ex(root, "cancelled", &v));
        assert_false(json_object_get_boolean(v));
        assert_true(json_object_object_get_ex(root, "results", &results));
        r0 = json_object_array_get_idx(results, 0);
        assert_true(json_object_object_get_ex(r0, "details", &details));
        assert_true(json_object_object_get_ex(details, "urls", &urls));
        assert_true(json_object_is_type(urls, json_type_array));
        u = json_object_array_get_idx(urls, 1);
        assert_true(json_object_object_get_ex(u, "http_status", &v));
        assert_true(json_object_is_type(v, json_type_int));
        assert_int_equal(json_object_get_int(v), 201);
        assert_true(json_object_object_get_ex(u, "tls_verified", &v));
        assert_true(json_object_is_type(v, json_type_boolean));
        assert_true(json_object_object_get_ex(details, "proxy", &v));
        assert_null(v);
        json_object_put(root);
        td_report_free(report);
}

static void test_round_trip(void **state) {
        const TdCheck *checks[] = { &grouped, &plain };
        TdReport *report = run(checks, 2);
        _cleanup_free_ char *first = td_report_to_json(report, "shouzheng", true);
        td_report_free(report);

        TdReportDocument *doc = NULL;
        _cleanup_free_ char *error = NULL;
        assert_int_equal(td_report_document_from_json(first, &doc, &error), 0);
        assert_null(error);
        assert_int_equal(doc->schema, TD_JSON_SCHEMA);
        assert_string_equal(doc->profile, "shouzheng");
        assert_int_equal(doc->report.n_results, 2);
        const TdResult *r = &doc->report.results[0];
        assert_string_equal(r->check->id, "test.grouped");
        assert_int_equal(r->status, TD_STATUS_WARN);
        assert_string_equal(r->cause, "test.grouped");
        assert_string_equal(r->message, "two URLs, one \"quoted\"");
        assert_string_equal(td_result_get_detail(r, "urls.1.url"), "https://u1.test/");
        assert_string_equal(td_result_get_detail(r, "readers.1"), "读卡器 01");
        assert_non_null(r->check->fix);
        assert_true(r->check->fix->privileged);
        assert_int_equal(doc->report.counts[TD_STATUS_WARN], 1);
        assert_int_equal(doc->report.counts[TD_STATUS_PASS], 1);

        /* Written again, the document is the same. */
        _cleanup_free_ char *second = td_report_to_json(&doc->report, doc->profile, true);
        assert_string_equal(first, second);
        td_report_document_free(doc);
}

static void test_cancelled_reads_back(void **state) {
        const TdCheck *checks[] = { &grouped, &plain };
        TdReport *report = run(checks, 2);
        report->cancelled = true;
        _cleanup_free_ char *first = td_report_to_json(report, NULL, false);
        td_report_free(report);
        TdReportDocument *doc = NULL;
        assert_int_equal(td_report_document_from_json(first, &doc, NULL), 0);
        assert_true(doc->report.cancelled);
        _cleanup_free_ char *second = td_report_to_json(&doc->report, doc->profile, false);
        assert_string_equal(first, second);
        td_report_document_free(doc);
}

static void test_incomplete_details_are_an_error(void **state) {
        const TdCheck *checks[] = { &oom };
        TdReport *report = run(checks, 1);
        /* A verdict over details that could not be written down is not a verdict. */
        assert_int_equal(report->results[0].status, TD_STATUS_ERROR);
        assert_int_equal(td_report_exit_code(report), 2);
        td_report_free(report);
}

static void expect_bad(const char *text, int want, const char *in_message) {
        TdReportDocument *doc = NULL;
        char *error = NULL;
        assert_int_equal(td_report_document_from_json(text, &doc, &error), want);
        assert_null(doc);
        assert_non_null(error);
        if (!strstr(error, in_message))
                fail_msg("\"%s\" does not mention \"%s\"", error, in_message);
        free(error);
}

static void test_reader_refuses_what_is_not_a_document(void **state) {
        expect_bad("", -EBADMSG, "not valid JSON");
        expect_bad("{\"tool\": \"tokendoctor\", \"results\": [", -EBADMSG, "not valid JSON");
        expect_bad("[]", -EBADMSG, "not a JSON object");
        expect_bad("{\"results\": []}", -EBADMSG, "not a tokendoctor document");
        expect_bad("{\"tool\": \"tokendoctor\", \"schema\": 1}", -EBADMSG, "results");
        expect_bad("{\"tool\": \"tokendoctor\", \"schema\": 99, \"results\": []}", -EPROTONOSUPPORT,
                   "newer");
        expect_bad("{\"tool\": \"tokendoctor\", \"results\": [42]}", -EBADMSG, "not an object");
        expect_bad("{\"tool\": \"tokendoctor\", \"results\": [{\"id\": \"a\", \"status\": \"maybe\"}]}",
                   -EBADMSG, "status");
        expect_bad("{\"tool\": \"tokendoctor\", \"results\": [{\"status\": \"pass\"}]}", -EBADMSG, "no id");
        expect_bad("{\"tool\": \"tokendoctor\", \"results\": [{\"id\": \"a\", \"status\": \"fail\"}]}",
                   -EBADMSG, "without a cause");
}

static void test_reader_takes_an_old_document(void **state) {
        /* Before "schema" existed, details were all strings; they still read. */
        TdReportDocument *doc = NULL;
        assert_int_equal(
                td_report_document_from_json("{\"tool\": \"tokendoctor\", \"profile\": null, \"results\": "
                                             "[{\"id\": \"os.locale\", \"status\": \"pass\", \"details\": "
                                             "{\"token1.id\": \"096e:0807\"}, \"duration_ms\": 3}]}",
                                             &doc, NULL),
                0);
        assert_int_equal(doc->schema, 0);
        assert_null(doc->profile);
        json_object *v;
        assert_true(json_object_object_get_ex(doc->report.results[0].details, "token1.id", &v));
        assert_string_equal(json_object_get_string(v), "096e:0807");
        td_report_document_free(doc);
}

static void test_error_and_list_documents(void **state) {
        _cleanup_free_ char *err = td_error_to_json("profile", "bad \xff file");
        json_object *root = json_tokener_parse(err), *e, *v;
        assert_non_null(root);
        assert_true(json_object_object_get_ex(root, "schema", &v));
        assert_true(json_object_object_get_ex(root, "error", &e));
        assert_true(json_object_object_get_ex(e, "code", &v));
        assert_string_equal(json_object_get_string(v), "profile");
        json_object_put(root);

        const TdCheck *checks[] = { &grouped, &plain };
        _cleanup_free_ char *list = td_checks_to_json(checks, 2, false);
        root = json_tokener_parse(list);
        assert_true(json_object_object_get_ex(root, "schema", &v));
        assert_true(json_object_object_get_ex(root, "checks", &v));
        assert_int_equal(json_object_array_length(v), 2);
        json_object_put(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_document_is_typed_and_versioned),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_cancelled_reads_back),
                cmocka_unit_test(test_incomplete_details_are_an_error),
                cmocka_unit_test(test_reader_refuses_what_is_not_a_document),
                cmocka_unit_test(test_reader_takes_an_old_document),
                cmocka_unit_test(test_error_and_list_documents),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
