/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-fact.h"
#include "platform/td-pcsc.h"
#include "td-util.h"

/* The memo key, spelled here only: tests reach the state through td_pcsc_state_override(). */
#define PCSC_STATE_FACT "pcsc.state"

/* pcsc-lite 1.9's built-in socket (the daemon ignores PCSCLITE_CSOCK_NAME; the client honours it). */
#define PCSCD_SOCKET "/run/pcscd/pcscd.comm"

const char *td_pcsc_cause_from_rv(long rv) {
        switch (rv) {
        case SCARD_S_SUCCESS:
                return NULL;
        case SCARD_E_NO_SERVICE: /* no socket, or nobody listening */
        case SCARD_E_SERVICE_STOPPED:
                return "pcscd.down";
        /*
         * pcscd 1.9/2.x answer a polkit refusal by dropping the connection right after
         * accepting it ("Rejected unauthorized PC/SC client"), which the client reports as a
         * communication error; newer clients say security violation.
         */
        case SCARD_F_COMM_ERROR:
        case SCARD_W_SECURITY_VIOLATION:
        case SCARD_E_NO_ACCESS:
                return "pcscd.denied";
        default:
                return "pcscd.down";
        }
}

char *td_atr_to_string(const uint8_t *atr, size_t len) {
        char *s = malloc(len ? len * 3 : 1), *w = s;
        if (!s)
                return NULL;
        for (size_t i = 0; i < len; i++)
                w += sprintf(w, i ? ":%02X" : "%02X", atr[i]);
        *w = '\0';
        return s;
}

void td_pcsc_state_free(TdPcscState *st) {
        if (!st)
                return;
        for (size_t i = 0; i < st->n_readers; i++)
                free(st->readers[i].name);
        free(st->readers);
        free(st->error);
        free(st);
}

static void state_free(void *p) {
        td_pcsc_state_free(p);
}

long td_pcsc_reader_names(long context, char **ret_names, size_t *ret_len) {
        *ret_names = NULL;
        *ret_len = 0;
        DWORD len = 0;
        LONG rv = SCardListReaders(context, NULL, NULL, &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE || (rv == SCARD_S_SUCCESS && len == 0))
                return SCARD_S_SUCCESS;
        if (rv != SCARD_S_SUCCESS)
                return rv;
        _cleanup_free_ char *names = malloc(len);
        if (!names)
                return SCARD_E_NO_MEMORY;
        rv = SCardListReaders(context, NULL, names, &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE)
                return SCARD_S_SUCCESS;
        if (rv != SCARD_S_SUCCESS)
                return rv;
        *ret_names = TAKE_PTR(names);
        *ret_len = len;
        return SCARD_S_SUCCESS;
}

static int read_readers(SCARDCONTEXT context, TdPcscState *st) {
        _cleanup_free_ char *names = NULL;
        size_t len;
        LONG rv = td_pcsc_reader_names(context, &names, &len);
        if (rv == SCARD_E_NO_MEMORY)
                return -ENOMEM;
        if (rv != SCARD_S_SUCCESS)
                return 0;

        for (const char *n = names; n && n < names + len && *n; n += strlen(n) + 1) {
                SCARD_READERSTATE rs = { .szReader = n, .dwCurrentState = SCARD_STATE_UNAWARE };
                /* A zero timeout reads the current state without waiting for a change. */
                rv = SCardGetStatusChange(context, 0, &rs, 1);
                TdPcscReader reader = { .name = strdup(n) };
                if (!reader.name)
                        return -ENOMEM;
                if (rv == SCARD_S_SUCCESS) {
                        reader.card_present = rs.dwEventState & SCARD_STATE_PRESENT;
                        reader.card_mute = rs.dwEventState & SCARD_STATE_MUTE;
                        reader.exclusive = rs.dwEventState & SCARD_STATE_EXCLUSIVE;
                        reader.atr_len = rs.cbAtr <= sizeof reader.atr ? rs.cbAtr : 0;
                        memcpy(reader.atr, rs.rgbAtr, reader.atr_len);
                }
                TdPcscReader *grown = realloc(st->readers, (st->n_readers + 1) * sizeof *grown);
                if (!grown) {
                        free(reader.name);
                        return -ENOMEM;
                }
                st->readers = grown;
                st->readers[st->n_readers++] = reader;
        }
        return 0;
}

