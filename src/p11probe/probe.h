/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tokendoctor-p11probe: the only program that calls into a PKCS#11 module. */
#pragma once

#include <json-c/json.h>
#include <p11-kit/p11-kit.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit status of a probe that could not load, initialise or list the module. */
#define PROBE_EXIT_FAILED 3

/* PKCS#11 text fields are space padded and not terminated. */
json_object *probe_padded(const CK_UTF8CHAR *s, size_t len);
json_object *probe_hex(const unsigned char *p, size_t len);
json_object *probe_base64(const unsigned char *p, size_t len);
/* Decode lower- or upper-case hex into a new buffer ("" gives an empty one, an empty CKA_ID);
 * NULL on junk or ENOMEM. */
unsigned char *probe_unhex(const char *s, size_t *ret_len);

/*
 * Answers go to @fd, one JSON line each. With @trace, "enter C_Xxx" lines go there too before
 * each PKCS#11 call, so that tokendoctor knows where a module that dies or hangs was.
 * $TOKENDOCTOR_P11PROBE_TIMING names a file that gets each call's duration (benchmarks).
 */
void probe_output_init(int fd, bool trace);
void probe_enter(const char *function);
CK_RV probe_leave(CK_RV rv);
/* Every call into the module goes through this. */
#define P11(f, fn, ...) (probe_enter(#fn), probe_leave((f)->fn(__VA_ARGS__)))

/* Print {"error": what, "message", "ckr"} and return PROBE_EXIT_FAILED. */
int probe_fail(const char *what, const char *message, unsigned long rv);
/* Print @o on one line and drop it; returns 0. */
int probe_print(json_object *o);

/*
 * Load and initialise @module unmanaged: only the functions the probe calls are ever called,
 * exactly as it calls them. NULL after printing the failure (exit with PROBE_EXIT_FAILED).
 */
CK_FUNCTION_LIST *probe_load(const char *module);
void probe_unload(CK_FUNCTION_LIST *f);

/* The initialised token with serial @serial, and its info. */
bool probe_find_slot(CK_FUNCTION_LIST *f, const char *serial, CK_SLOT_ID *ret_slot, CK_TOKEN_INFO *ret_info);

/* The answers: each prints one JSON line. */
int probe_list(CK_FUNCTION_LIST *f);
int probe_pin_flags(CK_FUNCTION_LIST *f, const char *serial);
/*
 * @count_low_ok: tokendoctor knows more than one try is left although the token says
 * CKF_USER_PIN_COUNT_LOW (a PIV card told it), so that flag alone does not stop the login.
 */
int probe_sign(CK_FUNCTION_LIST *f, const char *serial, const char *key_id_hex, const char *challenge_hex,
               bool count_low_ok, char *pin, size_t pin_len);

/*
 * Kill the probe's process group when its parent (tokendoctor) is gone, from a thread of its
 * own. 0 or a negative errno.
 */
int probe_lifeline_start(void);

/* session MODULE: load once, answer requests from standard input until it closes. */
int probe_session(const char *module);
