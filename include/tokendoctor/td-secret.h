/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Memory for a PIN. A TdSecret is a page of its own: locked out of swap (as far as
 * RLIMIT_MEMLOCK allows), left out of core dumps, wiped and unmapped when freed. Asking for one
 * also turns core dumps off for the rest of the process's life: once a PIN has been in memory,
 * copies may linger where no wipe reaches (a library's stack, a module's buffers), and a crash
 * must not write them to a disk.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        char *data; /* @size bytes, zeroed */
        size_t size;
} TdSecret;

/*
 * A zeroed secret of @size bytes (at most a page). Returns 0, -EINVAL for a size over a page,
 * -ENOMEM, or the negative errno of turning core dumps off (then nothing is allocated: a PIN
 * must not exist in a process that could dump it). Free with td_secret_free().
 */
int td_secret_new(size_t size, TdSecret **ret);

/* Wipe and unmap. NULL is a no-op. Returns NULL. */
TdSecret *td_secret_free(TdSecret *secret);

static inline void td_secret_freep(TdSecret **secret) {
        td_secret_free(*secret);
}
#define _cleanup_secret_ __attribute__((cleanup(td_secret_freep)))

/*
 * Whether the @len bytes at @pin are a PIN's text: no NUL, no other control character, no DEL.
 * A control character is a paste gone wrong or an attack on the probe's line protocol, and a
 * NUL would silently shorten the PIN; either would spend a try on what is not the PIN.
 */
bool td_pin_is_text(const char *pin, size_t len);

/*
 * No core dump from here on: PR_SET_DUMPABLE 0 (which also keeps other processes of the user
 * from reading our memory) and RLIMIT_CORE 0 (for a dump handler that ignores the former).
 * Idempotent, thread-safe. 0 or a negative errno.
 */
int td_secret_protect_process(void);
