/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor-helper: the only code of tokendoctor that runs as root, started through pkexec
 * as `tokendoctor-helper [--dry-run] VERB [ARG]`. Each verb is a fixed repair with a validated
 * argument; everything it changes is kept in a journal entry first, and `restore ID` puts it
 * back.
 *
 *   main.c           the environment, the options, root, the dispatch
 *   verbs.c          the table of verbs and the validation of their arguments
 *   allow.c          the allow-lists of root-owned system profiles
 *   files.c          reading and writing files as root, by descriptor from "/"
 *   steps.c          a verb's steps: the journal, writes, programs run, the dry-run plan
 *   verb-*.c         the verbs
 *
 * Single-threaded; nothing here is thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>

#include "platform/td-dpkg.h"
#include "repair/td-journal.h"
#include "tokendoctor/td-strv.h"

/* Exit statuses besides 0 (done, or the plan printed) and EX_USAGE, EX_UNAVAILABLE (sysexits.h). */
#define TD_HELPER_EXIT_FAILED 1    /* a step failed; what was changed was put back ("rolled-back") */
#define TD_HELPER_EXIT_NOT_ROOT 77 /* not started as root */

#define TD_HELPER_JOURNAL_DIR "/var/lib/tokendoctor/journal"

/* Deadlines of the programs the verbs run, over their whole life. */
#define TD_HELPER_TIMEOUT_MS (60u * 1000u)
#define TD_HELPER_TIMEOUT_APT_MS (10u * 60u * 1000u)
/*
 * locale-gen rebuilds every locale /etc/locale.gen enables, several seconds each (zh_CN about
 * 10 s on a 2-core x86_64): a machine with many enabled would not make the minute.
 */
#define TD_HELPER_TIMEOUT_LOCALE_GEN_MS (5u * 60u * 1000u)

typedef struct TdHelper TdHelper;

typedef struct {
        const char *name;
        const char *arg_name;    /* NULL: the verb takes no argument */
        const char *arg_grammar; /* what the argument must be, for messages: "a Debian package name" */
        const char *summary;
        /*
         * Whether @h->arg is allowed, beyond its grammar (checked first, by verbs.c): reads
         * only, runs nothing, changes nothing. 0, or EX_USAGE after one line on stderr.
         */
        int (*allowed)(TdHelper *h);
        /* Make the change (or print its plan): an exit status. */
        int (*apply)(TdHelper *h);
        /*
         * What td_journal_restore() cannot put back, after it ran (files are back): the
         * services, packages and caches the verb changed, from the facts it noted. For a
         * rollback half way and for `restore`. 0 or a negative errno (a message printed).
         */
        int (*undo)(TdHelper *h, TdJournal *j);
        /*
         * What must hold on this system for undo() to act (systemd running...): 0 or
         * EX_UNAVAILABLE after a message. NULL: nothing.
         */
        int (*undo_possible)(TdHelper *h);
} TdHelperVerb;

struct TdHelper {
        const TdHelperVerb *verb;
        const char *arg; /* validated by then */
        bool dry_run;
        const char *caller_uid; /* PKEXEC_UID as given (digits), for messages; NULL when absent */
        TdJournal *journal;     /* the entry of this run, once a change began */
};

/* verbs.c */
const TdHelperVerb *td_helper_verb_find(const char *name);
/* Check @arg against the verb's grammar (not its allow-list). 0 or EX_USAGE after a message. */
int td_helper_verb_check_grammar(const TdHelperVerb *verb, const char *arg);
void td_helper_print_help(void);
/* @s made safe for one line of a message: printable ASCII kept, the rest as \xNN, cut at 80. */
char *td_helper_quote(const char *s);
/* The same, cut at @max bytes. */
char *td_helper_quote_n(const char *s, size_t max);

/* main.c: "tokendoctor-helper: MESSAGE\n" on stderr. */
void td_helper_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void td_helper_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* allow.c: what the system profiles allow (/etc/tokendoctor/profiles, TD_DATADIR/profiles). */
typedef struct {
        TdStrv package_globs; /* [drivers] packages of every profile */
        TdStrv usb_ids;       /* usb_ids of every token model: "096e:0807", "055c:*" */
} TdHelperAllow;

/*
 * Load every usable system profile: a *.ini that is a regular file owned by root and not
 * writable by group or others, in a directory whose every component from "/" is the same and
 * no symbolic link. Anything else is skipped with a warning. 0 (also with no profile at all)
 * or -ENOMEM.
 */
int td_helper_allow_load(TdHelperAllow *ret);
void td_helper_allow_clear(TdHelperAllow *a);
bool td_helper_allow_package(const TdHelperAllow *a, const char *name);
bool td_helper_allow_usb_id(const TdHelperAllow *a, unsigned vendor, unsigned product);

/* files.c */
/*
 * Open directory @path (absolute, no "." or ".." components) by descriptor from "/", one
 * component at a time with O_NOFOLLOW|O_DIRECTORY: a symbolic link anywhere on the way is
 * refused (-ELOOP or -ENOTDIR). With @create, missing components are made (0755), each noted
 * in @j first (td_journal_note_mkdir(), so a restore removes it again; @j may be NULL). A
 * descriptor or a negative errno.
 */
