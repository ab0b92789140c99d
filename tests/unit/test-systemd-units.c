/* SPDX-License-Identifier: GPL-3.0-or-later */
/* td-systemd-units: a unit's state from the unit files and links of fixture roots. */
#include "../checks/check-fixture.h"
#include "platform/td-systemd-units.h"

#define UNIT "demo.socket"
#define LIB "usr/lib/systemd/system/"
#define ETC "etc/systemd/system/"

/* The state of UNIT under @root (removed after). */
static void look(char *root, TdUnitFileState *ret) {
        TdContext *ctx = fixture_context(root, NULL);
        assert_int_equal(td_systemd_unit_file_state(ctx, UNIT, ret), 0);
        td_context_unref(ctx);
        fixture_remove(root);
}

static char *root_with_unit(void) {
        char *root = fixture_new_root("units");
        fixture_write_text(root, LIB UNIT, "[Socket]\nListenStream=/run/demo.sock\n");
        return root;
}

static void test_state_names(void **state) {
        assert_string_equal(td_unit_state_to_string(TD_UNIT_ABSENT), "absent");
        assert_string_equal(td_unit_state_to_string(TD_UNIT_ENABLED), "enabled");
        assert_null(td_unit_state_to_string(_TD_UNIT_STATE_MAX));
        assert_null(td_unit_state_to_string(_TD_UNIT_STATE_INVALID));
}

static void test_invalid_names(void **state) {
        TdContext *ctx = fixture_context(NULL, NULL);
        TdUnitFileState st;
        assert_int_equal(td_systemd_unit_file_state(ctx, "", &st), -EINVAL);
        assert_int_equal(td_systemd_unit_file_state(ctx, "..", &st), -EINVAL);
        /* A name with a slash would reach outside the load path's directories. */
        assert_int_equal(td_systemd_unit_file_state(ctx, "../../etc/passwd", &st), -EINVAL);
        td_context_unref(ctx);
}

static void test_absent_disabled_enabled(void **state) {
        TdUnitFileState st;
        look(fixture_new_root("units"), &st);
        assert_int_equal(st.state, TD_UNIT_ABSENT);
        assert_null(st.file);
        td_unit_file_state_clear(&st);

        look(root_with_unit(), &st);
        assert_int_equal(st.state, TD_UNIT_DISABLED);
        assert_string_equal(st.file, "/usr/lib/systemd/system/demo.socket");
        assert_null(st.wanted_by);
        td_unit_file_state_clear(&st);

        /* Any target's .wants/ or .requires/ pulls it in; the entry's name is what counts. */
        char *root = root_with_unit();
        fixture_symlink(root, ETC "multi-user.target.requires/" UNIT, "/nowhere/at/all");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ENABLED);
        assert_string_equal(st.wanted_by, "/etc/systemd/system/multi-user.target.requires/demo.socket");
        td_unit_file_state_clear(&st);

        /* Pre-merge Debian keeps units in /lib. */
        root = fixture_new_root("units");
        fixture_write_text(root, "lib/systemd/system/" UNIT, "[Socket]\n");
        fixture_symlink(root, "run/systemd/system/sockets.target.wants/" UNIT, "/lib/systemd/system/" UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ENABLED);
        assert_string_equal(st.file, "/lib/systemd/system/demo.socket");
        assert_string_equal(st.wanted_by, "/run/systemd/system/sockets.target.wants/demo.socket");
        td_unit_file_state_clear(&st);

        /* A wants link whose unit file exists nowhere: systemd cannot load it, it is absent. */
        root = fixture_new_root("units");
        fixture_symlink(root, ETC "sockets.target.wants/" UNIT, "/usr/lib/systemd/system/" UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ABSENT);
        td_unit_file_state_clear(&st);
}

