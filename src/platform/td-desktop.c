/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "platform/td-desktop.h"
#include "platform/td-fact.h"
#include "td-i18n.h"
#include "td-util.h"

/* The memo keys, spelled here only: tests reach the facts through the override functions. */
#define APPS_FACT "desktop-apps"
#define DEFAULT_FACT "desktop-default-browser"

/* A browser's entry with all its translations is some 20 KiB; far more is no desktop entry. */
#define ENTRY_MAX (256u * 1024u)
#define MIMEAPPS_MAX (1024u * 1024u)
#define NAMES_MAX 4096u
#define APPS_MAX 16384u
#define DEPTH_MAX 3

/* --- key files ------------------------------------------------------------------------------- */

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int td_key_file_scan(const char *text, size_t len, TdKeyFileScan scan, void *user) {
        _cleanup_free_ char *group = strdup("");
        if (!group)
                return -ENOMEM;
        for (size_t pos = 0; pos < len;) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos;
                TdKeyFileLineInfo info = {
                        .kind = TD_KEY_FILE_INVALID,
                        .start = pos,
                        .end = pos + n + (nl ? 1 : 0),
                        .has_newline = nl != NULL,
                        .crlf = nl && n > 0 && line[n - 1] == '\r',
                };
                pos = info.end;
                /* A NUL ends the line: nothing after it on that line is read. */
                const char *nul = memchr(line, '\0', n);
                if (nul)
                        n = (size_t) (nul - line);
                while (n > 0 && is_blank(line[n - 1]))
                        n--;
                size_t skip = 0;
                while (skip < n && is_blank(line[skip]))
                        skip++;
                line += skip;
                n -= skip;
                _cleanup_free_ char *key = NULL, *value = NULL;
                if (n == 0)
                        info.kind = TD_KEY_FILE_BLANK;
                else if (line[0] == '#')
                        info.kind = TD_KEY_FILE_COMMENT;
                else if (line[0] == '[') {
                        const char *close = memchr(line, ']', n);
                        /* "[Group]" and nothing after it; a group name holds no brackets. */
                        if (close && close == line + n - 1 && !memchr(line + 1, '[', n - 1)) {
                                char *g = strndup(line + 1, (size_t) (close - line - 1));
                                if (!g)
                                        return -ENOMEM;
                                free(group);
                                group = g;
                                info.kind = TD_KEY_FILE_GROUP;
                        }
                } else {
                        const char *eq = memchr(line, '=', n);
                        size_t key_len = eq ? (size_t) (eq - line) : 0;
                        while (key_len > 0 && is_blank(line[key_len - 1]))
                                key_len--;
                        if (eq && key_len > 0) {
                                const char *v = eq + 1;
                                while (v < line + n && is_blank(*v))
                                        v++;
                                key = strndup(line, key_len);
                                value = strndup(v, (size_t) (line + n - v));
                                if (!key || !value)
                                        return -ENOMEM;
                                info.kind = TD_KEY_FILE_ENTRY;
                                info.eq = (size_t) (eq - text);
                                info.key = key;
                                info.value = value;
                        }
                }
                info.group = group;
                int r = scan(&info, user);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct {
        TdKeyFileLine line;
        void *user;
        size_t n_invalid;
} ParseState;

static int parse_scan(const TdKeyFileLineInfo *info, void *user) {
        ParseState *s = user;
        if (info->kind == TD_KEY_FILE_INVALID)
                s->n_invalid++;
        if (info->kind != TD_KEY_FILE_ENTRY)
                return 0;
        return s->line(info->group, info->key, info->value, s->user);
}

int td_key_file_parse(const char *text, size_t len, TdKeyFileLine line_cb, void *user,
                      size_t *ret_n_invalid) {
        ParseState s = { .line = line_cb, .user = user };
        int r = td_key_file_scan(text, len, parse_scan, &s);
        if (r < 0)
                return r;
        if (ret_n_invalid)
                *ret_n_invalid = s.n_invalid;
        return 0;
}

/* A string value with its escapes (\s \n \t \r \\) undone; an unknown escape is kept as written. */
static char *unescape(const char *value) {
        char *out = malloc(strlen(value) + 1);
        if (!out)
                return NULL;
        char *o = out;
        for (const char *p = value; *p; p++) {
                if (*p != '\\' || !p[1]) {
                        *o++ = *p;
                        continue;
                }
                switch (*++p) {
                case 's':
                        *o++ = ' ';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case '\\':
                        *o++ = '\\';
                        break;
                default:
                        *o++ = '\\';
                        *o++ = *p;
                }
        }
        *o = '\0';
        return out;
}

/* "a;b\;c;" -> "a", "b;c": a list value's items, empty ones dropped. */
static TdStrv split_list(const char *value) {
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        _cleanup_free_ char *item = malloc(strlen(value) + 1);
        if (!item)
                return NULL;
        size_t n = 0;
        for (const char *p = value;; p++) {
                if (*p == '\\' && p[1] == ';') {
                        item[n++] = *++p;
                        continue;
                }
                if (*p != ';' && *p) {
                        item[n++] = *p;
                        continue;
                }
                item[n] = '\0';
                char *stripped = td_strstrip(item);
                if (stripped[0] && td_strv_builder_add(&b, stripped) < 0)
                        return NULL;
                n = 0;
                if (!*p)
                        break;
        }
        return td_strv_builder_steal(&b);
}

static bool parse_bool(const char *value) {
        return streq(value, "true") || streq(value, "1");
}

/* X-SOMETHING-Version with a version number: the application's own. */
static bool is_app_version_key(const char *key, const char *value) {
        return td_startswith(key, "X-") && td_endswith(key, "-Version") &&
               strlen(key) > strlen("X--Version") && isdigit((unsigned char) value[0]);
}

static int replace(char **slot, char *value) {
        if (!value)
                return -ENOMEM;
        free(*slot);
        *slot = value;
        return 0;
}

static int entry_line(const char *group, const char *key, const char *value, void *user) {
        TdDesktopEntry *e = user;
        if (!streq(group, "Desktop Entry"))
                return 0;
        e->has_group = true;
        if (streq(key, "Type"))
                return replace(&e->type, unescape(value));
        if (streq(key, "Name"))
                return replace(&e->name, unescape(value));
        if (streq(key, "Name[zh_CN]"))
                return replace(&e->name_zh_cn, unescape(value));
        if (streq(key, "Exec"))
                return replace(&e->exec, unescape(value));
        if (streq(key, "TryExec"))
                return replace(&e->try_exec, unescape(value));
        if (streq(key, "Hidden"))
                e->hidden = parse_bool(value);
        else if (streq(key, "NoDisplay"))
                e->no_display = parse_bool(value);
        else if (streq(key, "MimeType")) {
                TdStrv list = split_list(value);
                if (!list)
                        return -ENOMEM;
                td_strv_free(e->mime_types);
                e->mime_types = list;
        } else if (is_app_version_key(key, value))
                return replace(&e->app_version, unescape(value));
        return 0;
}

int td_desktop_entry_parse(const char *text, size_t len, TdDesktopEntry **ret_entry) {
        TdDesktopEntry *e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        int r = td_key_file_parse(text, len, entry_line, e, &e->n_invalid);
        if (r >= 0 && !e->mime_types && !(e->mime_types = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                td_desktop_entry_free(e);
                return r;
        }
        /* An empty string is as good as no value, and simpler for every reader. */
        char **strings[] = { &e->type, &e->name, &e->name_zh_cn, &e->exec, &e->try_exec, &e->app_version };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (*strings[i] && !(*strings[i])[0]) {
                        free(*strings[i]);
                        *strings[i] = NULL;
                }
        *ret_entry = e;
        return 0;
}

void td_desktop_entry_free(TdDesktopEntry *e) {
        if (!e)
                return;
        free(e->type);
        free(e->name);
        free(e->name_zh_cn);
        free(e->exec);
        free(e->try_exec);
        free(e->app_version);
        td_strv_free(e->mime_types);
        free(e);
}

bool td_desktop_entry_has_mime(const TdDesktopEntry *e, const char *mime_type) {
        for (char **m = e->mime_types; m && *m; m++)
                if (strcasecmp(*m, mime_type) == 0)
                        return true;
        return false;
}

bool td_desktop_entry_is_web_browser(const TdDesktopEntry *e) {
        return td_desktop_entry_has_mime(e, "x-scheme-handler/https") ||
               td_desktop_entry_has_mime(e, "x-scheme-handler/http");
}

/* Flatpak ids of browsers whose usual desktop id a profile names. */
static const struct {
        const char *flatpak_id;
        const char *stem;
} flatpak_stems[] = {
        { "com.google.Chrome", "google-chrome" },
        { "org.chromium.Chromium", "chromium" },
        { "org.mozilla.firefox", "firefox" },
};

bool td_desktop_id_matches_stem(const char *id, const char *stem) {
        size_t id_len = strlen(id);
        if (td_endswith(id, ".desktop"))
                id_len -= strlen(".desktop");
        size_t stem_len = strlen(stem);
        if (stem_len == 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(flatpak_stems); i++)
                if (strlen(flatpak_stems[i].flatpak_id) == id_len &&
                    strncasecmp(id, flatpak_stems[i].flatpak_id, id_len) == 0) {
                        id = flatpak_stems[i].stem;
                        id_len = strlen(id);
                        break;
                }
        if (id_len < stem_len || strncasecmp(id, stem, stem_len) != 0)
                return false;
        return id_len == stem_len || id[stem_len] == '-' || id[stem_len] == '_';
}

bool td_desktop_version_major(const char *version, unsigned *ret_major) {
        if (!version || !isdigit((unsigned char) version[0]))
                return false;
        unsigned long major = 0;
        for (const char *p = version; isdigit((unsigned char) *p); p++) {
                major = major * 10 + (unsigned long) (*p - '0');
                if (major > 1000000)
                        return false;
        }
        *ret_major = (unsigned) major;
        return true;
}

/* --- mimeapps.list --------------------------------------------------------------------------- */

static const char *const group_names[_TD_MIMEAPPS_GROUP_MAX] = {
        [TD_MIMEAPPS_DEFAULT] = "Default Applications",
        [TD_MIMEAPPS_ADDED] = "Added Associations",
        [TD_MIMEAPPS_REMOVED] = "Removed Associations",
};

const char *td_mimeapps_group_to_string(TdMimeAppsGroup group) {
        return group >= 0 && group < _TD_MIMEAPPS_GROUP_MAX ? group_names[group] : NULL;
}

static int mimeapps_line(const char *group, const char *key, const char *value, void *user) {
        TdMimeApps *apps = user;
        TdMimeAppsGroup g = _TD_MIMEAPPS_GROUP_MAX;
        for (size_t i = 0; i < _TD_MIMEAPPS_GROUP_MAX; i++)
                if (streq(group, group_names[i]))
                        g = (TdMimeAppsGroup) i;
        if (g == _TD_MIMEAPPS_GROUP_MAX)
                return 0;
        TdStrv ids = split_list(value);
        if (!ids)
                return -ENOMEM;
        /* A type given again in its group: the last line counts, as GLib reads it. */
        for (size_t i = 0; i < apps->n_items; i++)
                if (apps->items[i].group == g && strcasecmp(apps->items[i].mime_type, key) == 0) {
                        td_strv_free(apps->items[i].ids);
                        apps->items[i].ids = ids;
                        return 0;
                }
        TdMimeAppsItem *grown = reallocarray(apps->items, apps->n_items + 1, sizeof *grown);
        if (!grown) {
                td_strv_free(ids);
                return -ENOMEM;
        }
        apps->items = grown;
        char *mime = strdup(key);
        if (!mime) {
                td_strv_free(ids);
                return -ENOMEM;
        }
        apps->items[apps->n_items++] = (TdMimeAppsItem){ .group = g, .mime_type = mime, .ids = ids };
        return 0;
}

int td_mimeapps_parse(const char *text, size_t len, TdMimeApps **ret_apps) {
        TdMimeApps *apps = calloc(1, sizeof *apps);
        if (!apps)
                return -ENOMEM;
        int r = td_key_file_parse(text, len, mimeapps_line, apps, &apps->n_invalid);
        if (r < 0) {
                td_mimeapps_free(apps);
                return r;
        }
        *ret_apps = apps;
        return 0;
}

void td_mimeapps_free(TdMimeApps *apps) {
        if (!apps)
                return;
        for (size_t i = 0; i < apps->n_items; i++) {
                free(apps->items[i].mime_type);
                td_strv_free(apps->items[i].ids);
        }
        free(apps->items);
        free(apps);
}

char *const *td_mimeapps_get(const TdMimeApps *apps, TdMimeAppsGroup group, const char *mime_type) {
        for (size_t i = 0; apps && i < apps->n_items; i++)
                if (apps->items[i].group == group && strcasecmp(apps->items[i].mime_type, mime_type) == 0)
                        return apps->items[i].ids;
        return NULL;
}

/* --- where the files are --------------------------------------------------------------------- */

/* A directory of the lookup: the user's (read as they are) or the system's (under the root). */
typedef struct {
        char *path;
        bool user;
} Dir;

typedef struct {
        Dir *dirs;
        size_t n;
} DirList;

static void dir_list_clear(DirList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->dirs[i].path);
        free(l->dirs);
        *l = (DirList){};
}

/* Add @path (taken) unless listed already. */
static int dir_list_add(DirList *l, char *path, bool user) {
        if (!path)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->dirs[i].path, path)) {
                        free(path);
                        return 0;
                }
        Dir *grown = reallocarray(l->dirs, l->n + 1, sizeof *grown);
        if (!grown) {
                free(path);
                return -ENOMEM;
        }
        l->dirs = grown;
        l->dirs[l->n++] = (Dir){ .path = path, .user = user };
        return 0;
}

