/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The progress line of `check` on a terminal: "[3/15] token.module PKCS#11 模块… 4 s" on
 * standard error, rewritten in place. It shows only once the run has taken half a second (a
 * fast run prints its results and nothing else), and is drawn only while holding the terminal
 * lock, which erases it first: results, the PIN prompt and the summary never meet it.
 *
 * The engine's events only update the state (they never wait for the terminal: a PIN prompt
 * holds it for minutes); a thread of its own draws, so a check that hangs still shows its time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"

#define PROGRESS_DELAY_MS 500
#define PROGRESS_TICK_MS 200
#define PROGRESS_LINE_MAX 512

typedef struct {
        const TdCheck *check;
        int64_t started_ms;
} Running;

static struct {
        pthread_mutex_t lock; /* the state below; taken after the terminal lock, never before */
        pthread_cond_t wake;
        bool active, stopping;
        int fd;
        bool unicode;
        int64_t start_ms;
        size_t n_total, n_finished;
        Running *running;
        size_t n_running, n_running_max;
        pthread_t thread;
        /* Under the terminal lock: whether the line is on screen, and what it says. */
        bool shown;
        char drawn[PROGRESS_LINE_MAX];
} progress = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void write_all(int fd, const char *s, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, s, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return; /* a terminal that went away: nothing to show progress on */
                s += n;
                len -= (size_t) n;
        }
}

/* What the line says now. State lock held. */
static void compose(char *line, size_t size) {
        const Running *oldest = NULL;
        for (size_t i = 0; i < progress.n_running; i++)
                if (!oldest || progress.running[i].started_ms < oldest->started_ms)
                        oldest = &progress.running[i];
        int n = snprintf(line, size, "[%zu/%zu]", progress.n_finished, progress.n_total);
        if (!oldest || n < 0 || (size_t) n >= size)
                return;
        /* The check that has run longest: the one the run is waiting for. */
        long secs = (long) ((td_now_monotonic_ms() - oldest->started_ms) / 1000);
        snprintf(line + n, size - (size_t) n, " %s %s%s", oldest->check->id,
                 td_gettext(oldest->check->title), progress.unicode ? "…" : "...");
        if (secs > 0) {
                size_t used = strlen(line);
                /* TRANSLATORS: how long the check shown in the progress line has been running */
                snprintf(line + used, size - used, _(" %ld s"), secs);
        }
}

static int terminal_columns(int fd) {
        struct winsize ws;
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
                return ws.ws_col;
        return 80;
}

/* Draw the line if it changed. Terminal lock held. */
static void draw_locked(void) {
        char line[PROGRESS_LINE_MAX];
        pthread_mutex_lock(&progress.lock);
        compose(line, sizeof line);
        int fd = progress.fd;
        pthread_mutex_unlock(&progress.lock);
        /* One column short of the width: a full line would wrap, and \r could not get back to it. */
        line[td_cli_fit_columns(line, terminal_columns(fd) - 1, NULL)] = '\0';
        if (progress.shown && streq(line, progress.drawn))
                return;
        char out[PROGRESS_LINE_MAX + 8];
        int n = snprintf(out, sizeof out, "\r%s\033[K", line);
        write_all(fd, out, (size_t) n);
        progress.shown = true;
        snprintf(progress.drawn, sizeof progress.drawn, "%s", line);
}

void td_cli_progress_erase_locked(void) {
        if (!progress.shown)
                return;
        write_all(progress.fd, "\r\033[K", 4);
        progress.shown = false;
}

static void *draw_thread(void *p) {
        (void) p;
        pthread_mutex_lock(&progress.lock);
        while (!progress.stopping) {
                int64_t now = td_now_monotonic_ms();
                int64_t show_at = progress.start_ms + PROGRESS_DELAY_MS;
                int64_t wake_at = now < show_at ? show_at : now + PROGRESS_TICK_MS;
                struct timespec ts = { .tv_sec = wake_at / 1000,
                                       .tv_nsec = (long) (wake_at % 1000) * 1000000 };
                pthread_cond_timedwait(&progress.wake, &progress.lock, &ts);
                if (progress.stopping || td_now_monotonic_ms() < show_at)
                        continue;
                pthread_mutex_unlock(&progress.lock);
                /* Whoever holds the terminal (a PIN prompt, a result) goes first; try again later. */
                if (td_cli_terminal_trylock()) {
                        draw_locked();
                        td_cli_terminal_unlock();
                }
                pthread_mutex_lock(&progress.lock);
        }
        pthread_mutex_unlock(&progress.lock);
        return NULL;
}

int td_cli_progress_start(int fd, bool unicode) {
        pthread_condattr_t cattr;
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&progress.wake, &cattr);
        pthread_condattr_destroy(&cattr);
        progress.fd = fd;
        progress.unicode = unicode;
        progress.start_ms = td_now_monotonic_ms();
        progress.stopping = false;
        int r = pthread_create(&progress.thread, NULL, draw_thread, NULL);
        if (r != 0) {
                pthread_cond_destroy(&progress.wake);
                return -r;
        }
        progress.active = true;
        return 0;
}

void td_cli_progress_event(const TdEngineEvent *event, void *user) {
        (void) user;
        pthread_mutex_lock(&progress.lock);
        progress.n_total = event->n_total;
        if (event->type == TD_ENGINE_EVENT_STARTED) {
                if (progress.n_running == progress.n_running_max) {
                        size_t grown_max = progress.n_running_max ? progress.n_running_max * 2 : 8;
                        Running *grown = realloc(progress.running, grown_max * sizeof *grown);
                        if (!grown) {
                                /* Progress is a nicety: without memory it just leaves this check out. */
                                pthread_mutex_unlock(&progress.lock);
                                return;
                        }
                        progress.running = grown;
                        progress.n_running_max = grown_max;
                }
                progress.running[progress.n_running++] =
                        (Running){ .check = event->check, .started_ms = td_now_monotonic_ms() };
        } else {
                progress.n_finished = event->n_finished;
                for (size_t i = 0; i < progress.n_running; i++)
                        if (progress.running[i].check == event->check) {
                                progress.running[i] = progress.running[--progress.n_running];
                                break;
                        }
        }
        pthread_cond_signal(&progress.wake);
        pthread_mutex_unlock(&progress.lock);
}

void td_cli_progress_stop(void) {
        if (!progress.active)
                return;
        pthread_mutex_lock(&progress.lock);
        progress.stopping = true;
        pthread_cond_signal(&progress.wake);
        pthread_mutex_unlock(&progress.lock);
        pthread_join(progress.thread, NULL);
        pthread_cond_destroy(&progress.wake);
        /* Taking the terminal erases the line. */
        td_cli_terminal_lock();
        td_cli_terminal_unlock();
        progress.active = false;
        free(progress.running);
        progress.running = NULL;
        progress.n_running = progress.n_running_max = 0;
}
