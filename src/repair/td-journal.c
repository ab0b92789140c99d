/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "td-util.h"
#include "tokendoctor/td-strv.h"
#include "repair/td-file.h"
#include "repair/td-journal.h"

#define ENTRY_FILE "entry.json"
#define ENTRY_MAX (1024 * 1024)
#define ID_MAX 80
#define TAG_MAX 40

struct TdJournal {
        char *dir; /* the entry's own directory */
        char *id;
        json_object *entry; /* id, tag, time, state, steps[], facts{} */
        unsigned n_copies;  /* files/N and undo/N written so far */
};

static bool tag_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool tag_is_valid(const char *tag) {
        size_t n = strlen(tag);
        if (n == 0 || n > TAG_MAX || tag[0] == '.' || tag[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!tag_char(tag[i]))
                        return false;
        return true;
}

bool td_journal_id_is_valid(const char *id) {
        /* 20261203T052233Z-TAG-a1b2c3 */
        size_t n = id ? strlen(id) : 0;
        if (n < 16 + 1 + 1 + 1 + 6 || n > ID_MAX)
                return false;
        for (size_t i = 0; i < 16; i++) {
                bool want_digit = i != 8 && i != 15;
                if (want_digit ? !isdigit((unsigned char) id[i]) : id[i] != (i == 8 ? 'T' : 'Z'))
                        return false;
        }
        if (id[16] != '-' || id[n - 7] != '-')
                return false;
        for (size_t i = n - 6; i < n; i++)
                if (!isxdigit((unsigned char) id[i]) || isupper((unsigned char) id[i]))
                        return false;
        _cleanup_free_ char *tag = strndup(id + 17, n - 7 - 17);
        return tag && tag_is_valid(tag);
}

TdJournal *td_journal_free(TdJournal *j) {
        if (!j)
                return NULL;
        json_object_put(j->entry);
        free(j->dir);
        free(j->id);
        free(j);
        return NULL;
}

static void journal_freep(TdJournal **j) {
        td_journal_free(*j);
}
#define _cleanup_journal_ __attribute__((cleanup(journal_freep)))

static int write_entry(TdJournal *j) {
        const char *text = json_object_to_json_string_ext(j->entry, JSON_C_TO_STRING_PRETTY);
        if (!text)
                return -ENOMEM;
        _cleanup_free_ char *path = td_strdup_printf("%s/" ENTRY_FILE, j->dir);
        if (!path)
                return -ENOMEM;
        return td_file_replace(path, text, strlen(text), 0600, (uid_t) -1, (gid_t) -1);
}

static json_object *steps_of(const TdJournal *j) {
        json_object *steps = NULL;
        json_object_object_get_ex(j->entry, "steps", &steps);
        return steps;
}

static json_object *facts_of(const TdJournal *j) {
        json_object *facts = NULL;
        json_object_object_get_ex(j->entry, "facts", &facts);
        return facts;
}

/* Member @key of @obj when it is a string; borrowed, or NULL. */
static const char *member_string(json_object *obj, const char *key) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static const char *entry_string(const TdJournal *j, const char *key) {
        return member_string(j->entry, key);
}

/* The text of link @path into @buf, NUL-terminated. 0 or a negative errno. */
static int read_link(const char *path, char *buf, size_t size) {
        ssize_t n = readlink(path, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

int td_journal_create(const char *dir, const char *tag, TdJournal **ret) {
        if (!tag || !tag_is_valid(tag))
                return -EINVAL;
        int r = td_mkdir_parents(dir, 0700, NULL, NULL);
        if (r < 0)
                return r;
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];
        if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
                return -EINVAL;
        _cleanup_journal_ TdJournal *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        for (int attempt = 0;; attempt++) {
                unsigned char rnd[3];
                if ((r = td_random_bytes(rnd, sizeof rnd)) < 0)
                        return r;
                free(j->id);
                free(j->dir);
                j->id = td_strdup_printf("%s-%s-%02x%02x%02x", stamp, tag, rnd[0], rnd[1], rnd[2]);
                j->dir = j->id ? td_strdup_printf("%s/%s", dir, j->id) : NULL;
                if (!j->dir)
                        return -ENOMEM;
                if (mkdir(j->dir, 0700) == 0)
                        break;
                if (errno != EEXIST || attempt > 8)
                        return -errno;
        }
        j->entry = json_object_new_object();
        if (!j->entry)
                return -ENOMEM;
        json_object_object_add(j->entry, "id", json_object_new_string(j->id));
        json_object_object_add(j->entry, "tag", json_object_new_string(tag));
        json_object_object_add(j->entry, "time", json_object_new_int64(now));
        json_object_object_add(j->entry, "state", json_object_new_string("applying"));
        json_object_object_add(j->entry, "steps", json_object_new_array());
        json_object_object_add(j->entry, "facts", json_object_new_object());
        if (!steps_of(j) || !facts_of(j) || !entry_string(j, "state"))
                return -ENOMEM;
        if ((r = write_entry(j)) < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

int td_journal_open(const char *dir, const char *id, TdJournal **ret) {
        if (!td_journal_id_is_valid(id))
                return -EINVAL;
        _cleanup_journal_ TdJournal *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->id = strdup(id);
        j->dir = td_strdup_printf("%s/%s", dir, id);
        _cleanup_free_ char *path = td_strdup_printf("%s/%s/" ENTRY_FILE, dir, id);
        if (!j->id || !j->dir || !path)
                return -ENOMEM;
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = td_read_regular_file(path, ENTRY_MAX, &text, &len);
        if (r < 0)
                return r;
        j->entry = json_tokener_parse(text);
        if (!j->entry || !json_object_is_type(j->entry, json_type_object) ||
            !streq_ptr(entry_string(j, "id"), id) || !entry_string(j, "state") || !entry_string(j, "tag") ||
            !steps_of(j) || !json_object_is_type(steps_of(j), json_type_array) || !facts_of(j) ||
            !json_object_is_type(facts_of(j), json_type_object))
                return -EBADMSG;
        /* Copies already in the entry keep their numbers. */
        size_t n = json_object_array_length(steps_of(j));
        j->n_copies = (unsigned) n + 1;
        json_object *undo = NULL;
        if (json_object_object_get_ex(j->entry, "undo_copies", &undo))
                j->n_copies += (unsigned) json_object_get_int(undo);
        *ret = TAKE_PTR(j);
        return 0;
}

const char *td_journal_get_id(const TdJournal *j) {
        return j->id;
}

const char *td_journal_get_state(const TdJournal *j) {
        return entry_string(j, "state");
}

const char *td_journal_get_tag(const TdJournal *j) {
        return entry_string(j, "tag");
}

long long td_journal_get_time(const TdJournal *j) {
        json_object *v = NULL;
        return json_object_object_get_ex(j->entry, "time", &v) ? (long long) json_object_get_int64(v) : 0;
}

static bool step_has_path(const TdJournal *j, const char *path) {
        json_object *steps = steps_of(j);
        for (size_t i = 0; i < json_object_array_length(steps); i++) {
                json_object *s = json_object_array_get_idx(steps, i), *p = NULL;
                if (json_object_object_get_ex(s, "path", &p) && streq(json_object_get_string(p), path))
                        return true;
        }
        return false;
}

/*
 * Copy what is at @path now into the entry as @subdir/N and describe it in @step: kind "file"
 * (with mode, owner and the copy's name), "link" (its target) or "absent".
 */
static int keep_current(TdJournal *j, const char *path, const char *subdir, json_object *step) {
        struct stat st;
        if (lstat(path, &st) < 0) {
                if (errno != ENOENT && errno != ENOTDIR)
                        return -errno;
                json_object_object_add(step, "kind", json_object_new_string("absent"));
                return 0;
        }
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                int r = read_link(path, target, sizeof target);
                if (r < 0)
                        return r;
                json_object_object_add(step, "kind", json_object_new_string("link"));
                json_object_object_add(step, "target", json_object_new_string(target));
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return -ENODEV;
        if ((uint64_t) st.st_size > TD_JOURNAL_FILE_MAX)
                return -EFBIG;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = td_read_regular_file(path, TD_JOURNAL_FILE_MAX, &data, &len);
        if (r < 0)
                return r;
        _cleanup_free_ char *sub = td_strdup_printf("%s/%s", j->dir, subdir);
        if (!sub)
                return -ENOMEM;
        if (mkdir(sub, 0700) < 0 && errno != EEXIST)
                return -errno;
        unsigned n = j->n_copies++;
        _cleanup_free_ char *copy = td_strdup_printf("%s/%u", sub, n);
        _cleanup_free_ char *rel = td_strdup_printf("%s/%u", subdir, n);
        if (!copy || !rel)
                return -ENOMEM;
        if ((r = td_file_replace(copy, data, len, 0600, (uid_t) -1, (gid_t) -1)) < 0)
                return r;
        json_object_object_add(step, "kind", json_object_new_string("file"));
        json_object_object_add(step, "copy", json_object_new_string(rel));
        json_object_object_add(step, "mode", json_object_new_int(st.st_mode & 07777));
        json_object_object_add(step, "uid", json_object_new_int64(st.st_uid));
        json_object_object_add(step, "gid", json_object_new_int64(st.st_gid));
        return 0;
}

int td_journal_save_file(TdJournal *j, const char *path) {
        if (!path || path[0] != '/')
                return -EINVAL;
        if (step_has_path(j, path))
                return 0;
        json_object *step = json_object_new_object();
        if (!step)
                return -ENOMEM;
        json_object_object_add(step, "type", json_object_new_string("file"));
        json_object_object_add(step, "path", json_object_new_string(path));
        int r = keep_current(j, path, "files", step);
        if (r < 0 || json_object_array_add(steps_of(j), step) < 0) {
                json_object_put(step);
                return r < 0 ? r : -ENOMEM;
        }
        return write_entry(j);
}

/* Add @step (taken) to the entry and write it out. */
static int append_step(TdJournal *j, json_object *step) {
        if (json_object_array_add(steps_of(j), step) < 0) {
                json_object_put(step);
                return -ENOMEM;
        }
        return write_entry(j);
}

int td_journal_note_rename(TdJournal *j, const char *from, const char *to) {
        if (!from || !to || from[0] != '/' || to[0] != '/')
                return -EINVAL;
        json_object *step = json_object_new_object();
        if (!step)
                return -ENOMEM;
        json_object_object_add(step, "type", json_object_new_string("rename"));
        json_object_object_add(step, "from", json_object_new_string(from));
        json_object_object_add(step, "to", json_object_new_string(to));
        return append_step(j, step);
}

int td_journal_note_mkdir(TdJournal *j, const char *path) {
        if (!path || path[0] != '/')
                return -EINVAL;
        json_object *step = json_object_new_object();
        if (!step)
                return -ENOMEM;
        json_object_object_add(step, "type", json_object_new_string("mkdir"));
        json_object_object_add(step, "dir", json_object_new_string(path));
        return append_step(j, step);
}

static bool key_is_valid(const char *key) {
        if (isempty(key) || strlen(key) > 64)
                return false;
        for (const char *p = key; *p; p++)
                if (!tag_char(*p) && *p != '_')
                        return false;
        return true;
}

int td_journal_set_string(TdJournal *j, const char *key, const char *value) {
        if (!key_is_valid(key) || !value)
                return -EINVAL;
        json_object *v = json_object_new_string(value);
        if (!v || json_object_object_add(facts_of(j), key, v) < 0)
                return -ENOMEM;
        return write_entry(j);
}

const char *td_journal_get_string(const TdJournal *j, const char *key) {
        return member_string(facts_of(j), key);
}

int td_journal_set_state(TdJournal *j, const char *state) {
        json_object *v = json_object_new_string(state);
        if (!v)
                return -ENOMEM;
        json_object_object_add(j->entry, "state", v);
        return write_entry(j);
}

static const char *step_string(json_object *step, const char *key) {
        return member_string(step, key);
}

static int64_t step_int(json_object *step, const char *key, int64_t fallback) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(step, key, &v) || !json_object_is_type(v, json_type_int))
                return fallback;
        return json_object_get_int64(v);
}

/* What is at @path now goes into undo/ first: a restore never loses what it replaces. */
static int keep_before_restore(TdJournal *j, const char *path) {
        json_object *kept = json_object_new_object();
        if (!kept)
                return -ENOMEM;
        json_object_object_add(kept, "path", json_object_new_string(path));
        int r = keep_current(j, path, "undo", kept);
        if (r < 0) {
                json_object_put(kept);
                return r;
        }
        json_object *list = NULL;
        if (!json_object_object_get_ex(j->entry, "undo_kept", &list)) {
                list = json_object_new_array();
                json_object_object_add(j->entry, "undo_kept", list);
        }
        json_object_array_add(list, kept);
        json_object_object_add(j->entry, "undo_copies",
                               json_object_new_int((int) json_object_array_length(list)));
        return 0;
}

static bool same_as_kept(const TdJournal *j, const char *path, json_object *step) {
        const char *kind = step_string(step, "kind");
        struct stat st;
        if (lstat(path, &st) < 0)
                return streq_ptr(kind, "absent");
        if (streq_ptr(kind, "link")) {
                char target[4096];
                return S_ISLNK(st.st_mode) && read_link(path, target, sizeof target) == 0 &&
                       streq_ptr(step_string(step, "target"), target);
        }
        if (!streq_ptr(kind, "file") || !S_ISREG(st.st_mode) ||
            (int64_t) (st.st_mode & 07777) != step_int(step, "mode", -1))
                return false;
        _cleanup_free_ char *copy = td_strdup_printf("%s/%s", j->dir, step_string(step, "copy"));
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t alen, blen;
        return copy && td_read_regular_file(copy, TD_JOURNAL_FILE_MAX, &a, &alen) == 0 &&
               td_read_regular_file(path, TD_JOURNAL_FILE_MAX, &b, &blen) == 0 && alen == blen &&
               memcmp(a, b, alen) == 0;
}

static int restore_file(TdJournal *j, json_object *step) {
        const char *path = step_string(step, "path");
        const char *kind = step_string(step, "kind");
        if (!path || path[0] != '/' || !kind)
                return -EBADMSG;
        if (same_as_kept(j, path, step))
                return 0;
        int r = keep_before_restore(j, path);
        if (r < 0 && r != -ENODEV)
                return r;
        if (streq(kind, "absent")) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        }
        if (streq(kind, "link")) {
                const char *target = step_string(step, "target");
                return target ? td_file_replace_symlink(path, target) : -EBADMSG;
        }
        const char *copy = step_string(step, "copy");
        if (!streq(kind, "file") || !copy || strstr(copy, ".."))
                return -EBADMSG;
        _cleanup_free_ char *copy_path = td_strdup_printf("%s/%s", j->dir, copy);
        _cleanup_free_ char *data = NULL;
        size_t len;
        if (!copy_path)
                return -ENOMEM;
        if ((r = td_read_regular_file(copy_path, TD_JOURNAL_FILE_MAX, &data, &len)) < 0)
                return r;
        bool root = geteuid() == 0;
        return td_file_replace(path, data, len, (mode_t) step_int(step, "mode", 0644),
                               root ? (uid_t) step_int(step, "uid", 0) : (uid_t) -1,
                               root ? (gid_t) step_int(step, "gid", 0) : (gid_t) -1);
}

static int restore_rename(json_object *step) {
        const char *from = step_string(step, "from"), *to = step_string(step, "to");
        if (!from || !to)
                return -EBADMSG;
        struct stat st;
        if (lstat(from, &st) == 0)
                return lstat(to, &st) == 0 ? -EEXIST : 0; /* already back where it was */
        if (rename(to, from) < 0)
                return -errno;
        return 0;
}

static int restore_mkdir(json_object *step) {
        const char *dir = step_string(step, "dir");
        if (!dir || dir[0] != '/')
                return -EBADMSG;
        if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
                return -errno;
        return 0;
}

int td_journal_restore(TdJournal *j) {
        json_object *steps = steps_of(j);
        int first = 0;
        for (size_t i = json_object_array_length(steps); i-- > 0;) {
                json_object *step = json_object_array_get_idx(steps, i);
                const char *type = step_string(step, "type");
                int r = streq_ptr(type, "file")     ? restore_file(j, step)
                        : streq_ptr(type, "rename") ? restore_rename(step)
                        : streq_ptr(type, "mkdir")  ? restore_mkdir(step)
                                                    : -EBADMSG;
                if (r < 0 && first == 0)
                        first = r;
        }
        int r = write_entry(j);
        return first < 0 ? first : r;
}

static bool is_entry_id(const char *name) {
        return td_journal_id_is_valid(name);
}

int td_journal_list(const char *dir, char ***ret_ids) {
        _cleanup_strv_free_ char **ids = NULL;
        int r = td_list_dir(dir, is_entry_id, 100000, &ids);
        if (r == -ENOENT) {
                ids = calloc(1, sizeof(char *));
                if (!ids)
                        return -ENOMEM;
                r = 0;
        }
        if (r < 0)
                return r;
        *ret_ids = TAKE_PTR(ids);
        return 0;
}
