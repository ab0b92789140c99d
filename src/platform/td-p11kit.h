/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * p11-kit's PKCS#11 module registrations (pkcs11.conf(5)): one NAME.module file per module in
 * the user's directory ($XDG_CONFIG_HOME/pkcs11/modules) and the system's
 * (/etc/pkcs11/modules, /usr/share/p11-kit/modules). Browsers reach the CA token through
 * p11-kit-proxy, which loads every registration enabled for it. The p11kit-modules fact.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-context.h"

/* One `key: value` line. Strings owned; the value may be empty ("module:" left blank). */
typedef struct {
        char *key;
        char *value;
} TdP11KitOption;

typedef struct {
        TdP11KitOption *options; /* in file order, a key at most once */
        size_t n_options;
        size_t n_invalid; /* lines that are neither blank, nor a # comment, nor `key: value` */
} TdP11KitConf;

/*
 * Parse a module registration (or pkcs11.conf) file: `key: value` lines, white space around
 * both stripped, lines beginning with # are comments (a # later on a line is part of the
 * value), blank lines skipped; CRLF line ends too. A key given twice keeps its last value, as
 * p11-kit does. A line without a colon or with an empty key is counted in n_invalid and
 * skipped; a NUL ends the line it is in. @text need not be NUL-terminated. Never fails on
 * content. Returns 0 and a new conf (td_p11kit_conf_free()), or -ENOMEM. Pure, thread-safe.
 */
int td_p11kit_conf_parse(const char *text, size_t len, TdP11KitConf **ret_conf);
void td_p11kit_conf_free(TdP11KitConf *conf);
/* The value of @key (case-sensitive, as p11-kit), borrowed; NULL when the key is absent. */
const char *td_p11kit_conf_get(const TdP11KitConf *conf, const char *key);

/* Whether the comma and/or space separated program list @list names @program. */
bool td_p11kit_list_has(const char *list, const char *program);

/*
 * The vendor module a library file is a version of: @path's file name less ".so" and a version,
 * written as "STEM.so.1.2" (a soname), "STEM.1.0.so", "STEM-2.0.so" or "STEM_3.so": the
 * version is the longest tail of digits and dots that begins with a digit right after a '.',
 * '-' or '_' and leaves a stem. "libgm3000.1.0.so" -> "libgm3000" and "1.0";
 * "opensc-pkcs11.so" -> "opensc-pkcs11" and NULL. Returns 0 with new strings (*ret_version
 * NULL when there is none), or -ENOMEM. Pure.
 */
int td_p11kit_library_split(const char *path, char **ret_stem, char **ret_version);

/* Why a registration is not loaded by p11-kit-proxy (the browsers' door to the token). */
typedef enum {
        TD_P11KIT_LOADED,       /* it is */
        TD_P11KIT_BLANK_MODULE, /* "module:" left blank: the documented way to switch one off */
        TD_P11KIT_NO_MODULE,    /* no module key at all (a half-written file) */
        TD_P11KIT_REMOTE,       /* "remote:": run elsewhere, no library here */
        TD_P11KIT_DISABLE_IN,   /* disable-in names p11-kit-proxy */
        TD_P11KIT_ENABLE_IN,    /* enable-in names programs, p11-kit-proxy not among them */
        _TD_P11KIT_STATE_MAX,
} TdP11KitState;

/* "loaded", "blank-module", "no-module", "remote", "disable-in", "enable-in". Static. */
const char *td_p11kit_state_to_string(TdP11KitState state);

/* A registration as p11-kit merges it. Strings owned. */
typedef struct {
        char *name; /* the file name less ".module" */
        /*
         * The files of this name, in p11-kit's order (the user's, /etc/pkcs11/modules,
         * /usr/share/p11-kit/modules): the first one's keys count, the later ones only fill
         * keys it leaves out. Full paths for the user's, paths as seen from the root for the
         * system's.
         */
        char **files;
        bool user;    /* files[0] is the user's */
        char *module; /* the module key as written; NULL when absent */
        /*
         * The library it names, absolute (a bare file name in p11-kit's module directory) with
         * its links resolved: inside the root for a library outside $HOME, with realpath() for
         * one in the user's home. NULL when there is no module to load.
         */
        char *library;
        bool library_present; /* the library exists */
        TdP11KitState state;
} TdP11KitModule;

typedef struct {
        char *file; /* as in TdP11KitModule.files */
        int error;  /* -ENODEV (a FIFO, device or socket), -EFBIG, -EACCES... */
} TdP11KitUnreadable;

typedef struct {
        TdP11KitModule *modules; /* sorted by name */
        size_t n_modules;
        char **dirs; /* the module directories read, in p11-kit's order */
        TdP11KitUnreadable *unreadable;
        size_t n_unreadable;
        /* The global user-config in force: "merge" (the default), "none" or "only". Static. */
        const char *user_config;
} TdP11KitModules;

void td_p11kit_modules_free(TdP11KitModules *modules);

/*
 * Read every registration: the system's under the context's root (the global
 * /etc/pkcs11/pkcs11.conf's user-config decides whether the user's count: "none" ignores them,
 * "only" the system's), the user's from $XDG_CONFIG_HOME/pkcs11 (an absolute one; else
 * ~/.config/pkcs11) of the context's environment. Directories and files that are missing or
 * unreadable are no error: unreadable files are listed. At most 256 files a directory, 64 KiB
 * a file. Returns 0 with a new set (td_p11kit_modules_free()), or -ENOMEM. Thread-safe.
 */
int td_p11kit_modules_load(const TdContext *ctx, TdP11KitModules **ret_modules);

/*
 * The registrations, loaded once per context and shared. *ret_modules is borrowed from the
 * context. Returns 0 or -ENOMEM. Thread-safe.
 */
int td_p11kit_modules_get(TdContext *ctx, const TdP11KitModules **ret_modules);

/* The directory p11-kit loads a module named by a bare file name from. Static. */
const char *td_p11kit_module_dir(void);
