/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.pcscd against fixture roots holding a dpkg database and systemd unit files, with the
 * PC/SC answer given through td_pcsc_state_override(): no pcscd runs. The rig test
 * (tests/integration/test_pcsc_checks.py) asks a real one.
 */
#include "check-fixture.h"
#include "platform/td-pcsc.h"

extern const TdCheck td_check_drivers_pcscd;

#define STATUS_FILE "var/lib/dpkg/status"
#define STANZA(name, status, version)                                                                       \
        "Package: " name "\nStatus: " status "\nArchitecture: amd64\nVersion: " version "\n\n"
#define WITH_PCSCD                                                                                          \
        STANZA("libc6", "install ok installed", "2.36-9") STANZA("pcscd", "install ok installed", "1.9.9-2")
#define WITHOUT_PCSCD STANZA("libc6", "install ok installed", "2.36-9")

#define LIB_SOCKET "usr/lib/systemd/system/pcscd.socket"
#define LIB_SERVICE "usr/lib/systemd/system/pcscd.service"
#define ETC_SOCKET "etc/systemd/system/pcscd.socket"
#define ETC_WANTS "etc/systemd/system/sockets.target.wants/pcscd.socket"

/* Debian's units, shortened: what matters here is that they are non-empty regular files. */
#define SOCKET_UNIT "[Socket]\nListenStream=/run/pcscd/pcscd.comm\n[Install]\nWantedBy=sockets.target\n"
#define SERVICE_UNIT "[Unit]\nRequires=pcscd.socket\n[Service]\nExecStart=/usr/sbin/pcscd --foreground\n"

/* What pcsc-lite says when nothing listens, or when pcscd drops the client (polkit). */
static TdPcscState *state_with(const char *cause, const char *error, size_t n_readers) {
        TdPcscState *st = calloc(1, sizeof *st);
        assert_non_null(st);
        st->cause = cause;
        st->error = error ? strdup(error) : NULL;
        /* td_pcsc_state_free() frees every reader's name. */
        st->readers = calloc(n_readers ? n_readers : 1, sizeof *st->readers);
        assert_non_null(st->readers);
        for (size_t i = 0; i < n_readers; i++) {
                st->readers[i].name = td_strdup_printf("Reader %zu", i);
                assert_non_null(st->readers[i].name);
        }
        st->n_readers = n_readers;
        return st;
}

static TdPcscState *not_answering(void) {
        return state_with("pcscd.down", "Service not available. (0x8010001D)", 0);
}

/* A root with pcscd installed from Debian's package, its socket enabled as its postinst does. */
static char *debian_root(void) {
        char *root = fixture_new_root("pcscd");
        fixture_write_text(root, STATUS_FILE, WITH_PCSCD);
        fixture_write_text(root, LIB_SOCKET, SOCKET_UNIT);
        fixture_write_text(root, LIB_SERVICE, SERVICE_UNIT);
        fixture_symlink(root, ETC_WANTS, "/lib/systemd/system/pcscd.socket");
        return root;
}

/* Run drivers.pcscd on @root (taken and removed) with PC/SC answering @state (taken). */
static void run_on(char *root, TdPcscState *state, TdResult *result) {
        TdContext *ctx = fixture_context(root, NULL);
        assert_int_equal(td_pcsc_state_override(ctx, state), 0);
        fixture_run_in(&td_check_drivers_pcscd, ctx, result);
        fixture_remove(root);
}

static void remove_file(const char *root, const char *rel) {
        char *path = td_strdup_printf("%s/%s", root, rel);
        assert_non_null(path);
        assert_int_equal(unlink(path), 0);
        free(path);
}