static void test_masks(void **state) {
        TdUnitFileState st;
        /* /etc beats /usr/lib, and a mask wins over links that would enable the unit. */
        char *root = root_with_unit();
        fixture_symlink(root, ETC UNIT, "/dev/null");
        fixture_symlink(root, ETC "sockets.target.wants/" UNIT, "/usr/lib/systemd/system/" UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_MASKED);
        assert_string_equal(st.file, "/etc/systemd/system/demo.socket");
        assert_null(st.wanted_by);
        td_unit_file_state_clear(&st);

        /* The target is compared as a path, not as a string: "/dev/./null", "//dev/null". */
        root = root_with_unit();
        fixture_symlink(root, ETC UNIT, "//dev/./null");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_MASKED);
        td_unit_file_state_clear(&st);

        /* An empty file masks as well (systemd.unit(5)). */
        root = root_with_unit();
        fixture_write_text(root, ETC UNIT, "");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_MASKED);
        td_unit_file_state_clear(&st);

        /* A unit file in /etc overrides the package's; it is no mask. */
        root = root_with_unit();
        fixture_write_text(root, ETC UNIT, "[Socket]\nListenStream=/run/other.sock\n");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_DISABLED);
        assert_string_equal(st.file, "/etc/systemd/system/demo.socket");
        td_unit_file_state_clear(&st);

        /* A /dev/null dependency link masks only that dependency; another still enables. */
        root = root_with_unit();
        fixture_symlink(root, LIB "sockets.target.wants/" UNIT, "../" UNIT);
        fixture_symlink(root, ETC "sockets.target.wants/" UNIT, "/dev/null");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_DISABLED);
        td_unit_file_state_clear(&st);
        root = root_with_unit();
        fixture_symlink(root, ETC "sockets.target.wants/" UNIT, "/dev/null");
        fixture_symlink(root, ETC "multi-user.target.wants/" UNIT, "../" UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ENABLED);
        assert_string_equal(st.wanted_by, "/etc/systemd/system/multi-user.target.wants/demo.socket");
        td_unit_file_state_clear(&st);
}

static void test_links_stay_in_root(void **state) {
        TdUnitFileState st;
        /* An alias link is followed inside the root: /opt/demo.socket is the root's own. */
        char *root = fixture_new_root("units");
        fixture_write_text(root, "opt/demo/" UNIT, "[Socket]\n");
        fixture_symlink(root, ETC UNIT, "/opt/demo/" UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_DISABLED);
        assert_string_equal(st.file, "/etc/systemd/system/demo.socket");
        td_unit_file_state_clear(&st);

        /* This machine's unit file, named by an absolute link, is not the root's: skipped. */
        char *outside = fixture_new_root("units-outside");
        fixture_write_text(outside, UNIT, "[Socket]\n");
        char *target = td_strdup_printf("%s/" UNIT, outside);
        assert_non_null(target);
        root = fixture_new_root("units");
        fixture_symlink(root, ETC UNIT, target);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ABSENT);
        td_unit_file_state_clear(&st);

        /* Nor through a load path directory that is itself a link out of the root. */
        root = fixture_new_root("units");
        fixture_symlink(root, "usr/lib/systemd/system", outside);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_ABSENT);
        td_unit_file_state_clear(&st);
        free(target);
        fixture_remove(outside);
}

static void test_broken(void **state) {
        TdUnitFileState st;
        char *root = fixture_new_root("units");
        fixture_mkfifo(root, LIB UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_BROKEN);
        assert_int_equal(st.error, -ENODEV);
        assert_string_equal(st.file, "/usr/lib/systemd/system/demo.socket");
        td_unit_file_state_clear(&st);

        root = fixture_new_root("units");
        char *dir = td_strdup_printf("%s/" LIB UNIT, root);
        assert_non_null(dir);
        assert_int_equal(fixture_mkdir_p(dir), 0);
        free(dir);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_BROKEN);
        assert_int_equal(st.error, -EISDIR);
        td_unit_file_state_clear(&st);

        /* A loop of links, and a link to a FIFO: both end without waiting. */
        root = root_with_unit();
        fixture_symlink(root, ETC UNIT, "a.socket");
        fixture_symlink(root, ETC "a.socket", UNIT);
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_BROKEN);
        assert_int_equal(st.error, -ELOOP);
        td_unit_file_state_clear(&st);

        root = root_with_unit();
        fixture_mkfifo(root, "srv/fifo");
        fixture_symlink(root, ETC UNIT, "/srv/fifo");
        look(root, &st);
        assert_int_equal(st.state, TD_UNIT_BROKEN);
        assert_int_equal(st.error, -ENODEV);
        td_unit_file_state_clear(&st);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_state_names),
                cmocka_unit_test(test_invalid_names),
                cmocka_unit_test(test_absent_disabled_enabled),
                cmocka_unit_test(test_masks),
                cmocka_unit_test(test_links_stay_in_root),
                cmocka_unit_test(test_broken),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
