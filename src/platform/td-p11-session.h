/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One tokendoctor-p11probe per PKCS#11 module per run: started on the first request, it loads
 * the module once and answers every request of the run over its pipes (listing, PIN flags,
 * signing); it is closed when the context is freed. A crash or hang in any request is the
 * session's end and its finding: later requests fail fast with the same finding. Internal to
 * td-p11.c.
 */
#pragma once

#include "tokendoctor/td-context.h"

typedef struct TdP11Session TdP11Session;
struct json_object;

/*
 * The probe's account of a failure ({"message": ..., "ckr": ...}, its "error" answer or a
 * signing step's) as "@prefix: message", with the PKCS#11 return code when the probe gave one
 * that is not CKR_OK: "C_Sign: General error (CKR 0x00000005)". No message (or no @answer) is
 * "the probe failed". New string or NULL on ENOMEM.
 */
char *td_p11_probe_error_message(const char *prefix, struct json_object *answer);

/*
 * The session with @module (a resolved path) for this run, created (not yet started) on first
 * use. Memoised on @ctx, which closes it when freed: stdin closed, so the probe calls
 * C_Finalize; killed with its process group if it does not end within a second. *ret is
 * borrowed. 0 or -ENOMEM.
 */
int td_p11_session_get(TdContext *ctx, const char *module, TdP11Session **ret);

typedef struct {
        const char *cause;        /* NULL: answered; else module.crash, module.hang, module.missing */
        const char *message;      /* the finding (untranslated facts: path, function, signal) */
        const char *call;         /* the PKCS#11 function the module was in, or NULL */
        const char *probe_stderr; /* the probe's standard error (its tail), or "" */
} TdP11SessionFailure;

/*
 * Send @request (one JSON object, no newline) and, when @pin is not NULL, the PIN on the next
 * line (printable text: -EINVAL for a control character), then wait for the answer. @pin is
 * wiped as soon as it is written to the probe, and whatever the outcome. The first request also
 * starts the probe and waits for the module to load; @timeout_ms covers all of it. Requests on
 * one session are serialised. Returns 0 with either *ret_answer (a new string) or
 * @ret_failure->cause set (its strings are borrowed from the session, which lives as long as
 * the context); a negative errno when the probe could not be started. Thread-safe.
 */
int td_p11_session_request(TdP11Session *s, const char *request, char *pin, unsigned timeout_ms,
                           char **ret_answer, TdP11SessionFailure *ret_failure);
