/* SPDX-License-Identifier: GPL-3.0-or-later */
/* os.release against fixture roots, and the os-release / KEY=value parser underneath it. */
#include "check-fixture.h"
#include "platform/td-os-release.h"

extern const TdCheck td_check_os_release;

#define DEBIAN_12                                                                                           \
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"                                                  \
        "NAME=\"Debian GNU/Linux\"\n"                                                                       \
        "VERSION_ID=\"12\"\n"                                                                               \
        "VERSION=\"12 (bookworm)\"\n"                                                                       \
        "VERSION_CODENAME=bookworm\n"                                                                       \
        "ID=debian\n"                                                                                       \
        "HOME_URL=\"https://www.debian.org/\"\n"

#define DEBIAN_9                                                                                            \
        "PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\n"                                                    \
        "NAME=\"Debian GNU/Linux\"\n"                                                                       \
        "VERSION_ID=\"9\"\n"                                                                                \
        "ID=debian\n"

#define UOS_20                                                                                              \
        "PRETTY_NAME=\"UnionTech OS Desktop 20 Pro\"\n"                                                     \
        "NAME=\"uos\"\n"                                                                                    \
        "VERSION_ID=\"20\"\n"                                                                               \
        "VERSION=\"20\"\n"                                                                                  \
        "ID=uos\n"                                                                                          \
        "HOME_URL=\"https://www.chinauos.com/\"\n"

#define KYLIN_V10                                                                                           \
        "NAME=\"Kylin\"\n"                                                                                  \
        "VERSION=\"银河麒麟桌面操作系统V10 (SP1)\"\n"                                             \
        "VERSION_US=\"Kylin Linux Desktop V10 (SP1)\"\n"                                                    \
        "ID=kylin\n"                                                                                        \
        "ID_LIKE=debian\n"                                                                                  \
        "PRETTY_NAME=\"Kylin V10 SP1\"\n"                                                                   \
        "VERSION_ID=\"v10\"\n"

#define DEEPIN_20                                                                                           \
        "PRETTY_NAME=\"Deepin 20.9\"\n"                                                                     \
        "NAME=\"Deepin\"\n"                                                                                 \
        "VERSION_ID=\"20.9\"\n"                                                                             \
        "VERSION=\"20.9\"\n"                                                                                \
        "ID=Deepin\n"                                                                                       \
        "HOME_URL=\"https://www.deepin.org/\"\n"

#define ARCH_LINUX                                                                                          \
        "NAME=\"Arch Linux\"\n"                                                                             \
        "PRETTY_NAME=\"Arch Linux\"\n"                                                                      \
        "ID=arch\n"                                                                                         \
        "BUILD_ID=rolling\n"

#define MINT_21                                                                                             \
        "NAME=\"Linux Mint\"\n"                                                                             \
        "VERSION=\"21.2 (Victoria)\"\n"                                                                     \
        "ID=linuxmint\n"                                                                                    \
        "ID_LIKE=\"ubuntu debian\"\n"                                                                       \
        "PRETTY_NAME=\"Linux Mint 21.2\"\n"                                                                 \
        "VERSION_ID=\"21.2\"\n"

/* Run os.release on a fresh root holding @text as /etc/os-release (NULL: no file). */
static void run_with(const char *text, TdProfile *profile, TdResult *result, char **ret_root) {
        char *root = fixture_new_root("os-release");
        if (text)
                fixture_write_text(root, "etc/os-release", text);
        fixture_run(&td_check_os_release, root, profile, result);
        if (ret_root)
                *ret_root = root;
        else
                fixture_remove(root);
}

static void test_debian_12_passes(void **state) {
        TdResult r;
        run_with(DEBIAN_12, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "id", "debian");
        assert_detail(&r, "version_id", "12");
        assert_detail(&r, "pretty_name", "Debian GNU/Linux 12 (bookworm)");
        assert_detail(&r, "machine", td_os_machine());
        assert_detail(&r, "file", "/etc/os-release");
        td_result_clear(&r);
}

static void test_uos_20_passes(void **state) {
        TdResult r;
        run_with(UOS_20, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "id", "uos");
        assert_detail(&r, "pretty_name", "UnionTech OS Desktop 20 Pro");
        td_result_clear(&r);
}

static void test_kylin_v10_passes(void **state) {
        /* VERSION_ID "v10" against the profile's "V10": case and the V prefix do not matter. */
        TdResult r;
        run_with(KYLIN_V10, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "version_id", "v10");
        td_result_clear(&r);
}

