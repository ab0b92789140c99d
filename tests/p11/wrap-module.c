/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A PKCS#11 module that passes every call on to the real module named by $TD_WRAP_MODULE, for
 * the tests: it appends a line to $TD_WRAP_LOG at each C_Initialize (how many times a run loads
 * the module) and at each C_Login, and crashes in the function named by $TD_WRAP_CRASH_IN (a
 * driver that dies in the middle of a session, after listing went well). It misbehaves as
 * vendor modules do on request:
 *   TD_WRAP_PIN_FLAGS=count-low   C_GetTokenInfo says CKF_USER_PIN_COUNT_LOW, and nothing of
 *                                 final try or locked (it knows wrong PINs were entered, not
 *                                 how many tries are left);
 *   TD_WRAP_PIN_FLAGS=final-try   C_GetTokenInfo says CKF_USER_PIN_FINAL_TRY alone (SoftHSM2
 *                                 cannot be brought there: it has no try counter), so that
 *                                 the final-try guards are tested apart from the count-low ones;
 *   TD_WRAP_PIN_FLAGS=final-try-after-login
 *                                 every key demands a context-specific login
 *                                 (CKA_ALWAYS_AUTHENTICATE), and once a C_Login succeeded
 *                                 C_GetTokenInfo says CKF_USER_PIN_FINAL_TRY (another program
 *                                 spent tries between the two logins);
 *   TD_WRAP_ALREADY_LOGGED_IN=1   the first C_Login answers CKR_USER_ALREADY_LOGGED_IN without
 *                                 looking at the PIN;
 *   TD_WRAP_SLOW_LOGIN_MS=N       C_Login takes N ms before it passes the PIN on, and logs
 *                                 "login-returned" when the real module answered (a probe
 *                                 killed meanwhile never logs it);
 *   TD_WRAP_HOSTILE_LABEL=1       C_GetTokenInfo's label clears the screen ("\x1b[2JEvil", padded
 *                                 with spaces as PKCS#11 pads labels);
 *   TD_WRAP_STDERR=TEXT           C_Initialize first writes TEXT to standard error (what a vendor
 *                                 module says on its way down).
 * It tells what the vendor's code would find in the probe: with TD_WRAP_LOG_FDS=1, the start
 * of C_Initialize (before the real module runs) logs the probe's argv ("argv PID ARG" per
 * argument), its open descriptors ("fd PID N TARGET") and those of the tokendoctor that started
 * it ("parent-fd PID N TARGET"), a TCP socket's target followed by " tcp".
 * At each C_Login it also logs "login-state PID DUMPABLE CORE_LIMIT": whether the process that
 * holds the PIN could write a core dump.
 */
#include <dlfcn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc-fds.h"

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST wrapped;

static void crash_if_asked(const char *function) {
        const char *in = getenv("TD_WRAP_CRASH_IN");
        if (in && strcmp(in, function) == 0) {
                /*
                 * Not NULL: UndefinedBehaviorSanitizer would catch that store and exit before the
                 * fault. The first page is never mapped, so this is a real SIGSEGV in every build.
                 */
                volatile uintptr_t first_page = 16; /* read at run time: no constant to warn about */
                *(volatile int *) first_page = 42;
        }
}

static void log_call(const char *what, unsigned long arg) {
        const char *log = getenv("TD_WRAP_LOG");
        FILE *f = log ? fopen(log, "ae") : NULL;
        if (f) {
                fprintf(f, "%s %d %lu\n", what, (int) getpid(), arg);
                fclose(f);
        }
}

static bool env_is(const char *name, const char *value) {
        const char *v = getenv(name);
        return v && strcmp(v, value) == 0;
}

typedef struct {
        FILE *log;
        const char *tag;
} FdLog;

static void log_fd(int fd, const char *target, void *user) {
        FdLog *l = user;
        fprintf(l->log, "%s %d %d %s%s\n", l->tag, (int) getpid(), fd, target,
                proc_socket_is_tcp(target) ? " tcp" : "");
}

static void log_descriptors_if_asked(void) {
        const char *path = getenv("TD_WRAP_LOG");
        if (!env_is("TD_WRAP_LOG_FDS", "1") || !path)
                return;
        FILE *f = fopen(path, "ae");
        if (!f)
                return;
        FILE *cmdline = fopen("/proc/self/cmdline", "re");
        char arg[4096];
        size_t n = 0;
        for (int c; cmdline && (c = getc(cmdline)) != EOF;) {
                if (c != '\0' && n < sizeof arg - 1) {
                        arg[n++] = (char) c;
                        continue;
                }
                arg[n] = '\0';
                fprintf(f, "argv %d %s\n", (int) getpid(), arg);
                n = 0;
        }
        if (cmdline)
                fclose(cmdline);
        /* The log itself is ours, not the probe's. */
        proc_for_each_fd(getpid(), fileno(f), log_fd, &(FdLog){ f, "fd" });
        proc_for_each_fd(getppid(), -1, log_fd, &(FdLog){ f, "parent-fd" });
        fclose(f);
}

