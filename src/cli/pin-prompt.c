/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CLI's PIN prompt: the first line of standard input (--pin-stdin), or a no-echo question
 * on the controlling terminal. Bytes are read one at a time with read(2), so no stdio buffer
 * keeps a copy; the caller's buffer is the only one, and the caller wipes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"

static pthread_mutex_t terminal_lock = PTHREAD_MUTEX_INITIALIZER;
static bool terminal_released; /* under terminal_lock */

void td_cli_terminal_lock(void) {
        pthread_mutex_lock(&terminal_lock);
        td_cli_progress_erase_locked();
}

bool td_cli_terminal_trylock(void) {
        return pthread_mutex_trylock(&terminal_lock) == 0;
}

void td_cli_terminal_unlock(void) {
        pthread_mutex_unlock(&terminal_lock);
}

void td_cli_terminal_release_locked(void) {
        terminal_released = true;
}

/* Whether the run was cancelled: readable cancel fd. */
static bool cancelled(int cancel_fd) {
        struct pollfd pfd = { .fd = cancel_fd, .events = POLLIN };
        return cancel_fd >= 0 && poll(&pfd, 1, 0) > 0;
}

/*
 * One line from @fd into @buf by @deadline_ms; -ENOKEY at end of input before any byte,
 * -EMSGSIZE when too long, -ETIMEDOUT when the line did not come in time, -ECANCELED when
 * @cancel_fd (-1 for none) became readable first (what was read is wiped).
 */
static int read_line(int fd, int cancel_fd, int64_t deadline_ms, char *buf, size_t size) {
        size_t len = 0;
        bool any = false;
        for (;;) {
                int64_t left = deadline_ms - td_now_monotonic_ms();
                struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
                                         { .fd = cancel_fd, .events = POLLIN } };
                int ready = poll(pfd, cancel_fd >= 0 ? 2 : 1,
                                 left > 0 ? (int) (left < INT_MAX ? left : INT_MAX) : 0);
                if (ready < 0 && errno == EINTR)
                        continue;
                if (ready < 0)
                        return -errno;
                if (ready == 0) {
                        td_secure_wipe(buf, size);
                        return -ETIMEDOUT;
                }
                if (cancel_fd >= 0 && pfd[1].revents) {
                        td_secure_wipe(buf, size);
                        return -ECANCELED;
                }
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0) {
                        if (!any)
                                return -ENOKEY;
                        break;
                }
                any = true;
                if (c == '\n')
                        break;
                if (len + 1 >= size) {
                        td_secure_wipe(buf, size);
                        return -EMSGSIZE;
                }
                buf[len++] = c;
        }
        if (len > 0 && buf[len - 1] == '\r')
                len--;
        buf[len] = '\0';
        return (int) len;
}

static int ask_terminal(const char *token_label, int cancel_fd, int64_t deadline_ms, char *buf,
                        size_t size) {
        _cleanup_close_ int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (tty < 0)
                return -ENOKEY;
        struct termios saved, quiet;
        if (tcgetattr(tty, &saved) < 0)
                return -ENOKEY;
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
        quiet.c_lflag |= ICANON;

        td_cli_terminal_lock();
        /*
         * A check abandoned (cancelled, overrun) may get here as the program prints its last
         * words and exits: echo switched off then would stay off.
         */
        if (terminal_released || cancelled(cancel_fd)) {
                td_cli_terminal_unlock();
                return -ECANCELED;
        }
        /*
         * Ctrl-C while echo is off must not leave the terminal silent: hold it until echo is back.
         * (Under `check` the signal thread takes it and cancels: the cancel fd ends the read.)
         */
        sigset_t interrupt, old;
        sigemptyset(&interrupt);
        sigaddset(&interrupt, SIGINT);
        sigaddset(&interrupt, SIGTERM);
        sigaddset(&interrupt, SIGTSTP);
        pthread_sigmask(SIG_BLOCK, &interrupt, &old);
        /*
         * Echo goes off (dropping type-ahead typed before the question) before the question is
         * asked: what is typed once it shows is the answer, and is never flushed or echoed.
         */
        int r = tcsetattr(tty, TCSAFLUSH, &quiet) < 0 ? -errno : 0;
        if (r == 0) {
                /* A label is the token's own text: a hostile one could fake or hide this question. */
                _cleanup_free_ char *label = td_terminal_text(token_label);
                dprintf(tty,
                        _("PIN of the token \"%s\" (not shown as you type; empty to skip the signing "
                          "test): "),
                        label ? label : "");
                r = read_line(tty, cancel_fd, deadline_ms, buf, size);
        }
        tcsetattr(tty, TCSANOW, &saved);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        dprintf(tty, "\n");
        td_cli_terminal_unlock();
        return r == -ENOKEY ? -ECANCELED : r;
}

int td_cli_pin_prompt(const char *token_label, int64_t deadline_ms, char *buf, size_t size, void *user) {
        TdPinSource *source = user;
        int cancel_fd = source->cancel ? td_engine_cancel_get_fd(source->cancel) : -1;
        int r;
        if (source->from_stdin) {
                /* The first line is the PIN; asked again, there is no second one to give. */
                if (source->stdin_used)
                        return -ENOKEY;
                source->stdin_used = true;
                r = read_line(STDIN_FILENO, cancel_fd, deadline_ms, buf, size);
        } else
                r = ask_terminal(token_label, cancel_fd, deadline_ms, buf, size);
        if (r == 0)
                return -ECANCELED;
        return r;
}
