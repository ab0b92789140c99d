/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The privileged repairs' offers and plans, from the results their checks give: which result
 * gets an offer, the helper verb and argument each plans on the running system, and what each
 * does (or does not offer) under --root. Installing a package or switching on NTP cannot be done
 * for real here; these plans are what `fix --dry-run` shows and what the helper is then asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-context.h"
#include "tokendoctor/td-fix.h"
#include "tokendoctor/td-profile.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-result.h"

static TdContext *context(const char *root) {
        TdContext *ctx = td_context_new();
        TdProfile *profile = NULL;
        assert_int_equal(td_profile_new_default(&profile), 0);
        td_context_take_profile(ctx, profile);
        if (root)
                assert_int_equal(td_context_set_root(ctx, root), 0);
        return ctx;
}

/* A result of check @id with @status and @cause, as the check would leave it. */
static void result_for(TdResult *r, const char *id, TdStatus status, const char *cause) {
        const TdCheck *check = td_registry_find(id);
        assert_non_null(check);
        td_result_init(r, check);
        assert_int_equal(td_result_set(r, status, cause, "as found"), 0);
}

/* The offer and the one helper change planned for @r under @ctx. */
static void assert_helper_plan(TdContext *ctx, TdResult *r, const char *verb, const char *arg) {
        td_result_decide_fix(ctx, r);
        assert_true(td_result_has_fix(r));
        assert_true(r->fix.privileged);
        TdFixPlan plan = { 0 };
        char *why = NULL;
        assert_int_equal(r->check->fix->plan(ctx, r, &plan, &why), 0);
        assert_null(why);
        assert_int_equal(plan.n_changes, 1);
        assert_int_equal(plan.changes[0].kind, TD_CHANGE_HELPER);
        assert_string_equal(plan.changes[0].verb, verb);
        if (arg)
                assert_string_equal(plan.changes[0].arg, arg);
        else
                assert_null(plan.changes[0].arg);
        assert_true(td_fix_plan_is_privileged(&plan));
        td_fix_plan_clear(&plan);
}

static void assert_no_offer(TdContext *ctx, TdResult *r) {
        td_result_decide_fix(ctx, r);
        assert_false(td_result_has_fix(r));
}

