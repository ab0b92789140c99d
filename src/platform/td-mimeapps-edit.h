/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writing a default application into mimeapps.list text (MIME Applications Associations 1.0.1):
 * the smallest edit that makes the readers (td_mimeapps_parse(), GLib, xdg-mime) see the new
 * default, with every other byte of the file left as it was. Pure text to text: the repair plans
 * the result as a file to write, and shows it before anything changes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether @id can be written as a handler: a desktop-file id of [A-Za-z0-9._+-] only, ending in
 * ".desktop", at most 255 bytes. Anything else (a ';', '=', '[', white space or a line end in a
 * file name) could change the file's meaning beyond the one value. Pure.
 */
bool td_mimeapps_id_is_writable(const char *id);

/*
 * Make the [Default Applications] group of mimeapps.list @text (@len bytes, need not be
 * NUL-terminated, may hold anything) give @id for each of @mime_types (NULL-terminated; each a
 * "type/subtype" of [A-Za-z0-9.+_/-]):
 *
 *   - a line of one of the types in any [Default Applications] group (a group may be given more
 *     than once; types compare without case) keeps its bytes up to and including its '=', then
 *     holds @id, and keeps its line end ("\n", "\r\n", or none at the end of the text);
 *   - the types no such line has are added, one line each, after the last Key=Value line (or the
 *     header) of the first [Default Applications] group; when there is none, the group is added at
 *     the end, after a blank line when the text does not end with one;
 *   - new lines end as most lines of the text do ("\r\n" or "\n"; "\n" for an empty text); a last
 *     line without a line end gets one when something is added after it;
 *   - every other byte is kept, in order: other groups and keys, comments, blank and unreadable
 *     lines, and what follows a NUL in a line that is not rewritten.
 *
 * Lines are read as td_key_file_scan() reads them. Returns 0 and the new text in *@ret_text
 * (NUL-terminated, its length in *@ret_len; free()), -EINVAL for an @id that is not writable or a
 * malformed type, -ENOMEM. Pure, thread-safe.
 */
int td_mimeapps_set_default(const char *text, size_t len, const char *const *mime_types, const char *id,
                            char **ret_text, size_t *ret_len);