static void test_answering_passes(void **state) {
        /* Whatever the files say: a root where pcscd is not even installed. */
        char *root = fixture_new_root("pcscd");
        fixture_write_text(root, STATUS_FILE, WITHOUT_PCSCD);
        TdResult r;
        run_on(root, state_with(NULL, NULL, 2), &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail_json(&r, "readers", "2");
        assert_false(td_result_has_detail(&r, "units"));
        assert_false(td_result_has_detail(&r, "package"));
        td_result_clear(&r);
}

static void test_package_missing(void **state) {
        TdResult r;
        char *root = debian_root();
        fixture_write_text(root, STATUS_FILE, WITHOUT_PCSCD);
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.missing");
        assert_message_contains(&r, "pcscd is not on this computer");
        assert_detail_json(&r, "package",
                           "{\"name\":\"pcscd\",\"installed\":false,\"state\":null,\"version\":null}");
        td_result_clear(&r);

        /* Removed, its settings left: still missing, and the state is named. */
        root = debian_root();
        fixture_write_text(root, STATUS_FILE,
                           WITHOUT_PCSCD STANZA("pcscd", "deinstall ok config-files", "1.9.9-2"));
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.missing");
        assert_message_contains(&r, "config-files");
        assert_detail_json(&r, "package.installed", "false");
        assert_detail(&r, "package.state", "config-files");
        td_result_clear(&r);
}

static void test_socket_masked(void **state) {
        TdResult r;
        char *root = debian_root();
        fixture_symlink(root, ETC_SOCKET, "/dev/null");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        assert_message_contains(&r, "masked");
        /* The repair unmasks it; the user is not told to run systemctl. */
        assert_null(strstr(r.message, "systemctl"));
        assert_message_contains(&r, "/etc/systemd/system/pcscd.socket");
        assert_detail(&r, "units.0.name", "pcscd.socket");
        assert_detail(&r, "units.0.state", "masked");
        assert_detail(&r, "units.1.state", "disabled");
        td_result_clear(&r);

        /* `systemctl mask --runtime` masks in /run, which also comes before /usr/lib. */
        root = debian_root();
        fixture_symlink(root, "run/systemd/system/pcscd.socket", "/dev/null");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        assert_detail(&r, "units.0.file", "/run/systemd/system/pcscd.socket");
        td_result_clear(&r);
}

static void test_socket_disabled(void **state) {
        TdResult r;
        char *root = debian_root();
        remove_file(root, ETC_WANTS);
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        assert_message_contains(&r, "not enabled");
        assert_null(strstr(r.message, "unmask"));
        assert_detail(&r, "units.0.state", "disabled");
        assert_detail_json(&r, "units.0.wanted_by", "null");
        assert_detail(&r, "units.0.file", "/usr/lib/systemd/system/pcscd.socket");
        td_result_clear(&r);

        /* An administrator's /dev/null in /etc masks the package's own link in /usr/lib. */
        root = debian_root();
        remove_file(root, ETC_WANTS);
        fixture_symlink(root, "usr/lib/systemd/system/sockets.target.wants/pcscd.socket", "../pcscd.socket");
        fixture_symlink(root, ETC_WANTS, "/dev/null");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        td_result_clear(&r);
}

static void test_enabled_not_answering(void **state) {
        TdResult r;
        run_on(debian_root(), not_answering(), &r);
        /* Stopped or failed at run time: the files cannot tell which, so no more is claimed. */
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.down");
        /* What it means first; PC/SC's words and the unit link after, for support. */
        assert_true(td_startswith(r.message, "The smart card service (pcscd) is not running"));
        assert_message_contains(&r, "(pcscd: Service not available, 0x8010001D; ");
        assert_message_contains(&r, "/etc/systemd/system/sockets.target.wants/pcscd.socket)");
        assert_null(strstr(r.message, "(0x"));
        assert_detail(&r, "pcsc_error", "Service not available. (0x8010001D)");
        assert_detail(&r, "units.0.state", "enabled");
        assert_detail(&r, "units.0.wanted_by", "/etc/systemd/system/sockets.target.wants/pcscd.socket");
        assert_detail_json(&r, "package.installed", "true");
        assert_detail(&r, "package.version", "1.9.9-2");
        td_result_clear(&r);

        /* Enabled by the vendor: a link in /usr/lib's sockets.target.wants pulls it in at boot too. */
        char *root = debian_root();
        remove_file(root, ETC_WANTS);
        fixture_symlink(root, "usr/lib/systemd/system/sockets.target.wants/pcscd.socket", "../pcscd.socket");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.down");
        assert_detail(&r, "units.0.wanted_by", "/usr/lib/systemd/system/sockets.target.wants/pcscd.socket");
        td_result_clear(&r);
}

static void test_cannot_start(void **state) {
        TdResult r;
        /* The socket is enabled, its service masked: socket activation has nothing to start. */
        char *root = debian_root();
        fixture_symlink(root, "etc/systemd/system/pcscd.service", "/dev/null");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.failed");
        assert_message_contains(&r, "pcscd.service is masked");
        assert_null(strstr(r.message, "systemctl"));
        assert_detail(&r, "units.1.state", "masked");
        td_result_clear(&r);

        /* The package is installed but its socket unit is gone. */
        root = debian_root();
        remove_file(root, LIB_SOCKET);
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.failed");
        assert_message_contains(&r, "pcscd.socket is missing");
        assert_detail(&r, "units.0.state", "absent");
        assert_detail_json(&r, "units.0.file", "null");
        td_result_clear(&r);
}

static void test_denied(void **state) {
        TdResult r;
        run_on(debian_root(), state_with("pcscd.denied", "Access denied. (0x8010006A)", 0), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.denied");
        assert_message_contains(&r, "polkit");
        td_result_clear(&r);

        /*
         * A refusal is a running pcscd answering: even where the files say it is not installed
         * (a vendor's build) or not enabled (started by a script), the repair is the polkit rule.
         */
        char *root = debian_root();
        fixture_write_text(root, STATUS_FILE, WITHOUT_PCSCD);
        remove_file(root, ETC_WANTS);
        run_on(root, state_with("pcscd.denied", "Access denied. (0x8010006A)", 0), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.denied");
        td_result_clear(&r);
}

static void test_nothing_known(void **state) {
        /* No dpkg database, no unit files (another distribution, or an empty copy): what PC/SC said. */
        TdResult r;
        run_on(fixture_new_root("pcscd"), not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.down");
        assert_message_contains(&r, "is not running");
        assert_message_contains(&r, "(pcscd: Service not available, 0x8010001D)");
        assert_detail_json(&r, "package.installed", "null");
        assert_detail(&r, "units.0.state", "absent");
        assert_detail(&r, "units.1.state", "absent");
        td_result_clear(&r);
}

static void test_hostile_roots(void **state) {
        TdResult r;

        /*
         * A link to an empty file of this machine's, outside the root: followed out of the root
         * it would read as a mask. Inside the root it names nothing, so systemd (and this check)
         * skip it and find the package's unit: enabled, not masked.
         */
        char *outside = fixture_new_root("pcscd-outside");
        fixture_write_text(outside, "empty.socket", "");
        char *target = td_strdup_printf("%s/empty.socket", outside);
        assert_non_null(target);
        char *root = debian_root();
        fixture_symlink(root, ETC_SOCKET, target);
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.down");
        assert_detail(&r, "units.0.file", "/usr/lib/systemd/system/pcscd.socket");
        td_result_clear(&r);
        free(target);
        fixture_remove(outside);

        /* Climbing out of the root ends at its top, as on the customer's machine: /dev/null. */
        root = debian_root();
        fixture_symlink(root, ETC_SOCKET, "../../../../../../../../../../dev/null");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        assert_detail(&r, "units.0.state", "masked");
        td_result_clear(&r);

        /* A FIFO as the unit file: looked at, never opened, so nothing waits for a writer. */
        root = debian_root();
        remove_file(root, LIB_SOCKET);
        fixture_mkfifo(root, LIB_SOCKET);
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.failed");
        /* The file error's own parenthesis is a part of the message's, not one inside it. */
        assert_message_contains(&r,
                                "not a regular file, a FIFO, socket or device node, so it was not read)");
        assert_detail(&r, "units.0.state", "broken");
        assert_detail(&r, "units.0.error", "not a regular file");
        td_result_clear(&r);

        /* A loop of links where the unit file should be. */
        root = debian_root();
        fixture_symlink(root, ETC_SOCKET, "pcscd-loop.socket");
        fixture_symlink(root, "etc/systemd/system/pcscd-loop.socket", "pcscd.socket");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.failed");
        assert_message_contains(&r, "loop");
        assert_detail(&r, "units.0.state", "broken");
        assert_detail(&r, "units.0.error", "a loop of symbolic links");
        td_result_clear(&r);

        /* FIFOs where the load path's directories should be: nothing there, no wait. */
        root = fixture_new_root("pcscd");
        fixture_write_text(root, STATUS_FILE, WITH_PCSCD);
        fixture_write_text(root, LIB_SOCKET, SOCKET_UNIT);
        fixture_write_text(root, LIB_SERVICE, SERVICE_UNIT);
        fixture_mkfifo(root, "etc/systemd/system");
        fixture_mkfifo(root, "usr/lib/systemd/system/sockets.target.wants");
        run_on(root, not_answering(), &r);
        assert_verdict(&r, TD_STATUS_FAIL, "pcscd.disabled");
        td_result_clear(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_answering_passes),
                cmocka_unit_test(test_package_missing),
                cmocka_unit_test(test_socket_masked),
                cmocka_unit_test(test_socket_disabled),
                cmocka_unit_test(test_enabled_not_answering),
                cmocka_unit_test(test_cannot_start),
                cmocka_unit_test(test_denied),
                cmocka_unit_test(test_nothing_known),
                cmocka_unit_test(test_hostile_roots),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
