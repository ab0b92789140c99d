/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A PIN's memory: out of core dumps (the mapping and the process), locked, wiped; a PIN's text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "tokendoctor/td-secret.h"

/* The VmFlags line of the mapping that holds @p, from /proc/self/smaps. */
static void vm_flags_of(const void *p, char *flags, size_t size) {
        assert_true(size >= 512);
        FILE *f = fopen("/proc/self/smaps", "re");
        assert_non_null(f);
        char line[500];
        bool inside = false;
        flags[0] = '\0';
        while (fgets(line, sizeof line, f)) {
                uintptr_t start, end;
                if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
                    strchr(line, ' ') == line + strcspn(line, " "))
                        inside = (uintptr_t) p >= start && (uintptr_t) p < end;
                else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
                        snprintf(flags, size, "%s", line + 8);
                        break;
                }
        }
        fclose(f);
}

static bool has_flag(const char *flags, const char *flag) {
        char padded[8];
        snprintf(padded, sizeof padded, " %s", flag);
        return strstr(flags, padded) != NULL;
}

static void test_secret_is_kept_out_of_dumps(void **state) {
        assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
        TdSecret *secret = NULL;
        assert_int_equal(td_secret_new(256, &secret), 0);
        assert_int_equal(secret->size, 256);
        for (size_t i = 0; i < secret->size; i++)
                assert_int_equal(secret->data[i], 0);

        /* The process dumps nothing from now on. */
        assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
        struct rlimit core;
        assert_int_equal(getrlimit(RLIMIT_CORE, &core), 0);
        assert_int_equal(core.rlim_cur, 0);
        assert_int_equal(core.rlim_max, 0);

        char flags[512];
        vm_flags_of(secret->data, flags, sizeof flags);
        assert_true(has_flag(flags, "dd")); /* MADV_DONTDUMP */
        assert_true(has_flag(flags, "wf")); /* MADV_WIPEONFORK */
#ifndef __SANITIZE_ADDRESS__                /* AddressSanitizer makes mlock() a no-op (its shadow memory) */
        struct rlimit memlock;
        if (getrlimit(RLIMIT_MEMLOCK, &memlock) == 0 && memlock.rlim_cur >= 4096)
                assert_true(has_flag(flags, "lo")); /* mlock: out of swap */
#endif

        memcpy(secret->data, "73915486", 8);
        td_secret_free(secret);
        assert_null(td_secret_free(NULL));
}

static void test_secret_size(void **state) {
        TdSecret *secret = NULL;
        assert_int_equal(td_secret_new(0, &secret), -EINVAL);
        assert_int_equal(td_secret_new((size_t) sysconf(_SC_PAGESIZE) + 1, &secret), -EINVAL);
        assert_null(secret);
}

static void test_pin_is_text(void **state) {
        assert_true(td_pin_is_text("123456", 6));
        assert_true(td_pin_is_text("p@ss wörd", strlen("p@ss wörd")));
        assert_true(td_pin_is_text("", 0));
        assert_false(td_pin_is_text("12\0"
                                    "456",
                                    6)); /* a NUL would shorten it */
        assert_false(td_pin_is_text("12\n456", 6));
        assert_false(td_pin_is_text("12\r", 3));
        assert_false(td_pin_is_text("\x1b[2J", 4));
        assert_false(td_pin_is_text("12\x7f", 3));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_secret_size),
                cmocka_unit_test(test_pin_is_text),
                /* Last: it turns core dumps off for this process. */
                cmocka_unit_test(test_secret_is_kept_out_of_dumps),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
