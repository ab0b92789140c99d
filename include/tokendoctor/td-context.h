/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <time.h>

#include "td-profile.h"

/*
 * Everything a check touches goes through the context: the root prefix for system files,
 * the clock, the environment, the profile, and memoised facts shared between checks. No
 * check opens /etc, calls time() or reads the environment directly.
 *
 * A context is reference counted because a check that overruns its deadline is abandoned
 * on its thread and may still hold it. All functions are thread-safe unless noted.
 */
typedef struct TdContext TdContext;

/* Returns a new context with one reference, or NULL on ENOMEM. */
TdContext *td_context_new(void);
TdContext *td_context_ref(TdContext *ctx);
/* Drops a reference; frees on the last one. NULL is a no-op. Returns NULL. */
TdContext *td_context_unref(TdContext *ctx);

/* Setup, before any check runs (not thread-safe). */
/*
 * Read system files under @root (NULL, "" or "/": the real root). A relative root is made
 * absolute (symbolic links in it resolved, as realpath()). 0, or -ENOENT, -ENOTDIR when @root
 * is no directory, -EACCES, -ENOMEM.
 */
int td_context_set_root(TdContext *ctx, const char *root);
void td_context_take_profile(TdContext *ctx, TdProfile *profile);
void td_context_set_clock(TdContext *ctx, time_t (*now)(void *user), void *user);
/*
 * --debug: checks add what they saw besides their verdict to the details (a PKCS#11 module's
 * standard error). Off by default: that text is the vendor's, unbounded in what it prints
 * (paths, serials, the user's name), and support reports would carry it.
 */
void td_context_set_debug(TdContext *ctx, bool debug);
/*
 * How a check gets the token PIN: the frontend's prompt (a no-echo terminal prompt, standard
 * input for --pin-stdin, a dialog in the GTK app). It writes a NUL-terminated PIN of at most
 * @size - 1 bytes into @buf and returns its length; -ENOKEY when no PIN can be asked for here
 * (no terminal), -ECANCELED when the user gave none, -ETIMEDOUT when none came by
 * @deadline_ms (monotonic, td_now_monotonic_ms()): a prompt must give up by then and leave
 * the terminal or window as it found it, since the check is abandoned after. Called from a
 * check's worker thread; @token_label names the token in the question. The caller wipes @buf.
 */
typedef int (*TdPinPrompt)(const char *token_label, int64_t deadline_ms, char *buf, size_t size, void *user);
void td_context_set_pin_prompt(TdContext *ctx, TdPinPrompt prompt, void *user);
/* Ask through the prompt set above; -ENOKEY when there is none. Thread-safe. */
int td_context_ask_pin(TdContext *ctx, const char *token_label, int64_t deadline_ms, char *buf, size_t size);
/*
 * How a check asks the person in front of the frontend to accept a risk before it goes on (a
 * PIN try whose count is unknown): @question says the risk and asks yes or no. Returns 1 for
 * yes, 0 for no (the default: anything but an explicit yes), -ENOKEY when nobody can be asked
 * (no terminal, a PIN from standard input: a script cannot weigh a risk), -ECANCELED or
 * -ETIMEDOUT by @deadline_ms as TdPinPrompt. Called from a check's worker thread.
 */
typedef int (*TdConfirm)(const char *question, int64_t deadline_ms, void *user);
void td_context_set_confirm(TdContext *ctx, TdConfirm confirm, void *user);
/* Ask through the function set above: 1, 0 or a negative errno; -ENOKEY when there is none. */
int td_context_confirm(TdContext *ctx, const char *question, int64_t deadline_ms);

/* "" for the real root, else the prefix without trailing '/'. Borrowed. */
const char *td_context_get_root(const TdContext *ctx);
bool td_context_has_root(const TdContext *ctx);
bool td_context_get_debug(const TdContext *ctx);
const TdProfile *td_context_get_profile(const TdContext *ctx);

/* Wall clock through the seam (tests may pin it). */
time_t td_context_now(const TdContext *ctx);
/* Monotonic milliseconds. */
int64_t td_now_monotonic_ms(void);

/* The process environment as it was when the context was created. Borrowed or NULL. */
const char *td_context_getenv(const TdContext *ctx, const char *name);

/*
 * The path of system file @abs_path ("/etc/os-release") under the root, to show in a message
 * or a report. Never open, stat or hand to a library what it returns: the kernel would follow
 * a link in it out of the root (a customer's absolute link to /usr/lib/locale/C.utf8 would
 * reach ours). Open through td_context_open() and its siblings. Newly allocated (free()), or
 * NULL on ENOMEM.
 */
char *td_context_path(const TdContext *ctx, const char *abs_path);

/*
 * Open system file @abs_path under the root. Symbolic links and ".." are resolved inside the
 * root (a customer's /etc/os-release -> /usr/lib/os-release must not reach our own /usr), on
 * every kernel. Returns a file descriptor (O_CLOEXEC added) or a negative errno.
 */
int td_context_open(const TdContext *ctx, const char *abs_path, int flags);

/*
 * Open system directory @abs_path under the root for readdir(), as td_context_open() resolves it.
 * 0 and *ret_dir (closedir() it), or a negative errno (-ENOENT, -ENOTDIR...).
 */
int td_context_opendir(const TdContext *ctx, const char *abs_path, DIR **ret_dir);

/*
 * The names in system directory @abs_path under the root that @accept takes (NULL: all but
 * "." and ".."), at most @max of them, sorted so results do not depend on readdir order.
 * 0 and *ret_names (td_strv_free()), or a negative errno (-ENOENT, -ENOTDIR...).
 */
int td_context_list_dir(const TdContext *ctx, const char *abs_path, bool (*accept)(const char *name),
                        size_t max, char ***ret_names);

/*
 * Open system file @abs_path under the root for reading, as td_context_open() resolves it,
 * without blocking: a FIFO, socket or device node where a file belongs gives -ENODEV at once,
 * without being opened for reading (a FIFO would hold the reader until a writer came, a
 * device could act on the open), a directory -EISDIR. Every file a fact comes from is opened
 * through this. Returns a file descriptor (O_CLOEXEC, O_NONBLOCK, which changes nothing for a
 * regular file) and, when @ret_st is not NULL, its stat; or a negative errno (-ENOENT,
 * -EACCES, -ELOOP for a loop of links...).
 */
struct stat;
int td_context_open_file(const TdContext *ctx, const char *abs_path, struct stat *ret_st);

/*
 * Read a whole system file under the root, opened with td_context_open_file() (so -ENODEV
 * for what is not a regular file, -EISDIR for a directory). A NUL is appended (not counted
 * in *ret_len). Files over @max_len bytes give -EFBIG without being read in full. Returns 0
 * or a negative errno; on success the caller frees *ret_data.
 */
int td_context_read_file(const TdContext *ctx, const char *abs_path, size_t max_len, char **ret_data,
                         size_t *ret_len);

/*
 * Memoised facts shared by checks (e.g. one HTTP probe serves net.platform and time.clock).
 * The first caller for @key runs @compute(ctx, user, &value); callers for the same key wait
 * and share the value, which the context owns and frees with @free_value on its last unref.
 * Returns the status compute returned (cached too). *ret_value is borrowed.
 */
typedef int (*TdMemoCompute)(TdContext *ctx, void *user, void **ret_value);
int td_context_memo(TdContext *ctx, const char *key, TdMemoCompute compute, void *user,
                    void (*free_value)(void *value), void **ret_value);
