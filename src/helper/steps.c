/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The steps of a verb, each either printed (--dry-run) or made and kept in the journal: the
 * entry made before the first change, files written, programs run, and the way back when one
 * fails half way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"
#include "platform/td-process.h"
#include "td-util.h"

/* Debian with and without the merged /usr: the tools live in /usr/bin or /bin, /usr/sbin or /sbin. */
const char *const td_helper_systemctl[] = { "/usr/bin/systemctl", "/bin/systemctl", NULL };
const char *const td_helper_timedatectl[] = { "/usr/bin/timedatectl", NULL };
const char *const td_helper_udevadm[] = { "/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm", NULL };
const char *const td_helper_apt_get[] = { "/usr/bin/apt-get", NULL };
const char *const td_helper_dpkg[] = { "/usr/bin/dpkg", NULL };
const char *const td_helper_locale_gen[] = { "/usr/sbin/locale-gen", NULL };
const char *const td_helper_localedef[] = { "/usr/bin/localedef", NULL };

#define DPKG_STATUS_DIR "/var/lib/dpkg"
#define DPKG_STATUS_MAX (64u * 1024u * 1024u)
#define CHILD_STDOUT_MAX (256u * 1024u)
#define CHILD_STDERR_MAX (4u * 1024u)

void td_helper_plan(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

const char *td_helper_find_program(const char *const *candidates) {
        for (const char *const *c = candidates; *c; c++) {
                struct stat st;
                if (stat(*c, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR))
                        return *c;
        }
        return NULL;
}

bool td_helper_systemd_running(void) {
        struct stat st;
        return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

int td_helper_dpkg_status(TdDpkgStatus **ret_status) {
        _cleanup_close_ int dfd = td_helper_dir_open(DPKG_STATUS_DIR, false, NULL);
        if (dfd < 0)
                return dfd;
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = td_helper_read_at(dfd, "status", DPKG_STATUS_MAX, &text, &len, NULL);
        if (r < 0)
                return r;
        return td_dpkg_status_parse(text, len, ret_status);
}

int td_helper_begin(TdHelper *h) {
        if (h->dry_run || h->journal)
                return 0;
        int r = td_journal_create(TD_HELPER_JOURNAL_DIR, h->verb->name, &h->journal);
        if (r < 0) {
                td_helper_error("cannot make a journal entry under %s: %s", TD_HELPER_JOURNAL_DIR,
                                strerror(-r));
                return r;
        }
        if ((h->caller_uid && (r = td_journal_set_string(h->journal, "caller-uid", h->caller_uid)) < 0) ||
            (h->arg && (r = td_journal_set_string(h->journal, "argument", h->arg)) < 0))
                td_helper_error("cannot write the journal entry: %s", strerror(-r));
        return r;
}

int td_helper_note(TdHelper *h, const char *key, const char *value) {
        if (h->dry_run)
                return 0;
        int r = td_helper_begin(h);
        if (r < 0)
                return r;
        r = td_journal_set_string(h->journal, key, value);
        if (r < 0)
                td_helper_error("cannot write the journal entry: %s", strerror(-r));
        return r;
}

int td_helper_write(TdHelper *h, const char *path, const void *data, size_t len, mode_t mode) {
        _cleanup_free_ char *dir = NULL, *base = NULL;
        int r = td_helper_path_split(path, &dir, &base);
        if (r < 0)
                return r;

        if (h->dry_run) {
                _cleanup_close_ int fd = td_helper_dir_open(dir, false, NULL);
                if (fd == -ENOENT)
                        td_helper_plan("mkdir %s", dir);
                td_helper_plan("write %s", path);
                return 0;
        }

        if ((r = td_helper_begin(h)) < 0)
                return r;
        _cleanup_close_ int fd = td_helper_dir_open(dir, true, h->journal);
        if (fd < 0) {
                td_helper_error("cannot open the directory %s: %s", dir,
                                fd == -ELOOP || fd == -ENOTDIR ? "a symbolic link on the way"
                                                               : strerror(-fd));
                return fd;
        }
        /* Kept before it changes, by its path: the walk above just met no link on the way. */
        r = td_journal_save_file(h->journal, path);
        if (r < 0) {
                td_helper_error("cannot keep %s in the journal: %s", path, strerror(-r));
                return r;
        }
        r = td_helper_replace_at(fd, base, data, len, mode);
        if (r < 0) {
                td_helper_error("cannot write %s: %s", path, strerror(-r));
                return r;
        }
        return 0;
}

static char *argv_join(const char *const *argv) {
        _cleanup_free_ char *joined = td_strv_join(argv, " ");
        return joined ? td_helper_quote_n(joined, 4096) : NULL;
}

/* The last line of a child's standard error, for a one-line message. */
static char *last_line(const char *text) {
        if (!text)
                return strdup("");
        size_t n = strlen(text);
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
                n--;
        size_t start = n;
        while (start > 0 && text[start - 1] != '\n')
                start--;
        _cleanup_free_ char *line = strndup(text + start, n - start);
        return line ? td_helper_quote(line) : NULL;
}

int td_helper_run(TdHelper *h, const char *const *argv, const TdHelperRunOptions *opts, char **ret_out) {
        if (h->dry_run && !opts->query) {
                _cleanup_free_ char *line = argv_join(argv);
                td_helper_plan("run %s", line ? line : argv[0]);
                return 0;
        }
        if (!opts->query) {
                int r = td_helper_begin(h);
                if (r < 0)
                        return r;
        }

        TdProcessRun run = {
                .argv = argv,
                .timeout_ms = opts->timeout_ms ? opts->timeout_ms : TD_HELPER_TIMEOUT_MS,
                .stdout_max = CHILD_STDOUT_MAX,
                .stderr_max = CHILD_STDERR_MAX,
        };
        TdProcessResult res = { 0 };
        /* The child inherits our environment: set for it alone, taken back after. */
        if (opts->debian_noninteractive)
                setenv("DEBIAN_FRONTEND", "noninteractive", 1);
        int r = td_process_run(&run, &res);
        if (opts->debian_noninteractive)
                unsetenv("DEBIAN_FRONTEND");

        _cleanup_free_ char *cmd = argv_join(argv);
        if (r < 0) {
                if (opts->warn_only)
                        td_helper_warning("could not run %s: %s", cmd ? cmd : argv[0], strerror(-r));
                else
                        td_helper_error("could not run %s: %s", cmd ? cmd : argv[0], strerror(-r));
        } else if (res.timed_out) {
                r = -ETIMEDOUT;
                (opts->warn_only ? td_helper_warning
                                 : td_helper_error)("%s did not finish in %u s and was stopped",
                                                    cmd ? cmd : argv[0], run.timeout_ms / 1000);
        } else if (!WIFEXITED(res.status) || (WEXITSTATUS(res.status) != 0 && !opts->any_exit)) {
                r = -EIO;
                _cleanup_free_ char *why = last_line(res.err && res.err[0] ? res.err : res.out);
                _cleanup_free_ char *how =
                        WIFEXITED(res.status) ? td_strdup_printf("exit status %d", WEXITSTATUS(res.status))
                                              : td_strdup_printf("signal %d", WTERMSIG(res.status));
                (opts->warn_only ? td_helper_warning : td_helper_error)(
                        "%s failed (%s)%s%s", cmd ? cmd : argv[0], how ? how : "", why && why[0] ? ": " : "",
                        why ? why : "");
        }
        if (r == 0 && ret_out) {
                *ret_out = TAKE_PTR(res.out);
        }
        td_process_result_clear(&res);
        if (r < 0 && opts->warn_only)
                return 0;
        return r;
}

int td_helper_fail(TdHelper *h) {
        if (h->dry_run || !h->journal)
                return TD_HELPER_EXIT_FAILED;
        const char *id = td_journal_get_id(h->journal);
        int r = td_journal_restore(h->journal);
        if (r < 0)
                td_helper_error("putting back what journal entry %s kept failed: %s", id, strerror(-r));
        if (h->verb->undo) {
                int k = h->verb->undo(h, h->journal);
                r = r < 0 ? r : k;
        }
        int k = td_journal_set_state(h->journal, "rolled-back");
        if (k < 0)
                td_helper_error("cannot write the journal entry: %s", strerror(-k));
        if (r < 0)
                td_helper_error("the change was not wholly put back; journal entry %s has what was kept",
                                id);
        else
                td_helper_error("what was changed is put back (journal entry %s)", id);
        return TD_HELPER_EXIT_FAILED;
}

int td_helper_finish(TdHelper *h) {
        if (h->dry_run)
                return 0;
        /* A verb that found nothing to change still answers with an entry: the caller's undo needs one. */
        int r = td_helper_begin(h);
        if (r < 0)
                return TD_HELPER_EXIT_FAILED;
        r = td_journal_set_state(h->journal, "applied");
        if (r < 0) {
                td_helper_error("cannot write the journal entry: %s", strerror(-r));
                return td_helper_fail(h);
        }
        printf("journal %s\n", td_journal_get_id(h->journal));
        return fflush(stdout) == 0 ? 0 : TD_HELPER_EXIT_FAILED;
}
