/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/td-p11-session.h"
#include "platform/td-p11.h"
#include "td-util.h"
#include "tokendoctor/td-secret.h"

#define PIN_INPUT_MAX 256

static const char *elf_machine_name(unsigned machine, unsigned elf_class, unsigned data) {
        switch (machine) {
        case EM_X86_64:
                return "x86_64";
        case EM_386:
                return "i386";
        case EM_AARCH64:
                return "aarch64";
        case EM_ARM:
                return "arm";
        case EM_MIPS:
                return elf_class == ELFCLASS64 ? (data == ELFDATA2LSB ? "mips64el" : "mips64")
                                               : (data == ELFDATA2LSB ? "mipsel" : "mips");
#ifdef EM_LOONGARCH
        case EM_LOONGARCH:
#else
        case 258:
#endif
                return "loongarch64";
        case EM_RISCV:
                return "riscv64";
        case EM_PPC64:
                return "ppc64";
        case EM_S390:
                return "s390x";
        default:
                return "unknown";
        }
}

int td_elf_machine(const char *path, const char **ret) {
        /* A FIFO where the module belongs would hold a blocking open until the check's deadline. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        int r = td_fd_require_regular(fd, NULL);
        if (r < 0)
                return r;
        unsigned char h[20];
        if (read(fd, h, sizeof h) != (ssize_t) sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        unsigned machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned) (h[18] << 8 | h[19])
                                                     : (unsigned) (h[19] << 8 | h[18]);
        *ret = elf_machine_name(machine, h[EI_CLASS], h[EI_DATA]);
        return 0;
}

/* A bare module name is looked up like the dynamic linker would, in this system's lib dirs. */
static char *resolve_module(const char *module) {
        if (strchr(module, '/'))
                return strdup(module);
        static const char *const dirs[] = {
#ifdef TD_MULTIARCH
                "/usr/lib/" TD_MULTIARCH,
                "/usr/lib/" TD_MULTIARCH "/pkcs11",
                "/lib/" TD_MULTIARCH,
#endif
                "/usr/lib/pkcs11",
                "/usr/lib",
                "/usr/lib64",
                "/usr/local/lib",
                NULL,
        };
        for (const char *const *d = dirs; *d; d++) {
                char *path = td_strdup_printf("%s/%s", *d, module);
                if (!path || access(path, F_OK) == 0)
                        return path;
                free(path);
        }
        return strdup(module);
}

void td_p11_listing_clear(TdP11Listing *l) {
        for (size_t i = 0; i < l->n_tokens; i++) {
                TdP11Token *t = &l->tokens[i];
                for (size_t c = 0; c < t->n_certs; c++) {
                        free(t->certs[c].id);
                        free(t->certs[c].label);
                        free(t->certs[c].der);
                }
                free(t->certs);
                free(t->slot_description);
                free(t->label);
                free(t->manufacturer);
                free(t->model);
                free(t->serial);
        }
        free(l->tokens);
        free(l->module);
        free(l->message);
        free(l->call);
        free(l->probe_stderr);
        free(l->library);
        *l = (TdP11Listing){ 0 };
}

static char *get_string(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return strdup("");
        return strdup(json_object_get_string(v));
}

static bool get_bool(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int decode_base64(const char *b64, uint8_t **ret, size_t *ret_len) {
        size_t len = strlen(b64);
        if (len % 4 != 0)
                return -EBADMSG;
        uint8_t *buf = malloc(len / 4 * 3 + 1);
        if (!buf)
                return -ENOMEM;
        int n = EVP_DecodeBlock(buf, (const unsigned char *) b64, (int) len);
        if (n < 0) {
                free(buf);
                return -EBADMSG;
        }
        /* EVP_DecodeBlock counts the padding as data. */
        if (len >= 1 && b64[len - 1] == '=')
                n--;
        if (len >= 2 && b64[len - 2] == '=')
                n--;
        *ret = buf;
        *ret_len = (size_t) n;
        return 0;
}

static int parse_certificate(json_object *c, TdP11Cert *cert) {
        json_object *der;
        if (!json_object_is_type(c, json_type_object) || !json_object_object_get_ex(c, "der", &der) ||
            !json_object_is_type(der, json_type_string))
                return -EBADMSG;
        int r = decode_base64(json_object_get_string(der), &cert->der, &cert->der_len);
        if (r < 0)
                return r;
        cert->id = get_string(c, "id");
        cert->label = get_string(c, "label");
        return cert->id && cert->label ? 0 : -ENOMEM;
}

int td_p11_parse_listing(const char *text, TdP11Listing *l) {
        json_object *root = json_tokener_parse(text);
        json_object *slots;
        if (!root || !json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "slots", &slots) ||
            !json_object_is_type(slots, json_type_array)) {
                json_object_put(root);
                return -EBADMSG;
        }
        int r = 0;
        l->library = get_string(root, "library");
        size_t n = json_object_array_length(slots);
        for (size_t i = 0; i < n && r == 0; i++) {
                json_object *slot = json_object_array_get_idx(slots, i), *tok, *certs;
                if (!json_object_is_type(slot, json_type_object) ||
                    !json_object_object_get_ex(slot, "token", &tok) ||
                    !json_object_is_type(tok, json_type_object) || !get_bool(tok, "initialized"))
                        continue;
                TdP11Token *grown = realloc(l->tokens, (l->n_tokens + 1) * sizeof *grown);
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                l->tokens = grown;
                TdP11Token *t = &l->tokens[l->n_tokens++];
                *t = (TdP11Token){
                        .slot_description = get_string(slot, "description"),
                        .label = get_string(tok, "label"),
                        .manufacturer = get_string(tok, "manufacturer"),
                        .model = get_string(tok, "model"),
                        .serial = get_string(tok, "serial"),
                        .pin_final_try = get_bool(tok, "pin_final_try"),
                        .pin_locked = get_bool(tok, "pin_locked"),
                        .pin_count_low = get_bool(tok, "pin_count_low"),
                        .protected_auth = get_bool(tok, "protected_auth"),
                };
                if (!json_object_object_get_ex(tok, "certificates", &certs) ||
                    !json_object_is_type(certs, json_type_array))
                        continue;
                size_t nc = json_object_array_length(certs);
                t->certs = calloc(nc ? nc : 1, sizeof *t->certs);
                if (!t->certs) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t c = 0; c < nc && r == 0; c++) {
                        r = parse_certificate(json_object_array_get_idx(certs, c), &t->certs[t->n_certs]);
                        if (r == 0)
                                t->n_certs++;
                }
        }
        json_object_put(root);
        return r;
}

