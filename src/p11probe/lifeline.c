/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The probe dies with tokendoctor. PR_SET_PDEATHSIG cannot say so: it fires when the *thread*
 * that started the probe ends, and a session outlives the check's thread that started it. So a
 * thread of ours watches the parent through a pidfd and, when it is gone (killed, crashed,
 * ended without reaping us), kills our process group: the probe and whatever helpers the module
 * started. A probe orphaned inside C_Login with a PIN the user cancelled never completes it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

/* Without a pidfd (kernels before 5.3), how often the parent is looked for. */
#define PARENT_POLL_US (100 * 1000)

static void *watch_parent(void *userdata) {
        pid_t parent = (pid_t) (intptr_t) userdata;
        int fd = (int) syscall(SYS_pidfd_open, parent, 0);
        /* Opened after the parent may have ended: the pid is then someone else's, or init's. */
        if (fd >= 0 && getppid() == parent) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
                        ;
        } else
                while (getppid() == parent)
                        usleep(PARENT_POLL_US);
        kill(0, SIGKILL);
        _exit(1); /* not reached unless kill() was refused */
}

int probe_lifeline_start(void) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* A probe started by init (its parent already gone) has nobody to die with. */
        pid_t parent = getppid();
        int r = parent > 1 ? pthread_create(&thread, &attr, watch_parent, (void *) (intptr_t) parent) : 0;
        pthread_attr_destroy(&attr);
        return -r;
}
