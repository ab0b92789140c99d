/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A library's error text as a message quotes it: no parenthesis of its own inside the message's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "platform/td-error-text.h"

static void expect(const char *raw, const char *want) {
        char *got = td_error_text(raw);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void test_parentheses_become_parts(void **state) {
        /* pcsc-lite's text and its code (td-pcsc). */
        expect("Service not available. (0x8010001D)", "Service not available, 0x8010001D");
        /* The probe's crash, with the signal (td-p11-session). */
        expect("/usr/lib/libvendor.so crashed in C_GetSlotList (Segmentation fault)",
               "/usr/lib/libvendor.so crashed in C_GetSlotList, Segmentation fault");
        /* A part after the parenthesis keeps its own words, without a doubled separator. */
        expect("/x is not a regular file (a FIFO, socket or device node), so it was not read",
               "/x is not a regular file, a FIFO, socket or device node, so it was not read");
        /* Full-width ones too (a translated file error), and nested ones. */
        expect("/x 不是普通文件（而是 FIFO、套接字或设备节点），因此未读取",
               "/x 不是普通文件, 而是 FIFO、套接字或设备节点, 因此未读取");
        expect("a (b (c) d) e", "a, b, c, d, e");
        expect("unbalanced) (text", "unbalanced, text");
}

static void test_plain_text_is_kept(void **state) {
        /* curl's texts have no parenthesis: only a full stop at the end goes. */
        expect("Could not resolve host: szecp.crc.com.cn", "Could not resolve host: szecp.crc.com.cn");
        expect("Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server.",
               "Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server");
        expect("", "");
        expect(NULL, "");
        expect("()", "");
        expect(" ( ) .", "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parentheses_become_parts),
                cmocka_unit_test(test_plain_text_is_kept),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
