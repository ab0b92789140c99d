/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SIGINT, SIGTERM and SIGTSTP while checks run: the one place they are handled. They are
 * blocked before the engine starts a thread (threads inherit the mask), so no check's thread is
 * interrupted and no handler runs in the middle of a library; one thread takes them with
 * sigwaitinfo(). SIGINT and SIGTERM cancel the run, which then ends at once and prints what it
 * has, and kill the helpers first thing: a probe may be about to log in with the PIN the user
 * just gave up on. SIGTSTP (Ctrl-Z) stops the process with the terminal's echo back on.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tokendoctor/td-platform.h"

struct TdCliSignals {
        TdEngineCancel *cancel;
        sigset_t set, old;
        pthread_t thread;
        atomic_bool stopping;
};

static void handle(TdCliSignals *s, int sig) {
        if (sig == SIGTSTP) {
                td_cli_terminal_suspend();
                return;
        }
        /* The cancel first: a check whose probe dies from here on is cancelled, not a crash. */
        td_engine_cancel(s->cancel);
        td_platform_kill_helpers();
}

static void *wait_for_signals(void *p) {
        TdCliSignals *s = p;
        for (;;) {
                siginfo_t info;
                if (sigwaitinfo(&s->set, &info) < 0)
                        continue; /* EINTR: a signal outside the set, e.g. a debugger's */
                /* Our own wake-up from td_cli_signals_stop(): only this process sends as this process. */
                if (atomic_load(&s->stopping) && info.si_pid == getpid())
                        return NULL;
                handle(s, info.si_signo);
        }
}

int td_cli_signals_start(TdEngineCancel *cancel, TdCliSignals **ret) {
        TdCliSignals *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->cancel = cancel;
        atomic_init(&s->stopping, false);
        sigemptyset(&s->set);
        sigaddset(&s->set, SIGINT);
        sigaddset(&s->set, SIGTERM);
        sigaddset(&s->set, SIGTSTP);
        pthread_sigmask(SIG_BLOCK, &s->set, &s->old);
        int r = pthread_create(&s->thread, NULL, wait_for_signals, s);
        if (r != 0) {
                pthread_sigmask(SIG_SETMASK, &s->old, NULL);
                free(s);
                return -r;
        }
        *ret = s;
        return 0;
}

void td_cli_signals_stop(TdCliSignals *s) {
        if (!s)
                return;
        atomic_store(&s->stopping, true);
        pthread_kill(s->thread, SIGTERM);
        pthread_join(s->thread, NULL);
        /* One that came as the thread ended is pending: it still counts, and must not kill us now. */
        const struct timespec zero = { 0 };
        int sig;
        while ((sig = sigtimedwait(&s->set, NULL, &zero)) > 0)
                handle(s, sig);
        pthread_sigmask(SIG_SETMASK, &s->old, NULL);
        free(s);
}
