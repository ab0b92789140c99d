/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the system's profiles allow the helper to do beyond its built-in lists: the packages of
 * their [drivers] globs, the USB ids of their token models. Only profiles root put there count:
 * the caller's own ($XDG_CONFIG_HOME, --profile) never reach the helper, which takes no profile
 * argument and reads no environment.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"
#include "tokendoctor/td-profile.h"

/* Searched in this order; both compiled in (TD_DATADIR: the install prefix's data directory). */
static const char *const profile_dirs[] = {
        "/etc/tokendoctor/profiles",
        TD_DATADIR "/profiles",
};

#define PROFILES_MAX 256u

static bool is_ini(const char *name) {
        return name[0] != '.' && td_endswith(name, ".ini") && strlen(name) > strlen(".ini");
}

/* 0 when @name in @dirfd is a regular file owned by root and not writable by group or others. */
static int check_profile_file(int dirfd, const char *name, const char **ret_why) {
        _cleanup_close_ int fd =
                openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                *ret_why = errno == ELOOP ? "a symbolic link" : "cannot be opened";
                return -errno;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                *ret_why = "cannot be examined";
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                *ret_why = "not a regular file";
                return -ENODEV;
        }
        if (st.st_uid != 0) {
                *ret_why = "not owned by root";
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                *ret_why = "writable by group or others";
                return -EPERM;
        }
        return 0;
}

static int add_profile(TdHelperAllow *a, const TdProfile *p) {
        for (char **g = p->driver_packages; g && *g; g++)
                if (td_strv_push(&a->package_globs, *g) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < p->n_tokens; i++)
                for (char **id = p->tokens[i].usb_ids; id && *id; id++)
                        if (td_strv_push(&a->usb_ids, *id) < 0)
                                return -ENOMEM;
        return 0;
}

static int load_dir(TdHelperAllow *a, const char *dir) {
        _cleanup_free_ char *bad = NULL;
        int r = td_helper_dir_check_root_owned(dir, &bad);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r == -EPERM) {
                _cleanup_free_ char *q = td_helper_quote(bad);
                td_helper_warning(
                        "profiles in %s skipped: %s is not owned by root or is writable by group or "
                        "others",
                        dir, q ? q : "a directory above it");
                return 0;
        }
        if (r < 0) {
                td_helper_warning("profiles in %s skipped: %s", dir,
                                  r == -ELOOP || r == -ENOTDIR ? "a symbolic link on the way"
                                                               : strerror(-r));
                return 0;
        }

        _cleanup_close_ int fd = td_helper_dir_open(dir, false, NULL);
        if (fd < 0)
                return fd == -ENOMEM ? fd : 0;
        int list_fd = dup(fd);
        DIR *d = list_fd >= 0 ? fdopendir(list_fd) : NULL;
        if (!d) {
                if (list_fd >= 0)
                        close(list_fd);
                td_helper_warning("profiles in %s skipped: %s", dir, strerror(errno));
                return 0;
        }
        _cleanup_strv_free_ TdStrv names = NULL;
        r = td_dir_list(d, is_ini, PROFILES_MAX, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (char **name = names; *name; name++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", dir, *name);
                _cleanup_free_ char *q = td_helper_quote(*name);
                if (!path || !q)
                        return -ENOMEM;
                const char *why = NULL;
                r = check_profile_file(fd, *name, &why);
                if (r < 0) {
                        td_helper_warning("profile %s/%s skipped: %s", dir, q, why);
                        continue;
                }
                /*
                 * By its path: the directories up to it are root's and no one else may write them
                 * (checked above), so nobody but root can put another file under that name now.
                 */
                _cleanup_profile_free_ TdProfile *p = NULL;
                _cleanup_free_ char *error = NULL;
                r = td_profile_load(path, &p, &error);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        _cleanup_free_ char *qe = td_helper_quote(error ? error : strerror(-r));
                        td_helper_warning("profile %s/%s skipped: %s", dir, q, qe ? qe : "");
                        continue;
                }
                if ((r = add_profile(a, p)) < 0)
                        return r;
        }
        return 0;
}

int td_helper_allow_load(TdHelperAllow *ret) {
        TdHelperAllow a = { 0 };
        for (size_t i = 0; i < ELEMENTSOF(profile_dirs); i++) {
                /* The data directory may be /etc's twin in an odd prefix: read it once. */
                if (i > 0 && streq(profile_dirs[i], profile_dirs[0]))
                        continue;
                int r = load_dir(&a, profile_dirs[i]);
                if (r < 0) {
                        td_helper_allow_clear(&a);
                        return r;
                }
        }
        *ret = a;
        return 0;
}

void td_helper_allow_clear(TdHelperAllow *a) {
        td_strv_free(a->package_globs);
        td_strv_free(a->usb_ids);
        a->package_globs = a->usb_ids = NULL;
}

bool td_helper_allow_package(const TdHelperAllow *a, const char *name) {
        if (!td_repair_package_name_is_valid(name))
                return false;
        if (td_repair_package_is_builtin(name))
                return true;
        /* Case-folded as drivers.platform matches them: a profile that capitalises still means it. */
        for (char **g = a->package_globs; g && *g; g++)
                if (fnmatch(*g, name, FNM_CASEFOLD) == 0)
                        return true;
        return false;
}

bool td_helper_allow_usb_id(const TdHelperAllow *a, unsigned vendor, unsigned product) {
        char exact[10], vendor_any[7];
        snprintf(exact, sizeof exact, "%04x:%04x", vendor & 0xffffu, product & 0xffffu);
        snprintf(vendor_any, sizeof vendor_any, "%04x:*", vendor & 0xffffu);
        for (char **id = a->usb_ids; id && *id; id++)
                if (streq(*id, exact) || streq(*id, vendor_any))
                        return true;
        return false;
}
