/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The probe session's findings, with small shell scripts in the probe's place (speaking its
 * protocol): the function named, a dead session failing fast without a new probe, a load
 * failure, C_Finalize at the end of the run.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/td-p11.h"
#include "td-util.h"
#include "tokendoctor/td-context.h"

/* Any ELF file of this machine passes the module's architecture check; the scripts ignore it. */
#define MODULE "/proc/self/exe"

static char dir[] = "/tmp/td-p11-session-XXXXXX";
static char log_path[128];

/* A fake probe: @body runs after it said it loaded the module; each start is logged. */
static void fake_probe(const char *load, const char *body) {
        char path[160];
        snprintf(path, sizeof path, "%s/probe", dir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\necho started >> %s\n%s\n%s\n", log_path,
                load ? load
                     : "echo 'enter C_GetFunctionList'; echo 'enter C_Initialize'; echo '{\"ready\":true}'",
                body);
        fclose(f);
        assert_int_equal(chmod(path, 0755), 0);
        assert_int_equal(setenv("TOKENDOCTOR_P11PROBE", path, 1), 0);
        unlink(log_path);
}

static int count_lines(const char *word) {
        FILE *f = fopen(log_path, "re");
        if (!f)
                return 0;
        char line[128];
        int n = 0;
        while (fgets(line, sizeof line, f))
                n += strncmp(line, word, strlen(word)) == 0;
        fclose(f);
        return n;
}

static int setup(void **state) {
        if (!mkdtemp(dir))
                return -1;
        snprintf(log_path, sizeof log_path, "%s/log", dir);
        return 0;
}

static int teardown(void **state) {
        char cmd[96];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static const uint8_t challenge[32] = { 1, 2, 3 };

static void test_crash_names_the_call_and_later_requests_fail_fast(void **state) {
        fake_probe(NULL, "read req; echo 'enter C_GetSlotList'; kill -SEGV $$");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        assert_int_equal(td_p11_list(ctx, MODULE, 5000, &l), 0);
        assert_string_equal(l->cause, "module.crash");
        assert_string_equal(l->call, "C_GetSlotList");
        assert_non_null(strstr(l->message, MODULE " crashed in C_GetSlotList (Segmentation fault)"));

        int64_t start = td_now_monotonic_ms();
        TdP11Signature sig;
        char pin[] = "123456";
        assert_int_equal(td_p11_sign(ctx, l->module, "serial", "01", challenge, sizeof challenge, pin, false,
                                     5000, &sig),
                         0);
        assert_int_equal(sig.outcome, TD_P11_CRASH);
        assert_string_equal(sig.message, l->message);
        assert_string_equal(sig.call, "C_GetSlotList");
        td_p11_signature_clear(&sig);
        TdP11PinState st;
        assert_int_equal(td_p11_pin_state(ctx, l->module, "serial", 5000, &st), 0);
        assert_string_equal(st.cause, "module.crash");
        td_p11_pin_state_clear(&st);
        assert_true(td_now_monotonic_ms() - start < 200);
        assert_int_equal(count_lines("started"), 1); /* no second probe */
        td_context_unref(ctx);
}

static void test_hang_is_stopped_and_remembered(void **state) {
        fake_probe(NULL, "read req; echo 'enter C_GetSlotList'; sleep 30");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_p11_list(ctx, MODULE, 400, &l), 0);
        int64_t took = td_now_monotonic_ms() - start;
        assert_true(took >= 400 && took < 2500);
        assert_string_equal(l->cause, "module.hang");
        assert_string_equal(l->call, "C_GetSlotList");
        assert_non_null(strstr(l->message, "hangs in C_GetSlotList"));

        start = td_now_monotonic_ms();
        TdP11Signature sig;
        assert_int_equal(td_p11_sign(ctx, l->module, "serial", "01", challenge, sizeof challenge, NULL,
                                     false, 5000, &sig),
                         0);
        assert_int_equal(sig.outcome, TD_P11_HANG);
        assert_string_equal(sig.message, l->message);
        assert_true(td_now_monotonic_ms() - start < 200);
        td_p11_signature_clear(&sig);
        assert_int_equal(count_lines("started"), 1);
        td_context_unref(ctx);
}

