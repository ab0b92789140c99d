/* SPDX-License-Identifier: GPL-3.0-or-later */
/* list: every token the module sees, its PIN flags and its certificates. No login. */
#include <stdlib.h>

#include "probe.h"

#define MAX_SLOTS 64
#define MAX_OBJECTS 64

/* Every certificate object: id, label, DER. Public objects need no login. */
static json_object *list_certificates(CK_FUNCTION_LIST *f, CK_SLOT_ID slot) {
        json_object *certs = json_object_new_array();
        CK_SESSION_HANDLE session;
        if (P11(f, C_OpenSession, slot, CKF_SERIAL_SESSION, NULL, NULL, &session) != CKR_OK)
                return certs;
        CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
        CK_ATTRIBUTE filter = { CKA_CLASS, &klass, sizeof klass };
        CK_OBJECT_HANDLE objects[MAX_OBJECTS];
        CK_ULONG n = 0;
        if (P11(f, C_FindObjectsInit, session, &filter, 1) == CKR_OK) {
                if (P11(f, C_FindObjects, session, objects, MAX_OBJECTS, &n) != CKR_OK)
                        n = 0;
                P11(f, C_FindObjectsFinal, session);
        }
        for (CK_ULONG i = 0; i < n; i++) {
                CK_ATTRIBUTE attrs[3] = { { CKA_ID, NULL, 0 },
                                          { CKA_LABEL, NULL, 0 },
                                          { CKA_VALUE, NULL, 0 } };
                if (P11(f, C_GetAttributeValue, session, objects[i], attrs, 3) != CKR_OK)
                        continue;
                for (int a = 0; a < 3; a++)
                        attrs[a].pValue = attrs[a].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
                                                          attrs[a].ulValueLen < (1u << 20)
                                                  ? calloc(1, attrs[a].ulValueLen + 1)
                                                  : NULL;
                if (!attrs[2].pValue ||
                    P11(f, C_GetAttributeValue, session, objects[i], attrs, 3) != CKR_OK) {
                        for (int a = 0; a < 3; a++)
                                free(attrs[a].pValue);
                        continue;
                }
                json_object *c = json_object_new_object();
                json_object_object_add(c, "id",
                                       probe_hex(attrs[0].pValue ? attrs[0].pValue : "",
                                                 attrs[0].pValue ? attrs[0].ulValueLen : 0));
                json_object_object_add(c, "label",
                                       attrs[1].pValue ? probe_padded(attrs[1].pValue, attrs[1].ulValueLen)
                                                       : json_object_new_string(""));
                json_object_object_add(c, "der", probe_base64(attrs[2].pValue, attrs[2].ulValueLen));
                json_object_array_add(certs, c);
                for (int a = 0; a < 3; a++)
                        free(attrs[a].pValue);
        }
        P11(f, C_CloseSession, session);
        return certs;
}

static json_object *describe_slot(CK_FUNCTION_LIST *f, CK_SLOT_ID slot) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64((int64_t) slot));
        CK_SLOT_INFO si;
        if (P11(f, C_GetSlotInfo, slot, &si) == CKR_OK)
                json_object_object_add(o, "description",
                                       probe_padded(si.slotDescription, sizeof si.slotDescription));
        CK_TOKEN_INFO ti;
        if (P11(f, C_GetTokenInfo, slot, &ti) != CKR_OK)
                return o;
        json_object *t = json_object_new_object();
        json_object_object_add(t, "label", probe_padded(ti.label, sizeof ti.label));
        json_object_object_add(t, "manufacturer", probe_padded(ti.manufacturerID, sizeof ti.manufacturerID));
        json_object_object_add(t, "model", probe_padded(ti.model, sizeof ti.model));
        json_object_object_add(t, "serial", probe_padded(ti.serialNumber, sizeof ti.serialNumber));
        json_object_object_add(t, "flags", json_object_new_int64((int64_t) ti.flags));
        json_object_object_add(t, "initialized", json_object_new_boolean(ti.flags & CKF_TOKEN_INITIALIZED));
        json_object_object_add(t, "pin_final_try",
                               json_object_new_boolean(ti.flags & CKF_USER_PIN_FINAL_TRY));
        json_object_object_add(t, "pin_locked", json_object_new_boolean(ti.flags & CKF_USER_PIN_LOCKED));
        json_object_object_add(t, "pin_count_low",
                               json_object_new_boolean(ti.flags & CKF_USER_PIN_COUNT_LOW));
        /* A PIN pad on the reader or token: the PIN is entered there, never typed to us. */
        json_object_object_add(t, "protected_auth",
                               json_object_new_boolean(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH));
        json_object_object_add(t, "certificates", list_certificates(f, slot));
        json_object_object_add(o, "token", t);
        return o;
}

int probe_list(CK_FUNCTION_LIST *f) {
        json_object *root = json_object_new_object();
        CK_INFO info;
        if (P11(f, C_GetInfo, &info) == CKR_OK) {
                json_object_object_add(root, "manufacturer",
                                       probe_padded(info.manufacturerID, sizeof info.manufacturerID));
                json_object_object_add(
                        root, "library",
                        probe_padded(info.libraryDescription, sizeof info.libraryDescription));
        }
        CK_SLOT_ID slots[MAX_SLOTS];
        CK_ULONG n = MAX_SLOTS;
        CK_RV rv = P11(f, C_GetSlotList, CK_TRUE, slots, &n);
        if (rv != CKR_OK) {
                json_object_put(root);
                return probe_fail("slots", p11_kit_strerror(rv), rv);
        }
        json_object *array = json_object_new_array();
        for (CK_ULONG i = 0; i < n; i++)
                json_object_array_add(array, describe_slot(f, slots[i]));
        json_object_object_add(root, "slots", array);
        return probe_print(root);
}
