/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/td-p11.h"
#include "td-util.h"

#define PIN_INPUT_MAX 256

extern char **environ;

#define PROBE_OUTPUT_MAX (16u << 20)

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
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
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

static const char *probe_path(void) {
        const char *env = getenv("TOKENDOCTOR_P11PROBE");
        if (!isempty(env))
                return env;
        return access(TD_P11PROBE, X_OK) == 0 ? TD_P11PROBE : TD_BUILD_P11PROBE;
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

/*
 * Hand @data to the probe's standard input. The probe may already be gone (a module that
 * crashed while loading): the EPIPE is expected, and the SIGPIPE must not kill tokendoctor.
 */
static void feed_stdin(int fd, const char *data, size_t len) {
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                data += n;
                len -= (size_t) n;
        }
        if (!sigismember(&old, SIGPIPE)) {
                const struct timespec zero = { 0 };
                while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
                        ;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * Run the probe with @args; @input (may be NULL) goes to its standard input, which is closed
 * after it. *ret_status is its wait status, or -1 when it was killed for overrunning.
 */
static int run_probe(const char *const *args, const char *input, size_t input_len, unsigned timeout_ms,
                     char **ret_out, int *ret_status) {
        int out_fds[2], in_fds[2] = { -1, -1 };
        if (pipe2(out_fds, O_CLOEXEC) < 0)
                return -errno;
        if (input && pipe2(in_fds, O_CLOEXEC) < 0) {
                int r = -errno;
                close(out_fds[0]);
                close(out_fds[1]);
                return r;
        }
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
        if (input)
                posix_spawn_file_actions_adddup2(&actions, in_fds[0], STDIN_FILENO);
        else
                posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawnattr_init(&attr);
        /* Its own process group: a hanging module's helper threads die with it. */
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        const char *probe = probe_path();
        char *argv[8] = { (char *) probe };
        for (size_t i = 0; args[i] && i + 2 < ELEMENTSOF(argv); i++)
                argv[i + 1] = (char *) args[i];
        pid_t pid;
        int r = posix_spawn(&pid, probe, &actions, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        close(out_fds[1]);
        if (input)
                close(in_fds[0]);
        if (r != 0) {
                close(out_fds[0]);
                if (input)
                        close(in_fds[1]);
                return -r;
        }
        if (input) {
                feed_stdin(in_fds[1], input, input_len);
                close(in_fds[1]);
        }

        size_t len = 0, cap = 4096;
        char *out = malloc(cap + 1);
        int64_t deadline = td_now_monotonic_ms() + timeout_ms;
        bool overran = false;
        while (out) {
                int64_t left = deadline - td_now_monotonic_ms();
                if (left <= 0) {
                        overran = true;
                        break;
                }
                struct pollfd pfd = { .fd = out_fds[0], .events = POLLIN };
                int n = poll(&pfd, 1, (int) left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0) {
                        overran = true;
                        break;
                }
                if (len == cap) {
                        char *grown = cap < PROBE_OUTPUT_MAX ? realloc(out, cap * 2 + 1) : NULL;
                        if (!grown)
                                break;
                        out = grown;
                        cap *= 2;
                }
                ssize_t got = read(out_fds[0], out + len, cap - len);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        break;
                len += (size_t) got;
        }
        close(out_fds[0]);
        if (overran)
                kill(-pid, SIGKILL);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!out)
                return -ENOMEM;
        out[len] = '\0';
        *ret_out = out;
        *ret_status = overran ? -1 : status;
        return 0;
}

/* tokendoctor-p11probe's own "could not load, initialise or list" (PROBE_EXIT_FAILED in probe.h). */
#define PROBE_EXIT_FAILED 3

typedef enum {
        PROBE_ANSWERED, /* exit 0: its JSON is the answer */
        PROBE_FAILED,   /* it could not load or use the module, and said why */
        PROBE_CRASHED,
        PROBE_HUNG,
} ProbeEnd;

/*
 * How a probe of @module ended, from run_probe()'s @status. For anything but an answer,
 * *ret_message is the finding's text (newly allocated; NULL on ENOMEM).
 */
static ProbeEnd probe_end(const char *module, int status, unsigned timeout_ms, const char *out,
                          char **ret_message) {
        *ret_message = NULL;
        if (status == -1) {
                *ret_message =
                        td_strdup_printf("%s did not answer within %.1f s", module, timeout_ms / 1000.0);
                return PROBE_HUNG;
        }
        if (WIFSIGNALED(status)) {
                *ret_message = td_strdup_printf("%s crashed (%s)", module, strsignal(WTERMSIG(status)));
                return PROBE_CRASHED;
        }
        if (WEXITSTATUS(status) == 0)
                return PROBE_ANSWERED;
        /* Any other failure means the module took the process down some other way (exit() from a
         * driver, a sanitizer's report). */
        if (WEXITSTATUS(status) != PROBE_EXIT_FAILED) {
                *ret_message = td_strdup_printf("%s ended the probe abnormally (exit status %d)", module,
                                                WEXITSTATUS(status));
                return PROBE_CRASHED;
        }
        json_object *err = json_tokener_parse(out), *msg;
        *ret_message = td_strdup_printf("%s: %s", module,
                                        err && json_object_object_get_ex(err, "message", &msg)
                                                ? json_object_get_string(msg)
                                                : "the probe failed");
        json_object_put(err);
        return PROBE_FAILED;
}

/* A probe that exits 0 with an answer that is not its JSON: only a module writing to stdout does that. */
static char *unreadable_answer(const char *module) {
        return td_strdup_printf("%s: the probe's answer could not be read", module);
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
        if (r < 0)
                return set_message(
                        l, "module.missing",
                        td_strdup_printf("%s cannot be read as a library: %s", l->module, strerror(-r)));
        if (td_elf_machine("/proc/self/exe", &own_arch) == 0 && !streq(module_arch, own_arch))
                return set_message(l, "module.wrong-arch",
                                   td_strdup_printf("%s is built for %s, this computer runs %s", l->module,
                                                    module_arch, own_arch));

        _cleanup_free_ char *out = NULL;
        int status;
        const char *args[] = { "list", l->module, NULL };
        r = run_probe(args, NULL, 0, req->timeout_ms, &out, &status);
        if (r < 0)
                return r;
        char *message;
        switch (probe_end(l->module, status, req->timeout_ms, out, &message)) {
        case PROBE_HUNG:
                return set_message(l, "module.hang", message);
        case PROBE_CRASHED:
                return set_message(l, "module.crash", message);
        case PROBE_FAILED:
                return set_message(l, "module.missing", message);
        case PROBE_ANSWERED:
        default:
                break;
        }
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
                _cleanup_free_ char *step = get_string(root, "step"), *message = get_string(root, "message");
                sig->message = !isempty(step) ? td_strdup_printf("%s: %s", step, message) : strdup("");
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

int td_p11_sign(const char *module, const char *serial, const char *key_id, const uint8_t *challenge,
                size_t challenge_len, const char *pin, unsigned timeout_ms, TdP11Signature *ret) {
        _cleanup_free_ char *challenge_hex = to_hex(challenge, challenge_len);
        if (!challenge_hex)
                return -ENOMEM;
        /* The PIN and its newline, wiped whatever happens. */
        char input[PIN_INPUT_MAX + 2];
        size_t pin_len = pin ? strlen(pin) : 0;
        if (pin_len > PIN_INPUT_MAX)
                return -EMSGSIZE;
        memcpy(input, pin ? pin : "", pin_len);
        input[pin_len] = '\n';
        const char *args[] = { "sign", module, serial, key_id, challenge_hex, NULL };
        _cleanup_free_ char *out = NULL;
        int status;
        int r = run_probe(args, input, pin_len + 1, timeout_ms, &out, &status);
        td_secure_wipe(input, sizeof input);
        if (r < 0)
                return r;
        *ret = (TdP11Signature){ 0 };
        static const TdP11SignOutcome outcomes[] = {
                [PROBE_FAILED] = TD_P11_FAILED,
                [PROBE_CRASHED] = TD_P11_CRASH,
                [PROBE_HUNG] = TD_P11_HANG,
        };
        ProbeEnd end = probe_end(module, status, timeout_ms, out, &ret->message);
        if (end == PROBE_ANSWERED) {
                r = td_p11_parse_signature(out, ret);
                if (r != -EBADMSG)
                        return r;
                end = PROBE_CRASHED;
                ret->message = unreadable_answer(module);
        }
        ret->outcome = outcomes[end];
        return ret->message ? 0 : -ENOMEM;
}
