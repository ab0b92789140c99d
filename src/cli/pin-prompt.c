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
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-secret.h"
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

/*
 * The question on screen with echo off, for Ctrl-Z: the process must not stop with the
 * terminal silent, and when it is continued the question is asked again. Under its own lock,
 * since the prompt's thread holds the terminal lock while it waits for the answer.
 */
static struct {
        pthread_mutex_t lock;
        bool active;
        int fd;
        struct termios saved, quiet;
        const char *question;
} shown = { .lock = PTHREAD_MUTEX_INITIALIZER };

void td_cli_terminal_suspend(void) {
        pthread_mutex_lock(&shown.lock);
        if (shown.active) {
                tcsetattr(shown.fd, TCSANOW, &shown.saved);
                dprintf(shown.fd, "\n");
        }
        pthread_mutex_unlock(&shown.lock);
        /*
         * The default action of Ctrl-Z (SIGTSTP is blocked, and taken by the signal thread).
         * raise(), not kill(getpid()): sent to this thread, the stop takes it before its next
         * instruction; sent to the process, another thread would handle it and this one would
         * run on into switching echo off again before the stop reached it.
         */
        raise(SIGSTOP);
        pthread_mutex_lock(&shown.lock);
        if (shown.active) {
                /* What was typed while stopped went to the shell's echoing terminal: drop it. */
                tcsetattr(shown.fd, TCSAFLUSH, &shown.quiet);
                dprintf(shown.fd, "%s", shown.question);
        }
        pthread_mutex_unlock(&shown.lock);
}

/* Whether the run was cancelled: readable cancel fd. */
static bool cancelled(int cancel_fd) {
        struct pollfd pfd = { .fd = cancel_fd, .events = POLLIN };
        return cancel_fd >= 0 && poll(&pfd, 1, 0) > 0;
}

/*
 * One line from @fd into @buf by @deadline_ms; -ENOKEY at end of input before any byte,
 * -EMSGSIZE when too long, -EBADMSG when it holds a NUL or another control character (no PIN
 * does: a NUL would silently shorten it, and a try would be spent on the rest), -ETIMEDOUT when
 * the line did not come in time, -ECANCELED when @cancel_fd (-1 for none) became readable first.
 * On every error what was read is wiped.
 */
static int read_line(int fd, int cancel_fd, int64_t deadline_ms, char *buf, size_t size) {
        size_t len = 0;
        bool any = false;
        volatile char c = 0; /* the last byte read: wiped below like the buffer */
        int r = 0;
        for (;;) {
                int64_t left = deadline_ms - td_now_monotonic_ms();
                struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
                                         { .fd = cancel_fd, .events = POLLIN } };
                int ready = poll(pfd, cancel_fd >= 0 ? 2 : 1,
                                 left > 0 ? (int) (left < INT_MAX ? left : INT_MAX) : 0);
                if (ready < 0 && errno == EINTR)
                        continue;
                if (ready <= 0) {
                        r = ready < 0 ? -errno : -ETIMEDOUT;
                        break;
                }
                if (cancel_fd >= 0 && pfd[1].revents) {
                        r = -ECANCELED;
                        break;
                }
                char byte;
                ssize_t n = read(fd, &byte, 1);
                c = byte;
                byte = 0;
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0) {
                        if (!any)
                                r = -ENOKEY;
                        break;
                }
                any = true;
                if (c == '\n')
                        break;
                if (len + 1 >= size) {
                        r = -EMSGSIZE;
                        break;
                }
                buf[len++] = c;
        }
        c = 0;
        if (r == 0 && len > 0 && buf[len - 1] == '\r')
                len--;
        if (r == 0 && !td_pin_is_text(buf, len))
                r = -EBADMSG;
        if (r < 0) {
                td_secure_wipe(buf, size);
                return r;
        }
        buf[len] = '\0';
        return (int) len;
}

/*
 * With echo off on @tty (and SIGINT, SIGTERM and SIGTSTP held in this thread), print @question
 * and read the answer's line. The terminal is as it was when this returns.
 */
