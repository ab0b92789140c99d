/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * restore ID: undo what an earlier run of the helper did. The entry's files come back through
 * td_journal_restore() (directories it made go again when empty), then the verb that made it
 * reverses what files do not hold (services, packages, the locale archive), from the facts it
 * noted.
 */
#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "td-util.h"

static int restore_allowed(TdHelper *h) {
        TdJournal *j = NULL;
        int r = td_journal_open(TD_HELPER_JOURNAL_DIR, h->arg, &j);
        if (r == -ENOENT || r == -EINVAL) {
                td_helper_error("restore: there is no journal entry %s under " TD_HELPER_JOURNAL_DIR,
                                h->arg);
                return EX_USAGE;
        }
        if (r < 0) {
                td_helper_error("restore: cannot read journal entry %s: %s", h->arg, strerror(-r));
                return TD_HELPER_EXIT_FAILED;
        }
        const char *tag = td_journal_get_tag(j);
        const TdHelperVerb *verb = tag ? td_helper_verb_find(tag) : NULL;
        if (!verb || verb == &td_helper_verb_restore) {
                td_helper_error("restore: journal entry %s was not made by a verb of this helper", h->arg);
                td_journal_free(j);
                return EX_USAGE;
        }
        h->journal = j;
        return 0;
}

static int restore_apply(TdHelper *h) {
        TdJournal *j = h->journal;
        const char *id = td_journal_get_id(j);
        const char *state = td_journal_get_state(j);
        const TdHelperVerb *verb = td_helper_verb_find(td_journal_get_tag(j));

        if (streq_ptr(state, "undone") || streq_ptr(state, "rolled-back")) {
                td_helper_error("restore: journal entry %s is %s already: nothing to put back", id, state);
                return TD_HELPER_EXIT_FAILED;
        }
        if (verb->undo_possible) {
                int r = verb->undo_possible(h);
                if (r != 0)
                        return r;
        }
        if (h->dry_run) {
                td_helper_plan("restore the files journal entry %s kept (%s)", id, verb->name);
                if (verb->undo)
                        (void) verb->undo(h, j);
                return 0;
        }

        int r = td_journal_restore(j);
        if (r < 0)
                td_helper_error("restore: putting back what journal entry %s kept failed: %s", id,
                                strerror(-r));
        if (verb->undo) {
                int k = verb->undo(h, j);
                r = r < 0 ? r : k;
        }
        if (r < 0) {
                td_helper_error("restore: journal entry %s was not wholly put back; it stays %s", id, state);
                return TD_HELPER_EXIT_FAILED;
        }
        r = td_journal_set_state(j, "undone");
        if (r < 0) {
                td_helper_error("restore: cannot write journal entry %s: %s", id, strerror(-r));
                return TD_HELPER_EXIT_FAILED;
        }
        printf("journal %s\n", id);
        return fflush(stdout) == 0 ? 0 : TD_HELPER_EXIT_FAILED;
}

const TdHelperVerb td_helper_verb_restore = {
        .name = "restore",
        .arg_name = "JOURNAL-ID",
        .arg_grammar = "a journal id (20261203T052233Z-VERB-a1b2c3)",
        .summary = "put back what an earlier run changed (its journal id)",
        .allowed = restore_allowed,
        .apply = restore_apply,
};
