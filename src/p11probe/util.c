/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

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
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        fflush(stdout);
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
        CK_FUNCTION_LIST *f = p11_kit_module_load(module, P11_KIT_MODULE_UNMANAGED);
        if (!f) {
                probe_fail("load", p11_kit_message(), 0);
                return NULL;
        }
        CK_RV rv = p11_kit_module_initialize(f);
        if (rv != CKR_OK) {
                p11_kit_module_release(f);
                probe_fail("initialize", p11_kit_strerror(rv), rv);
                return NULL;
        }
        return f;
}

void probe_unload(CK_FUNCTION_LIST *f) {
        p11_kit_module_finalize(f);
        p11_kit_module_release(f);
}
