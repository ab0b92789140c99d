/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * disable-module NAME.module: keep p11-kit from loading one PKCS#11 module registration (a
 * second driver for the same token, which makes browsers see the token twice or not at all),
 * deleting nothing. The mechanism, and why it is the one p11-kit honours, is in
 * td-repair-text.c (td_repair_p11kit_disable_text()): an empty enable-in: in the /etc file of
 * that name, written new for a package's registration, added to the /etc file itself when the
 * registration is the administrator's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

#define MODULE_FILE_MAX (64u * 1024u)

/* What is at DIR/@name: 0 (a regular file, *ret_st), -ENOENT, -ELOOP (a link), or another errno. */
static int registration_stat(const char *dir, const char *name, struct stat *ret_st) {
        _cleanup_close_ int dfd = td_helper_dir_open(dir, false, NULL);
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, name, ret_st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(ret_st->st_mode))
                return -ELOOP;
        return S_ISREG(ret_st->st_mode) ? 0 : -ENODEV;
}

static int module_allowed(TdHelper *h) {
        struct stat st;
        int in_etc = registration_stat(TD_REPAIR_P11KIT_SYSTEM_DIR, h->arg, &st);
        int in_pkg = registration_stat(TD_REPAIR_P11KIT_PACKAGE_DIR, h->arg, &st);
        if (in_etc == -ENOENT && in_pkg == -ENOENT) {
                td_helper_error("disable-module: there is no registration %s in " TD_REPAIR_P11KIT_SYSTEM_DIR
                                " or " TD_REPAIR_P11KIT_PACKAGE_DIR,
                                h->arg);
                return EX_USAGE;
        }
        return 0;
}

static int module_apply(TdHelper *h) {
        _cleanup_free_ char *path = td_strdup_printf(TD_REPAIR_P11KIT_SYSTEM_DIR "/%s", h->arg);
        if (!path)
                return TD_HELPER_EXIT_FAILED;

        _cleanup_free_ char *current = NULL;
        size_t len = 0;
        struct stat st = { .st_mode = S_IFREG | 0644 };
        _cleanup_close_ int dfd = td_helper_dir_open(TD_REPAIR_P11KIT_SYSTEM_DIR, false, NULL);
        if (dfd < 0 && dfd != -ENOENT) {
                td_helper_error("disable-module: cannot open " TD_REPAIR_P11KIT_SYSTEM_DIR ": %s",
                                dfd == -ELOOP || dfd == -ENOTDIR ? "a symbolic link on the way"
                                                                 : strerror(-dfd));
                return dfd == -ENOMEM ? TD_HELPER_EXIT_FAILED : EX_UNAVAILABLE;
        }
        int r = dfd;
        if (dfd >= 0)
                r = td_helper_read_at(dfd, h->arg, MODULE_FILE_MAX, &current, &len, &st);
        if (r == -ELOOP || r == -ENODEV || r == -EISDIR) {
                td_helper_error("disable-module: %s is not a regular file (%s); change it by hand", path,
                                r == -ELOOP ? "a symbolic link" : "something else");
                return EX_UNAVAILABLE;
        }
        if (r < 0 && r != -ENOENT) {
                td_helper_error("disable-module: cannot read %s: %s", path, strerror(-r));
                return r == -ENOMEM ? TD_HELPER_EXIT_FAILED : EX_UNAVAILABLE;
        }

        if (current && td_repair_p11kit_text_disables(current, len)) {
                /* Already off: an entry with nothing in it, so the caller's undo still has an id. */
                td_helper_warning("%s already keeps the module from loading", path);
                return td_helper_finish(h);
        }

        _cleanup_free_ char *text = NULL;
        if (td_repair_p11kit_disable_text(current, len, &text) < 0)
                return TD_HELPER_EXIT_FAILED;
        if (td_helper_note(h, "p11kit-file", path) < 0 ||
            td_helper_write(h, path, text, strlen(text), (st.st_mode & 07777) & ~(mode_t) 022) < 0)
                return td_helper_fail(h);
        return td_helper_finish(h);
}

const TdHelperVerb td_helper_verb_disable_module = {
        .name = "disable-module",
        .arg_name = "NAME.module",
        .arg_grammar = "the file name of a module registration (NAME.module, no directory)",
        .summary = "keep p11-kit from loading a module registration (nothing deleted)",
        .allowed = module_allowed,
        .apply = module_apply,
};
