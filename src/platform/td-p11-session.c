/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/td-p11-session.h"
#include "platform/td-process.h"
#include "platform/td-x509.h"
#include "td-util.h"
#include "tokendoctor/td-secret.h"

/* A listing carries every certificate of every token in base64. */
#define ANSWER_MAX (16u << 20)
#define STDERR_MAX 4096
#define PIN_LINE_MAX 258
/* At the end of the run: time for C_Finalize before the group is killed. */
#define CLOSE_GRACE_MS 1000
/* To reap a probe killed with SIGKILL, or one that closed its output. */
#define REAP_MS 1000
/* tokendoctor-p11probe's own "could not load or initialise" (PROBE_EXIT_FAILED in probe.h). */
#define PROBE_EXIT_FAILED 3

struct TdP11Session {
        pthread_mutex_t lock;
        char *module;
        TdProcess *probe; /* NULL before the first request and after the end */
        bool started;
        char call[64]; /* the PKCS#11 function the probe said it entered, "" between requests */
        /* Once the session is over: its finding, for this and every later request. */
        const char *cause;
        char *message;
        char *probe_stderr;
};

/* A new string; NULL on ENOMEM. */
static char *probe_path(void) {
        char *uninstalled = td_uninstalled_path("TOKENDOCTOR_P11PROBE", "src/p11probe/tokendoctor-p11probe");
        return uninstalled ? uninstalled : strdup(TD_P11PROBE);
}

static void session_free(void *p) {
        TdP11Session *s = p;
        if (!s)
                return;
        if (s->probe) {
                /* Its standard input closes: the probe calls C_Finalize and exits. */
                td_process_wait(s->probe, td_now_monotonic_ms() + CLOSE_GRACE_MS, NULL, NULL);
                td_process_free(s->probe);
        }
        pthread_mutex_destroy(&s->lock);
        free(s->module);
        free(s->message);
        free(s->probe_stderr);
        free(s);
}

static int session_new(TdContext *ctx, void *user, void **ret) {
        (void) ctx;
        TdP11Session *s = calloc(1, sizeof *s);
        if (!s || !(s->module = strdup(user))) {
                free(s);
                return -ENOMEM;
        }
        pthread_mutex_init(&s->lock, NULL);
        *ret = s;
        return 0;
}

int td_p11_session_get(TdContext *ctx, const char *module, TdP11Session **ret) {
        _cleanup_free_ char *key = td_strdup_printf("p11.session:%s", module);
        if (!key)
                return -ENOMEM;
        void *value;
        int r = td_context_memo(ctx, key, session_new, (void *) module, session_free, &value);
        if (r < 0)
                return r;
        *ret = value;
        return 0;
}

/* The session ends with @cause and @message (taken; NULL is ENOMEM). */
static int session_end(TdP11Session *s, const char *cause, char *message) {
        if (s->probe) {
                const char *err = td_process_get_stderr(s->probe);
                s->probe_stderr = strdup(err ? err : "");
                s->probe = td_process_free(s->probe);
        }
        s->cause = cause;
        s->message = message;
        return message && s->probe_stderr ? 0 : -ENOMEM;
}

/*
 * The probe stopped answering: it overran @timeout_ms (@hung), or its output ended. Reap it
 * (killing it at @deadline_ms if it closed its output and lingers) and say what happened, in
 * which PKCS#11 function.
 */
static int session_die(TdP11Session *s, bool hung, int64_t deadline_ms, unsigned timeout_ms) {
        int status = 0;
        bool killed = false;
        if (hung)
                td_process_kill(s->probe);
        int64_t reap_by = hung ? td_now_monotonic_ms() + REAP_MS : deadline_ms;
        int r = td_process_wait(s->probe, reap_by, &status, &killed);
        if (r < 0)
                return r;
        const char *in = s->call[0] ? s->call : NULL;
        char *message;
        if (killed)
                message = in ? td_strdup_printf("%s hangs in %s: no answer within %.1f s", s->module, in,
                                                timeout_ms / 1000.0)
                             : td_strdup_printf("%s did not answer within %.1f s", s->module,
                                                timeout_ms / 1000.0);
        else if (WIFSIGNALED(status))
                message = in ? td_strdup_printf("%s crashed in %s (%s)", s->module, in,
                                                strsignal(WTERMSIG(status)))
                             : td_strdup_printf("%s crashed (%s)", s->module, strsignal(WTERMSIG(status)));
        else
                /* exit() from a driver, a sanitizer's report: the module took the probe down. */
                message = in ? td_strdup_printf("%s ended the probe abnormally in %s (exit status %d)",
                                                s->module, in, WEXITSTATUS(status))
                             : td_strdup_printf("%s ended the probe abnormally (exit status %d)", s->module,
                                                WEXITSTATUS(status));
        return session_end(s, killed ? "module.hang" : "module.crash", message);
}

/* The next answer line, remembering the "enter C_Xxx" lines on the way. NULL when the session ended. */
static int read_answer(TdP11Session *s, int64_t deadline_ms, unsigned timeout_ms, char **ret) {
        *ret = NULL;
        for (;;) {
                char *line;
                int r = td_process_read_line(s->probe, deadline_ms, ANSWER_MAX, &line);
                if (r == -ETIMEDOUT || r == -EPIPE)
                        return session_die(s, r == -ETIMEDOUT, deadline_ms, timeout_ms);
                if (r == -EMSGSIZE) {
                        td_process_kill(s->probe);
                        td_process_wait(s->probe, td_now_monotonic_ms() + REAP_MS, NULL, NULL);
                        return session_end(
                                s, "module.crash",
                                td_strdup_printf("%s: the probe's answer could not be read (over %u MiB)",
                                                 s->module, ANSWER_MAX >> 20));
                }
                if (r < 0)
                        return r;
                if (td_startswith(line, "enter ")) {
                        snprintf(s->call, sizeof s->call, "%s", line + strlen("enter "));
                        free(line);
                        continue;
                }
                s->call[0] = '\0';
                *ret = line;
                return 0;
        }
}