int td_helper_dir_open(const char *path, bool create, TdJournal *j);
/*
 * Whether every component of directory @path from "/" is owned by root and not writable by
 * group or others (and no link): 0, -EPERM (with the offending directory in *ret_bad, when
 * non-NULL), -ENOENT, or another negative errno.
 */
int td_helper_dir_check_root_owned(const char *path, char **ret_bad);
/*
 * Read regular file @name in @dirfd without following a link (-ELOOP), blocking (a FIFO is
 * -ENODEV) or reading more than @max bytes (-EFBIG). NUL-terminated; @ret_st optional. 0 or
 * a negative errno (-ENOENT when absent).
 */
int td_helper_read_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                      struct stat *ret_st);
/*
 * Make @name in @dirfd hold @data with @mode, owned by root: a new file (O_EXCL, a random name
 * in the same directory), written, synced, renamed over @name, the directory synced. What is
 * at @name (a link too) is replaced, never followed. 0 or a negative errno (the new file is
 * gone again).
 */
int td_helper_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
/* Split absolute @path into its directory and its last component (new strings). 0 or -errno. */
int td_helper_path_split(const char *path, char **ret_dir, char **ret_base);

/* steps.c */
/* Print one step of the plan on stdout (dry run). */
void td_helper_plan(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The journal entry of this run, made now if not yet (td_journal_create(dir, verb)); the
 * caller's uid is noted in it. In a dry run there is none (returns 0, h->journal NULL). 0 or
 * a negative errno (a message printed).
 */
int td_helper_begin(TdHelper *h);
/* Note a fact in the entry (td_journal_set_string()); nothing in a dry run. 0 or -errno, printed. */
int td_helper_note(TdHelper *h, const char *key, const char *value);
/*
 * Write @path (absolute) with @data and @mode: the plan's "write PATH" in a dry run; else its
 * directory opened (made when missing, noted in the entry), the file kept in the entry, then
 * replaced atomically. 0 or a negative errno (a message printed).
 */
int td_helper_write(TdHelper *h, const char *path, const void *data, size_t len, mode_t mode);

/* The first of @candidates (absolute paths, NULL-terminated) that is an executable file, or NULL. */
const char *td_helper_find_program(const char *const *candidates);

typedef struct {
        unsigned timeout_ms;
        bool debian_noninteractive; /* DEBIAN_FRONTEND=noninteractive for the child */
        bool warn_only;             /* a failure is a warning on stderr, and returns 0 */
        bool query;                 /* asks, changes nothing: runs in a dry run too, never planned */
        bool any_exit;              /* its exit status is an answer, not a failure (systemctl is-enabled) */
} TdHelperRunOptions;

/*
 * Run @argv (argv[0] absolute) with td_process_run(): no shell, no PATH search, the deadline
 * of @opts. A change is planned ("run ARGV") and not run in a dry run. Returns 0 when it exited
 * 0 (@ret_out, optional, gets its standard output, NUL-terminated), else -EIO / -ETIMEDOUT /
 * the spawn's errno after a message with the end of its standard error.
 */
int td_helper_run(TdHelper *h, const char *const *argv, const TdHelperRunOptions *opts, char **ret_out);

/*
 * A step failed half way: put back what the entry kept (made directories removed too), the
 * verb's undo, state "rolled-back". Returns TD_HELPER_EXIT_FAILED.
 */
int td_helper_fail(TdHelper *h);
/* Everything done: state "applied", "journal ID" on stdout. Returns 0 (or the failure's status). */
int td_helper_finish(TdHelper *h);

/* The tools the verbs run, by absolute path only: the first existing of a few compiled in. */
extern const char *const td_helper_systemctl[];
extern const char *const td_helper_timedatectl[];
extern const char *const td_helper_udevadm[];
extern const char *const td_helper_apt_get[];
extern const char *const td_helper_dpkg[];
extern const char *const td_helper_locale_gen[];
extern const char *const td_helper_localedef[];

/* Whether systemd runs this system (sd_booted(3): /run/systemd/system is a directory). */
bool td_helper_systemd_running(void);

/*
 * Read and parse the dpkg database (/var/lib/dpkg/status, by descriptor). 0, -ENOENT, or
 * another negative errno.
 */
int td_helper_dpkg_status(TdDpkgStatus **ret_status);

/* The verbs (verb-*.c). */
extern const TdHelperVerb td_helper_verb_start_pcscd;
extern const TdHelperVerb td_helper_verb_enable_ntp;
extern const TdHelperVerb td_helper_verb_install_package;
extern const TdHelperVerb td_helper_verb_generate_locale;
extern const TdHelperVerb td_helper_verb_allow_pcscd;
extern const TdHelperVerb td_helper_verb_install_udev_rule;
extern const TdHelperVerb td_helper_verb_disable_module;
extern const TdHelperVerb td_helper_verb_restore;