/* An answer that is {"error": ..., "message": ...}: the probe could not do it, and said why. */
static bool answer_is_error(const char *module, const char *answer, char **ret_message) {
        json_object *o = json_tokener_parse(answer), *err;
        bool is_error =
                o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "error", &err);
        if (is_error)
                *ret_message = td_p11_probe_error_message(module, o);
        json_object_put(o);
        return is_error;
}

/* A probe that answers with something that is not its JSON: only a module writing where it should not does
 * that. */
static char *unreadable_answer(const char *module) {
        return td_strdup_printf("%s: the probe's answer could not be read", module);
}

/* Where the session ended: the finding, the function, what the probe said on standard error. */
static int set_failure(TdP11Listing *l, const TdP11SessionFailure *f) {
        l->cause = f->cause;
        l->message = strdup(f->message);
        l->call = f->call ? strdup(f->call) : NULL;
        l->probe_stderr = strdup(f->probe_stderr);
        return l->message && (l->call || !f->call) && l->probe_stderr ? 0 : -ENOMEM;
}

typedef struct {
        const char *module;
        unsigned timeout_ms;
} ListRequest;

static void listing_free(void *p) {
        if (p) {
                td_p11_listing_clear(p);
                free(p);
        }
}

static int set_message(TdP11Listing *l, const char *cause, char *message) {
        l->cause = cause;
        l->message = message;
        return message ? 0 : -ENOMEM;
}

static int compute_listing(TdContext *ctx, void *user, void **ret) {
        const ListRequest *req = user;
        TdP11Listing *l = calloc(1, sizeof *l);
        if (!l || !(l->module = resolve_module(req->module))) {
                free(l);
                return -ENOMEM;
        }
        *ret = l;

        const char *module_arch, *own_arch;
        int r = td_elf_machine(l->module, &module_arch);
        if (r == -ENOENT)
                return set_message(l, "module.missing", td_strdup_printf("%s does not exist", l->module));
        if (r == -ENODEV || r == -EISDIR)
                return set_message(
                        l, "module.missing",
                        td_strdup_printf("%s is not a library file (a %s)", l->module,
                                         r == -EISDIR ? "directory" : "FIFO, socket or device node"));
        if (r < 0)
                return set_message(
                        l, "module.missing",
                        td_strdup_printf("%s cannot be read as a library: %s", l->module, strerror(-r)));
        if (td_elf_machine("/proc/self/exe", &own_arch) == 0 && !streq(module_arch, own_arch))
                return set_message(l, "module.wrong-arch",
                                   td_strdup_printf("%s is built for %s, this computer runs %s", l->module,
                                                    module_arch, own_arch));

        TdP11Session *session;
        r = td_p11_session_get(ctx, l->module, &session);
        if (r < 0)
                return r;
        _cleanup_free_ char *out = NULL;
        TdP11SessionFailure failure;
        r = td_p11_session_request(session, "{\"op\":\"list\"}", NULL, req->timeout_ms, &out, &failure);
        if (r < 0)
                return r;
        if (failure.cause)
                return set_failure(l, &failure);
        char *message;
        if (answer_is_error(l->module, out, &message))
                return set_message(l, "module.missing", message);
        r = td_p11_parse_listing(out, l);
        if (r == -EBADMSG)
                return set_message(l, "module.crash", unreadable_answer(l->module));
        return r;
}

