/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The repair journal: what a fix changed, and everything needed to put it back. One entry is a
 * directory of its own under a journal directory (the user's $XDG_STATE_HOME/tokendoctor/journal
 * for `tokendoctor fix`, /var/lib/tokendoctor/journal for tokendoctor-helper), holding
 * entry.json and a copy of every file the repair touched, as it was before (or the note that it
 * did not exist). Nothing is deleted by a restore that it cannot bring back: the content a
 * restore replaces is itself kept in the entry first.
 *
 * Files are named by absolute paths of the running system (for --root, the caller has already
 * put the root in front). Not thread-safe: one user per entry.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct TdJournal TdJournal;

/* Files larger than this are not journalled (-EFBIG): a fix never rewrites large files. */
#define TD_JOURNAL_FILE_MAX (16u * 1024u * 1024u)

/*
 * Whether @id has the shape of an entry id: "20261203T052233Z-TAG-a1b2c3" (UTC time, a tag of
 * [a-z0-9.-], six hex digits), at most 80 bytes. Nothing else is ever used as a path component.
 */
bool td_journal_id_is_valid(const char *id);

/*
 * A new entry under @dir (created 0700, parents too, when absent). @tag says what made it
 * ("os.locale", "allow-pcscd"): [a-z0-9.-], 1 to 40 bytes. The entry is written to disk at
 * once, in state "applying", so a crash half way still leaves the backups findable. 0 and
 * *ret (td_journal_free()), or a negative errno (-EINVAL for a bad tag).
 */
int td_journal_create(const char *dir, const char *tag, TdJournal **ret);

/* Open entry @id under @dir: 0, -EINVAL for an id of the wrong shape, -ENOENT, -EBADMSG. */
int td_journal_open(const char *dir, const char *id, TdJournal **ret);

/* NULL is a no-op. Returns NULL. */
TdJournal *td_journal_free(TdJournal *j);

const char *td_journal_get_id(const TdJournal *j);
/* "applying", "applied", "rolled-back", "undone". */
const char *td_journal_get_state(const TdJournal *j);
const char *td_journal_get_tag(const TdJournal *j);
/* When it was created (seconds since the epoch). */
long long td_journal_get_time(const TdJournal *j);

/*
 * Keep file @path as it is now, before the repair changes it: its bytes, mode and owner, or
 * that it does not exist. A path already kept is left as first kept. The entry is written out
 * before this returns. Symbolic links are kept as links (their target text), not followed.
 * 0 or a negative errno (-EFBIG, -ENODEV for what is neither a file, a link nor absent).
 */
int td_journal_save_file(TdJournal *j, const char *path);

/*
 * Note that the repair renamed @from to @to (moved a file aside): undone by renaming it back,
 * as long as @from has not reappeared meanwhile (then @to stays where it is: -EEXIST).
 */
int td_journal_note_rename(TdJournal *j, const char *from, const char *to);

/*
 * Note that the repair created directory @path (it did not exist): undone by removing it again
 * when it is empty then (what someone put there since stays, and so does the directory).
 */
int td_journal_note_mkdir(TdJournal *j, const char *path);

/*
 * Free-form facts of the repair (the helper's "pcscd.socket was disabled", the user journal's
 * "helper entry 2026...-allow-pcscd-..."), for the code that undoes it. @key is [a-z0-9._-];
 * setting a key again replaces it. Written out before returning.
 */
int td_journal_set_string(TdJournal *j, const char *key, const char *value);
/* Borrowed, or NULL when unset. */
const char *td_journal_get_string(const TdJournal *j, const char *key);

/* Set the state and write entry.json (atomically: a new file renamed over the old). */
int td_journal_set_state(TdJournal *j, const char *state);

/*
 * Put back everything this entry kept, newest first: renames reversed, kept files rewritten
 * with their bytes, mode and owner (when we may: the owner only as root), files that did not
 * exist removed. Before a file is replaced or removed, what is there now is kept in the entry
 * (under "undo/"). Goes on past a failure and returns the first error; 0 when all came back.
 * Does not change the state: the caller sets "rolled-back" or "undone".
 */
int td_journal_restore(TdJournal *j);

/*
 * The ids of the entries under @dir, oldest first (by id, which starts with the time).
 * 0 and *ret_ids (td_strv_free()), an empty list when @dir does not exist.
 */
int td_journal_list(const char *dir, char ***ret_ids);
