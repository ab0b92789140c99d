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
 *                                 killed meanwhile never logs it).
 * At each C_Login it also logs "login-state PID DUMPABLE CORE_LIMIT": whether the process that
 * holds the PIN could write a core dump.
 */
#include <dlfcn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST wrapped;

static void crash_if_asked(const char *function) {
        const char *in = getenv("TD_WRAP_CRASH_IN");
        if (in && strcmp(in, function) == 0) {
                volatile int *nowhere = NULL;
                *nowhere = 42;
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

static CK_RV initialize(CK_VOID_PTR args) {
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