static int read_quietly(int tty, const char *question, int cancel_fd, int64_t deadline_ms, char *buf,
                        size_t size) {
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
         * (Under `check` the signal thread takes it and cancels: the cancel fd ends the read; it
         * takes Ctrl-Z too, through td_cli_terminal_suspend().)
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
        pthread_mutex_lock(&shown.lock);
        int r = tcsetattr(tty, TCSAFLUSH, &quiet) < 0 ? -errno : 0;
        if (r == 0) {
                shown.active = true;
                shown.fd = tty;
                shown.saved = saved;
                shown.quiet = quiet;
                shown.question = question;
                dprintf(tty, "%s", question);
        }
        pthread_mutex_unlock(&shown.lock);
        if (r == 0)
                r = read_line(tty, cancel_fd, deadline_ms, buf, size);
        pthread_mutex_lock(&shown.lock);
        shown.active = false;
        tcsetattr(tty, TCSANOW, &saved);
        pthread_mutex_unlock(&shown.lock);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        dprintf(tty, "\n");
        td_cli_terminal_unlock();
        return r;
}

/* The question on @tty, or on the controlling terminal (-1). */
static int ask_terminal(int tty, const char *token_label, int cancel_fd, int64_t deadline_ms, char *buf,
                        size_t size) {
        _cleanup_close_ int own = tty < 0 ? open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
        if (tty < 0 && own < 0)
                return -ENOKEY;
        /* A label is the token's own text: a hostile one could fake or hide this question. */
        _cleanup_free_ char *label = td_terminal_text(token_label);
        _cleanup_free_ char *question = td_strdup_printf(
                _("PIN of the token \"%s\" (not shown as you type; empty to skip the signing test): "),
                label ? label : "");
        if (!label || !question)
                return -ENOMEM;
        int r = read_quietly(tty < 0 ? own : tty, question, cancel_fd, deadline_ms, buf, size);
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
                /* A person typing it at a terminal is asked, and it does not show either. */
                r = isatty(STDIN_FILENO)
                            ? ask_terminal(STDIN_FILENO, token_label, cancel_fd, deadline_ms, buf, size)
                            : read_line(STDIN_FILENO, cancel_fd, deadline_ms, buf, size);
        } else
                r = ask_terminal(-1, token_label, cancel_fd, deadline_ms, buf, size);
        if (r == 0)
                return -ECANCELED;
        return r;
}

/* "y", "yes", "是" or "是的": anything else, an empty line included, is no. */
static bool is_yes(const char *answer) {
        static const char *const yes[] = { "y", "yes", "是", "是的" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(answer, yes[i]) == 0)
                        return true;
        return false;
}

int td_cli_confirm(const char *question, int64_t deadline_ms, void *user) {
        TdPinSource *source = user;
        /* A PIN from standard input means a script: nobody there weighs a risk. */
        if (source->from_stdin)
                return -ENOKEY;
        int cancel_fd = source->cancel ? td_engine_cancel_get_fd(source->cancel) : -1;
        _cleanup_close_ int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (tty < 0)
                return -ENOKEY;
        _cleanup_free_ char *text = td_terminal_text(question);
        if (!text)
                return -ENOMEM;
        char answer[32];
        td_cli_terminal_lock();
        if (terminal_released || cancelled(cancel_fd)) {
                td_cli_terminal_unlock();
                return -ECANCELED;
        }
        /* Echo stays on: the answer is no secret. Type-ahead is dropped: it answered nothing. */
        tcflush(tty, TCIFLUSH);
        dprintf(tty, "%s %s ", text, _("[y/N]"));
        int r = read_line(tty, cancel_fd, deadline_ms, answer, sizeof answer);
        if (r == -EMSGSIZE || r == -EBADMSG || r == -ENOKEY)
                r = 0;
        else if (r >= 0)
                r = is_yes(answer);
        if (r < 0)
                dprintf(tty, "\n");
        td_cli_terminal_unlock();
        return r;
}
