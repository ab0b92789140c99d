/* SPDX-License-Identifier: GPL-3.0-or-later */
/* os.release: the distribution, its version and the CPU against the profile's support matrix. */
#include <ctype.h>
#include <errno.h>
#include <strings.h>

#include "platform/td-fact.h"
#include "platform/td-os-release.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* Kylin writes VERSION_ID="V10" (sometimes "v10"): compare versions without that prefix. */
static char *version_normalize(const char *version) {
        if ((version[0] == 'V' || version[0] == 'v') && isdigit((unsigned char) version[1]))
                version++;
        char *copy = strdup(version);
        if (!copy)
                return NULL;
        for (char *p = copy; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        return copy;
}

/* <0, 0, >0 as td_version_compare(); -ENOMEM is reported through @ret_error. */
static int version_compare_loose(const char *a, const char *b, int *ret_error) {
        _cleanup_free_ char *na = version_normalize(a);
        _cleanup_free_ char *nb = version_normalize(b);
        if (!na || !nb) {
                *ret_error = -ENOMEM;
                return 0;
        }
        return td_version_compare(na, nb);
}

static const TdOsSupport *find_supported(const TdProfile *profile, const char *id) {
        for (size_t i = 0; i < profile->n_os_supported; i++)
                if (profile->os_supported[i].id && strcasecmp(profile->os_supported[i].id, id) == 0)
                        return &profile->os_supported[i];
        return NULL;
}

/* "debian 11, ubuntu 20.04, uos" for messages. */
static char *supported_list(const TdProfile *profile) {
        _cleanup_strv_free_ TdStrv items = calloc(1, sizeof(char *));
        if (!items)
                return NULL;
        for (size_t i = 0; i < profile->n_os_supported; i++) {
                const TdOsSupport *s = &profile->os_supported[i];
                if (!s->id)
                        continue;
                _cleanup_free_ char *item =
                        s->min_version ? td_strdup_printf("%s %s", s->id, s->min_version) : strdup(s->id);
                if (!item || td_strv_push(&items, item) < 0)
                        return NULL;
        }
        return td_strv_join((const char *const *) items, _(", "));
}

static bool arch_supported(const TdProfile *profile, const char *machine) {
        /* A profile without an architecture list accepts any. */
        if (!profile->arch_supported || !profile->arch_supported[0])
                return true;
        for (char **a = profile->arch_supported; *a; a++)
                if (td_os_arch_equal(*a, machine))
                        return true;
        return false;
}

static const char *release_display_name(const TdOsRelease *release) {
        if (release->pretty_name)
                return release->pretty_name;
        if (release->name)
                return release->name;
        return release->id;
}

static void add_release_details(TdResult *result, const TdOsRelease *release, const char *file) {
        const char *pretty = release_display_name(release);

        if (release->id)
                td_detail_set_string(result, NULL, "id", "%s", release->id);
        if (release->version_id)
                td_detail_set_string(result, NULL, "version_id", "%s", release->version_id);
        if (pretty)
                td_detail_set_string(result, NULL, "pretty_name", "%s", pretty);
        td_detail_set_string(result, NULL, "file", "%s", file);
}

static int check_os_release_run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const char *machine = td_os_machine();
        const TdOsReleaseFact *fact;
        int r;

        if (!profile)
                return -EINVAL;

        td_detail_set_string(result, NULL, "machine", "%s", machine);

        r = td_os_release_get(ctx, &fact);
        if (r < 0)
                return r;
        const TdOsRelease *release = fact->release;
        const char *file = fact->file;
        if (fact->error < 0) {
                td_detail_set_string(result, NULL, "file", "%s", file);
                return td_fact_unreadable_verdict(result, _("The distribution cannot be identified"), file,
                                                  fact->error);
        }
        if (release)
                add_release_details(result, release, file);

        /* No change of distribution helps on the wrong CPU, so this verdict comes first. */
        if (!arch_supported(profile, machine)) {
                _cleanup_free_ char *archs =
                        td_strv_join((const char *const *) profile->arch_supported, _(", "));
                if (!archs)
                        return -ENOMEM;
                return td_result_set(result, TD_STATUS_FAIL, "arch.unsupported",
                                     _("This computer's processor architecture %s is not supported by the "
                                       "platform (supported: %s)."),
                                     machine, archs);
        }

        if (!release)
                return td_result_set(result, TD_STATUS_FAIL, "os.unsupported",
                                     _("The distribution cannot be identified: neither /etc/os-release "
                                       "nor /usr/lib/os-release exists."));
        if (!release->id)
                return td_result_set(result, TD_STATUS_FAIL, "os.unsupported",
                                     _("The distribution cannot be identified: %s has no ID line."), file);

        const char *pretty = release_display_name(release);

        /* A profile without a support matrix accepts any distribution. */
        if (profile->n_os_supported == 0)
                return td_result_set(result, TD_STATUS_PASS, NULL, _("%s on %s."), pretty, machine);

        _cleanup_free_ char *list = supported_list(profile);
        if (!list)
                return -ENOMEM;

        const TdOsSupport *support = find_supported(profile, release->id);
        if (support) {
                if (!support->min_version)
                        return td_result_set(result, TD_STATUS_PASS, NULL,
                                             _("%s on %s is supported by the platform."), pretty, machine);
                if (!release->version_id)
                        return td_result_set(result, TD_STATUS_WARN, "os.unsupported",
                                             _("%s does not state its version (no VERSION_ID in %s); the "
                                               "platform supports %s from version %s on."),
                                             pretty, file, support->id, support->min_version);
                int error = 0;
                int cmp = version_compare_loose(release->version_id, support->min_version, &error);
                if (error < 0)
                        return error;
                if (cmp < 0)
                        return td_result_set(result, TD_STATUS_FAIL, "os.unsupported",
                                             _("%s (version %s) is too old: the platform supports %s from "
                                               "version %s on."),
                                             pretty, release->version_id, support->id, support->min_version);
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("%s on %s is supported by the platform."), pretty, machine);
        }

        /* A derivative (ID_LIKE names a supported distribution) may work but was not tested. */
        if (release->id_like) {
                _cleanup_strv_free_ TdStrv likes = td_strv_split(release->id_like, " \t");
                if (!likes)
                        return -ENOMEM;
                for (char **like = likes; *like; like++) {
                        const TdOsSupport *parent = find_supported(profile, *like);
                        if (parent)
                                return td_result_set(result, TD_STATUS_WARN, "os.unsupported",
                                                     _("%s is a derivative of %s that the platform was not "
                                                       "tested on (supported: %s)."),
                                                     pretty, parent->id, list);
                }
        }

        return td_result_set(result, TD_STATUS_FAIL, "os.unsupported",
                             _("%s (ID %s) is not a distribution the platform supports (supported: %s)."),
                             pretty, release->id, list);
}

const TdCheck td_check_os_release = {
        .id = "os.release",
        .category = "system",
        .title = N_("Operating system and processor"),
        .causes = TD_STRV("os.unsupported", "arch.unsupported"),
        .run = check_os_release_run,
};
