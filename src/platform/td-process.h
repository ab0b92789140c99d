/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one way tokendoctor starts a helper program (the PKCS#11 probe, the privileged helper, a
 * browser): in its own process group, with nothing of ours but the pipes it is given (every
 * other descriptor closed, signal mask and dispositions reset), and a deadline that covers its
 * whole life. The child is watched through a pidfd, so a child that closes its standard output
 * and then hangs is still killed at the deadline; on expiry the whole process group is killed
 * (a module's helper processes die with the probe); the child is always reaped.
 *
 * Two shapes: td_process_run() for a one-shot run that collects output, and a TdProcess for a
 * long-lived child answering requests over its pipes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
        const char *const *argv; /* argv[0] is the program's path (no PATH search) */
        const void *input;       /* written to its standard input, which is then closed; */
        size_t input_len;        /* NULL: standard input is /dev/null */
        unsigned timeout_ms;     /* its whole life, from spawn to exit */
        size_t stdout_max;       /* bytes of standard output kept (the head); the rest is read and dropped */
        size_t stderr_max;       /* bytes of standard error kept (the tail: the end says why it died) */
} TdProcessRun;

typedef struct {
        char *out; /* NUL-terminated; out_len excludes the NUL */
        size_t out_len;
        bool out_truncated;
        char *err;
        size_t err_len;
        bool err_truncated;
        int status;     /* wait status (WIFEXITED, WTERMSIG...) */
        bool timed_out; /* killed with its group at the deadline; status then says SIGKILL */
} TdProcessResult;

/*
 * Run @run->argv to its end or its deadline. Returns 0 and fills @ret (clear it with
 * td_process_result_clear()) whatever the child did, or a negative errno when it could not be
 * started (-ENOENT, -EACCES...) or on ENOMEM. Never waits past the deadline (plus the time to
 * reap a SIGKILLed child). Thread-safe; SIGPIPE from a child that stopped reading is absorbed.
 */
int td_process_run(const TdProcessRun *run, TdProcessResult *ret);
void td_process_result_clear(TdProcessResult *r);

/* A long-lived child with pipes to its standard input and output. Not thread-safe: one user. */
typedef struct TdProcess TdProcess;

/*
 * Start @argv with pipes on its standard input and output; its standard error is collected
 * (the last @stderr_max bytes) while the other calls wait. Returns 0 and the process, or a
 * negative errno.
 */
int td_process_spawn(const char *const *argv, size_t stderr_max, TdProcess **ret);

/*
 * Write all of @data to the child's standard input by @deadline_ms (td_now_monotonic_ms()
 * clock). 0, -ETIMEDOUT, or -EPIPE when the child no longer reads (it ended).
 */
int td_process_write(TdProcess *p, const void *data, size_t len, int64_t deadline_ms);

/*
 * The next line of the child's standard output (without its newline), by @deadline_ms. Returns
 * 0 and a new string, -ETIMEDOUT, -EPIPE when the output ended (the child closed it or exited)
 * with no complete line left, or -EMSGSIZE for a line longer than @max_len (dropped up to its
 * newline... or the end).
 */
int td_process_read_line(TdProcess *p, int64_t deadline_ms, size_t max_len, char **ret_line);

/*
 * Close the child's standard input (it should end) and wait for it until @deadline_ms; past
 * it, kill its process group. Reaps it. Returns 0 with its wait status and whether it had to
 * be killed, or a negative errno. Further calls return the same status.
 */
int td_process_wait(TdProcess *p, int64_t deadline_ms, int *ret_status, bool *ret_killed);

/* SIGKILL the child's process group now (a no-op once it was reaped). */
void td_process_kill(TdProcess *p);

/* What the child wrote to standard error so far (its tail), NUL-terminated. Borrowed. */
const char *td_process_get_stderr(const TdProcess *p);
pid_t td_process_get_pid(const TdProcess *p);

/*
 * Mark every descriptor above standard error close-on-exec. Where glibc cannot close them in the
 * child (before 2.34: posix_spawn_file_actions_addclosefrom_np), the spawn calls this first, so
 * a helper inherits only its pipes; a descriptor another thread opens without O_CLOEXEC between
 * the two still leaks (libcurl's sockets are close-on-exec). Our own descriptors are unaffected
 * until an exec. Declared here for its test.
 */
void td_process_mark_cloexec(void);

/* Kill the group if the child still runs, reap it, close everything. NULL is a no-op. Returns NULL. */
TdProcess *td_process_free(TdProcess *p);
