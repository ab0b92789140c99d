/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/td-systemd-units.h"
#include "td-util.h"
#include "tokendoctor/td-strv.h"

/*
 * The system unit load path of systemd.unit(5), most important first, without what only a
 * running systemd fills (generators, transient and attached units, system.control). A unit
 * file in an earlier directory hides one of the same name in a later one; this is also the
 * order in which a mask in /etc beats the package's file in /usr/lib. /lib comes last for
 * Debian before the /usr merge; after it, /lib is a link to usr/lib and says the same again.
 */
static const char *const unit_dirs[] = {
        "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system", "/lib/systemd/system",
};

/* A directory is seldom bigger; a hostile root gets no endless listing. */
#define DEPENDENCY_DIRS_MAX 4096u

static const char *const state_names[_TD_UNIT_STATE_MAX] = {
        [TD_UNIT_ABSENT] = "absent",     [TD_UNIT_MASKED] = "masked",   [TD_UNIT_BROKEN] = "broken",
        [TD_UNIT_DISABLED] = "disabled", [TD_UNIT_ENABLED] = "enabled",
};

const char *td_unit_state_to_string(TdUnitState state) {
        if (state < 0 || state >= _TD_UNIT_STATE_MAX)
                return NULL;
        return state_names[state];
}

void td_unit_file_state_clear(TdUnitFileState *state) {
        if (!state)
                return;
        free(state->file);
        free(state->wanted_by);
        *state = (TdUnitFileState){ .state = TD_UNIT_ABSENT };
}

static bool valid_unit_name(const char *unit) {
        return !isempty(unit) && !strchr(unit, '/') && !streq(unit, ".") && !streq(unit, "..") &&
               strlen(unit) < NAME_MAX;
}

/*
 * A link's @target as the absolute path it names from directory @dir, with "." and ".."
 * taken off as text, ".." at "/" staying at "/" (as on the customer's machine, where there
 * is nothing above it). Only for comparing with "/dev/null": systemd compares a mask link's
 * target the same way when it looks at a root that is not its own. New string or NULL.
 */
static char *absolute_target(const char *dir, const char *target) {
        _cleanup_free_ char *joined =
                target[0] == '/' ? strdup(target) : td_strdup_printf("%s/%s", dir, target);
        if (!joined)
                return NULL;
        char *out = malloc(strlen(joined) + 2);
        if (!out)
                return NULL;
        size_t len = 0;
        char *save = NULL;
        for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--; /* the '/' before the component taken off */
                        continue;
                }
                out[len++] = '/';
                size_t n = strlen(c);
                memcpy(out + len, c, n);
                len += n;
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = '\0';
        return out;
}

/* Whether the link @name in directory @dir_fd (the path @dir) names /dev/null. 1, 0 or -errno. */
static int link_is_dev_null(int dir_fd, const char *dir, const char *name) {
        char target[PATH_MAX];
        /* Read as text and never followed: a mask's /dev/null is the customer's, not ours. */
        ssize_t n = readlinkat(dir_fd, name, target, sizeof target);
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof target)
                return -ENAMETOOLONG;
        target[n] = '\0';
        _cleanup_free_ char *abs = absolute_target(dir, target);
        if (!abs)
                return -ENOMEM;
        return streq(abs, "/dev/null");
}

/* What a unit file's stat says: systemd takes an empty file or a character device as a mask. */
static void classify(TdUnitFileState *st, const struct stat *s) {
        if (S_ISCHR(s->st_mode) || (S_ISREG(s->st_mode) && s->st_size == 0))
                st->state = TD_UNIT_MASKED;
        else if (S_ISREG(s->st_mode))
                st->state = TD_UNIT_DISABLED; /* enabled or not is told by the links, after */
        else {
                st->state = TD_UNIT_BROKEN;
                st->error = S_ISDIR(s->st_mode) ? -EISDIR : -ENODEV;
        }
}

/*
 * The unit's file: the first entry of that name in the load path that is not a dangling link
 * (systemd skips those too). 0 with st->state and st->file set (ABSENT leaves file NULL), or
 * -ENOMEM.
 */