/* $HOME when absolute, else NULL: the user's files are found from it. */
static const char *home_dir(const TdContext *ctx) {
        const char *home = td_context_getenv(ctx, "HOME");
        return home && home[0] == '/' ? home : NULL;
}

/* Whether @path is inside $HOME: an entry of a system search path that is the user's files. */
static bool inside_home(const TdContext *ctx, const char *path) {
        const char *home = home_dir(ctx);
        size_t n = home ? strlen(home) : 0;
        while (n > 1 && home[n - 1] == '/')
                n--;
        return home && strncmp(path, home, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* $VAR when absolute (the specification ignores a relative one), else $HOME/@fallback; NULL: neither. */
static char *user_base(const TdContext *ctx, const char *var, const char *fallback) {
        const char *value = td_context_getenv(ctx, var);
        if (value && value[0] == '/')
                return strdup(value);
        const char *home = home_dir(ctx);
        return home ? td_strdup_printf("%s/%s", home, fallback) : NULL;
}

/* The absolute entries of a colon-separated search path $VAR, else of @fallback, each + @suffix. */
static int add_system_dirs(const TdContext *ctx, DirList *l, const char *var, const char *fallback,
                           const char *suffix) {
        const char *value = td_context_getenv(ctx, var);
        _cleanup_strv_free_ TdStrv parts = td_strv_split(isempty(value) ? fallback : value, ":");
        if (!parts)
                return -ENOMEM;
        for (char **p = parts; *p; p++) {
                if ((*p)[0] != '/')
                        continue;
                size_t n = strlen(*p);
                while (n > 1 && (*p)[n - 1] == '/')
                        n--;
                int r = dir_list_add(l, td_strdup_printf("%.*s%s", (int) n, *p, suffix),
                                     inside_home(ctx, *p));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The applications directories in lookup order ($XDG_DATA_HOME first). */
static int data_dirs(const TdContext *ctx, DirList *l) {
        _cleanup_free_ char *home = user_base(ctx, "XDG_DATA_HOME", ".local/share");
        int r;
        if (home && (r = dir_list_add(l, td_strdup_printf("%s/applications", home), true)) < 0)
                return r;
        if ((r = add_system_dirs(ctx, l, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", "/applications")) <
            0)
                return r;
        /* Where flatpak and snapd export their apps' entries; sessions add them to XDG_DATA_DIRS. */
        if ((r = dir_list_add(l, strdup("/var/lib/flatpak/exports/share/applications"), false)) < 0 ||
            (r = dir_list_add(l, strdup("/var/lib/snapd/desktop/applications"), false)) < 0)
                return r;
        return 0;
}

/* List a directory: the user's as they are, the system's under the root. */
static int dir_list_names(const TdContext *ctx, const Dir *d, const char *path, char ***ret_names) {
        return d->user ? td_list_dir(path, NULL, NAMES_MAX, ret_names)
                       : td_context_list_dir(ctx, path, NULL, NAMES_MAX, ret_names);
}

static int read_file(const TdContext *ctx, bool user, const char *path, size_t max, char **ret_text,
                     size_t *ret_len) {
        if (user)
                return td_read_regular_file(path, max, ret_text, ret_len);
        return td_context_read_file(ctx, path, max, ret_text, ret_len);
}

/* --- desktop entries ------------------------------------------------------------------------- */

/* Where a program named by TryExec is looked for: not $PATH, which under --root is not the customer's. */
static const char *const program_dirs[] = {
        "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
        "/sbin",           "/bin",           "/snap/bin", "/usr/games",
};

static bool program_at(const TdContext *ctx, const char *path) {
        _cleanup_close_ int fd = td_context_open(ctx, path, O_PATH);
        struct stat st;
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* Programs are system files: looked for under the root, also for the user's entries. */
static int program_present(const TdContext *ctx, const char *program, bool *ret) {
        if (program[0] == '/') {
                *ret = program_at(ctx, program);
                return 0;
        }
        *ret = false;
        if (strchr(program, '/'))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(program_dirs) && !*ret; i++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", program_dirs[i], program);
                if (!path)
                        return -ENOMEM;
                *ret = program_at(ctx, path);
        }
        return 0;
}

typedef struct {
        const TdContext *ctx;
        TdDesktopApp *apps;
        size_t n, allocated;
} Loader;

static TdDesktopApp *loader_find(Loader *l, const char *id) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->apps[i].id, id))
                        return &l->apps[i];
        return NULL;
}

static void app_clear(TdDesktopApp *a) {
        free(a->id);
        free(a->file);
        td_desktop_entry_free(a->entry);
}

static int load_entry(Loader *l, const Dir *d, const char *path, const char *id) {
        TdDesktopApp *earlier = loader_find(l, id);
        if (earlier) {
                earlier->n_shadowed++;
                return 0;
        }
        if (l->n >= APPS_MAX)
                return 0;
        TdDesktopApp a = { .user = d->user };
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file(l->ctx, d->user, path, ENTRY_MAX, &text, &len);
        if (r == -ENOMEM)
                return r;
        a.error = r < 0 ? r : 0;
        if (r >= 0 && (r = td_desktop_entry_parse(text, len, &a.entry)) < 0)
                return r;
        a.id = strdup(id);
        a.file = strdup(path);
        if (!a.id || !a.file) {
                app_clear(&a);
                return -ENOMEM;
        }
        if (a.entry && a.entry->try_exec) {
                bool present;
                if ((r = program_present(l->ctx, a.entry->try_exec, &present)) < 0) {
                        app_clear(&a);
                        return r;
                }
                a.try_exec_missing = !present;
        }
        if (l->n == l->allocated) {
                size_t n = l->allocated ? l->allocated * 2 : 64;
                TdDesktopApp *grown = reallocarray(l->apps, n, sizeof *grown);
                if (!grown) {
                        app_clear(&a);
                        return -ENOMEM;
                }
                l->apps = grown;
                l->allocated = n;
        }
        l->apps[l->n++] = a;
        return 0;
}

/* The entries of @path, @prefix the id part its subdirectories make ("kde4-"). */
static int load_dir(Loader *l, const Dir *d, const char *path, const char *prefix, int depth) {
        _cleanup_strv_free_ TdStrv names = NULL;
        int r = dir_list_names(l->ctx, d, path, &names);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* missing, not a directory, not ours to read: nothing there */
        for (char **name = names; *name; name++) {
                if ((*name)[0] == '.')
                        continue;
                _cleanup_free_ char *child = td_strdup_printf("%s/%s", path, *name);
                _cleanup_free_ char *id = td_strdup_printf("%s%s", prefix, *name);
                if (!child || !id)
                        return -ENOMEM;
                if (td_endswith(*name, ".desktop"))
                        r = load_entry(l, d, child, id);
                else if (depth < DEPTH_MAX) {
                        /* A subdirectory (or a file, which the listing refuses); its id part is "name-". */
                        _cleanup_free_ char *sub = td_strdup_printf("%s-", id);
                        r = sub ? load_dir(l, d, child, sub, depth + 1) : -ENOMEM;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_apps(const void *a, const void *b) {
        return strcmp(((const TdDesktopApp *) a)->id, ((const TdDesktopApp *) b)->id);
}

int td_desktop_apps_load(const TdContext *ctx, TdDesktopApps **ret_apps) {
        _cleanup_(dir_list_clear) DirList dirs = {};
        Loader l = { .ctx = ctx };
        _cleanup_strv_builder_ TdStrvBuilder searched = TD_STRV_BUILDER_INIT;
        int r = data_dirs(ctx, &dirs);
        for (size_t i = 0; r >= 0 && i < dirs.n; i++)
                if ((r = td_strv_builder_add(&searched, dirs.dirs[i].path)) >= 0)
                        r = load_dir(&l, &dirs.dirs[i], dirs.dirs[i].path, "", 0);
        TdDesktopApps *apps = r >= 0 ? calloc(1, sizeof *apps) : NULL;
        if (apps)
                apps->dirs = td_strv_builder_steal(&searched);
        if (!apps || !apps->dirs) {
                for (size_t i = 0; i < l.n; i++)
                        app_clear(&l.apps[i]);
                free(l.apps);
                free(apps);
                return r < 0 ? r : -ENOMEM;
        }
        if (l.n > 0)
                qsort(l.apps, l.n, sizeof *l.apps, compare_apps);
        apps->apps = l.apps;
        apps->n_apps = l.n;
        *ret_apps = apps;
        return 0;
}

void td_desktop_apps_free(TdDesktopApps *apps) {
        if (!apps)
                return;
        for (size_t i = 0; i < apps->n_apps; i++)
                app_clear(&apps->apps[i]);
        free(apps->apps);
        td_strv_free(apps->dirs);
        free(apps);
}

bool td_desktop_app_installed(const TdDesktopApp *app) {
        return app && app->entry && app->entry->has_group && !app->entry->hidden && !app->try_exec_missing &&
               streq_ptr(app->entry->type, "Application");
}

const TdDesktopApp *td_desktop_apps_find(const TdDesktopApps *apps, const char *id) {
        for (size_t i = 0; apps && i < apps->n_apps; i++)
                if (streq(apps->apps[i].id, id))
                        return &apps->apps[i];
        return NULL;
}

static void apps_free_value(void *value) {
        td_desktop_apps_free(value);
}

static int apps_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdDesktopApps *apps = NULL;
        int r = td_desktop_apps_load(ctx, &apps);
        if (r < 0)
                return r;
        *ret_value = apps;
        return 0;
}

int td_desktop_apps_get(TdContext *ctx, const TdDesktopApps **ret_apps) {
        void *value = NULL;
        int r = td_context_memo(ctx, APPS_FACT, apps_compute, NULL, apps_free_value, &value);
        if (r < 0)
                return r;
        *ret_apps = value;
        return 0;
}

int td_desktop_apps_override(TdContext *ctx, TdDesktopApps *apps) {
        return td_fact_override(ctx, APPS_FACT, apps, apps_free_value);
}

/* --- the default browser --------------------------------------------------------------------- */

/* The desktops of $XDG_CURRENT_DESKTOP, lower-cased, those that can be part of a file name. */
static TdStrv current_desktops(const TdContext *ctx) {
        const char *value = td_context_getenv(ctx, "XDG_CURRENT_DESKTOP");
        TdStrv list = td_strv_split(value ? value : "", ":");
        if (!list)
                return NULL;
        size_t kept = 0;
        for (char **d = list; *d; d++) {
                for (char *c = *d; *c; c++)
                        *c = (char) tolower((unsigned char) *c);
                if ((*d)[0] && !strchr(*d, '/') && (*d)[0] != '.')
                        list[kept++] = *d;
                else
                        free(*d);
        }
        list[kept] = NULL;
        return list;
}

/* For each directory in order, DESKTOP-mimeapps.list for each desktop, then mimeapps.list. */
static int add_mimeapps_files(DirList *files, const DirList *dirs, char *const *desktops) {
        for (size_t i = 0; i < dirs->n; i++) {
                int r;
                for (char *const *d = desktops; *d; d++)
                        if ((r = dir_list_add(
                                     files, td_strdup_printf("%s/%s-mimeapps.list", dirs->dirs[i].path, *d),
                                     dirs->dirs[i].user)) < 0)
                                return r;
                if ((r = dir_list_add(files, td_strdup_printf("%s/mimeapps.list", dirs->dirs[i].path),
                                      dirs->dirs[i].user)) < 0)
                        return r;
        }
        return 0;
}

static int mimeapps_files(const TdContext *ctx, DirList *files) {
        _cleanup_strv_free_ TdStrv desktops = current_desktops(ctx);
        _cleanup_(dir_list_clear) DirList config = {}, data = {};
        _cleanup_free_ char *config_home = user_base(ctx, "XDG_CONFIG_HOME", ".config");
        _cleanup_free_ char *data_home = user_base(ctx, "XDG_DATA_HOME", ".local/share");
        int r;
        if (!desktops)
                return -ENOMEM;
        if (config_home && (r = dir_list_add(&config, strdup(config_home), true)) < 0)
                return r;
        if ((r = add_system_dirs(ctx, &config, "XDG_CONFIG_DIRS", "/etc/xdg", "")) < 0)
                return r;
        if (data_home && (r = dir_list_add(&data, td_strdup_printf("%s/applications", data_home), true)) < 0)
                return r;
        if ((r = add_system_dirs(ctx, &data, "XDG_DATA_DIRS", "/usr/local/share:/usr/share",
                                 "/applications")) < 0)
                return r;
        if ((r = add_mimeapps_files(files, &config, desktops)) < 0)
                return r;
        return add_mimeapps_files(files, &data, desktops);
}

/* Whether @path names a [Default Applications] handler of one of @types; *@ret when it does. */
static int names_default(const char *path, const char *const *types, bool *ret) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        *ret = false;
        int r = td_read_regular_file(path, MIMEAPPS_MAX, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return r;
        TdMimeApps *apps = NULL;
        if ((r = td_mimeapps_parse(text, len, &apps)) < 0)
                return r;
        for (size_t i = 0; types[i] && !*ret; i++) {
                char *const *ids = td_mimeapps_get(apps, TD_MIMEAPPS_DEFAULT, types[i]);
                *ret = ids && ids[0];
        }
        td_mimeapps_free(apps);
        return 0;
}

int td_mimeapps_default_target(const TdContext *ctx, const char *const *mime_types, char **ret_path) {
        _cleanup_free_ char *config_home = user_base(ctx, "XDG_CONFIG_HOME", ".config");
        if (!config_home)
                return -ENOENT;
        _cleanup_strv_free_ TdStrv desktops = current_desktops(ctx);
        if (!desktops)
                return -ENOMEM;
        _cleanup_(dir_list_clear) DirList config = {}, files = {};
        int r;
        if ((r = dir_list_add(&config, strdup(config_home), true)) < 0 ||
            (r = add_mimeapps_files(&files, &config, desktops)) < 0)
                return r;
        /* The last is mimeapps.list itself: the answer when no earlier file names a handler. */
        for (size_t i = 0; i < files.n; i++) {
                bool named = false;
                r = i + 1 < files.n ? names_default(files.dirs[i].path, mime_types, &named) : 0;
                if (r < 0 || named || i + 1 == files.n) {
                        *ret_path = strdup(files.dirs[i].path);
                        if (!*ret_path)
                                return -ENOMEM;
                        return r < 0 ? r : 0;
                }
        }
        return -ENOENT; /* not reached: the list holds mimeapps.list */
}

typedef struct {
        char *file;
        TdMimeApps *apps; /* NULL: absent or unreadable */
        int error;
} MimeFile;

/* Whether an earlier-or-same file (index <= @upto) removes @id's association with @mime. */
static bool removed(const MimeFile *files, size_t upto, const char *mime, const char *id) {
        for (size_t i = 0; i <= upto; i++) {
                char *const *ids = td_mimeapps_get(files[i].apps, TD_MIMEAPPS_REMOVED, mime);
                if (ids && td_strv_contains((const char *const *) ids, id))
                        return true;
        }
        return false;
}

/* The answer for @mime: its file's index and the id, borrowed; false when none is installed. */
static int find_default(const MimeFile *files, size_t n, const char *mime, const TdDesktopApps *apps,
                        TdStrv *not_installed, size_t *ret_index, const char **ret_id,
                        TdMimeAppsGroup *ret_group) {
        for (int g = TD_MIMEAPPS_DEFAULT; g <= TD_MIMEAPPS_ADDED; g++)
                for (size_t i = 0; i < n; i++) {
                        char *const *ids = td_mimeapps_get(files[i].apps, (TdMimeAppsGroup) g, mime);
                        for (char *const *id = ids; id && *id; id++) {
                                if (g == TD_MIMEAPPS_ADDED && removed(files, i, mime, *id))
                                        continue;
                                if (td_desktop_app_installed(td_desktop_apps_find(apps, *id))) {
                                        *ret_index = i;
                                        *ret_id = *id;
                                        *ret_group = (TdMimeAppsGroup) g;
                                        return 1;
                                }
                                if (!td_strv_contains((const char *const *) *not_installed, *id) &&
                                    td_strv_push(not_installed, *id) < 0)
                                        return -ENOMEM;
                        }
                }
        return 0;
}

void td_default_browser_free(TdDefaultBrowser *b) {
        if (!b)
                return;
        td_strv_free(b->files);
        for (size_t i = 0; i < b->n_unreadable; i++)
                free(b->unreadable[i].file);
        free(b->unreadable);
        free(b->mime_type);
        free(b->id);
        free(b->file);
        td_strv_free(b->not_installed);
        free(b);
}

static const char *const web_types[] = { "x-scheme-handler/https", "x-scheme-handler/http", "text/html" };

static int default_browser_fill(TdDefaultBrowser *b, const TdContext *ctx, const TdDesktopApps *apps,
                                const DirList *paths, MimeFile *files, size_t *n_files) {
        _cleanup_strv_builder_ TdStrvBuilder read = TD_STRV_BUILDER_INIT;
        int r;
        for (size_t i = 0; i < paths->n; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                r = read_file(ctx, paths->dirs[i].user, paths->dirs[i].path, MIMEAPPS_MAX, &text, &len);
                if (r == -ENOMEM)
                        return r;
                /* Absent (or a directory on the way that is a file): not there, as for the desktops. */
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                MimeFile *f = &files[(*n_files)++];
                if (!(f->file = strdup(paths->dirs[i].path)))
                        return -ENOMEM;
                f->error = r < 0 ? r : 0;
                if (r >= 0 && (r = td_mimeapps_parse(text, len, &f->apps)) < 0)
                        return r;
                if (f->error < 0) {
                        TdMimeAppsUnreadable *grown =
                                reallocarray(b->unreadable, b->n_unreadable + 1, sizeof *grown);
                        if (!grown)
                                return -ENOMEM;
                        b->unreadable = grown;
                        b->unreadable[b->n_unreadable] =
                                (TdMimeAppsUnreadable){ .file = strdup(f->file), .error = f->error };
                        if (!b->unreadable[b->n_unreadable++].file)
                                return -ENOMEM;
                } else if ((r = td_strv_builder_add(&read, f->file)) < 0)
                        return r;
        }
        if (!(b->files = td_strv_builder_steal(&read)) || !(b->not_installed = calloc(1, sizeof(char *))))
                return -ENOMEM;

        for (size_t t = 0; t < ELEMENTSOF(web_types); t++) {
                size_t index;
                const char *id;
                TdMimeAppsGroup group;
                r = find_default(files, *n_files, web_types[t], apps, &b->not_installed, &index, &id,
                                 &group);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                if (!(b->mime_type = strdup(web_types[t])) || !(b->id = strdup(id)) ||
                    !(b->file = strdup(files[index].file)))
                        return -ENOMEM;
                b->group = group;
                /*
                 * A file before the answering one could have named another default; one after it
                 * could too, unless the answer came from [Default Applications], which no later file
                 * (nor [Added Associations]) overrides. Unreadable files are listed in file order, so
                 * the first one that matters is the first one.
                 */
                for (size_t i = 0; i < *n_files; i++)
                        if (files[i].error < 0 && (group != TD_MIMEAPPS_DEFAULT || i < index))
                                b->unreadable_before = 0;
                return 0;
        }
        /* No answer: any unreadable file might have held one. */
        b->unreadable_before = b->n_unreadable > 0 ? 0 : -1;
        return 0;
}

int td_default_browser_load(const TdContext *ctx, const TdDesktopApps *apps,
                            TdDefaultBrowser **ret_browser) {
        TdDefaultBrowser *b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->unreadable_before = -1;
        MimeFile *files = NULL;
        size_t n_files = 0;
        _cleanup_(dir_list_clear) DirList paths = {};
        int r = mimeapps_files(ctx, &paths);
        if (r >= 0 && !(files = calloc(paths.n + 1, sizeof *files)))
                r = -ENOMEM;
        if (r >= 0)
                r = default_browser_fill(b, ctx, apps, &paths, files, &n_files);
        for (size_t i = 0; i < n_files; i++) {
                free(files[i].file);
                td_mimeapps_free(files[i].apps);
        }
        free(files);
        if (r < 0) {
                td_default_browser_free(b);
                return r;
        }
        *ret_browser = b;
        return 0;
}

static void default_free_value(void *value) {
        td_default_browser_free(value);
}

static int default_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        const TdDesktopApps *apps;
        int r = td_desktop_apps_get(ctx, &apps);
        if (r < 0)
                return r;
        TdDefaultBrowser *b = NULL;
        if ((r = td_default_browser_load(ctx, apps, &b)) < 0)
                return r;
        *ret_value = b;
        return 0;
}

int td_default_browser_get(TdContext *ctx, const TdDefaultBrowser **ret_browser) {
        void *value = NULL;
        int r = td_context_memo(ctx, DEFAULT_FACT, default_compute, NULL, default_free_value, &value);
        if (r < 0)
                return r;
        *ret_browser = value;
        return 0;
}

int td_default_browser_override(TdContext *ctx, TdDefaultBrowser *browser) {
        return td_fact_override(ctx, DEFAULT_FACT, browser, default_free_value);
}

/* --- browsers as a profile sees them --------------------------------------------------------- */

static const char *const kind_names[_TD_BROWSER_KIND_MAX] = {
        [TD_BROWSER_SUPPORTED] = "supported",
        [TD_BROWSER_TOO_OLD] = "too-old",
        [TD_BROWSER_UNSUPPORTED] = "unsupported",
        [TD_BROWSER_OTHER] = "other",
};

const char *td_browser_kind_to_string(TdBrowserKind kind) {
        return kind >= 0 && kind < _TD_BROWSER_KIND_MAX ? kind_names[kind] : NULL;
}

static bool id_is_stem(const char *id, const char *stem) {
        size_t n = strlen(stem);
        return strncasecmp(id, stem, n) == 0 && (id[n] == '\0' || streq(id + n, ".desktop"));
}

bool td_browser_match(const TdProfile *profile, const TdDesktopApp *app, bool require_browser,
                      TdBrowserMatch *ret_match) {
        TdBrowserMatch m = { .kind = TD_BROWSER_OTHER };
        size_t best = 0;
        bool exact = false;
        for (size_t i = 0; profile && i < profile->n_browsers_supported; i++) {
                const TdBrowserRule *rule = &profile->browsers_supported[i];
                size_t n = strlen(rule->desktop_stem);
                if (n > best && td_desktop_id_matches_stem(app->id, rule->desktop_stem)) {
                        best = n;
                        m.kind = TD_BROWSER_SUPPORTED;
                        m.rule = rule;
                        m.stem = rule->desktop_stem;
                        exact = id_is_stem(app->id, rule->desktop_stem);
                }
        }
        for (char **s = profile ? profile->browsers_unsupported : NULL; s && *s; s++) {
                size_t n = strlen(*s);
                if (n > best && td_desktop_id_matches_stem(app->id, *s)) {
                        best = n;
                        m.kind = TD_BROWSER_UNSUPPORTED;
                        m.rule = NULL;
                        m.stem = *s;
                        exact = id_is_stem(app->id, *s);
                }
        }
        if (require_browser && !exact && !(app->entry && td_desktop_entry_is_web_browser(app->entry)))
                return false;
        m.version_known = app->entry && td_desktop_version_major(app->entry->app_version, &m.major);
        if (m.kind == TD_BROWSER_SUPPORTED && m.version_known && m.major < m.rule->min_major)
                m.kind = TD_BROWSER_TOO_OLD;
        *ret_match = m;
        return true;
}

/* Whether the context's messages are in Chinese: the first of LC_ALL, LC_MESSAGES, LANG set. */
static bool messages_chinese(const TdContext *ctx) {
        const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                const char *v = td_context_getenv(ctx, vars[i]);
                if (!isempty(v))
                        return td_startswith(v, "zh");
        }
        return false;
}

const char *td_browser_display_name(const TdContext *ctx, const TdDesktopApp *app, char **ret_owned) {
        *ret_owned = NULL;
        if (app->entry && app->entry->name_zh_cn && messages_chinese(ctx))
                return app->entry->name_zh_cn;
        if (app->entry && app->entry->name)
                return app->entry->name;
        size_t n = strlen(app->id);
        if (td_endswith(app->id, ".desktop"))
                n -= strlen(".desktop");
        *ret_owned = strndup(app->id, n);
        return *ret_owned ? *ret_owned : app->id;
}

static const struct {
        const char *stem;
        const char *name;
} stem_names[] = {
        { "google-chrome", "Google Chrome" },
        { "chromium", "Chromium" },
        { "firefox", "Firefox" },
};

const char *td_browser_stem_name(const char *stem) {
        for (size_t i = 0; i < ELEMENTSOF(stem_names); i++)
                if (strcasecmp(stem, stem_names[i].stem) == 0)
                        return stem_names[i].name;
        return stem;
}

char *td_browser_rules_describe(const TdProfile *profile) {
        _cleanup_strv_free_ TdStrv parts = calloc(1, sizeof(char *));
        if (!parts)
                return NULL;
        for (size_t i = 0; profile && i < profile->n_browsers_supported; i++) {
                const TdBrowserRule *rule = &profile->browsers_supported[i];
                const char *name = td_browser_stem_name(rule->desktop_stem);
                _cleanup_free_ char *part =
                        rule->min_major > 0 ? td_strdup_printf(_("%s %u or newer"), name, rule->min_major)
                                            : strdup(name);
                if (!part || td_strv_push(&parts, part) < 0)
                        return NULL;
        }
        return td_strv_join((const char *const *) parts, _(", "));
}