char *td_p11_probe_error_message(const char *prefix, json_object *answer) {
        json_object *v;
        const char *text = answer && json_object_is_type(answer, json_type_object) &&
                                           json_object_object_get_ex(answer, "message", &v) &&
                                           json_object_is_type(v, json_type_string)
                                   ? json_object_get_string(v)
                                   : "the probe failed";
        int64_t ckr = answer && json_object_is_type(answer, json_type_object) &&
                                      json_object_object_get_ex(answer, "ckr", &v)
                              ? json_object_get_int64(v)
                              : 0;
        if (ckr == 0)
                return td_strdup_printf("%s: %s", prefix, text);
        return td_strdup_printf("%s: %s (CKR 0x%08" PRIX64 ")", prefix, text, (uint64_t) ckr);
}

/* The probe's first line: {"ready":true}, or why the module could not be loaded. */
static int check_ready(TdP11Session *s, const char *line, int64_t deadline_ms) {
        json_object *o = json_tokener_parse(line), *v;
        bool ready = o && json_object_object_get_ex(o, "ready", &v) && json_object_get_boolean(v);
        char *message = NULL;
        if (!ready)
                message = td_p11_probe_error_message(s->module, o);
        json_object_put(o);
        if (ready)
                return 0;
        int status;
        bool killed;
        td_process_wait(s->probe, deadline_ms, &status, &killed);
        if (!killed && WIFEXITED(status) && WEXITSTATUS(status) == PROBE_EXIT_FAILED)
                return session_end(s, "module.missing", message);
        /* Anything else on its first line is a module writing where it should not, and dying. */
        free(message);
        return session_end(s, "module.crash",
                           td_strdup_printf("%s: the probe's answer could not be read", s->module));
}

/* The PIN goes as it is, then its line's end: no copy of it is made on the way. Wiped once sent. */
static int send_request(TdP11Session *s, const char *request, char *pin, int64_t deadline_ms) {
        _cleanup_free_ char *line = td_strdup_printf("%s\n", request);
        if (!line)
                return -ENOMEM;
        int r = td_process_write(s->probe, line, strlen(line), deadline_ms);
        if (r < 0 || !pin)
                return r;
        size_t len = strlen(pin);
        r = td_process_write(s->probe, pin, len, deadline_ms);
        /* In the pipe now (or never to be sent): ours need not outlive the probe's answer. */
        td_secure_wipe(pin, len);
        if (r < 0)
                return r;
        return td_process_write(s->probe, "\n", 1, deadline_ms);
}

static int request_locked(TdP11Session *s, const char *request, char *pin, unsigned timeout_ms,
                          char **ret_answer) {
        int64_t deadline = td_now_monotonic_ms() + timeout_ms;
        if (s->cause)
                return 0;
        int r;
        if (!s->started) {
                _cleanup_free_ char *probe = probe_path();
                if (!probe)
                        return -ENOMEM;
                const char *argv[] = { probe, "session", s->module, NULL };
                r = td_process_spawn(argv, STDERR_MAX, &s->probe);
                if (r < 0)
                        return r;
                s->started = true;
                /* The probe takes milliseconds to load the module; the certificates read next need
                 * OpenSSL on our side: set it up meanwhile, on the other core. */
                td_x509_prepare();
                _cleanup_free_ char *ready = NULL;
                if ((r = read_answer(s, deadline, timeout_ms, &ready)) < 0 || s->cause)
                        return r;
                if ((r = check_ready(s, ready, deadline)) < 0 || s->cause)
                        return r;
        }
        r = send_request(s, request, pin, deadline);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -EPIPE)
                /* Stuck, not reading its input: half a request cannot be taken back, so it ends. */
                return session_die(s, true, deadline, timeout_ms);
        /* Gone (EPIPE): what it says on its way out still counts. */
        return read_answer(s, deadline, timeout_ms, ret_answer);
}

int td_p11_session_request(TdP11Session *s, const char *request, char *pin, unsigned timeout_ms,
                           char **ret_answer, TdP11SessionFailure *ret_failure) {
        /* The PIN is one line of the protocol, of printable text. */
        if (pin && (!td_pin_is_text(pin, strlen(pin)) || strlen(pin) + 1 > PIN_LINE_MAX)) {
                td_secure_wipe(pin, strlen(pin));
                return -EINVAL;
        }
        char *answer = NULL;
        pthread_mutex_lock(&s->lock);
        int r = request_locked(s, request, pin, timeout_ms, &answer);
        /* Sent and wiped, or never sent (the session had ended, the probe did not start). */
        if (pin)
                td_secure_wipe(pin, strlen(pin));
        *ret_failure = (TdP11SessionFailure){ 0 };
        if (r >= 0 && s->cause) {
                free(answer);
                answer = NULL;
                *ret_failure = (TdP11SessionFailure){
                        .cause = s->cause,
                        .message = s->message,
                        .call = s->call[0] ? s->call : NULL,
                        .probe_stderr = s->probe_stderr ? s->probe_stderr : "",
                };
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0) {
                free(answer);
                return r;
        }
        *ret_answer = answer;
        return 0;
}
