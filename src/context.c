/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "root-walk.h"
#include "td-util.h"
#include "tokendoctor/td-context.h"

extern char **environ;

typedef struct TdMemo {
        struct TdMemo *next;
        char *key;
        pthread_mutex_t lock; /* held while computing, so latecomers wait */
        bool done;
        int status;
        void *value;
        void (*free_value)(void *value);
} TdMemo;

struct TdContext {
        atomic_int refcount;
        char *root; /* "" = real root */
        TdProfile *profile;
        time_t (*now)(void *user);
        void *now_user;
        TdPinPrompt pin_prompt;
        void *pin_prompt_user;
        TdConfirm confirm;
        void *confirm_user;
        TdStrv environment; /* snapshot: checks run on threads and must not race setenv() */
        bool debug;

        pthread_mutex_t memo_lock;
        TdMemo *memos;
};

TdContext *td_context_new(void) {
        TdContext *ctx = calloc(1, sizeof *ctx);
        if (!ctx)
                return NULL;
        atomic_init(&ctx->refcount, 1);
        ctx->root = strdup("");
        pthread_mutex_init(&ctx->memo_lock, NULL);
        _cleanup_strv_builder_ TdStrvBuilder env = TD_STRV_BUILDER_INIT;
        for (char **e = environ; e && *e; e++)
                if (td_strv_builder_add(&env, *e) < 0)
                        return td_context_unref(ctx);
        ctx->environment = td_strv_builder_steal(&env);
        if (!ctx->root || !ctx->environment)
                return td_context_unref(ctx);
        return ctx;
}

TdContext *td_context_ref(TdContext *ctx) {
        if (ctx)
                atomic_fetch_add(&ctx->refcount, 1);
        return ctx;
}

static void memo_free(TdMemo *m) {
        if (m->free_value && m->value)
                m->free_value(m->value);
        pthread_mutex_destroy(&m->lock);
        free(m->key);
        free(m);
}

TdContext *td_context_unref(TdContext *ctx) {
        if (!ctx || atomic_fetch_sub(&ctx->refcount, 1) != 1)
                return NULL;
        for (TdMemo *m = ctx->memos, *next; m; m = next) {
                next = m->next;
                memo_free(m);
        }
        pthread_mutex_destroy(&ctx->memo_lock);
        td_profile_free(ctx->profile);
        td_strv_free(ctx->environment);
        free(ctx->root);
        free(ctx);
        return NULL;
}

