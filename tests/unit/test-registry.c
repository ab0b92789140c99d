/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built-in checks are well formed: unique ids, known dependencies, documented causes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-causes.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-check.h"

static void test_unique_ids_and_dependencies(void **state) {
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        assert_true(n >= 5);
        for (size_t i = 0; i < n; i++) {
                assert_non_null(checks[i]->id);
                assert_non_null(checks[i]->run);
                assert_non_null(checks[i]->title);
                assert_non_null(checks[i]->category);
                assert_ptr_equal(td_registry_find(checks[i]->id), checks[i]);
                for (size_t j = i + 1; j < n; j++)
                        assert_string_not_equal(checks[i]->id, checks[j]->id);
                for (const char *const *d = checks[i]->depends; d && *d; d++) {
                        const TdCheck *dep = td_registry_find(*d);
                        if (!dep)
                                fail_msg("%s depends on unknown %s", checks[i]->id, *d);
                }
        }
        assert_null(td_registry_find("no.such.check"));
}

static void test_causes_documented(void **state) {
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        for (size_t i = 0; i < n; i++) {
                if (!checks[i]->causes || !checks[i]->causes[0])
                        fail_msg("%s declares no cause codes", checks[i]->id);
                for (const char *const *c = checks[i]->causes; *c; c++) {
                        if (!td_cause_lookup(*c))
                                fail_msg("%s: cause %s has no advice in src/causes.c", checks[i]->id, *c);
                        assert_true(td_check_declares_cause(checks[i], *c));
                }
        }
        assert_false(td_check_declares_cause(checks[0], "no.such-cause"));
        /* Engine-made timeouts share one piece of advice. */
        assert_non_null(td_cause_lookup("os.timeout"));
        assert_null(td_cause_lookup("no.such-cause"));
}

/*
 * Advice that sends the user to 客服 says how to reach them: the profile's contact, where the
 * placeholder stands, or the platform home page's 【客服】 icon. Advice for a user never tells
 * them to run systemctl or anything else as root.
 */
static void test_advice_names_the_contact(void **state) {
        const TdCause timeout = *td_cause_lookup("x.timeout");
        const TdCause *all = td_causes_all();
        size_t n = 0;
        while (all[n].code)
                n++;
        for (size_t i = 0; i <= n; i++) {
                const TdCause *c = i < n ? &all[i] : &timeout;
                const char *code = i < n ? c->code : "x.timeout";
                /* "supported" is about systems: only the words for the platform's helpers count. */
                bool to_support = strstr(c->advice, "客服") || strstr(c->advice, "platform's support") ||
                                  strstr(c->advice, "service desk") || strstr(c->advice, "support staff");
                if (to_support != (strstr(c->advice, TD_CAUSE_CONTACT) != NULL))
                        fail_msg("%s: advice sends to 客服 without the contact (or names it needlessly)",
                                 code);
                assert_int_equal(td_cause_advice_names_contact(code), to_support);
                _cleanup_free_ char *advice = td_cause_advice_for(code, "400-000-0000");
                assert_null(strstr(advice, TD_CAUSE_CONTACT));
                assert_int_equal(strstr(advice, "400-000-0000") != NULL, to_support);
                _cleanup_free_ char *fallback = td_cause_advice_for(code, NULL);
                assert_int_equal(strstr(fallback, "the 【客服】 icon on the platform's home page") != NULL,
                                 to_support);
                static const char *const for_root[] = { "sudo", "systemctl", "`", "as root" };
                for (size_t k = 0; k < ELEMENTSOF(for_root); k++)
                        if (strstr(c->advice, for_root[k]))
                                fail_msg("%s: advice tells the user %s", code, for_root[k]);
        }
        assert_null(td_cause_advice_for("no.such-cause", "x"));
}