static void test_kylin_v4_too_old(void **state) {
        /* "V4" < "V10" numerically, although "V4" > "V10" as text. */
        TdResult r;
        run_with("ID=kylin\nVERSION_ID=\"V4\"\nPRETTY_NAME=\"Kylin 4.0.2\"\n", NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_message_contains(&r, "V4");
        td_result_clear(&r);

        /* Lower-case too: "v4" must not sort after every number because of its letter. */
        run_with("ID=kylin\nVERSION_ID=v4\n", NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        td_result_clear(&r);
}

static void test_deepin_20_passes(void **state) {
        /* deepin writes ID=Deepin, capitalised. */
        TdResult r;
        run_with(DEEPIN_20, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "id", "Deepin");
        td_result_clear(&r);
}

static void test_unknown_distribution_fails(void **state) {
        TdResult r;
        run_with(ARCH_LINUX, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_message_contains(&r, "Arch Linux");
        assert_message_contains(&r, "debian 10");
        td_result_clear(&r);
}

static void test_old_debian_fails(void **state) {
        TdResult r;
        run_with(DEBIAN_9, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_message_contains(&r, "9");
        assert_message_contains(&r, "10");
        td_result_clear(&r);
}

static void test_derivative_warns(void **state) {
        TdResult r;
        run_with(MINT_21, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_WARN, "os.unsupported");
        assert_message_contains(&r, "derivative");
        assert_message_contains(&r, "ubuntu");
        td_result_clear(&r);
}

static void test_missing_file_fails(void **state) {
        TdResult r;
        run_with(NULL, NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_message_contains(&r, "cannot be identified");
        assert_null(td_result_get_detail(&r, "id"));
        td_result_clear(&r);
}

static void test_garbage_fails(void **state) {
        static const unsigned char garbage[] = { 0x7f, 'E', 'L',  'F',  0x02, 0x01, 0x00, 0xff, 0xfe,
                                                 '\n', '=', '=',  '\n', 0x00, 'I',  'D',  '=',  'x',
                                                 '\n', '"', '\'', '\n', 0xc3, 0x28, '\n' };
        char *root = fixture_new_root("os-release");
        fixture_write(root, "etc/os-release", garbage, sizeof garbage);
        TdResult r;
        fixture_run(&td_check_os_release, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_message_contains(&r, "cannot be identified");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_usr_lib_fallback(void **state) {
        char *root = fixture_new_root("os-release");
        fixture_write_text(root, "usr/lib/os-release", UOS_20);
        TdResult r;
        fixture_run(&td_check_os_release, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "file", "/usr/lib/os-release");
        assert_detail(&r, "id", "uos");
        td_result_clear(&r);

        /* os-release(5): when /etc/os-release exists it wins. */
        fixture_write_text(root, "etc/os-release", DEBIAN_9);
        fixture_run(&td_check_os_release, root, NULL, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "os.unsupported");
        assert_detail(&r, "file", "/etc/os-release");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_no_version_warns(void **state) {
        TdResult r;
        run_with("ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n", NULL, &r, NULL);
        assert_verdict(&r, TD_STATUS_WARN, "os.unsupported");
        td_result_clear(&r);
}

/* An architecture that is not this machine's. */
static const char *other_arch(void) {
        return streq(td_os_machine(), "s390x") ? "x86_64" : "s390x";
}

static void test_arch_unsupported(void **state) {
        TdProfile *p = fixture_profile();
        td_strv_free(p->arch_supported);
        p->arch_supported = td_strv_split(other_arch(), ",");
        assert_non_null(p->arch_supported);

        TdResult r;
        run_with(DEBIAN_12, p, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "arch.unsupported");
        assert_message_contains(&r, td_os_machine());
        assert_message_contains(&r, other_arch());
        td_result_clear(&r);

        /* The CPU decides even where the distribution is unknown too. */
        p = fixture_profile();
        td_strv_free(p->arch_supported);
        p->arch_supported = td_strv_split(other_arch(), ",");
        run_with(ARCH_LINUX, p, &r, NULL);
        assert_verdict(&r, TD_STATUS_FAIL, "arch.unsupported");
        td_result_clear(&r);
}

static void test_arch_debian_alias(void **state) {
        static const struct {
                const char *machine, *debian;
        } names[] = {
                { "x86_64", "amd64" },      { "aarch64", "arm64" }, { "loongarch64", "loong64" },
                { "mips64el", "mips64el" }, { "i686", "i386" },     { "riscv64", "riscv64" },
        };
        const char *debian = NULL;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(names[i].machine, td_os_machine()))
                        debian = names[i].debian;
        if (!debian)
                skip();

        TdProfile *p = fixture_profile();
        td_strv_free(p->arch_supported);
        p->arch_supported = td_strv_split(debian, ",");
        TdResult r;
        run_with(DEBIAN_12, p, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_profile_without_matrix_accepts_any(void **state) {
        TdProfile *p = fixture_profile();
        for (size_t i = 0; i < p->n_os_supported; i++) {
                free(p->os_supported[i].id);
                free(p->os_supported[i].min_version);
        }
        free(p->os_supported);
        p->os_supported = NULL;
        p->n_os_supported = 0;

        TdResult r;
        run_with(ARCH_LINUX, p, &r, NULL);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

/* The parser on its own. */

typedef struct {
        char text[1024];
} Collected;

static int collect(const char *key, const char *value, void *user) {
        Collected *c = user;
        size_t used = strlen(c->text);
        snprintf(c->text + used, sizeof c->text - used, "%s=[%s];", key, value);
        return 0;
}

static void assert_parses(const char *input, size_t len, const char *expected) {
        Collected c = { "" };
        assert_int_equal(td_assignments_parse(input, len, collect, &c), 0);
        assert_string_equal(c.text, expected);
}

static void test_parser_quoting(void **state) {
        static const char text[] = "# comment\n"
                                   "\n"
                                   "   \t\n"
                                   "A=plain\n"
                                   "B=\"double quoted\"\n"
                                   "C='single $quoted \\n'\n"
                                   "D=\"esc \\\"q\\\" \\\\ \\$x \\`y\\` \\n kept\"\n"
                                   "E=un\\ quoted\\\"\n"
                                   "F=\"con\"'cat'enated\n"
                                   "export G=exported\n"
                                   "H=\"trailing\"   # comment\n"
                                   "I=Foo Linux  \n"
                                   "J=\n"
                                   "K=crlf\r\n"
                                   "  L  = spaced\n";
        assert_parses(text, sizeof text - 1,
                      "A=[plain];B=[double quoted];C=[single $quoted \\n];"
                      "D=[esc \"q\" \\ $x `y` \\n kept];E=[un quoted\"];F=[concatenated];"
                      "G=[exported];H=[trailing];I=[Foo Linux];J=[];K=[crlf];L=[spaced];");
}

static void test_parser_junk(void **state) {
        /* Junk lines are skipped and the good lines around them still count. */
        static const char text[] = "ID=debian\n"
                                   "this is not an assignment\n"
                                   "=novalue\n"
                                   "9KEY=digit first\n"
                                   "BAD KEY=x\n"
                                   "OPEN=\"unterminated\n"
                                   "OPEN2='unterminated\n"
                                   "NUL=a\0b\n"
                                   "VERSION_ID=12\n"
                                   "ID=ubuntu\n"
                                   "LAST=no newline";
        assert_parses(text, sizeof text - 1, "ID=[debian];VERSION_ID=[12];ID=[ubuntu];LAST=[no newline];");
        /* Not NUL-terminated: the parser must respect the length. */
        assert_parses("A=1\nB=2", 6, "A=[1];B=[];");
        assert_parses("", 0, "");
}

static int stop_at_b(const char *key, const char *value, void *user) {
        int *n = user;
        (*n)++;
        return streq(key, "B") ? -ECANCELED : 0;
}

static void test_parser_callback_stops(void **state) {
        int n = 0;
        assert_int_equal(td_assignments_parse("A=1\nB=2\nC=3\n", 12, stop_at_b, &n), -ECANCELED);
        assert_int_equal(n, 2);
}

static void test_os_release_parse(void **state) {
        TdOsRelease *rel = NULL;
        assert_int_equal(td_os_release_parse(KYLIN_V10, strlen(KYLIN_V10), &rel), 0);
        assert_string_equal(rel->id, "kylin");
        assert_string_equal(rel->id_like, "debian");
        assert_string_equal(rel->version_id, "v10");
        assert_string_equal(rel->name, "Kylin");
        assert_string_equal(rel->pretty_name, "Kylin V10 SP1");
        td_os_release_free(rel);

        /* Empty values are unset; the last assignment wins. */
        static const char text[] = "ID=\nNAME=one\nNAME=two\n";
        assert_int_equal(td_os_release_parse(text, sizeof text - 1, &rel), 0);
        assert_null(rel->id);
        assert_null(rel->version_id);
        assert_string_equal(rel->name, "two");
        td_os_release_free(rel);
        td_os_release_free(NULL);
}

static void test_machine_names(void **state) {
        assert_string_equal(td_os_machine_normalize("mips64", true), "mips64el");
        assert_string_equal(td_os_machine_normalize("mips64", false), "mips64");
        assert_string_equal(td_os_machine_normalize("mips", true), "mipsel");
        assert_string_equal(td_os_machine_normalize("i386", true), "i686");
        assert_string_equal(td_os_machine_normalize("i586", true), "i686");
        assert_string_equal(td_os_machine_normalize("x86_64", true), "x86_64");
        assert_string_equal(td_os_machine_normalize("loongarch64", true), "loongarch64");
        assert_string_equal(td_os_machine_normalize("aarch64", true), "aarch64");

        assert_string_equal(td_os_arch_from_debian("amd64"), "x86_64");
        assert_string_equal(td_os_arch_from_debian("ARM64"), "aarch64");
        assert_string_equal(td_os_arch_from_debian("loong64"), "loongarch64");
        assert_string_equal(td_os_arch_from_debian("mips64el"), "mips64el");
        assert_string_equal(td_os_arch_from_debian("i386"), "i686");
        assert_string_equal(td_os_arch_from_debian("riscv64"), "riscv64");
        assert_string_equal(td_os_arch_from_debian("x86_64"), "x86_64");

        assert_true(td_os_arch_equal("amd64", "x86_64"));
        assert_true(td_os_arch_equal("x86_64", "AMD64"));
        assert_true(td_os_arch_equal("arm64", "aarch64"));
        assert_true(td_os_arch_equal("loong64", "loongarch64"));
        assert_true(td_os_arch_equal("i386", "i686"));
        assert_true(td_os_arch_equal("mips64el", "mips64el"));
        assert_false(td_os_arch_equal("amd64", "aarch64"));
        assert_false(td_os_arch_equal("mips64", "mips64el"));
        assert_false(td_os_arch_equal(NULL, "x86_64"));

        const char *m = td_os_machine();
        assert_non_null(m);
        assert_true(m[0] != '\0');
        assert_string_not_equal(m, "unknown");
        assert_ptr_equal(m, td_os_machine());
}

/* A FIFO where the file belongs: no writer ever comes, so a blocking open would wait forever. */
static void test_fifo_is_refused_at_once(void **state) {
        char *root = fixture_new_root("os-release");
        fixture_mkfifo(root, "etc/os-release");
        fixture_write_text(root, "usr/lib/os-release", DEBIAN_12);
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(fixture_run_error(&td_check_os_release, root, NULL, &r), -ENODEV);
        assert_true(td_now_monotonic_ms() - start < 2000);
        /* The FIFO is what os-release(5) reads, so /usr/lib's file does not stand in for it. */
        assert_message_contains(&r, "/etc/os-release is not a regular file");
        assert_detail(&r, "file", "/etc/os-release");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_huge_file_is_refused(void **state) {
        char *root = fixture_new_root("os-release");
        fixture_write_sparse(root, "etc/os-release", (off_t) 1 << 32);
        TdResult r;
        assert_int_equal(fixture_run_error(&td_check_os_release, root, NULL, &r), -EFBIG);
        assert_message_contains(&r, "/etc/os-release is too large");
        td_result_clear(&r);
        fixture_remove(root);
}

/* The typed override stands in for the files: the root holds none. */
static void test_override(void **state) {
        char *root = fixture_new_root("os-release");
        TdContext *ctx = fixture_context(root, NULL);
        TdOsReleaseFact *fact = calloc(1, sizeof *fact);
        assert_non_null(fact);
        fact->file = "/usr/lib/os-release";
        assert_int_equal(td_os_release_parse(UOS_20, strlen(UOS_20), &fact->release), 0);
        assert_int_equal(td_os_release_override(ctx, fact), 0);

        TdResult r;
        td_result_init(&r, &td_check_os_release);
        assert_int_equal(td_check_os_release.run(ctx, &r), 0);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "id", "uos");
        assert_detail(&r, "file", "/usr/lib/os-release");
        td_result_clear(&r);

        /* Once the fact is read, an override would change what a check already saw. */
        TdOsReleaseFact *late = calloc(1, sizeof *late);
        assert_non_null(late);
        assert_int_equal(td_os_release_override(ctx, late), -EBUSY);
        td_context_unref(ctx);
        fixture_remove(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_debian_12_passes),
                cmocka_unit_test(test_fifo_is_refused_at_once),
                cmocka_unit_test(test_huge_file_is_refused),
                cmocka_unit_test(test_override),
                cmocka_unit_test(test_uos_20_passes),
                cmocka_unit_test(test_kylin_v10_passes),
                cmocka_unit_test(test_kylin_v4_too_old),
                cmocka_unit_test(test_deepin_20_passes),
                cmocka_unit_test(test_unknown_distribution_fails),
                cmocka_unit_test(test_old_debian_fails),
                cmocka_unit_test(test_derivative_warns),
                cmocka_unit_test(test_missing_file_fails),
                cmocka_unit_test(test_garbage_fails),
                cmocka_unit_test(test_usr_lib_fallback),
                cmocka_unit_test(test_no_version_warns),
                cmocka_unit_test(test_arch_unsupported),
                cmocka_unit_test(test_arch_debian_alias),
                cmocka_unit_test(test_profile_without_matrix_accepts_any),
                cmocka_unit_test(test_parser_quoting),
                cmocka_unit_test(test_parser_junk),
                cmocka_unit_test(test_parser_callback_stops),
                cmocka_unit_test(test_os_release_parse),
                cmocka_unit_test(test_machine_names),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
