/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/td-process.h"
#include "tokendoctor/td-platform.h"
#include "td-util.h"
#include "tokendoctor/td-context.h"

extern char **environ;

/* Without a pidfd (kernels before 5.3) the child's end is noticed by looking this often. */
#define NO_PIDFD_POLL_MS 20
#define CHUNK 4096

typedef struct {
        pid_t pid;
        int pidfd; /* -1 when the kernel has none: then waitid(WNOWAIT) is asked every few ms */
        bool exited;
        bool reaped;
        int status;
} Child;

typedef struct {
        char *data;
        size_t len, max;
        bool truncated;
        bool keep_tail;
} Buf;

static int buf_init(Buf *b, size_t max, bool keep_tail) {
        *b = (Buf){ .data = malloc(max + 1), .max = max, .keep_tail = keep_tail };
        if (!b->data)
                return -ENOMEM;
        b->data[0] = '\0';
        return 0;
}

static void buf_append(Buf *b, const char *p, size_t n) {
        if (b->keep_tail) {
                if (n >= b->max) {
                        b->truncated = b->truncated || b->len > 0 || n > b->max;
                        memcpy(b->data, p + (n - b->max), b->max);
                        b->len = b->max;
                } else {
                        if (b->len + n > b->max) {
                                size_t drop = b->len + n - b->max;
                                memmove(b->data, b->data + drop, b->len - drop);
                                b->len -= drop;
                                b->truncated = true;
                        }
                        memcpy(b->data + b->len, p, n);
                        b->len += n;
                }
        } else {
                size_t room = b->max - b->len, take = n < room ? n : room;
                memcpy(b->data + b->len, p, take);
                b->len += take;
                if (take < n)
                        b->truncated = true;
        }
        b->data[b->len] = '\0';
}