/* CONTRACT.md's ids, the causes each must be able to report, and the token chain's dependencies. */
static const struct {
        const char *id;
        const char *causes[8];
        const char *depends[4];
} contract[] = {
        { "os.release", { "os.unsupported", "arch.unsupported" }, { NULL } },
        { "os.locale", { "locale.traditional", "locale.not-chinese", "locale.not-installed" }, { NULL } },
        { "os.fonts", { "fonts.no-cjk" }, { NULL } },
        { "time.clock", { "time.skew" }, { NULL } },
        { "net.platform", { "net.dns", "net.connect", "net.tls", "net.http", "net.timeout" }, { NULL } },
        { "platform.helper", { "helper.down", "helper.untrusted" }, { NULL } },
        { "drivers.pcscd",
          { "pcscd.down", "pcscd.denied", "pcscd.missing", "pcscd.disabled", "pcscd.failed" },
          { NULL } },
        { "drivers.ccid", { "ccid.missing" }, { NULL } },
        { "drivers.platform", { "driver.missing", "driver.old" }, { NULL } },
        { "drivers.conflict", { "driver.conflict" }, { NULL } },
        { "browser.default", { "browser.unsupported" }, { NULL } },
        { "browser.installed", { "browser.none-supported" }, { NULL } },
        { "browser.trust", { "trust.missing" }, { NULL } },
        { "token.usb", { "token.absent", "usb.permission" }, { NULL } },
        { "token.reader", { "reader.none" }, { "drivers.pcscd" } },
        { "token.card", { "card.absent", "card.mute" }, { "token.reader" } },
        { "token.module",
          { "module.missing", "module.wrong-arch", "module.crash", "module.hang", "module.no-token" },
          { NULL } },
        { "cert.present", { "cert.none" }, { "token.module" } },
        { "cert.expiry", { "cert.expired", "cert.expiring", "cert.not-yet-valid" }, { "cert.present" } },
        { "cert.issuer", { "cert.wrong-issuer", "cert.chain" }, { "cert.present" } },
        { "sign.test",
          { "pin.locked", "pin.final-try", "pin.wrong", "sign.mismatch", "sign.failed" },
          { "cert.present" } },
};

static void test_contract_checks_present(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(contract); i++) {
                const TdCheck *check = td_registry_find(contract[i].id);
                if (!check)
                        fail_msg("check %s of CONTRACT.md is missing", contract[i].id);
                for (const char *const *c = contract[i].causes; *c; c++)
                        if (!td_check_declares_cause(check, *c))
                                fail_msg("%s does not declare cause %s", contract[i].id, *c);
                size_t n_depends = 0;
                for (const char *const *d = check->depends; d && *d; d++) {
                        n_depends++;
                        if (!td_strv_contains(contract[i].depends, *d))
                                fail_msg("%s depends on %s, which CONTRACT.md does not give", contract[i].id,
                                         *d);
                }
                size_t n_contract = 0;
                while (contract[i].depends[n_contract])
                        n_contract++;
                if (n_depends != n_contract)
                        fail_msg("%s lacks a dependency CONTRACT.md gives", contract[i].id);
        }
}

static void test_select_with_dependencies(void **state) {
        size_t n;
        const TdCheck *const *checks = td_registry_get(&n);
        bool *selected = calloc(n, sizeof(bool));
        assert_non_null(selected);
        assert_int_equal(td_checks_select(checks, n, TD_STRV("sign.test", "token.card"), selected), 0);
        const char *want[] = { "drivers.pcscd", "token.reader", "token.card",
                               "token.module",  "cert.present", "sign.test" };
        size_t n_selected = 0;
        for (size_t i = 0; i < n; i++)
                if (selected[i]) {
                        n_selected++;
                        bool expected = false;
                        for (size_t w = 0; w < ELEMENTSOF(want); w++)
                                expected = expected || streq(want[w], checks[i]->id);
                        if (!expected)
                                fail_msg("%s selected", checks[i]->id);
                }
        assert_int_equal(n_selected, ELEMENTSOF(want));
        assert_int_equal(td_checks_select(checks, n, TD_STRV("no.such-check"), selected), -ENOENT);
        free(selected);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_advice_names_the_contact),
                cmocka_unit_test(test_unique_ids_and_dependencies),
                cmocka_unit_test(test_causes_documented),
                cmocka_unit_test(test_contract_checks_present),
                cmocka_unit_test(test_select_with_dependencies),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
