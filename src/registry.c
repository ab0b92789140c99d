/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"

/* Generated from checks/meson.build by scripts/gen-registry.py. */
extern const TdCheck *const td_registry_checks[];

const TdCheck *const *td_registry_get(size_t *ret_n) {
        size_t n = 0;
        while (td_registry_checks[n])
                n++;
        if (ret_n)
                *ret_n = n;
        return td_registry_checks;
}

const TdCheck *td_registry_find(const char *id) {
        for (const TdCheck *const *c = td_registry_checks; *c; c++)
                if (streq((*c)->id, id))
                        return *c;
        return NULL;
}

static void select_one(const TdCheck *const *checks, size_t n, size_t i, bool *selected) {
        if (selected[i])
                return;
        selected[i] = true;
        for (const char *const *d = checks[i]->depends; d && *d; d++)
                for (size_t j = 0; j < n; j++)
                        if (streq(checks[j]->id, *d))
                                select_one(checks, n, j, selected);
}

int td_checks_select(const TdCheck *const *checks, size_t n_checks, const char *const *ids,
                     bool *ret_selected) {
        for (const char *const *id = ids; id && *id; id++) {
                size_t i = 0;
                while (i < n_checks && !streq(checks[i]->id, *id))
                        i++;
                if (i == n_checks)
                        return -ENOENT;
                select_one(checks, n_checks, i, ret_selected);
        }
        return 0;
}

bool td_check_declares_cause(const TdCheck *check, const char *cause) {
        if (!cause)
                return false;
        for (const char *const *c = check->causes; c && *c; c++)
                if (streq(*c, cause))
                        return true;
        return false;
}