static void test_pcscd_plans_one_verb_per_cause(void **state) {
        TdContext *ctx = context(NULL);
        static const struct {
                const char *cause, *verb, *arg;
        } cases[] = {
                { "pcscd.denied", "allow-pcscd", NULL },
                { "pcscd.missing", "install-package", "pcscd" },
                { "pcscd.disabled", "start-pcscd", NULL },
                { "pcscd.down", "start-pcscd", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TdResult r;
                result_for(&r, "drivers.pcscd", TD_STATUS_FAIL, cases[i].cause);
                assert_helper_plan(ctx, &r, cases[i].verb, cases[i].arg);
                td_result_clear(&r);
        }
        /* A service that cannot start although switched on needs a person. */
        TdResult r;
        result_for(&r, "drivers.pcscd", TD_STATUS_FAIL, "pcscd.failed");
        assert_no_offer(ctx, &r);
        td_result_clear(&r);
        td_context_unref(ctx);
}

static void test_packages_and_services_are_not_offered_under_root(void **state) {
        char dir[] = "/tmp/td-fix-plans-XXXXXX";
        assert_non_null(mkdtemp(dir));
        TdContext *ctx = context(dir);
        static const struct {
                const char *id, *cause;
        } cases[] = {
                { "drivers.pcscd", "pcscd.missing" },
                { "drivers.pcscd", "pcscd.down" },
                { "os.fonts", "fonts.no-cjk" },
                { "time.clock", "time.skew" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TdResult r;
                result_for(&r, cases[i].id, TD_STATUS_FAIL, cases[i].cause);
                assert_no_offer(ctx, &r);
                td_result_clear(&r);
        }
        td_context_unref(ctx);
        rmdir(dir);
}

static void test_font_clock_and_ccid(void **state) {
        TdContext *ctx = context(NULL);
        TdResult r;
        result_for(&r, "os.fonts", TD_STATUS_FAIL, "fonts.no-cjk");
        assert_helper_plan(ctx, &r, "install-package", "fonts-noto-cjk");
        td_result_clear(&r);

        result_for(&r, "time.clock", TD_STATUS_FAIL, "time.skew");
        assert_helper_plan(ctx, &r, "enable-ntp", NULL);
        td_result_clear(&r);
        /* No reference to compare with: the clock is not known to be wrong. */
        result_for(&r, "time.clock", TD_STATUS_WARN, "time.no-reference");
        assert_no_offer(ctx, &r);
        td_result_clear(&r);

        /* No reader driver at all: libccid. */
        result_for(&r, "drivers.ccid", TD_STATUS_FAIL, "ccid.missing");
        td_detail_add_array(&r, NULL, "bundles");
        assert_helper_plan(ctx, &r, "install-package", "libccid");
        td_result_clear(&r);
        /* A driver that does not list the token: apt would see libccid installed and do nothing. */
        result_for(&r, "drivers.ccid", TD_STATUS_FAIL, "ccid.missing");
        td_detail_append_string(&r, td_detail_add_array(&r, NULL, "bundles"),
                                "/usr/lib/pcsc/drivers/ifd-ccid.bundle");
        assert_no_offer(ctx, &r);
        td_result_clear(&r);
        td_context_unref(ctx);
}

static void test_locale_generated_only_for_simplified_chinese_utf8(void **state) {
        TdContext *ctx = context(NULL);
        static const struct {
                const char *locale, *generate;
        } cases[] = {
                { "zh_CN.UTF-8", "zh_CN.UTF-8" },
                { "zh_CN.utf8", "zh_CN.UTF-8" },
                { "zh_SG.UTF-8", "zh_SG.UTF-8" },
                { "zh_CN.GB2312", NULL },
                { "zh_CN", NULL },
                { "zh_TW.UTF-8", NULL },
                { "zh_CN.UTF-8@stroke", NULL },
                { "zh_CN.UTF-8;rm -rf", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TdResult r;
                result_for(&r, "os.locale", TD_STATUS_FAIL, "locale.not-installed");
                td_result_add_detail(&r, "locale", "%s", cases[i].locale);
                if (cases[i].generate)
                        assert_helper_plan(ctx, &r, "generate-locale", cases[i].generate);
                else
                        assert_no_offer(ctx, &r);
                td_result_clear(&r);
        }
        /* A Traditional Chinese system is the user's choice: advice only. */
        TdResult r;
        result_for(&r, "os.locale", TD_STATUS_FAIL, "locale.traditional");
        td_result_add_detail(&r, "locale", "zh_TW.UTF-8");
        assert_no_offer(ctx, &r);
        td_result_clear(&r);
        td_context_unref(ctx);
}

static void usb_permission(TdResult *r, bool profile_model) {
        result_for(r, "token.usb", TD_STATUS_FAIL, "usb.permission");
        td_result_add_detail(r, "udev_usb_id", "096e:0807");
        td_result_add_detail(r, "udev_rule", "SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"096e\"");
        td_result_add_detail(r, "udev_rule_file", "/etc/udev/rules.d/70-tokendoctor-096e-0807.rules");
        td_detail_set_bool(r, NULL, "udev_profile_model", profile_model);
}

static void test_udev_rule_for_a_profile_model_only(void **state) {
        TdContext *ctx = context(NULL);
        TdResult r;
        usb_permission(&r, true);
        assert_helper_plan(ctx, &r, "install-udev-rule", "096e:0807");
        td_result_clear(&r);
        /* A smart card the profile does not name: the helper would refuse its id. */
        usb_permission(&r, false);
        assert_no_offer(ctx, &r);
        td_result_clear(&r);
        td_context_unref(ctx);

        /* Under --root the rule is the copy's file, written as the user. */
        char dir[] = "/tmp/td-fix-plans-XXXXXX";
        assert_non_null(mkdtemp(dir));
        ctx = context(dir);
        usb_permission(&r, true);
        td_result_decide_fix(ctx, &r);
        assert_true(td_result_has_fix(&r));
        assert_false(r.fix.privileged);
        TdFixPlan plan = { 0 };
        char *why = NULL;
        assert_int_equal(r.check->fix->plan(ctx, &r, &plan, &why), 0);
        assert_int_equal(plan.n_changes, 1);
        assert_int_equal(plan.changes[0].kind, TD_CHANGE_WRITE_FILE);
        _cleanup_free_ char *want =
                td_strdup_printf("%s/etc/udev/rules.d/70-tokendoctor-096e-0807.rules", dir);
        assert_string_equal(plan.changes[0].path, want);
        assert_non_null(strstr(plan.changes[0].content, "ATTRS{idVendor}==\"096e\""));
        td_fix_plan_clear(&plan);
        td_result_clear(&r);
        td_context_unref(ctx);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pcscd_plans_one_verb_per_cause),
                cmocka_unit_test(test_packages_and_services_are_not_offered_under_root),
                cmocka_unit_test(test_font_clock_and_ccid),
                cmocka_unit_test(test_locale_generated_only_for_simplified_chinese_utf8),
                cmocka_unit_test(test_udev_rule_for_a_profile_model_only),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