static void test_closed_output_then_hang(void **state) {
        /* A probe that closed its output but lives on is not taken for dead: it hangs. */
        fake_probe(NULL, "read req; echo 'enter C_OpenSession'; exec >&-; sleep 30");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_p11_list(ctx, MODULE, 400, &l), 0);
        assert_true(td_now_monotonic_ms() - start < 2500);
        assert_string_equal(l->cause, "module.hang");
        assert_string_equal(l->call, "C_OpenSession");
        td_context_unref(ctx);
}

static void test_crash_at_load(void **state) {
        fake_probe("echo 'enter C_GetFunctionList'; echo 'enter C_Initialize'; echo 'init failed' >&2; kill "
                   "-SEGV $$",
                   "");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        assert_int_equal(td_p11_list(ctx, MODULE, 5000, &l), 0);
        assert_string_equal(l->cause, "module.crash");
        assert_string_equal(l->call, "C_Initialize");
        assert_non_null(strstr(l->message, "crashed in C_Initialize"));
        assert_string_equal(l->probe_stderr, "init failed\n");
        td_context_unref(ctx);
}

static void test_module_that_is_no_file(void **state) {
        /* A FIFO where the module belongs: told at once, no probe started, no wait on the open. */
        char fifo[160];
        snprintf(fifo, sizeof fifo, "%s/module.so", dir);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        fake_probe(NULL, "");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(td_p11_list(ctx, fifo, 5000, &l), 0);
        assert_true(td_now_monotonic_ms() - start < 1000);
        assert_string_equal(l->cause, "module.missing");
        assert_non_null(strstr(l->message, "is not a library file (a FIFO, socket or device node)"));
        assert_int_equal(count_lines("started"), 0);
        td_context_unref(ctx);
        unlink(fifo);
}

static void test_load_failure(void **state) {
        fake_probe("echo 'enter C_GetFunctionList'; echo '{\"error\":\"load\",\"message\":\"no such "
                   "file\"}'; exit 3",
                   "");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        assert_int_equal(td_p11_list(ctx, MODULE, 5000, &l), 0);
        assert_string_equal(l->cause, "module.missing");
        assert_string_equal(l->message, MODULE ": no such file");
        td_context_unref(ctx);
}

static void test_failure_names_the_return_code(void **state) {
        /* A module whose C_Initialize fails: p11-kit's words and, for support, the CK_RV. */
        fake_probe("echo 'enter C_GetFunctionList'; echo 'enter C_Initialize'; echo "
                   "'{\"error\":\"initialize\",\"message\":\"General error\",\"ckr\":5}'; exit 3",
                   "");
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        assert_int_equal(td_p11_list(ctx, MODULE, 5000, &l), 0);
        assert_string_equal(l->cause, "module.missing");
        assert_string_equal(l->message, MODULE ": General error (CKR 0x00000005)");
        td_context_unref(ctx);

        /* A signing step that failed, as the probe answers it. */
        TdP11Signature sig;
        assert_int_equal(td_p11_parse_signature("{\"result\":\"sign-failed\",\"step\":\"C_Sign\","
                                                "\"ckr\":48,\"message\":\"Device error\"}",
                                                &sig),
                         0);
        assert_int_equal(sig.outcome, TD_P11_FAILED);
        assert_string_equal(sig.message, "C_Sign: Device error (CKR 0x00000030)");
        td_p11_signature_clear(&sig);
        assert_int_equal(td_p11_parse_signature("{\"result\":\"login-failed\",\"step\":\"C_Login\","
                                                "\"ckr\":0,\"message\":\"no code\"}",
                                                &sig),
                         0);
        assert_string_equal(sig.message, "C_Login: no code");
        td_p11_signature_clear(&sig);
}