static void closep_reset(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Pipes never land on 0, 1, 2 (a parent started with closed stdio): the dup2s would clobber them. */
static int fd_above_stdio(int fd) {
        if (fd > STDERR_FILENO)
                return fd;
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        int r = -errno;
        close(fd);
        return moved < 0 ? r : moved;
}

static int make_pipe(int fds[2]) {
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        fds[0] = fd_above_stdio(fds[0]);
        fds[1] = fd_above_stdio(fds[1]);
        if (fds[0] < 0 || fds[1] < 0) {
                int r = fds[0] < 0 ? fds[0] : fds[1];
                closep_reset(&fds[0]);
                closep_reset(&fds[1]);
                return r;
        }
        return 0;
}

static void set_nonblock(int fd) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
                fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/*
 * Every child started and not yet reaped, so that a cancelled run can kill them all before it
 * exits (a probe stuck in a hanging module would outlive tokendoctor otherwise). An unreaped
 * pid cannot have been reused, so killing its group is safe.
 */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t live[64];
static size_t n_live;
static bool closing; /* td_platform_kill_helpers() was called: no helper starts any more */

static void live_remove(pid_t pid) {
        pthread_mutex_lock(&live_lock);
        for (size_t i = 0; i < n_live; i++)
                if (live[i] == pid) {
                        live[i] = live[--n_live];
                        break;
                }
        pthread_mutex_unlock(&live_lock);
}

void td_platform_kill_helpers(void) {
        pthread_mutex_lock(&live_lock);
        /* A check abandoned on its thread may be about to start a probe and hand it the PIN. */
        closing = true;
        for (size_t i = 0; i < n_live; i++)
                kill(-live[i], SIGKILL);
        pthread_mutex_unlock(&live_lock);
}

void td_process_mark_cloexec(void) {
        DIR *dir = opendir("/proc/self/fd");
        if (!dir)
                return;
        for (struct dirent *e; (e = readdir(dir));) {
                char *end;
                long fd = strtol(e->d_name, &end, 10);
                if (*end || end == e->d_name || fd <= STDERR_FILENO || fd == dirfd(dir))
                        continue;
                int flags = fcntl((int) fd, F_GETFD);
                if (flags >= 0 && !(flags & FD_CLOEXEC))
                        fcntl((int) fd, F_SETFD, flags | FD_CLOEXEC);
        }
        closedir(dir);
}

/*
 * Start @argv with @in_fd (-1: /dev/null), @out_fd and @err_fd as its standard streams, in a new
 * process group, with default signal handling and an empty mask, and no other descriptor.
 */
static int child_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd, Child *ret) {
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawn_file_actions_init(&actions);
        if (in_fd >= 0)
                posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
        else
                posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        /* Descriptors other threads opened without O_CLOEXEC (libraries do) stay ours. */
        posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
#else
        /* glibc before 2.34 (UOS 20, Kylin V10): the same, from this side of the spawn. */
        td_process_mark_cloexec();
#endif
        posix_spawnattr_init(&attr);
        /* Its own process group: on expiry the group dies, helpers a module started included. */
        posix_spawnattr_setflags(&attr,
                                 POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        pid_t pid;
        /* Started and registered as one step: td_platform_kill_helpers() sees every child. */
        pthread_mutex_lock(&live_lock);
        int r = closing ? ECANCELED
                : n_live >= ELEMENTSOF(live)
                        ? EAGAIN
                        : posix_spawn(&pid, argv[0], &actions, &attr, (char *const *) argv, environ);
        if (r == 0)
                live[n_live++] = pid;
        pthread_mutex_unlock(&live_lock);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return -r;
        *ret = (Child){ .pid = pid, .pidfd = (int) syscall(SYS_pidfd_open, pid, 0) };
        if (ret->pidfd >= 0)
                ret->pidfd = fd_above_stdio(ret->pidfd);
        return 0;
}

/* Whether the child has ended, without reaping it: its pid (and group id) stay ours to kill. */
static bool child_check_exit(Child *c) {
        if (c->exited || c->reaped)
                return true;
        if (c->pidfd >= 0) {
                /* The pidfd turns readable when it ends: no need to ask the kernel at every turn. */
                struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
                if (poll(&pfd, 1, 0) > 0)
                        c->exited = true;
                return c->exited;
        }
        siginfo_t si = { 0 };
        if (waitid(P_PID, (id_t) c->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == c->pid)
                c->exited = true;
        return c->exited;
}

static void child_kill(Child *c) {
        /* Only before reaping: until then the pid cannot have been reused. */
        if (!c->reaped)
                kill(-c->pid, SIGKILL);
}

static void child_reap(Child *c) {
        if (c->reaped)
                return;
        int status = 0;
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                ;
        live_remove(c->pid);
        c->status = status;
        c->reaped = c->exited = true;
        closep_reset(&c->pidfd);
}

/* One more pollfd for the child's end; the poll timeout capped where there is no pidfd. */
static int child_poll_setup(const Child *c, struct pollfd *pfd, int64_t left_ms) {
        *pfd = (struct pollfd){ .fd = c->exited ? -1 : c->pidfd, .events = POLLIN };
        if (c->pidfd < 0 && left_ms > NO_PIDFD_POLL_MS)
                return NO_PIDFD_POLL_MS;
        return left_ms > INT32_MAX ? INT32_MAX : (int) left_ms;
}

/*
 * write() that neither raises SIGPIPE nor lets it through when the reader is gone: it is
 * blocked for this thread and a pending one consumed. -EPIPE then, like a socket's MSG_NOSIGNAL.
 */
static ssize_t write_nosigpipe(int fd, const void *data, size_t len) {
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        ssize_t n = write(fd, data, len);
        int saved = errno;
        if (n < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE)) {
                const struct timespec zero = { 0 };
                while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
                        ;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
        return n;
}

/* Read what @fd has into @b. 1 when it was read from, 0 at EOF (closed and reset), 1 on EAGAIN. */
static int drain_into(int *fd, Buf *b) {
        char chunk[CHUNK];
        ssize_t n = read(*fd, chunk, sizeof chunk);
        if (n > 0) {
                buf_append(b, chunk, (size_t) n);
                return 1;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 1;
        closep_reset(fd);
        return 0;
}

/* After the child ended: what is already in the pipes, without waiting for helpers that hold them. */
static void drain_rest(int *fd, Buf *b, int64_t deadline_ms) {
        if (*fd < 0)
                return;
        set_nonblock(*fd);
        char chunk[CHUNK];
        while (td_now_monotonic_ms() < deadline_ms) {
                ssize_t n = read(*fd, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                buf_append(b, chunk, (size_t) n);
        }
}

void td_process_result_clear(TdProcessResult *r) {
        free(r->out);
        free(r->err);
        *r = (TdProcessResult){ 0 };
}

int td_process_run(const TdProcessRun *run, TdProcessResult *ret) {
        int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 };
        Buf bout = { 0 }, berr = { 0 };
        Child child = { .pid = -1, .pidfd = -1 };
        int r;
        if ((r = buf_init(&bout, run->stdout_max, false)) < 0 ||
            (r = buf_init(&berr, run->stderr_max, true)) < 0 || (r = make_pipe(out)) < 0 ||
            (r = make_pipe(err)) < 0 || (run->input && (r = make_pipe(in)) < 0))
                goto fail;
        int64_t deadline = td_now_monotonic_ms() + run->timeout_ms;
        r = child_spawn(run->argv, in[0], out[1], err[1], &child);
        closep_reset(&in[0]);
        closep_reset(&out[1]);
        closep_reset(&err[1]);
        if (r < 0)
                goto fail;
        const char *input = run->input;
        size_t input_left = run->input_len;
        if (in[1] >= 0) {
                set_nonblock(in[1]);
                if (input_left == 0)
                        closep_reset(&in[1]);
        }

        bool timed_out = false;
        for (;;) {
                int64_t left = deadline - td_now_monotonic_ms();
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                struct pollfd pfd[4] = {
                        { .fd = out[0], .events = POLLIN },
                        { .fd = err[0], .events = POLLIN },
                        { .fd = in[1], .events = POLLOUT },
                };
                int timeout = child_poll_setup(&child, &pfd[3], left);
                int n = poll(pfd, ELEMENTSOF(pfd), timeout);
                if (n < 0 && errno != EINTR) {
                        r = -errno;
                        child_kill(&child);
                        child_reap(&child);
                        goto fail;
                }
                if (n > 0) {
                        if (pfd[0].revents)
                                drain_into(&out[0], &bout);
                        if (pfd[1].revents)
                                drain_into(&err[0], &berr);
                        if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
                                ssize_t w = write_nosigpipe(in[1], input, input_left);
                                if (w > 0) {
                                        input += w;
                                        input_left -= (size_t) w;
                                }
                                if ((w < 0 && errno != EINTR && errno != EAGAIN) || input_left == 0)
                                        closep_reset(&in[1]);
                        }
                        if (pfd[3].revents)
                                child.exited = true;
                }
                if (child_check_exit(&child))
                        break;
        }
        closep_reset(&in[1]);
        if (timed_out)
                child_kill(&child);
        else {
                /* Bounded: a helper it left behind may keep writing. */
                int64_t until = td_now_monotonic_ms() + 100;
                drain_rest(&out[0], &bout, until < deadline ? until : deadline);
                drain_rest(&err[0], &berr, until < deadline ? until : deadline);
        }
        child_reap(&child);
        closep_reset(&out[0]);
        closep_reset(&err[0]);
        *ret = (TdProcessResult){
                .out = bout.data,
                .out_len = bout.len,
                .out_truncated = bout.truncated,
                .err = berr.data,
                .err_len = berr.len,
                .err_truncated = berr.truncated,
                .status = child.status,
                .timed_out = timed_out,
        };
        return 0;

fail:
        for (int *fd = (int[]){ out[0], out[1], err[0], err[1], in[0], in[1], -2 }; *fd != -2; fd++)
                if (*fd >= 0)
                        close(*fd);
        closep_reset(&child.pidfd);
        free(bout.data);
        free(berr.data);
        return r;
}

struct TdProcess {
        Child child;
        int in_w, out_r, err_r;
        Buf err;
        char *pending; /* standard output not yet handed out as lines */
        size_t pending_len, pending_cap;
        bool dropping; /* inside a line that was too long */
        bool killed;
};

int td_process_spawn(const char *const *argv, size_t stderr_max, TdProcess **ret) {
        TdProcess *p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
        p->child = (Child){ .pid = -1, .pidfd = -1 };
        p->in_w = p->out_r = p->err_r = -1;
        int r;
        if ((r = buf_init(&p->err, stderr_max, true)) < 0 || (r = make_pipe(in)) < 0 ||
            (r = make_pipe(out)) < 0 || (r = make_pipe(err)) < 0)
                goto fail;
        r = child_spawn(argv, in[0], out[1], err[1], &p->child);
        closep_reset(&in[0]);
        closep_reset(&out[1]);
        closep_reset(&err[1]);
        if (r < 0)
                goto fail;
        p->in_w = in[1];
        p->out_r = out[0];
        p->err_r = err[0];
        set_nonblock(p->in_w);
        set_nonblock(p->out_r);
        set_nonblock(p->err_r);
        *ret = p;
        return 0;
fail:
        for (int *fd = (int[]){ in[0], in[1], out[0], out[1], err[0], err[1], -2 }; *fd != -2; fd++)
                if (*fd >= 0)
                        close(*fd);
        free(p->err.data);
        free(p);
        return r;
}

static int pending_read(TdProcess *p) {
        if (p->pending_cap - p->pending_len < CHUNK) {
                size_t cap = p->pending_cap ? p->pending_cap * 2 : 2 * CHUNK;
                char *grown = realloc(p->pending, cap);
                if (!grown)
                        return -ENOMEM;
                p->pending = grown;
                p->pending_cap = cap;
        }
        ssize_t n = read(p->out_r, p->pending + p->pending_len, p->pending_cap - p->pending_len);
        if (n > 0)
                p->pending_len += (size_t) n;
        else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                closep_reset(&p->out_r);
        return 0;
}

/*
 * One round of waiting until @deadline_ms: standard output (when @want_out), standard error,
 * standard input's room (when @want_in) and the child's end. -ETIMEDOUT past the deadline.
 */
static int pump(TdProcess *p, int64_t deadline_ms, bool want_out, bool want_in) {
        int64_t left = deadline_ms - td_now_monotonic_ms();
        if (left <= 0)
                return -ETIMEDOUT;
        struct pollfd pfd[4] = {
                { .fd = want_out ? p->out_r : -1, .events = POLLIN },
                { .fd = p->err_r, .events = POLLIN },
                { .fd = want_in ? p->in_w : -1, .events = POLLOUT },
        };
        int timeout = child_poll_setup(&p->child, &pfd[3], left);
        int n = poll(pfd, ELEMENTSOF(pfd), timeout);
        if (n < 0 && errno != EINTR)
                return -errno;
        if (n > 0) {
                if (pfd[0].revents) {
                        int r = pending_read(p);
                        if (r < 0)
                                return r;
                }
                if (pfd[1].revents)
                        drain_into(&p->err_r, &p->err);
                if (pfd[3].revents)
                        p->child.exited = true;
        }
        child_check_exit(&p->child);
        return 0;
}

int td_process_write(TdProcess *p, const void *data, size_t len, int64_t deadline_ms) {
        const char *d = data;
        while (len > 0) {
                /* A child whose answers have ended (its stdout closed) is ending too: the pipe to it
                 * may still take bytes for a moment, but nobody will read them. */
                if (p->in_w < 0 || p->out_r < 0 || child_check_exit(&p->child))
                        return -EPIPE;
                ssize_t n = write_nosigpipe(p->in_w, d, len);
                if (n > 0) {
                        d += n;
                        len -= (size_t) n;
                        continue;
                }
                if (n < 0 && errno == EPIPE)
                        return -EPIPE;
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                int r = pump(p, deadline_ms, false, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

int td_process_read_line(TdProcess *p, int64_t deadline_ms, size_t max_len, char **ret_line) {
        for (;;) {
                char *nl = p->pending_len ? memchr(p->pending, '\n', p->pending_len) : NULL;
                if (nl) {
                        size_t len = (size_t) (nl - p->pending);
                        bool dropped = p->dropping || len > max_len;
                        char *line = dropped ? NULL : strndup(p->pending, len);
                        memmove(p->pending, nl + 1, p->pending_len - len - 1);
                        p->pending_len -= len + 1;
                        p->dropping = false;
                        if (dropped)
                                return -EMSGSIZE;
                        if (!line)
                                return -ENOMEM;
                        *ret_line = line;
                        return 0;
                }
                if (p->pending_len > max_len) {
                        p->dropping = true;
                        p->pending_len = 0;
                }
                if (p->out_r < 0)
                        return -EPIPE;
                if (p->child.exited) {
                        /* What it wrote before it ended is in the pipe; nothing more will come. */
                        int64_t until = td_now_monotonic_ms() + 100;
                        while (p->out_r >= 0 && td_now_monotonic_ms() < until) {
                                size_t before = p->pending_len;
                                int r = pending_read(p);
                                if (r < 0)
                                        return r;
                                if (p->pending_len == before)
                                        break;
                        }
                        if (!memchr(p->pending, '\n', p->pending_len))
                                return -EPIPE;
                        continue;
                }
                int r = pump(p, deadline_ms, true, false);
                if (r < 0)
                        return r;
        }
}

void td_process_kill(TdProcess *p) {
        child_kill(&p->child);
        p->killed = true;
}

int td_process_wait(TdProcess *p, int64_t deadline_ms, int *ret_status, bool *ret_killed) {
        closep_reset(&p->in_w);
        while (!p->child.reaped && !child_check_exit(&p->child)) {
                /* Keep reading its output, or a child blocked on a full pipe would never end. */
                int r = pump(p, deadline_ms, true, false);
                if (r == -ETIMEDOUT) {
                        td_process_kill(p);
                        break;
                }
                if (r < 0)
                        return r;
                if (p->pending_len > (1u << 20))
                        p->pending_len = 0;
        }
        if (p->err_r >= 0 && !p->killed)
                drain_rest(&p->err_r, &p->err, td_now_monotonic_ms() + 100);
        child_reap(&p->child);
        if (ret_status)
                *ret_status = p->child.status;
        if (ret_killed)
                *ret_killed = p->killed;
        return 0;
}

const char *td_process_get_stderr(const TdProcess *p) {
        return p->err.data;
}

pid_t td_process_get_pid(const TdProcess *p) {
        return p->child.pid;
}

TdProcess *td_process_free(TdProcess *p) {
        if (!p)
                return NULL;
        if (!p->child.reaped) {
                child_kill(&p->child);
                child_reap(&p->child);
        }
        closep_reset(&p->in_w);
        closep_reset(&p->out_r);
        closep_reset(&p->err_r);
        closep_reset(&p->child.pidfd);
        free(p->pending);
        free(p->err.data);
        free(p);
        return NULL;
}
