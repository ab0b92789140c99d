/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "td-util.h"
#include "tokendoctor/td-registry.h"

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