int td_p11_list(TdContext *ctx, const char *module, unsigned timeout_ms, const TdP11Listing **ret) {
        _cleanup_free_ char *key = td_strdup_printf("p11:%s", module);
        if (!key)
                return -ENOMEM;
        ListRequest req = { .module = module, .timeout_ms = timeout_ms };
        void *value = NULL;
        int r = td_context_memo(ctx, key, compute_listing, &req, listing_free, &value);
        if (r < 0)
                return r;
        *ret = value;
        return 0;
}

void td_p11_signature_clear(TdP11Signature *sig) {
        free(sig->message);
        free(sig->call);
        free(sig->mechanism);
        free(sig->scheme);
        free(sig->signature);
        *sig = (TdP11Signature){ 0 };
}

int td_p11_parse_signature(const char *text, TdP11Signature *sig) {
        static const struct {
                const char *name;
                TdP11SignOutcome outcome;
        } outcomes[] = {
                { "signed", TD_P11_SIGNED },
                { "pin-wrong", TD_P11_PIN_WRONG },
                { "pin-invalid", TD_P11_PIN_INVALID },
                { "pin-locked", TD_P11_PIN_LOCKED },
                { "pin-final-try", TD_P11_PIN_FINAL_TRY },
                { "pin-count-low", TD_P11_PIN_COUNT_LOW },
                { "no-token", TD_P11_NO_TOKEN },
                { "no-key", TD_P11_NO_KEY },
                { "no-mechanism", TD_P11_NO_MECHANISM },
                { "sign-failed", TD_P11_FAILED },
                { "login-failed", TD_P11_FAILED },
        };
        json_object *root = json_tokener_parse(text), *v;
        if (!root || !json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "result", &v) || !json_object_is_type(v, json_type_string)) {
                json_object_put(root);
                return -EBADMSG;
        }
        const char *result = json_object_get_string(v);
        size_t i = 0;
        while (i < ELEMENTSOF(outcomes) && !streq(outcomes[i].name, result))
                i++;
        if (i == ELEMENTSOF(outcomes)) {
                json_object_put(root);
                return -EBADMSG;
        }
        int r = 0;
        *sig = (TdP11Signature){ .outcome = outcomes[i].outcome };
        if (sig->outcome == TD_P11_SIGNED) {
                if (!json_object_object_get_ex(root, "signature", &v) ||
                    !json_object_is_type(v, json_type_string))
                        r = -EBADMSG;
                else
                        r = decode_base64(json_object_get_string(v), &sig->signature, &sig->signature_len);
                sig->mechanism = get_string(root, "mechanism");
                sig->scheme = get_string(root, "scheme");
        } else {
                _cleanup_free_ char *step = get_string(root, "step");
                sig->message = !isempty(step) ? td_p11_probe_error_message(step, root) : strdup("");
        }
        sig->pin_final_try = get_bool(root, "pin_final_try");
        sig->pin_locked = get_bool(root, "pin_locked");
        sig->pin_count_low = get_bool(root, "pin_count_low");
        json_object_put(root);
        if (r == 0 && (!sig->message && sig->outcome != TD_P11_SIGNED))
                r = -ENOMEM;
        if (r < 0)
                td_p11_signature_clear(sig);
        return r;
}

static char *to_hex(const uint8_t *p, size_t len) {
        char *s = malloc(len * 2 + 1);
        for (size_t i = 0; s && i < len; i++)
                snprintf(s + 2 * i, 3, "%02x", p[i]);
        if (s)
                s[len * 2] = '\0';
        return s;
}

/* The session's end as a signing outcome; message and call copied. */
static int sign_failure(const TdP11SessionFailure *f, TdP11Signature *ret) {
        *ret = (TdP11Signature){
                .outcome = streq(f->cause, "module.hang")    ? TD_P11_HANG
                           : streq(f->cause, "module.crash") ? TD_P11_CRASH
                                                             : TD_P11_FAILED,
                .message = strdup(f->message),
                .call = f->call ? strdup(f->call) : NULL,
        };
        if (!ret->message || (f->call && !ret->call)) {
                td_p11_signature_clear(ret);
                return -ENOMEM;
        }
        return 0;
}

static void pin_wipep(char **pin) {
        if (*pin)
                td_secure_wipe(*pin, strlen(*pin));
}