static void test_session_answers_and_finalizes_at_the_end(void **state) {
        /* One probe answers the listing and the PIN flags; when the run ends its input closes,
         * and it finalises. The PIN never arrives when none is needed. */
        char body[1024];
        snprintf(body, sizeof body,
                 "read req; echo 'enter C_GetSlotList'; echo '{\"slots\":[{\"token\":{\"initialized\":true,"
                 "\"serial\":\"S1\",\"label\":\"t\",\"pin_final_try\":true}}]}'\n"
                 "read req; echo 'enter C_GetTokenInfo'; echo '{\"present\":true,\"pin_locked\":true}'\n"
                 "read req; echo finalized >> %s",
                 log_path);
        fake_probe(NULL, body);
        TdContext *ctx = td_context_new();
        const TdP11Listing *l;
        assert_int_equal(td_p11_list(ctx, MODULE, 5000, &l), 0);
        assert_null(l->cause);
        assert_int_equal(l->n_tokens, 1);
        assert_true(l->tokens[0].pin_final_try);
        TdP11PinState st;
        assert_int_equal(td_p11_pin_state(ctx, l->module, "S1", 5000, &st), 0);
        assert_null(st.cause);
        assert_true(st.present);
        assert_true(st.pin_locked);
        td_p11_pin_state_clear(&st);
        assert_int_equal(count_lines("finalized"), 0);
        td_context_unref(ctx);
        assert_int_equal(count_lines("finalized"), 1);
        assert_int_equal(count_lines("started"), 1);
}

static bool all_zero(const volatile char *p, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (p[i])
                        return false;
        return true;
}

typedef struct {
        TdContext *ctx;
        char *pin;
        TdP11Signature sig;
        int r;
} SignCall;

static void *sign_in_thread(void *p) {
        SignCall *call = p;
        call->r = td_p11_sign(call->ctx, MODULE, "S1", "01", challenge, sizeof challenge, call->pin, false,
                              10000, &call->sig);
        return NULL;
}

static void test_pin_wiped_once_in_the_pipe(void **state) {
        /* The probe has the PIN and takes its time to answer: our copy is gone meanwhile. */
        char body[512];
        snprintf(body, sizeof body,
                 "read req; read pin; echo got-pin >> %s; sleep 2; echo "
                 "'{\"error\":\"x\",\"message\":\"m\"}'",
                 log_path);
        fake_probe(NULL, body);
        char pin[] = "73915486";
        SignCall call = { .ctx = td_context_new(), .pin = pin };
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, sign_in_thread, &call), 0);
        for (int i = 0; i < 500 && count_lines("got-pin") == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(count_lines("got-pin"), 1);
        /* Still waiting for the answer (the probe sleeps), and the PIN is no longer here. */
        assert_true(all_zero((const volatile char *) pin, sizeof pin - 1));
        pthread_join(thread, NULL);
        assert_int_equal(call.r, 0);
        td_p11_signature_clear(&call.sig);
        td_context_unref(call.ctx);
}

static void test_pin_with_line_break_never_sent(void **state) {
        fake_probe(NULL, "read req; echo sent >> /dev/null; sleep 30");
        TdContext *ctx = td_context_new();
        TdP11Signature sig;
        char pin[] = "12\n{\"op\":\"list\"}";
        assert_int_equal(
                td_p11_sign(ctx, MODULE, "S1", "01", challenge, sizeof challenge, pin, false, 5000, &sig),
                0);
        assert_int_equal(sig.outcome, TD_P11_PIN_INVALID);
        /* Refused, and wiped all the same: the caller's copy never outlives the call. */
        assert_true(all_zero(pin, sizeof pin - 1));
        td_p11_signature_clear(&sig);
        assert_int_equal(count_lines("started"), 0);
        td_context_unref(ctx);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crash_names_the_call_and_later_requests_fail_fast),
                cmocka_unit_test(test_hang_is_stopped_and_remembered),
                cmocka_unit_test(test_closed_output_then_hang),
                cmocka_unit_test(test_crash_at_load),
                cmocka_unit_test(test_load_failure),
                cmocka_unit_test(test_failure_names_the_return_code),
                cmocka_unit_test(test_session_answers_and_finalizes_at_the_end),
                cmocka_unit_test(test_pin_with_line_break_never_sent),
                cmocka_unit_test(test_module_that_is_no_file),
                cmocka_unit_test(test_pin_wiped_once_in_the_pipe),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
