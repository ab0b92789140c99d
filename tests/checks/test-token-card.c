/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * token.card's verdicts for reader states the virtual reader cannot produce (vpcd reports a card
 * that fails its power-up as removed, so a mute card never reaches pcscd from tokensim): the
 * PC/SC state is given to the context through td_pcsc_state_override(). The rig tests cover the
 * states a real pcscd reports.
 */
#include <stdlib.h>

#include "check-fixture.h"
#include "platform/td-pcsc.h"

extern const TdCheck td_check_token_card;

#define TOKENSIM_ATR 0x3B, 0x88, 0x80, 0x01, 0x56, 0x50, 0x49, 0x56, 0x43, 0x41, 0x52, 0x44, 0x04

typedef struct {
        TdPcscReader readers[4];
        size_t n;
} Readers;

/* A state as pcscd would report it, for td_pcsc_state_override(). */
static TdPcscState *fake_state(const Readers *in) {
        TdPcscState *st = calloc(1, sizeof *st);
        assert_non_null(st);
        st->readers = calloc(in->n ? in->n : 1, sizeof *st->readers);
        assert_non_null(st->readers);
        for (size_t i = 0; i < in->n; i++) {
                st->readers[i] = in->readers[i];
                st->readers[i].name = strdup(in->readers[i].name);
                assert_non_null(st->readers[i].name);
        }
        st->n_readers = in->n;
        return st;
}

static TdProfile *profile_with_atr(const char *root) {
        char *path = td_strdup_printf("%s/p.ini", root);
        assert_non_null(path);
        fixture_write_text(root, "p.ini",
                           "[platform]\nurl = https://platform.invalid/\n"
                           "[token.test-piv]\natr = 3B:88:80:01:56:50:49:56:*\n");
        TdProfile *p = NULL;
        char *error = NULL;
        assert_int_equal(td_profile_load_file(path, &p, &error), 0);
        free(error);
        free(path);
        return p;
}

static void run_card(const char *root, TdProfile *profile, Readers *readers, TdResult *result) {
        TdContext *ctx = fixture_context(root, profile);
        assert_int_equal(td_pcsc_state_override(ctx, fake_state(readers)), 0);
        td_result_init(result, &td_check_token_card);
        assert_int_equal(td_check_token_card.run(ctx, result), 0);
        td_context_unref(ctx);
}

static void test_mute_card(void **state) {
        char *root = fixture_new_root("token-card");
        Readers readers = {
                .n = 1,
                .readers = { { .name = "Feitian ePass2003 00 00", .card_present = true, .card_mute = true } }
        };
        TdResult r;
        run_card(root, NULL, &readers, &r);
        assert_verdict(&r, TD_STATUS_FAIL, "card.mute");
        assert_non_null(strstr(r.message, "Feitian ePass2003 00 00"));
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_answering_card_wins_over_a_mute_one(void **state) {
        char *root = fixture_new_root("token-card");
        Readers readers = { .n = 2,
                            .readers = { { .name = "Broken 00 00", .card_present = true, .card_mute = true },
                                         { .name = "Virtual PCD 00 00",
                                           .card_present = true,
                                           .atr = { TOKENSIM_ATR },
                                           .atr_len = 13 } } };
        TdResult r;
        run_card(root, profile_with_atr(root), &readers, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "reader", "Virtual PCD 00 00");
        assert_detail(&r, "model", "test-piv");
        assert_detail_json(&r, "exclusive", "false");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_atr_named_by_smartcard_list(void **state) {
        char *root = fixture_new_root("token-card");
        fixture_write_text(
                root, "usr/share/pcsc/smartcard_list.txt",
                "# comment\n3B 88 80 01 56 50 49 56 43 41 52 44 04\n\ttokensim virtual PIV card\n");
        Readers readers = { .n = 1,
                            .readers = { { .name = "Virtual PCD 00 00",
                                           .card_present = true,
                                           .exclusive = true,
                                           .atr = { TOKENSIM_ATR },
                                           .atr_len = 13 } } };
        TdResult r;
        run_card(root, NULL, &readers, &r);
        assert_verdict(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "model", "tokensim virtual PIV card");
        assert_detail(&r, "atr", "3B:88:80:01:56:50:49:56:43:41:52:44:04");
        assert_detail_json(&r, "exclusive", "true");
        td_result_clear(&r);
        fixture_remove(root);
}

static void test_no_card(void **state) {
        char *root = fixture_new_root("token-card");
        Readers readers = {
                .n = 2, .readers = { { .name = "A 00 00" }, { .name = "B 00 00", .card_present = true } }
        };
        TdResult r;
        run_card(root, NULL, &readers, &r);
        /* A "present" card without an ATR does not answer either: still absent, not a pass. */
        assert_verdict(&r, TD_STATUS_FAIL, "card.absent");
        td_result_clear(&r);
        fixture_remove(root);
}

/* The override is what checks see, and only until the state was read. */
static void test_override_is_the_state(void **state) {
        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        Readers readers = { .n = 1, .readers = { { .name = "Override 00 00" } } };
        TdPcscState *st = fake_state(&readers);
        assert_int_equal(td_pcsc_state_override(ctx, st), 0);
        const TdPcscState *got;
        assert_int_equal(td_pcsc_get_state(ctx, &got), 0);
        assert_ptr_equal(got, st);
        assert_string_equal(got->readers[0].name, "Override 00 00");
        assert_int_equal(td_pcsc_state_override(ctx, fake_state(&readers)), -EBUSY);
        td_context_unref(ctx);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mute_card),
                cmocka_unit_test(test_answering_card_wins_over_a_mute_one),
                cmocka_unit_test(test_atr_named_by_smartcard_list),
                cmocka_unit_test(test_no_card),
                cmocka_unit_test(test_override_is_the_state),
        };
        return cmocka_run_group_tests(tests, NULL, fixture_remove_all);
}
