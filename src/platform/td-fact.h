/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the fact adapters (os-release, locale, USB bus, PC/SC state, reader drivers) share:
 * the typed test override behind their memo, and the words for a fact file that could not
 * be read. Each adapter keeps its memo key to itself; nothing outside it spells the key.
 */
#pragma once

#include "tokendoctor/td-context.h"
#include "tokendoctor/td-result.h"

/*
 * Put @value into the context's memo under @key, as if its compute had run and returned 0,
 * so later gets return it (a test's typed override). Takes @value in every case (freed with
 * @free_value on failure). Returns 0, -EBUSY when the fact was gathered already (an override
 * must come before the first get), or -ENOMEM.
 */
int td_fact_override(TdContext *ctx, const char *key, void *value, void (*free_value)(void *value));

/*
 * Why system file @path could not be read, as a translated sentence part for a check's
 * message: "/etc/os-release is not a regular file (a FIFO, socket or device node)". @error is
 * what td_context_read_file() or td_context_open_file() returned. New string or NULL on ENOMEM.
 */
char *td_fact_file_error(const char *path, int error);

/*
 * A check's verdict when a file its fact rests on exists but cannot be read: error (no verdict
 * on what the file would have said), "@what: why." in the message, @what a translated sentence
 * part ("The distribution cannot be identified"). Returns @error, or a negative errno of its own.
 */
int td_fact_unreadable_verdict(TdResult *result, const char *what, const char *path, int error);
