/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding a profile by name in the XDG, /etc and data directories. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profile-private.h"
#include "td-i18n.h"
#include "td-util.h"

TdStrv td_profile_search_dirs(void) {
        _cleanup_strv_free_ TdStrv dirs = calloc(1, sizeof(char *));
        if (!dirs)
                return NULL;

        /* The XDG base directory spec says to ignore a relative XDG_CONFIG_HOME. */
        _cleanup_free_ char *user = NULL;
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && xdg[0] == '/')
                user = td_strdup_printf("%s/tokendoctor/profiles", xdg);
        else if (home && home[0] == '/')
                user = td_strdup_printf("%s/.config/tokendoctor/profiles", home);
        else
                user = strdup("");
        if (!user)
                return NULL;

        _cleanup_free_ char *env_data = NULL;
        _cleanup_free_ char *datadir = td_uninstalled_path("TOKENDOCTOR_DATADIR", "data");
        env_data = datadir ? td_strdup_printf("%s/profiles", datadir) : strdup("");
        if (!env_data)
                return NULL;

        const char *candidates[] = {
                user,
                "/etc/tokendoctor/profiles",
                env_data,
#ifdef TD_DATADIR
                TD_DATADIR "/profiles",
#endif
        };
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                if (isempty(candidates[i]) || td_strv_contains((const char *const *) dirs, candidates[i]))
                        continue;
                if (td_strv_push(&dirs, candidates[i]) < 0)
                        return NULL;
        }
        return TAKE_PTR(dirs);
}

static bool profile_name_valid(const char *name) {
        /* A leading '.' would allow "..", and hidden files are not profiles anyway. */
        return td_profile_chars_valid(name, "._-") && name[0] != '.';
}

int td_profile_load(const char *name_or_path, TdProfile **ret_profile, char **ret_error) {
        const char *name = name_or_path ? name_or_path : TD_PROFILE_DEFAULT;

        if (strchr(name, '/') || td_endswith(name, ".ini"))
                return td_profile_load_file(name, ret_profile, ret_error);

        if (!profile_name_valid(name)) {
                if (ret_error) {
                        char *msg = td_strdup_printf(
                                _("\"%s\" is not a profile name (letters, digits, '.', '_' and '-') "
                                  "nor a path to a profile file"),
                                name);
                        if (!msg)
                                return -ENOMEM;
                        *ret_error = msg;
                }
                return -EINVAL;
        }

        _cleanup_strv_free_ TdStrv dirs = td_profile_search_dirs();
        if (!dirs)
                return -ENOMEM;
        for (char **d = dirs; *d; d++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s.ini", *d, name);
                if (!path)
                        return -ENOMEM;
                /* Only absence moves on: a broken file where we look must not be passed over. */
                struct stat st;
                if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
                        continue;
                return td_profile_load_file(path, ret_profile, ret_error);
        }

        if (ret_error) {
                _cleanup_free_ char *searched = td_strv_join((const char *const *) dirs, ", ");
                char *msg =
                        searched ? td_strdup_printf(_("profile \"%s\" not found; looked for %s.ini in %s"),
                                                    name, name, searched)
                                 : NULL;
                if (!msg)
                        return -ENOMEM;
                *ret_error = msg;
        }
        return -ENOENT;
}
