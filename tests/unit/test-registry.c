/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built-in checks are well formed: unique ids, known dependencies, documented causes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-causes.h"
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

static void test_contract_checks_present(void **state) {
        const char *required[] = { "os.release", "os.locale", "os.fonts", "net.platform", "time.clock" };
        for (size_t i = 0; i < ELEMENTSOF(required); i++)
                if (!td_registry_find(required[i]))
                        fail_msg("check %s of CONTRACT.md is missing", required[i]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unique_ids_and_dependencies),
                cmocka_unit_test(test_causes_documented),
                cmocka_unit_test(test_contract_checks_present),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