static int find_fragment(TdContext *ctx, const char *unit, TdUnitFileState *st) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                /* A load path directory that is missing or unreadable holds nothing. */
                _cleanup_close_ int dir_fd = td_context_open(ctx, unit_dirs[i], O_PATH | O_DIRECTORY);
                if (dir_fd < 0)
                        continue;
                struct stat s;
                if (fstatat(dir_fd, unit, &s, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", unit_dirs[i], unit);
                if (!path)
                        return -ENOMEM;
                if (S_ISLNK(s.st_mode)) {
                        int r = link_is_dev_null(dir_fd, unit_dirs[i], unit);
                        if (r == -ENOMEM)
                                return r;
                        if (r > 0) {
                                st->state = TD_UNIT_MASKED;
                                st->file = TAKE_PTR(path);
                                return 0;
                        }
                        /*
                         * Any other link (an alias, `systemctl link`) is followed inside the root,
                         * without opening what it names for reading: O_PATH opens no FIFO or device.
                         */
                        _cleanup_close_ int fd = td_context_open(ctx, path, O_PATH);
                        if (fd == -ENOENT || fd == -ENOTDIR)
                                continue;
                        if (fd < 0 || fstat(fd, &s) < 0) {
                                st->state = TD_UNIT_BROKEN;
                                st->error = fd < 0 ? fd : -errno;
                                st->file = TAKE_PTR(path);
                                return 0;
                        }
                }
                classify(st, &s);
                st->file = TAKE_PTR(path);
                return 0;
        }
        st->state = TD_UNIT_ABSENT;
        return 0;
}

static bool is_dependency_dir(const char *name) {
        size_t n = strlen(name);
        return (n > 6 && streq(name + n - 6, ".wants")) || (n > 9 && streq(name + n - 9, ".requires"));
}

/*
 * The first link that pulls @unit in: an entry of that name in some <target>.wants/ or
 * <target>.requires/ directory. systemd goes by the entry's name, whatever the link says,
 * except that a link to /dev/null in a more important directory masks the same dependency
 * further down (a package's link in /usr/lib, masked by the administrator in /etc).
 * 0 and *ret_link (NULL when nothing pulls it in), or -ENOMEM.
 */
static int find_wanted_by(TdContext *ctx, const char *unit, char **ret_link) {
        _cleanup_strv_builder_ TdStrvBuilder names = TD_STRV_BUILDER_INIT;
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                _cleanup_strv_free_ TdStrv entries = NULL;
                int r = td_context_list_dir(ctx, unit_dirs[i], is_dependency_dir, DEPENDENCY_DIRS_MAX,
                                            &entries);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                for (char **e = entries; *e; e++) {
                        bool seen = false;
                        for (size_t k = 0; k < names.n && !seen; k++)
                                seen = streq(names.items[k], *e);
                        if (!seen && td_strv_builder_add(&names, *e) < 0)
                                return -ENOMEM;
                }
        }
        _cleanup_strv_free_ TdStrv sorted = td_strv_builder_steal(&names);
        if (!sorted)
                return -ENOMEM;
        td_strv_sort(sorted);

        for (char **d = sorted; *d; d++)
                for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                        _cleanup_free_ char *dir = td_strdup_printf("%s/%s", unit_dirs[i], *d);
                        if (!dir)
                                return -ENOMEM;
                        _cleanup_close_ int dir_fd = td_context_open(ctx, dir, O_PATH | O_DIRECTORY);
                        if (dir_fd < 0)
                                continue;
                        struct stat s;
                        if (fstatat(dir_fd, unit, &s, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        if (S_ISLNK(s.st_mode)) {
                                int r = link_is_dev_null(dir_fd, dir, unit);
                                if (r == -ENOMEM)
                                        return r;
                                if (r > 0)
                                        break; /* this dependency is masked: try the next target */
                        }
                        char *link = td_strdup_printf("%s/%s", dir, unit);
                        if (!link)
                                return -ENOMEM;
                        *ret_link = link;
                        return 0;
                }
        *ret_link = NULL;
        return 0;
}

int td_systemd_unit_file_state(TdContext *ctx, const char *unit, TdUnitFileState *ret) {
        if (!valid_unit_name(unit))
                return -EINVAL;
        TdUnitFileState st = { .state = TD_UNIT_ABSENT };
        int r = find_fragment(ctx, unit, &st);
        if (r >= 0 && st.state == TD_UNIT_DISABLED) {
                r = find_wanted_by(ctx, unit, &st.wanted_by);
                if (r >= 0 && st.wanted_by)
                        st.state = TD_UNIT_ENABLED;
        }
        if (r < 0) {
                td_unit_file_state_clear(&st);
                return r;
        }
        *ret = st;
        return 0;
}
