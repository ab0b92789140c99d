/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static int output_fd = STDOUT_FILENO;
static bool tracing;
static int timing_fd = -1;
static const char *current_call;
static struct timespec call_start;

static void write_all(int fd, const char *p, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                p += n;
                len -= (size_t) n;
        }
}

void probe_output_init(int fd, bool trace) {
        output_fd = fd;
        tracing = trace;
        const char *timing = getenv("TOKENDOCTOR_P11PROBE_TIMING");
        if (timing && *timing)
                timing_fd = open(timing, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

void probe_enter(const char *function) {
        current_call = function;
        if (tracing) {
                /* One write: the line is whole in the pipe before the module runs. */
                char line[80];
                int n = snprintf(line, sizeof line, "enter %s\n", function);
                if (n > 0 && (size_t) n < sizeof line)
                        write_all(output_fd, line, (size_t) n);
        }
        if (timing_fd >= 0)
                clock_gettime(CLOCK_MONOTONIC, &call_start);
}

CK_RV probe_leave(CK_RV rv) {
        if (timing_fd >= 0 && current_call) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                double ms = (double) (now.tv_sec - call_start.tv_sec) * 1e3 +
                            (double) (now.tv_nsec - call_start.tv_nsec) / 1e6;
                dprintf(timing_fd, "%d %s %.3f\n", (int) getpid(), current_call, ms);
        }
        current_call = NULL;
        return rv;
}

json_object *probe_padded(const CK_UTF8CHAR *s, size_t len) {
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
                len--;
        return json_object_new_string_len((const char *) s, (int) len);
}

json_object *probe_hex(const unsigned char *p, size_t len) {
        char *s = malloc(len * 2 + 1);
        for (size_t i = 0; s && i < len; i++)
                sprintf(s + 2 * i, "%02x", p[i]);
        if (s)
                s[len * 2] = '\0';
        json_object *o = json_object_new_string(s ? s : "");
        free(s);
        return o;
}

json_object *probe_base64(const unsigned char *p, size_t len) {
        char *s = malloc(4 * ((len + 2) / 3) + 1);
        int n = s ? EVP_EncodeBlock((unsigned char *) s, p, (int) len) : -1;
        json_object *o = json_object_new_string_len(n >= 0 ? s : "", n >= 0 ? n : 0);
        free(s);
        return o;
}

unsigned char *probe_unhex(const char *s, size_t *ret_len) {
        size_t len = strlen(s);
        if (len % 2)
                return NULL;
        unsigned char *out = malloc(len / 2 + 1);
        for (size_t i = 0; out && i < len / 2; i++) {
                int hi = OPENSSL_hexchar2int((unsigned char) s[2 * i]),
                    lo = OPENSSL_hexchar2int((unsigned char) s[2 * i + 1]);
                if (hi < 0 || lo < 0) {
                        free(out);
                        return NULL;
                }
                out[i] = (unsigned char) (hi << 4 | lo);
        }
        if (out)
                *ret_len = len / 2;
        return out;
}

int probe_print(json_object *o) {
        size_t len;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        /* The answer and its newline in one write, after which the parent may act on it. */
        char *line = malloc(len + 1);
        if (line) {
                memcpy(line, text, len);
                line[len] = '\n';
                write_all(output_fd, line, len + 1);
                free(line);
        }
        json_object_put(o);
        return 0;
}

int probe_fail(const char *what, const char *message, unsigned long rv) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(what));
        json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
        json_object_object_add(o, "ckr", json_object_new_int64((int64_t) rv));
        probe_print(o);
        return PROBE_EXIT_FAILED;
}

CK_FUNCTION_LIST *probe_load(const char *module) {
        /* dlopen (the library's constructors) and C_GetFunctionList (or C_GetInterface). */
        probe_enter("C_GetFunctionList");
        CK_FUNCTION_LIST *f = p11_kit_module_load(module, P11_KIT_MODULE_UNMANAGED);
        probe_leave(CKR_OK);
        if (!f) {
                probe_fail("load", p11_kit_message(), 0);
                return NULL;
        }
        probe_enter("C_Initialize");
        CK_RV rv = probe_leave(p11_kit_module_initialize(f));
        if (rv != CKR_OK) {
                p11_kit_module_release(f);
                probe_fail("initialize", p11_kit_strerror(rv), rv);
                return NULL;
        }
        return f;
}

void probe_unload(CK_FUNCTION_LIST *f) {
        probe_enter("C_Finalize");
        probe_leave(p11_kit_module_finalize(f));
        p11_kit_module_release(f);
}
