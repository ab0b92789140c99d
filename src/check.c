/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Facts about check descriptors: which checks a selection takes, which causes a check declares. */
#include <errno.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"

const TdCheck *td_checks_find(const TdCheck *const *checks, size_t n_checks, const char *id) {
        for (size_t i = 0; i < n_checks; i++)
                if (streq(checks[i]->id, id))
                        return checks[i];
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

bool td_result_has_fix(const TdResult *r) {
        return r->fix.offered;
}

void td_result_decide_fix(const TdContext *ctx, TdResult *r) {
        r->fix = (TdFixOffer){ 0 };
        const TdFix *fix = r->check ? r->check->fix : NULL;
        if (!fix || (r->status != TD_STATUS_WARN && r->status != TD_STATUS_FAIL))
                return;
        TdFixOffer offer = { .offered = true, .privileged = fix->privileged, .summary = fix->summary };
        if (fix->offer && !fix->offer(ctx, r, &offer))
                return;
        offer.offered = offer.summary != NULL;
        r->fix = offer;
}