int td_context_set_root(TdContext *ctx, const char *root) {
        char *copy;
        if (isempty(root) || root[strspn(root, "/")] == '\0')
                copy = strdup("");
        else {
                /*
                 * Absolute, so that paths in reports and messages name the files wherever they are
                 * read, and nothing depends on the working directory staying put.
                 */
                copy = realpath(root, NULL);
                if (!copy)
                        return -errno;
                struct stat st;
                int r = stat(copy, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
                if (r < 0) {
                        free(copy);
                        return r;
                }
                /* A root that is the real root after all ("/tmp/.."). */
                if (streq(copy, "/"))
                        copy[0] = '\0';
        }
        if (!copy)
                return -ENOMEM;
        free(ctx->root);
        ctx->root = copy;
        return 0;
}

void td_context_take_profile(TdContext *ctx, TdProfile *profile) {
        td_profile_free(ctx->profile);
        ctx->profile = profile;
}

void td_context_set_clock(TdContext *ctx, time_t (*now)(void *user), void *user) {
        ctx->now = now;
        ctx->now_user = user;
}

void td_context_set_debug(TdContext *ctx, bool debug) {
        ctx->debug = debug;
}

void td_context_set_pin_prompt(TdContext *ctx, TdPinPrompt prompt, void *user) {
        ctx->pin_prompt = prompt;
        ctx->pin_prompt_user = user;
}

int td_context_ask_pin(TdContext *ctx, const char *token_label, int64_t deadline_ms, char *buf,
                       size_t size) {
        if (!ctx->pin_prompt || size == 0)
                return -ENOKEY;
        return ctx->pin_prompt(token_label, deadline_ms, buf, size, ctx->pin_prompt_user);
}

void td_context_set_confirm(TdContext *ctx, TdConfirm confirm, void *user) {
        ctx->confirm = confirm;
        ctx->confirm_user = user;
}

int td_context_confirm(TdContext *ctx, const char *question, int64_t deadline_ms) {
        if (!ctx->confirm)
                return -ENOKEY;
        int r = ctx->confirm(question, deadline_ms, ctx->confirm_user);
        return r < 0 ? r : r > 0;
}

const char *td_context_get_root(const TdContext *ctx) {
        return ctx->root;
}

bool td_context_has_root(const TdContext *ctx) {
        return ctx->root[0] != '\0';
}

bool td_context_get_debug(const TdContext *ctx) {
        return ctx->debug;
}

const TdProfile *td_context_get_profile(const TdContext *ctx) {
        return ctx->profile;
}

time_t td_context_now(const TdContext *ctx) {
        return ctx->now ? ctx->now(ctx->now_user) : time(NULL);
}

int64_t td_now_monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *td_context_getenv(const TdContext *ctx, const char *name) {
        size_t len = strlen(name);
        for (char **e = ctx->environment; *e; e++)
                if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
                        return *e + len + 1;
        return NULL;
}

char *td_context_path(const TdContext *ctx, const char *abs_path) {
        return td_strdup_printf("%s%s%s", ctx->root, abs_path[0] == '/' ? "" : "/", abs_path);
}

int td_context_open(const TdContext *ctx, const char *abs_path, int flags) {
        /* openat2() refuses O_PATH with any flag it ignores, O_NOCTTY among them. */
        flags |= O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
        if (!td_context_has_root(ctx)) {
                int fd = open(abs_path, flags);
                return fd < 0 ? -errno : fd;
        }
        _cleanup_close_ int root_fd = open(ctx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        while (*abs_path == '/')
                abs_path++;
        struct open_how how = { .flags = (uint64_t) flags, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, root_fd, *abs_path ? abs_path : ".", &how, sizeof how);
        if (fd < 0 && errno == ENOSYS)
                /* Kernels before 5.6 (UOS 20 and Kylin V10 run 4.19): the same lookup, walked here. */
                return td_root_walk_open(root_fd, abs_path, flags);
        return fd < 0 ? -errno : fd;
}

int td_context_opendir(const TdContext *ctx, const char *abs_path, DIR **ret_dir) {
        int fd = td_context_open(ctx, abs_path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        DIR *dir = fdopendir(fd);
        if (!dir) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_dir = dir;
        return 0;
}

int td_context_list_dir(const TdContext *ctx, const char *abs_path, bool (*accept)(const char *name),
                        size_t max, char ***ret_names) {
        DIR *dir;
        int r = td_context_opendir(ctx, abs_path, &dir);
        if (r < 0)
                return r;
        return td_dir_list(dir, accept, max, ret_names);
}

/*
 * A readable descriptor for the regular file @path_fd (O_PATH) stands for: reopened through
 * /proc, so it is that very file even if the tree changed since; where /proc is not mounted,
 * looked up again and checked to be the same file.
 */
static int reopen_regular(const TdContext *ctx, const char *abs_path, int path_fd, const struct stat *st) {
        char proc_path[64];
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", path_fd);
        _cleanup_close_ int fd = open(proc_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        if (fd < 0) {
                fd = td_context_open(ctx, abs_path, O_RDONLY | O_NONBLOCK);
                if (fd < 0)
                        return fd;
        }
        struct stat again;
        int r = td_fd_require_regular(fd, &again);
        if (r < 0)
                return r;
        if (again.st_dev != st->st_dev || again.st_ino != st->st_ino)
                return -ESTALE;
        return TAKE_FD(fd);
}

int td_context_open_file(const TdContext *ctx, const char *abs_path, struct stat *ret_st) {
        /*
         * Looked at before it is opened: opening a FIFO for reading waits for a writer, and
         * opening a device node can do what the device does on open (a tape rewinds, a watchdog
         * starts). O_PATH opens neither, and only a regular file is then opened for reading.
         * O_NONBLOCK on that open is for a FIFO swapped in meanwhile, which fails the check after.
         */
        _cleanup_close_ int path_fd = td_context_open(ctx, abs_path, O_PATH);
        if (path_fd < 0)
                return path_fd;
        struct stat st;
        int r = td_fd_require_regular(path_fd, &st);
        if (r < 0)
                return r;
        int fd = reopen_regular(ctx, abs_path, path_fd, &st);
        if (fd >= 0 && ret_st)
                *ret_st = st;
        return fd;
}

int td_context_read_file(const TdContext *ctx, const char *abs_path, size_t max_len, char **ret_data,
                         size_t *ret_len) {
        struct stat st;
        _cleanup_close_ int fd = td_context_open_file(ctx, abs_path, &st);
        if (fd < 0)
                return fd;
        /*
         * The size refuses a huge file before reading it; td_read_fd() enforces the cap anyway,
         * because sysfs reports a page and proc 0 whatever they hold (hence the page of slack).
         */
        if ((uint64_t) st.st_size > (uint64_t) max_len + 4096u)
                return -EFBIG;
        return td_read_fd(fd, max_len, ret_data, ret_len);
}

int td_context_memo(TdContext *ctx, const char *key, TdMemoCompute compute, void *user,
                    void (*free_value)(void *value), void **ret_value) {
        pthread_mutex_lock(&ctx->memo_lock);
        TdMemo *m = ctx->memos;
        while (m && !streq(m->key, key))
                m = m->next;
        if (!m) {
                m = calloc(1, sizeof *m);
                if (!m || !(m->key = strdup(key))) {
                        free(m);
                        pthread_mutex_unlock(&ctx->memo_lock);
                        return -ENOMEM;
                }
                pthread_mutex_init(&m->lock, NULL);
                m->free_value = free_value;
                m->next = ctx->memos;
                ctx->memos = m;
        }
        /*
         * Entries live as long as the context, so the list lock can go before the entry's: a
         * caller waiting for a slow fact (a server that never answers) must not hold up the
         * callers of every other fact.
         */
        pthread_mutex_unlock(&ctx->memo_lock);
        pthread_mutex_lock(&m->lock);
        if (!m->done) {
                void *value = NULL;
                m->status = compute(ctx, user, &value);
                m->value = value;
                m->done = true;
        }
        int status = m->status;
        void *value = m->value;
        pthread_mutex_unlock(&m->lock);
        if (status >= 0 && ret_value)
                *ret_value = value;
        return status;
}