static void write_stderr_if_asked(void) {
        const char *text = getenv("TD_WRAP_STDERR");
        if (text)
                fprintf(stderr, "%s\n", text);
}

static void hostile_label_if_asked(CK_TOKEN_INFO_PTR info) {
        static const char label[] = "\x1b[2JEvil";
        if (!env_is("TD_WRAP_HOSTILE_LABEL", "1"))
                return;
        memset(info->label, ' ', sizeof info->label);
        memcpy(info->label, label, sizeof label - 1);
}

static CK_RV initialize(CK_VOID_PTR args) {
        /* First: what the probe holds before the real module opens anything of its own. */
        log_descriptors_if_asked();
        write_stderr_if_asked();
        log_call("C_Initialize", 0);
        crash_if_asked("C_Initialize");
        return real->C_Initialize(args);
}

static bool logged_in; /* a C_Login succeeded */

static void log_login_state(void) {
        struct rlimit core = { 0 };
        getrlimit(RLIMIT_CORE, &core);
        const char *log = getenv("TD_WRAP_LOG");
        FILE *f = log ? fopen(log, "ae") : NULL;
        if (f) {
                fprintf(f, "login-state %d %d %llu\n", (int) getpid(), prctl(PR_GET_DUMPABLE),
                        (unsigned long long) core.rlim_cur);
                fclose(f);
        }
}

static CK_RV login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
        static bool answered_already_logged_in;
        log_call("C_Login", user);
        log_login_state();
        crash_if_asked("C_Login");
        if (env_is("TD_WRAP_ALREADY_LOGGED_IN", "1") && !answered_already_logged_in) {
                answered_already_logged_in = true;
                return CKR_USER_ALREADY_LOGGED_IN;
        }
        const char *slow = getenv("TD_WRAP_SLOW_LOGIN_MS");
        if (slow)
                usleep((useconds_t) strtoul(slow, NULL, 10) * 1000);
        CK_RV rv = real->C_Login(session, user, pin, pin_len);
        if (slow)
                log_call("login-returned", rv);
        logged_in = logged_in || rv == CKR_OK;
        return rv;
}

static CK_RV get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
        CK_RV rv = real->C_GetTokenInfo(slot, info);
        if (rv == CKR_OK && logged_in && env_is("TD_WRAP_PIN_FLAGS", "final-try-after-login"))
                info->flags |= CKF_USER_PIN_FINAL_TRY;
        if (rv == CKR_OK && env_is("TD_WRAP_PIN_FLAGS", "count-low")) {
                info->flags &= ~(CK_FLAGS) (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
                info->flags |= CKF_USER_PIN_COUNT_LOW;
        } else if (rv == CKR_OK && env_is("TD_WRAP_PIN_FLAGS", "final-try")) {
                info->flags &= ~(CK_FLAGS) (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED);
                info->flags |= CKF_USER_PIN_FINAL_TRY;
        }
        if (rv == CKR_OK)
                hostile_label_if_asked(info);
        return rv;
}

static CK_RV get_attribute_value(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE_PTR template, CK_ULONG count) {
        if (count == 1 && template[0].type == CKA_ALWAYS_AUTHENTICATE &&
            env_is("TD_WRAP_PIN_FLAGS", "final-try-after-login") && template[0].pValue &&
            template[0].ulValueLen >= sizeof(CK_BBOOL)) {
                *(CK_BBOOL *) template[0].pValue = CK_TRUE;
                template[0].ulValueLen = sizeof(CK_BBOOL);
                return CKR_OK;
        }
        return real->C_GetAttributeValue(session, object, template, count);
}

static CK_RV sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                  CK_ULONG_PTR sig_len) {
        crash_if_asked("C_Sign");
        return real->C_Sign(session, data, len, sig, sig_len);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
        if (!real) {
                const char *path = getenv("TD_WRAP_MODULE");
                void *handle = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
                CK_C_GetFunctionList get =
                        handle ? (CK_C_GetFunctionList) dlsym(handle, "C_GetFunctionList") : NULL;
                if (!get || get(&real) != CKR_OK)
                        return CKR_GENERAL_ERROR;
                wrapped = *real;
                wrapped.C_GetFunctionList = C_GetFunctionList;
                wrapped.C_Initialize = initialize;
                wrapped.C_Login = login;
                wrapped.C_GetTokenInfo = get_token_info;
                wrapped.C_Sign = sign;
                wrapped.C_GetAttributeValue = get_attribute_value;
        }
        *list = &wrapped;
        return CKR_OK;
}