/*
 * Whether something listens on pcscd's socket. A refused client and a dead daemon look alike
 * to pcsc-lite 1.9's client: a daemon that accepts the connection and drops it (its polkit
 * refusal) is reported as SCARD_E_NO_SERVICE or as a communication error depending on timing.
 * A daemon that is down does not accept at all.
 */
static bool socket_accepts(const TdContext *ctx) {
        const char *path = td_context_getenv(ctx, "PCSCLITE_CSOCK_NAME");
        if (isempty(path))
                path = PCSCD_SOCKET;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof addr.sun_path)
                return false;
        strcpy(addr.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return fd >= 0 && connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0;
}

static int compute_state(TdContext *ctx, void *user, void **ret) {
        TdPcscState *st = calloc(1, sizeof *st);
        if (!st)
                return -ENOMEM;
        SCARDCONTEXT context;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
        st->establish_rv = rv;
        if (rv != SCARD_S_SUCCESS) {
                st->cause = td_pcsc_cause_from_rv(rv);
                if (streq(st->cause, "pcscd.down") && rv == (LONG) SCARD_E_NO_SERVICE && socket_accepts(ctx))
                        st->cause = "pcscd.denied";
                st->error = td_strdup_printf("%s (0x%08lX)", pcsc_stringify_error(rv), (unsigned long) rv);
                *ret = st;
                return 0;
        }
        int r = read_readers(context, st);
        SCardReleaseContext(context);
        if (r < 0) {
                state_free(st);
                return r;
        }
        *ret = st;
        return 0;
}

int td_pcsc_get_state(TdContext *ctx, const TdPcscState **ret_state) {
        void *value = NULL;
        int r = td_context_memo(ctx, PCSC_STATE_FACT, compute_state, NULL, state_free, &value);
        if (r < 0)
                return r;
        *ret_state = value;
        return 0;
}

int td_pcsc_state_override(TdContext *ctx, TdPcscState *state) {
        return td_fact_override(ctx, PCSC_STATE_FACT, state, state_free);
}

static int transmit(SCARDHANDLE card, DWORD protocol, const uint8_t *apdu, size_t len, uint8_t *sw) {
        const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
        uint8_t response[258];
        DWORD response_len = sizeof response;
        LONG rv = SCardTransmit(card, pci, apdu, (DWORD) len, NULL, response, &response_len);
        if (rv != SCARD_S_SUCCESS)
                return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ? -ENODEV : -EIO;
        if (response_len < 2)
                return -EBADMSG;
        sw[0] = response[response_len - 2];
        sw[1] = response[response_len - 1];
        return 0;
}

int td_pcsc_piv_pin_tries(const char *reader, int *ret_tries) {
        static const uint8_t select_piv[] = { 0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00,
                                              0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00 };
        /* Case 1: no data, so no try is spent. 0x80 is the PIV Card Application PIN. */
        static const uint8_t empty_verify[] = { 0x00, 0x20, 0x00, 0x80 };
        SCARDCONTEXT context;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS)
                return -ECONNREFUSED;
        SCARDHANDLE card;
        DWORD protocol;
        LONG rv = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                               &card, &protocol);
        if (rv != SCARD_S_SUCCESS) {
                SCardReleaseContext(context);
                return -ENODEV;
        }
        int r = -EIO;
        if (SCardBeginTransaction(card) == SCARD_S_SUCCESS) {
                uint8_t sw[2];
                r = transmit(card, protocol, select_piv, sizeof select_piv, sw);
                if (r == 0 && sw[0] != 0x61 && !(sw[0] == 0x90 && sw[1] == 0x00))
                        r = -ENOTSUP;
                if (r == 0)
                        r = transmit(card, protocol, empty_verify, sizeof empty_verify, sw);
                if (r == 0) {
                        if (sw[0] == 0x63 && (sw[1] & 0xF0) == 0xC0)
                                *ret_tries = sw[1] & 0x0F;
                        else if (sw[0] == 0x69 && sw[1] == 0x83)
                                *ret_tries = 0;
                        else if (sw[0] == 0x90 && sw[1] == 0x00)
                                *ret_tries = -1;
                        else
                                r = -ENOTSUP;
                }
                SCardEndTransaction(card, SCARD_LEAVE_CARD);
        }
        SCardDisconnect(card, SCARD_LEAVE_CARD);
        SCardReleaseContext(context);
        return r;
}
