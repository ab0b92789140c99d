/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tokendoctor/td-secret.h"

bool td_pin_is_text(const char *pin, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) pin[i] < 0x20 || pin[i] == 0x7f)
                        return false;
        return true;
}

int td_secret_protect_process(void) {
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return -errno;
        /* The soft and the hard limit: a later setrlimit() in a module cannot raise it again. */
        const struct rlimit none = { 0, 0 };
        if (setrlimit(RLIMIT_CORE, &none) < 0)
                return -errno;
        return 0;
}

int td_secret_new(size_t size, TdSecret **ret) {
        long page = sysconf(_SC_PAGESIZE);
        if (size == 0 || page <= 0 || size > (size_t) page)
                return -EINVAL;
        int r = td_secret_protect_process();
        if (r < 0)
                return r;
        TdSecret *secret = calloc(1, sizeof *secret);
        if (!secret)
                return -ENOMEM;
        void *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                free(secret);
                return -ENOMEM;
        }
        /*
         * Both are best effort: mlock() fails past RLIMIT_MEMLOCK (64 KiB for a normal user is
         * plenty, but a container may allow none), and without them the PIN is still wiped and
         * no core dump is written.
         */
        (void) mlock(p, (size_t) page);
        (void) madvise(p, (size_t) page, MADV_DONTDUMP);
        /* A child forked while the PIN is here (a helper's spawn) does not get a copy of it. */
        (void) madvise(p, (size_t) page, MADV_WIPEONFORK);
        secret->data = p;
        secret->size = size;
        *ret = secret;
        return 0;
}

TdSecret *td_secret_free(TdSecret *secret) {
        if (!secret)
                return NULL;
        long page = sysconf(_SC_PAGESIZE);
        explicit_bzero(secret->data, secret->size);
        munlock(secret->data, (size_t) page);
        munmap(secret->data, (size_t) page);
        free(secret);
        return NULL;
}
