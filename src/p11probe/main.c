/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor-p11probe MODULE: load one PKCS#11 module and print what it sees as JSON.
 *
 * Vendor modules crash and hang; this small program is the only code that ever calls into
 * one, so tokendoctor survives them and reports them. It takes no PIN and writes nothing.
 */
#include <json-c/json.h>
#include <openssl/evp.h>
#include <p11-kit/p11-kit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 64
#define MAX_OBJECTS 64

/* PKCS#11 pads text fields with spaces and does not terminate them. */
static json_object *padded(const CK_UTF8CHAR *s, size_t len) {
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
                len--;
        return json_object_new_string_len((const char *) s, (int) len);
}

static json_object *hex(const unsigned char *p, size_t len) {
        char *s = malloc(len * 2 + 1);
        for (size_t i = 0; s && i < len; i++)
                sprintf(s + 2 * i, "%02x", p[i]);
        if (s)
                s[len * 2] = '\0';
        json_object *o = json_object_new_string(s ? s : "");
        free(s);
        return o;
}

static json_object *base64(const unsigned char *p, size_t len) {
        char *s = malloc(4 * ((len + 2) / 3) + 1);
        int n = s ? EVP_EncodeBlock((unsigned char *) s, p, (int) len) : -1;
        json_object *o = json_object_new_string_len(n >= 0 ? s : "", n >= 0 ? n : 0);
        free(s);
        return o;
}

/* Every certificate object: id, label, DER. Public objects need no login. */
static json_object *list_certificates(CK_FUNCTION_LIST *f, CK_SLOT_ID slot) {
        json_object *certs = json_object_new_array();
        CK_SESSION_HANDLE session;
        if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session) != CKR_OK)
                return certs;
        CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
        CK_ATTRIBUTE filter = { CKA_CLASS, &klass, sizeof klass };
        CK_OBJECT_HANDLE objects[MAX_OBJECTS];
        CK_ULONG n = 0;
        if (f->C_FindObjectsInit(session, &filter, 1) == CKR_OK) {
                if (f->C_FindObjects(session, objects, MAX_OBJECTS, &n) != CKR_OK)
                        n = 0;
                f->C_FindObjectsFinal(session);
        }
        for (CK_ULONG i = 0; i < n; i++) {
                CK_ATTRIBUTE attrs[3] = { { CKA_ID, NULL, 0 }, { CKA_LABEL, NULL, 0 }, { CKA_VALUE, NULL, 0 } };
                if (f->C_GetAttributeValue(session, objects[i], attrs, 3) != CKR_OK)
                        continue;
                for (int a = 0; a < 3; a++)
                        attrs[a].pValue = attrs[a].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
                                                          attrs[a].ulValueLen < (1u << 20)
                                                  ? calloc(1, attrs[a].ulValueLen + 1)
                                                  : NULL;
                if (!attrs[2].pValue || f->C_GetAttributeValue(session, objects[i], attrs, 3) != CKR_OK) {
                        for (int a = 0; a < 3; a++)
                                free(attrs[a].pValue);
                        continue;
                }
                json_object *c = json_object_new_object();
                json_object_object_add(c, "id", hex(attrs[0].pValue ? attrs[0].pValue : "", attrs[0].pValue ? attrs[0].ulValueLen : 0));
                json_object_object_add(c, "label", attrs[1].pValue ? padded(attrs[1].pValue, attrs[1].ulValueLen)
                                                                   : json_object_new_string(""));
                json_object_object_add(c, "der", base64(attrs[2].pValue, attrs[2].ulValueLen));
                json_object_array_add(certs, c);
                for (int a = 0; a < 3; a++)
                        free(attrs[a].pValue);
        }
        f->C_CloseSession(session);
        return certs;
}

static json_object *describe_slot(CK_FUNCTION_LIST *f, CK_SLOT_ID slot) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64((int64_t) slot));
        CK_SLOT_INFO si;
        if (f->C_GetSlotInfo(slot, &si) == CKR_OK)
                json_object_object_add(o, "description", padded(si.slotDescription, sizeof si.slotDescription));
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
                return o;
        json_object *t = json_object_new_object();
        json_object_object_add(t, "label", padded(ti.label, sizeof ti.label));
        json_object_object_add(t, "manufacturer", padded(ti.manufacturerID, sizeof ti.manufacturerID));
        json_object_object_add(t, "model", padded(ti.model, sizeof ti.model));
        json_object_object_add(t, "serial", padded(ti.serialNumber, sizeof ti.serialNumber));
        json_object_object_add(t, "flags", json_object_new_int64((int64_t) ti.flags));
        json_object_object_add(t, "initialized", json_object_new_boolean(ti.flags & CKF_TOKEN_INITIALIZED));
        json_object_object_add(t, "pin_final_try", json_object_new_boolean(ti.flags & CKF_USER_PIN_FINAL_TRY));
        json_object_object_add(t, "pin_locked", json_object_new_boolean(ti.flags & CKF_USER_PIN_LOCKED));
        json_object_object_add(t, "pin_count_low", json_object_new_boolean(ti.flags & CKF_USER_PIN_COUNT_LOW));
        json_object_object_add(t, "certificates", list_certificates(f, slot));
        json_object_object_add(o, "token", t);
        return o;
}

static int fail(const char *what, const char *message, unsigned long rv) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(what));
        json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
        json_object_object_add(o, "ckr", json_object_new_int64((int64_t) rv));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return 3;
}

int main(int argc, char **argv) {
        if (argc != 3 || strcmp(argv[1], "list") != 0) {
                fprintf(stderr, "usage: tokendoctor-p11probe list MODULE\n");
                return 2;
        }
        /* Unmanaged: only the functions this probe calls are ever called, exactly as it calls them. */
        CK_FUNCTION_LIST *f = p11_kit_module_load(argv[2], P11_KIT_MODULE_UNMANAGED);
        if (!f)
                return fail("load", p11_kit_message(), 0);
        CK_RV rv = p11_kit_module_initialize(f);
        if (rv != CKR_OK) {
                p11_kit_module_release(f);
                return fail("initialize", p11_kit_strerror(rv), rv);
        }
        json_object *root = json_object_new_object();
        CK_INFO info;
        if (f->C_GetInfo(&info) == CKR_OK) {
                json_object_object_add(root, "manufacturer", padded(info.manufacturerID, sizeof info.manufacturerID));
                json_object_object_add(root, "library", padded(info.libraryDescription, sizeof info.libraryDescription));
        }
        CK_SLOT_ID slots[MAX_SLOTS];
        CK_ULONG n = MAX_SLOTS;
        rv = f->C_GetSlotList(CK_TRUE, slots, &n);
        if (rv != CKR_OK) {
                json_object_put(root);
                p11_kit_module_finalize(f);
                p11_kit_module_release(f);
                return fail("slots", p11_kit_strerror(rv), rv);
        }
        json_object *array = json_object_new_array();
        for (CK_ULONG i = 0; i < n; i++)
                json_object_array_add(array, describe_slot(f, slots[i]));
        json_object_object_add(root, "slots", array);
        puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
        json_object_put(root);
        p11_kit_module_finalize(f);
        p11_kit_module_release(f);
        return 0;
}
