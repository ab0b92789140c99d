/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The repair journal and the runner: every change kept and put back byte for byte (content,
 * mode, links, absence, directories made), a failure half way leaves nothing changed, undo
 * restores the exact earlier state and keeps what it replaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "repair/td-journal.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-fix.h"
#include "tokendoctor/td-repair.h"
#include "tokendoctor/td-strv.h"

typedef struct {
        char dir[64];
        char *journal;
        char *area; /* the files the repairs change */
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof *f);
        strcpy(f->dir, "/tmp/td-repair-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        f->journal = td_strdup_printf("%s/state/tokendoctor/journal", f->dir);
        f->area = td_strdup_printf("%s/area", f->dir);
        mkdir(f->area, 0755);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *cmd = td_strdup_printf("rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f->journal);
        free(f->area);
        free(f);
        return 0;
}

static char *path_in(const Fixture *f, const char *name) {
        return td_strdup_printf("%s/%s", f->area, name);
}

static void write_text(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static char *read_text(const char *path) {
        char *data = NULL;
        size_t len;
        if (td_read_regular_file(path, 1 << 20, &data, &len) < 0)
                return NULL;
        return data;
}

/* The area's state as text: every entry's name, type, mode and content, sorted. */
static char *snapshot(const Fixture *f) {
        _cleanup_free_ char *cmd =
                td_strdup_printf("cd '%s' && find . -mindepth 1 | sort | while read -r p; do "
                                 "if [ -L \"$p\" ]; then echo \"L $p $(readlink \"$p\")\"; "
                                 "elif [ -d \"$p\" ]; then echo \"D $p $(stat -c %%a \"$p\")\"; "
                                 "else echo \"F $p $(stat -c %%a \"$p\") $(sha256sum < \"$p\")\"; fi; done",
                                 f->area);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char *out = calloc(1, 1 << 16);
        size_t n = fread(out, 1, (1 << 16) - 1, p);
        out[n] = '\0';
        pclose(p);
        return out;
}

static TdRepairOptions options_for(const Fixture *f, const char *helper) {
        return (TdRepairOptions){ .journal_dir = strdup(f->journal),
                                  .helper = helper ? strdup(helper) : NULL };
}

static void test_id_shape(void **state) {
        assert_true(td_journal_id_is_valid("20261203T052233Z-os.locale-a1b2c3"));
        assert_true(td_journal_id_is_valid("20261203T052233Z-allow-pcscd-000000"));
        assert_false(td_journal_id_is_valid("20261203T052233Z-os.locale-A1B2C3"));
        assert_false(td_journal_id_is_valid("../../etc/passwd"));
        assert_false(td_journal_id_is_valid("20261203T052233Z-../x-a1b2c3"));
        assert_false(td_journal_id_is_valid("20261203T052233Z--a1b2c3"));
        assert_false(td_journal_id_is_valid("20261203X052233Z-tag-a1b2c3"));
        assert_false(td_journal_id_is_valid("20261203T052233Z-tag/x-a1b2c3"));
        assert_false(td_journal_id_is_valid(""));
        assert_false(td_journal_id_is_valid(NULL));
}

static void test_journal_restores_files_links_and_absence(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *a = path_in(f, "a.conf"), *l = path_in(f, "link"), *n = path_in(f, "new");
        write_text(a, "first\n", 0640);
        assert_int_equal(symlink("/nowhere/target", l), 0);
        _cleanup_free_ char *before = snapshot(f);

        TdJournal *j = NULL;
        assert_int_equal(td_journal_create(f->journal, "test.one", &j), 0);
        assert_true(td_journal_id_is_valid(td_journal_get_id(j)));
        assert_string_equal(td_journal_get_state(j), "applying");
        assert_int_equal(td_journal_save_file(j, a), 0);
        assert_int_equal(td_journal_save_file(j, l), 0);
        assert_int_equal(td_journal_save_file(j, n), 0);
        /* Kept once: the second save of a changed file does not replace the first copy. */
        write_text(a, "second, longer\n", 0600);
        assert_int_equal(td_journal_save_file(j, a), 0);
        unlink(l);
        write_text(l, "a file where the link was\n", 0644);
        write_text(n, "created\n", 0644);
        assert_int_equal(td_journal_set_state(j, "applied"), 0);
        _cleanup_free_ char *id = strdup(td_journal_get_id(j));
        td_journal_free(j);

        /* Read back from disk, as undo does in another process. */
        assert_int_equal(td_journal_open(f->journal, id, &j), 0);
        assert_string_equal(td_journal_get_state(j), "applied");
        assert_int_equal(td_journal_restore(j), 0);
        _cleanup_free_ char *after = snapshot(f);
        assert_string_equal(before, after);
        _cleanup_free_ char *text = read_text(a);
        assert_string_equal(text, "first\n");
        td_journal_free(j);

        /* What the restore replaced is kept in the entry: nothing is lost. */
        _cleanup_free_ char *undo = td_strdup_printf("%s/%s/undo", f->journal, id);
        _cleanup_strv_free_ char **kept = NULL;
        assert_int_equal(td_list_dir(undo, NULL, 100, &kept), 0);
        assert_int_equal(td_strv_length((const char *const *) kept), 3);
}

static void test_journal_rename_and_mkdir(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *m = path_in(f, "x.module"),
                            *aside = path_in(f, "x.module.tokendoctor-disabled");
        _cleanup_free_ char *d = path_in(f, "made"), *inner = path_in(f, "made/file");
        write_text(m, "module: /usr/lib/x.so\n", 0644);
        _cleanup_free_ char *before = snapshot(f);

        TdJournal *j = NULL;
        assert_int_equal(td_journal_create(f->journal, "test.two", &j), 0);
        assert_int_equal(td_journal_note_rename(j, m, aside), 0);
        assert_int_equal(rename(m, aside), 0);
        assert_int_equal(td_journal_note_mkdir(j, d), 0);
        assert_int_equal(mkdir(d, 0755), 0);
        assert_int_equal(td_journal_save_file(j, inner), 0);
        write_text(inner, "x\n", 0644);
        assert_int_equal(td_journal_restore(j), 0);
        _cleanup_free_ char *after = snapshot(f);
        assert_string_equal(before, after);
        td_journal_free(j);

        /* A rename whose old name came back meanwhile is left alone: nothing is overwritten. */
        assert_int_equal(td_journal_create(f->journal, "test.three", &j), 0);
        assert_int_equal(td_journal_note_rename(j, m, aside), 0);
        assert_int_equal(rename(m, aside), 0);
        write_text(m, "reinstalled by the package\n", 0644);
        assert_int_equal(td_journal_restore(j), -EEXIST);
        _cleanup_free_ char *text = read_text(m), *moved = read_text(aside);
        assert_string_equal(text, "reinstalled by the package\n");
        assert_string_equal(moved, "module: /usr/lib/x.so\n");
        td_journal_free(j);
}

static void test_journal_refuses_bad_entries(void **state) {
        Fixture *f = *state;
        TdJournal *j = NULL;
        assert_int_equal(td_journal_create(f->journal, "Bad/Tag", &j), -EINVAL);
        assert_int_equal(td_journal_create(f->journal, "", &j), -EINVAL);
        assert_int_equal(td_journal_open(f->journal, "../../x", &j), -EINVAL);
        assert_int_equal(td_journal_open(f->journal, "20261203T052233Z-none-a1b2c3", &j), -ENOENT);
        assert_int_equal(td_journal_create(f->journal, "ok", &j), 0);
        _cleanup_free_ char *id = strdup(td_journal_get_id(j));
        _cleanup_free_ char *entry = td_strdup_printf("%s/%s/entry.json", f->journal, id);
        td_journal_free(j);
        write_text(entry, "{\"id\": 5, \"steps\": \"no\"}", 0600);
        assert_int_equal(td_journal_open(f->journal, id, &j), -EBADMSG);
        write_text(entry, "not json at all", 0600);
        assert_int_equal(td_journal_open(f->journal, id, &j), -EBADMSG);
}

static void test_apply_and_undo_a_plan(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *conf = path_in(f, "etc/app.conf"), *link = path_in(f, "etc/wants/unit");
        _cleanup_free_ char *mod = path_in(f, "m.module"), *aside = path_in(f, "m.module.off");
        _cleanup_free_ char *touched = path_in(f, "by-program");
        write_text(mod, "module: x\n", 0644);
        _cleanup_free_ char *before = snapshot(f);

        TdFixPlan plan = { 0 };
        assert_int_equal(td_fix_plan_write_file(&plan, conf, "key=1\n", 6, 0644, "write"), 0);
        assert_int_equal(td_fix_plan_write_link(&plan, link, "/lib/unit", "link"), 0);
        assert_int_equal(td_fix_plan_move_aside(&plan, mod, aside, "aside"), 0);
        _cleanup_free_ char *script = td_strdup_printf("printf ran > '%s'", touched);
        assert_int_equal(td_fix_plan_run(&plan, TD_STRV("/bin/sh", "-c", script), TD_STRV(touched), "run"),
                         0);
        assert_false(td_fix_plan_is_privileged(&plan));

        TdRepairOptions o = options_for(f, NULL);
        TdRepairOutcome out;
        assert_int_equal(td_repair_apply(&o, "test.plan", &plan, &out), 0);
        assert_int_equal(out.n_done, 4);
        _cleanup_free_ char *text = read_text(conf), *ran = read_text(touched);
        assert_string_equal(text, "key=1\n");
        assert_string_equal(ran, "ran");
        struct stat st;
        assert_int_equal(lstat(link, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(access(mod, F_OK), -1);

        TdRepairOutcome undone;
        assert_int_equal(td_repair_undo(&o, NULL, &undone), 0);
        assert_string_equal(undone.journal_id, out.journal_id);
        _cleanup_free_ char *after = snapshot(f);
        assert_string_equal(before, after);
        td_repair_outcome_clear(&undone);

        /* Once undone there is nothing left to undo, by name or not. */
        assert_int_equal(td_repair_undo(&o, NULL, &undone), -ENOENT);
        td_repair_outcome_clear(&undone);
        assert_int_equal(td_repair_undo(&o, out.journal_id, &undone), -EALREADY);
        td_repair_outcome_clear(&undone);
        td_repair_outcome_clear(&out);
        td_fix_plan_clear(&plan);
        td_repair_options_clear(&o);
}

static void test_failure_half_way_changes_nothing(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *conf = path_in(f, "app.conf"), *deep = path_in(f, "new/dir/file");
        write_text(conf, "original\n", 0600);
        _cleanup_free_ char *before = snapshot(f);

        TdFixPlan plan = { 0 };
        assert_int_equal(td_fix_plan_write_file(&plan, conf, "changed\n", 8, 0644, "write"), 0);
        assert_int_equal(td_fix_plan_write_file(&plan, deep, "x", 1, 0644, "write"), 0);
        assert_int_equal(td_fix_plan_run(&plan, TD_STRV("/bin/sh", "-c", "echo 'no space left' >&2; exit 3"),
                                         TD_STRV(conf), "fails"),
                         0);
        TdRepairOptions o = options_for(f, NULL);
        TdRepairOutcome out;
        assert_true(td_repair_apply(&o, "test.fail", &plan, &out) < 0);
        assert_int_equal(out.failed_change, 2);
        assert_true(out.rolled_back);
        assert_false(out.rollback_failed);
        assert_non_null(strstr(out.error, "no space left"));
        _cleanup_free_ char *after = snapshot(f);
        assert_string_equal(before, after);

        TdJournal *j = NULL;
        assert_int_equal(td_journal_open(f->journal, out.journal_id, &j), 0);
        assert_string_equal(td_journal_get_state(j), "rolled-back");
        td_journal_free(j);
        /* A rolled-back repair is no repair in force. */
        TdRepairOutcome undone;
        assert_int_equal(td_repair_undo(&o, NULL, &undone), -ENOENT);
        td_repair_outcome_clear(&undone);
        td_repair_outcome_clear(&out);
        td_fix_plan_clear(&plan);
        td_repair_options_clear(&o);
}

/* A stand-in for tokendoctor-helper: logs its arguments, gives a journal id or fails as told. */
static char *fake_helper(const Fixture *f, const char *behaviour) {
        char *path = td_strdup_printf("%s/helper", f->dir);
        _cleanup_free_ char *script =
                td_strdup_printf("#!/bin/sh\necho \"$@\" >> '%s/helper.log'\n%s\n", f->dir, behaviour);
        write_text(path, script, 0755);
        return path;
}

static void test_helper_steps_are_journalled_and_restored(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *helper = fake_helper(f, "[ \"$1\" = restore ] && exit 0\n"
                                                     "echo 'journal 20261203T000000Z-allow-pcscd-abcdef'");
        TdFixPlan plan = { 0 };
        assert_int_equal(td_fix_plan_helper(&plan, "allow-pcscd", NULL, "rule"), 0);
        assert_true(td_fix_plan_is_privileged(&plan));
        TdRepairOptions o = options_for(f, helper);
        TdRepairOutcome out, undone;
        assert_int_equal(td_repair_apply(&o, "drivers.pcscd", &plan, &out), 0);
        assert_int_equal(td_repair_undo(&o, NULL, &undone), 0);
        _cleanup_free_ char *log_path = td_strdup_printf("%s/helper.log", f->dir);
        _cleanup_free_ char *log = read_text(log_path);
        assert_string_equal(log, "allow-pcscd\nrestore 20261203T000000Z-allow-pcscd-abcdef\n");
        td_repair_outcome_clear(&out);
        td_repair_outcome_clear(&undone);
        td_fix_plan_clear(&plan);
        td_repair_options_clear(&o);
}

static void test_helper_failure_rolls_back_the_files_before_it(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *conf = path_in(f, "app.conf");
        write_text(conf, "original\n", 0644);
        _cleanup_free_ char *before = snapshot(f);
        _cleanup_free_ char *helper = fake_helper(f, "echo 'refused: not allowed' >&2; exit 64");
        TdFixPlan plan = { 0 };
        assert_int_equal(td_fix_plan_write_file(&plan, conf, "new\n", 4, 0644, "write"), 0);
        assert_int_equal(td_fix_plan_helper(&plan, "install-package", "pcscd", "package"), 0);
        TdRepairOptions o = options_for(f, helper);
        TdRepairOutcome out;
        assert_true(td_repair_apply(&o, "drivers.pcscd", &plan, &out) < 0);
        assert_int_equal(out.failed_change, 1);
        assert_non_null(strstr(out.error, "refused: not allowed"));
        _cleanup_free_ char *after = snapshot(f);
        assert_string_equal(before, after);
        td_repair_outcome_clear(&out);

        /* No helper installed: say how to do the step by hand. */
        TdRepairOptions missing = options_for(f, "/nonexistent/tokendoctor-helper");
        assert_true(td_repair_apply(&missing, "drivers.pcscd", &plan, &out) < 0);
        assert_non_null(out.how_to);
        assert_non_null(strstr(out.how_to, "install-package pcscd"));
        _cleanup_free_ char *again = snapshot(f);
        assert_string_equal(before, again);
        td_repair_outcome_clear(&out);
        td_fix_plan_clear(&plan);
        td_repair_options_clear(&o);
        td_repair_options_clear(&missing);
}

static void test_plan_refuses_odd_paths(void **state) {
        TdFixPlan plan = { 0 };
        assert_int_equal(td_fix_plan_write_file(&plan, "relative/x", "", 0, 0644, "x"), -EINVAL);
        assert_int_equal(td_fix_plan_write_file(&plan, "/etc/../x", "", 0, 0644, "x"), -EINVAL);
        assert_int_equal(td_fix_plan_move_aside(&plan, "/a/x", "/b/x", "x"), -EINVAL);
        assert_int_equal(td_fix_plan_move_aside(&plan, "/a/x", "/a/x", "x"), -EINVAL);
        assert_int_equal(td_fix_plan_run(&plan, TD_STRV("sh", "-c", "x"), NULL, "x"), -EINVAL);
        assert_int_equal(plan.n_changes, 0);
        td_fix_plan_clear(&plan);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_id_shape),
                cmocka_unit_test_setup_teardown(test_journal_restores_files_links_and_absence, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_journal_rename_and_mkdir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_journal_refuses_bad_entries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_apply_and_undo_a_plan, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_half_way_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_helper_steps_are_journalled_and_restored, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_helper_failure_rolls_back_the_files_before_it, setup,
                                                teardown),
                cmocka_unit_test(test_plan_refuses_odd_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
