/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A misbehaving PKCS#11 module for the tests, built once per way of failing: it crashes
 * (-DBAD_CRASH) or never returns (-DBAD_HANG), in C_Initialize (-DBAD_AT_INIT: a driver that dies
 * at load) or in C_GetSlotList (a driver that dies looking for its device, as vendor modules do
 * when they cannot reach the USB device nodes). tokendoctor must report it, name the function,
 * and go on.
 *
 * -DBAD_WAIT_FOR_TCP is a slow driver that sees no token: its C_GetSlotList returns once the
 * tokendoctor that started the probe holds a TCP connection (at most 10 s). Listed first in a
 * profile, it holds token.module back until the network checks are connected, so the next
 * module's probe starts while a connection is open.
 */
#include <p11-kit/pkcs11.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#ifdef BAD_WAIT_FOR_TCP
#include "proc-fds.h"

static void note_tcp(int fd, const char *target, void *user) {
        if (proc_socket_is_tcp(target))
                *(bool *) user = true;
}

static void wait_for_parent_tcp(void) {
        for (int i = 0; i < 1000; i++) {
                bool tcp = false;
                if (proc_for_each_fd(getppid(), -1, note_tcp, &tcp) < 0 || tcp)
                        return;
                poll(NULL, 0, 10);
        }
}
#endif

static void misbehave(void) {
#if defined(BAD_CRASH)
        volatile int *nowhere = NULL;
        *nowhere = 42;
#elif defined(BAD_WAIT_FOR_TCP)
        wait_for_parent_tcp();
#else
        for (;;)
                pause();
#endif
}

static CK_RV initialize(CK_VOID_PTR args) {
        (void) args;
#ifdef BAD_AT_INIT
        misbehave();
#endif
        return CKR_OK;
}

static CK_RV finalize(CK_VOID_PTR reserved) {
        (void) reserved;
        return CKR_OK;
}

static CK_RV get_info(CK_INFO_PTR info) {
        memset(info, ' ', sizeof *info);
        info->cryptokiVersion = (CK_VERSION){ 2, 40 };
        info->flags = 0;
        info->libraryVersion = (CK_VERSION){ 1, 0 };
        memcpy(info->manufacturerID, "tokendoctor tests", 17);
        return CKR_OK;
}

static CK_RV get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
        (void) present;
        (void) list;
        misbehave();
        *count = 0;
        return CKR_OK;
}

static CK_FUNCTION_LIST functions;

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
        functions.version = (CK_VERSION){ 2, 40 };
        functions.C_Initialize = initialize;
        functions.C_Finalize = finalize;
        functions.C_GetInfo = get_info;
        functions.C_GetFunctionList = C_GetFunctionList;
        functions.C_GetSlotList = get_slot_list;
        *list = &functions;
        return CKR_OK;
}