/* Send @req (taken; NULL when it could not be made) as one line through @session. */
static int session_request(TdP11Session *session, json_object *req, char *pin, unsigned timeout_ms,
                           char **ret_out, TdP11SessionFailure *ret_failure) {
        _cleanup_free_ char *request =
                req ? strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN)) : NULL;
        json_object_put(req);
        if (!request)
                return -ENOMEM;
        return td_p11_session_request(session, request, pin, timeout_ms, ret_out, ret_failure);
}

int td_p11_sign(TdContext *ctx, const char *module, const char *serial, const char *key_id,
                const uint8_t *challenge, size_t challenge_len, char *pin, bool count_low_ok,
                unsigned timeout_ms, TdP11Signature *ret) {
        /* Wiped on every way out before the session takes it over. */
        _cleanup_(pin_wipep) char *pin_unsent = pin;
        if (pin && (strlen(pin) > PIN_INPUT_MAX || !td_pin_is_text(pin, strlen(pin)))) {
                /* Not a PIN any token takes; and it would not fit the probe's one line. */
                *ret = (TdP11Signature){ .outcome = TD_P11_PIN_INVALID, .message = strdup("") };
                return ret->message ? 0 : -ENOMEM;
        }
        TdP11Session *session;
        int r = td_p11_session_get(ctx, module, &session);
        if (r < 0)
                return r;
        _cleanup_free_ char *challenge_hex = to_hex(challenge, challenge_len);
        if (!challenge_hex)
                return -ENOMEM;
        /* Serial and key id travel in the request, never on a command line (ps shows those). */
        json_object *req = json_object_new_object();
        if (req) {
                json_object_object_add(req, "op", json_object_new_string("sign"));
                json_object_object_add(req, "serial", json_object_new_string(serial));
                json_object_object_add(req, "key_id", json_object_new_string(key_id));
                json_object_object_add(req, "challenge", json_object_new_string(challenge_hex));
                json_object_object_add(req, "pin", json_object_new_boolean(pin != NULL));
                json_object_object_add(req, "count_low_ok", json_object_new_boolean(count_low_ok));
        }
        _cleanup_free_ char *out = NULL;
        TdP11SessionFailure failure;
        pin_unsent = NULL; /* the session's to wipe now */
        r = session_request(session, req, pin, timeout_ms, &out, &failure);
        if (r < 0)
                return r;
        if (failure.cause)
                return sign_failure(&failure, ret);
        char *message;
        if (answer_is_error(module, out, &message)) {
                *ret = (TdP11Signature){ .outcome = TD_P11_FAILED, .message = message };
                return message ? 0 : -ENOMEM;
        }
        r = td_p11_parse_signature(out, ret);
        if (r != -EBADMSG)
                return r;
        *ret = (TdP11Signature){ .outcome = TD_P11_CRASH, .message = unreadable_answer(module) };
        return ret->message ? 0 : -ENOMEM;
}

void td_p11_pin_state_clear(TdP11PinState *st) {
        free(st->message);
        free(st->call);
        *st = (TdP11PinState){ 0 };
}

int td_p11_pin_state(TdContext *ctx, const char *module, const char *serial, unsigned timeout_ms,
                     TdP11PinState *ret) {
        TdP11Session *session;
        int r = td_p11_session_get(ctx, module, &session);
        if (r < 0)
                return r;
        json_object *req = json_object_new_object();
        if (req) {
                json_object_object_add(req, "op", json_object_new_string("pin-flags"));
                json_object_object_add(req, "serial", json_object_new_string(serial));
        }
        _cleanup_free_ char *out = NULL;
        TdP11SessionFailure failure;
        r = session_request(session, req, NULL, timeout_ms, &out, &failure);
        if (r < 0)
                return r;
        *ret = (TdP11PinState){ 0 };
        if (failure.cause) {
                ret->cause = failure.cause;
                ret->message = strdup(failure.message);
                ret->call = failure.call ? strdup(failure.call) : NULL;
                if (!ret->message || (failure.call && !ret->call)) {
                        td_p11_pin_state_clear(ret);
                        return -ENOMEM;
                }
                return 0;
        }
        char *message = NULL;
        json_object *o = answer_is_error(module, out, &message) ? NULL : json_tokener_parse(out), *v;
        if (!o || !json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, "present", &v)) {
                json_object_put(o);
                ret->cause = "module.crash";
                ret->message = message ? message : unreadable_answer(module);
                return ret->message ? 0 : -ENOMEM;
        }
        ret->present = json_object_get_boolean(v);
        ret->pin_final_try = get_bool(o, "pin_final_try");
        ret->pin_locked = get_bool(o, "pin_locked");
        ret->pin_count_low = get_bool(o, "pin_count_low");
        ret->protected_auth = get_bool(o, "protected_auth");
        json_object_put(o);
        return 0;
}
