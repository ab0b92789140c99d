/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * PKCS#11 facts, gathered out of process: tokendoctor never loads a vendor module itself. It
 * runs tokendoctor-p11probe with a deadline and reads its JSON; a probe killed by a signal is a
 * crashing module, one past its deadline a hanging module.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokendoctor/td-context.h"

typedef struct {
        char *id;    /* CKA_ID, hex */
        char *label;
        uint8_t *der;
        size_t der_len;
} TdP11Cert;

typedef struct {
        char *slot_description;
        char *label, *manufacturer, *model, *serial;
        bool pin_final_try, pin_locked, pin_count_low;
        TdP11Cert *certs;
        size_t n_certs;
} TdP11Token;

typedef struct {
        char *module;       /* resolved path */
        const char *cause;  /* NULL, module.missing, module.wrong-arch, module.crash, module.hang */
        char *message;      /* what went wrong, for the user (untranslated facts: paths, signals) */
        char *library;      /* the module's own description */
        TdP11Token *tokens; /* initialised tokens only */
        size_t n_tokens;
} TdP11Listing;

/*
 * Resolve @module (a path, or a bare name looked up in this system's multiarch library
 * directories, never under --root: modules are code that runs) and list what it sees, within
 * @timeout_ms. Memoised per module in the context; *ret is borrowed. Returns 0 with a listing
 * whose cause says what went wrong, or a negative errno when the probe could not be run.
 */
int td_p11_list(TdContext *ctx, const char *module, unsigned timeout_ms, const TdP11Listing **ret);

/* Parse the probe's JSON (for tests and fuzzing). 0, -EBADMSG or -ENOMEM. */
int td_p11_parse_listing(const char *json, TdP11Listing *listing);
void td_p11_listing_clear(TdP11Listing *listing);

/* The ELF machine name of @path ("x86_64", "aarch64"...), or an error. *ret is static. */
int td_elf_machine(const char *path, const char **ret);
