/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td-p11kit.h"
#include "td-util.h"
#include "tokendoctor/td-strv.h"

/* The memo key, spelled here only. */
#define P11KIT_MODULES_FACT "p11kit.modules"
/* A registration is a few lines; a thousandfold margin still stops a runaway read. */
#define CONF_MAX (64u * 1024u)
#define FILES_MAX 256u
#define PROXY "p11-kit-proxy"
#define SYSTEM_CONF "/etc/pkcs11/pkcs11.conf"

/* Where p11-kit looks, in its order (conf.c): a name's first file wins. */
static const char *const system_dirs[] = { "/etc/pkcs11/modules", "/usr/share/p11-kit/modules" };

const char *td_p11kit_module_dir(void) {
        /* p11-kit's P11_MODULE_PATH is $libdir/pkcs11: Debian's multiarch libdir where known. */
#ifdef TD_MULTIARCH
        return "/usr/lib/" TD_MULTIARCH "/pkcs11";
#else
        return "/usr/lib/pkcs11";
#endif
}

static const char *const state_names[_TD_P11KIT_STATE_MAX] = {
        [TD_P11KIT_LOADED] = "loaded",         [TD_P11KIT_BLANK_MODULE] = "blank-module",
        [TD_P11KIT_NO_MODULE] = "no-module",   [TD_P11KIT_REMOTE] = "remote",
        [TD_P11KIT_DISABLE_IN] = "disable-in", [TD_P11KIT_ENABLE_IN] = "enable-in",
};

const char *td_p11kit_state_to_string(TdP11KitState state) {
        return state >= 0 && state < _TD_P11KIT_STATE_MAX ? state_names[state] : NULL;
}

/* --- the file format ----------------------------------------------------------------------- */

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* [*p, *end) without the white space around it. */
static void trim(const char **p, const char **end) {
        while (*p < *end && is_space(**p))
                (*p)++;
        while (*end > *p && is_space((*end)[-1]))
                (*end)--;
}

static int conf_set(TdP11KitConf *conf, const char *key, size_t key_len, const char *value,
                    size_t value_len) {
        _cleanup_free_ char *k = strndup(key, key_len);
        _cleanup_free_ char *v = strndup(value, value_len);
        if (!k || !v)
                return -ENOMEM;
        for (size_t i = 0; i < conf->n_options; i++)
                if (streq(conf->options[i].key, k)) {
                        free(conf->options[i].value);
                        conf->options[i].value = TAKE_PTR(v);
                        return 0;
                }
        TdP11KitOption *grown = reallocarray(conf->options, conf->n_options + 1, sizeof *grown);
        if (!grown)
                return -ENOMEM;
        conf->options = grown;
        conf->options[conf->n_options++] = (TdP11KitOption){ .key = TAKE_PTR(k), .value = TAKE_PTR(v) };
        return 0;
}

int td_p11kit_conf_parse(const char *text, size_t len, TdP11KitConf **ret_conf) {
        TdP11KitConf *conf = calloc(1, sizeof *conf);
        if (!conf)
                return -ENOMEM;
        int r = 0;
        for (size_t pos = 0; pos < len && r >= 0;) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos;
                pos += n + (nl ? 1 : 0);
                /* A NUL ends the line: nothing after it could reach p11-kit's C strings either. */
                const char *nul = memchr(line, '\0', n);
                const char *p = line, *end = nul ? nul : line + n;
                trim(&p, &end);
                if (p == end || *p == '#')
                        continue;
                const char *colon = memchr(p, ':', (size_t) (end - p));
                const char *key_end = colon;
                if (colon)
                        trim(&p, &key_end);
                if (!colon || key_end == p) {
                        conf->n_invalid++;
                        continue;
                }
                const char *value = colon + 1, *value_end = end;
                trim(&value, &value_end);
                r = conf_set(conf, p, (size_t) (key_end - p), value, (size_t) (value_end - value));
        }
        if (r < 0) {
                td_p11kit_conf_free(conf);
                return r;
        }
        *ret_conf = conf;
        return 0;
}

void td_p11kit_conf_free(TdP11KitConf *conf) {
        if (!conf)
                return;
        for (size_t i = 0; i < conf->n_options; i++) {
                free(conf->options[i].key);
                free(conf->options[i].value);
        }
        free(conf->options);
        free(conf);
}

const char *td_p11kit_conf_get(const TdP11KitConf *conf, const char *key) {
        for (size_t i = 0; conf && i < conf->n_options; i++)
                if (streq(conf->options[i].key, key))
                        return conf->options[i].value;
        return NULL;
}

bool td_p11kit_list_has(const char *list, const char *program) {
        size_t n = strlen(program);
        for (const char *p = list; p && *p;) {
                p += strspn(p, ", \t");
                size_t word = strcspn(p, ", \t");
                if (word == n && word > 0 && memcmp(p, program, n) == 0)
                        return true;
                p += word;
        }
        return false;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* A version tail: digits and dots, beginning with a digit, not ending with a dot. */
static bool is_version(const char *s, size_t n) {
        if (n == 0 || !is_digit(s[0]) || s[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_digit(s[i]) && s[i] != '.')
                        return false;
        return true;
}

int td_p11kit_library_split(const char *path, char **ret_stem, char **ret_version) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t n = strlen(base);
        const char *version = NULL;
        size_t version_len = 0;

        /* A soname, "libfoo.so.1.2": the version follows ".so.". */
        const char *so = NULL;
        for (const char *q = base; (q = strstr(q, ".so.")); q++)
                so = q;
        if (so && so > base && is_version(so + 4, strlen(so + 4))) {
                version = so + 4;
                version_len = strlen(version);
                n = (size_t) (so - base);
        } else if (n > 3 && streq(base + n - 3, ".so"))
                n -= 3;

        if (!version)
                /* The leftmost separator after which only a version follows leaves the shortest stem. */
                for (size_t i = 1; i + 1 < n; i++)
                        if ((base[i] == '.' || base[i] == '-' || base[i] == '_') &&
                            is_version(base + i + 1, n - i - 1)) {
                                version = base + i + 1;
                                version_len = n - i - 1;
                                n = i;
                                break;
                        }
        _cleanup_free_ char *stem = strndup(base, n);
        _cleanup_free_ char *v = version ? strndup(version, version_len) : NULL;
        if (!stem || (version && !v))
                return -ENOMEM;
        *ret_stem = TAKE_PTR(stem);
        *ret_version = TAKE_PTR(v);
        return 0;
}

/* --- the files ----------------------------------------------------------------------------- */

/*
 * pkcs11.conf(5) asks for an alphanumeric first and ".module" last, but p11-kit (conf.c,
 * calc_name_from_filename(), 0.23 to 0.26) loads a file without the suffix too, under its whole
 * name, only warning that it will not in the future: so a registration renamed
 * "x.module.disabled" is still one, and is counted here as p11-kit counts it.
 */
static bool module_name_ok(const char *name) {
        char c = name[0];
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

static size_t module_name_length(const char *file_name) {
        size_t n = strlen(file_name);
        return n > strlen(".module") && td_endswith(file_name, ".module") ? n - strlen(".module") : n;
}

typedef struct {
        char *name; /* less ".module" */
        char *file;
        bool user;
        TdP11KitConf *conf; /* NULL when unreadable */
} Entry;

typedef struct {
        Entry *entries;
        size_t n;
        TdStrvBuilder dirs;
        TdP11KitUnreadable *unreadable;
        size_t n_unreadable;
} Loader;

static void loader_clear(Loader *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->entries[i].name);
                free(l->entries[i].file);
                td_p11kit_conf_free(l->entries[i].conf);
        }
        free(l->entries);
        td_strv_builder_clear(&l->dirs);
        for (size_t i = 0; i < l->n_unreadable; i++)
                free(l->unreadable[i].file);
        free(l->unreadable);
}

/* Takes @file. */
static int loader_add(Loader *l, const char *module_file_name, char *file, bool user, const char *text,
                      size_t len, int error) {
        _cleanup_free_ char *owned = file;
        if (error == -ENOMEM)
                return error;
        if (error < 0) {
                TdP11KitUnreadable *grown = reallocarray(l->unreadable, l->n_unreadable + 1, sizeof *grown);
                if (!grown)
                        return -ENOMEM;
                l->unreadable = grown;
                l->unreadable[l->n_unreadable++] =
                        (TdP11KitUnreadable){ .file = TAKE_PTR(owned), .error = error };
                return 0;
        }
        Entry e = { .user = user };
        int r = td_p11kit_conf_parse(text, len, &e.conf);
        if (r < 0)
                return r;
        e.name = strndup(module_file_name, module_name_length(module_file_name));
        Entry *grown = e.name ? reallocarray(l->entries, l->n + 1, sizeof *grown) : NULL;
        if (!grown) {
                free(e.name);
                td_p11kit_conf_free(e.conf);
                return -ENOMEM;
        }
        l->entries = grown;
        e.file = TAKE_PTR(owned);
        l->entries[l->n++] = e;
        return 0;
}

/* The .module files of @dir: the user's as they are, the system's under the root. */
static int load_dir(const TdContext *ctx, const char *dir, bool user, Loader *l) {
        _cleanup_strv_free_ TdStrv names = NULL;
        int r = user ? td_list_dir(dir, module_name_ok, FILES_MAX, &names)
                     : td_context_list_dir(ctx, dir, module_name_ok, FILES_MAX, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        if ((r = td_strv_builder_add(&l->dirs, dir)) < 0)
                return r;
        for (char **name = names; *name; name++) {
                char *file = td_strdup_printf("%s/%s", dir, *name);
                if (!file)
                        return -ENOMEM;
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                r = user ? td_read_regular_file(file, CONF_MAX, &text, &len)
                         : td_context_read_file(ctx, file, CONF_MAX, &text, &len);
                if ((r = loader_add(l, *name, file, user, text, len, r)) < 0)
                        return r;
        }
        return 0;
}

/* "$XDG_CONFIG_HOME/pkcs11" (only an absolute one counts), else "$HOME/.config/pkcs11", or NULL. */
static char *user_config_dir(const TdContext *ctx, int *error) {
        const char *xdg = td_context_getenv(ctx, "XDG_CONFIG_HOME");
        const char *home = td_context_getenv(ctx, "HOME");
        char *dir = NULL;
        if (xdg && xdg[0] == '/')
                dir = td_strdup_printf("%s/pkcs11", xdg);
        else if (home && home[0] == '/')
                dir = td_strdup_printf("%s/.config/pkcs11", home);
        else
                return NULL;
        if (!dir)
                *error = -ENOMEM;
        return dir;
}

/* A user-config value as p11-kit reads it ("override" is its older word for "only"), or NULL. */
static const char *user_config_mode(const TdP11KitConf *conf) {
        const char *v = td_p11kit_conf_get(conf, "user-config");
        if (!v)
                return NULL;
        if (streq(v, "none") || streq(v, "merge") || streq(v, "only"))
                return streq(v, "none") ? "none" : streq(v, "merge") ? "merge" : "only";
        if (streq(v, "override"))
                return "only";
        return NULL;
}

/* The global user-config: the system's file, then the user's own unless the system said none. */
static int global_mode(const TdContext *ctx, const char *user_dir, const char **ret_mode) {
        const char *mode = "merge";
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        TdP11KitConf *conf = NULL;
        int r = td_context_read_file(ctx, SYSTEM_CONF, CONF_MAX, &text, &len);
        if (r == -ENOMEM || (r >= 0 && td_p11kit_conf_parse(text, len, &conf) < 0))
                return -ENOMEM;
        const char *m = user_config_mode(conf);
        if (m)
                mode = m;
        td_p11kit_conf_free(conf);
        conf = NULL;
        if (!streq(mode, "none") && user_dir) {
                _cleanup_free_ char *file = td_strdup_printf("%s/pkcs11.conf", user_dir);
                _cleanup_free_ char *user_text = NULL;
                if (!file)
                        return -ENOMEM;
                r = td_read_regular_file(file, CONF_MAX, &user_text, &len);
                if (r == -ENOMEM || (r >= 0 && td_p11kit_conf_parse(user_text, len, &conf) < 0))
                        return -ENOMEM;
                if ((m = user_config_mode(conf)))
                        mode = m;
                td_p11kit_conf_free(conf);
        }
        *ret_mode = mode;
        return 0;
}

/* --- merging and resolving ----------------------------------------------------------------- */

/* The first value of @key among the files of @name, from @first on (p11-kit's merge). */
static const char *merged_get(const Loader *l, const char *name, const char *key) {
        for (size_t i = 0; i < l->n; i++)
                if (l->entries[i].conf && streq(l->entries[i].name, name)) {
                        const char *v = td_p11kit_conf_get(l->entries[i].conf, key);
                        if (v)
                                return v;
                }
        return NULL;
}

static TdP11KitState state_of(const char *module, const char *remote, const char *enable_in,
                              const char *disable_in) {
        if (module && !module[0])
                return TD_P11KIT_BLANK_MODULE;
        if (remote && remote[0])
                return TD_P11KIT_REMOTE;
        if (!module)
                return TD_P11KIT_NO_MODULE;
        /* p11-kit reads enable-in first and then ignores disable-in (is_module_enabled_unlocked). */
        if (enable_in)
                return td_p11kit_list_has(enable_in, PROXY) ? TD_P11KIT_LOADED : TD_P11KIT_ENABLE_IN;
        if (disable_in && td_p11kit_list_has(disable_in, PROXY))
                return TD_P11KIT_DISABLE_IN;
        return TD_P11KIT_LOADED;
}

/* @path's final target inside the root, as seen from the root; NULL (and *present false) when absent. */
static int resolve_in_root(const TdContext *ctx, const char *path, char **ret, bool *present) {
        *ret = NULL;
        *present = false;
        _cleanup_close_ int fd = td_context_open(ctx, path, O_PATH);
        if (fd == -ENOMEM)
                return fd;
        if (fd < 0)
                return 0;
        *present = true;
        char proc_path[64], target[PATH_MAX];
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc_path, target, sizeof target - 1);
        if (n <= 0)
                return 0; /* no /proc: the path as written */
        target[n] = '\0';
        const char *root = td_context_get_root(ctx);
        size_t root_len = strlen(root);
        const char *inside = target;
        if (root_len > 0) {
                /* RESOLVE_IN_ROOT kept it inside, so the root is its prefix. */
                if (strncmp(target, root, root_len) != 0 || (target[root_len] != '/' && target[root_len]))
                        return 0;
                inside = target[root_len] ? target + root_len : "/";
        }
        *ret = strdup(inside);
        return *ret ? 0 : -ENOMEM;
}

static int resolve_library(const TdContext *ctx, const char *module, TdP11KitModule *m) {
        _cleanup_free_ char *path = module[0] == '/'
                                            ? strdup(module)
                                            : td_strdup_printf("%s/%s", td_p11kit_module_dir(), module);
        if (!path)
                return -ENOMEM;
        const char *home = td_context_getenv(ctx, "HOME");
        size_t home_len = home ? strlen(home) : 0;
        char *resolved = NULL;
        if (home_len > 1 && home[0] == '/' && strncmp(path, home, home_len) == 0 && path[home_len] == '/') {
                /* The user's own library: their files, outside any --root. */
                resolved = realpath(path, NULL);
                if (!resolved && errno == ENOMEM)
                        return -ENOMEM;
                m->library_present = resolved != NULL;
        } else {
                int r = resolve_in_root(ctx, path, &resolved, &m->library_present);
                if (r < 0)
                        return r;
        }
        m->library = resolved ? resolved : TAKE_PTR(path);
        return 0;
}

static void module_clear(TdP11KitModule *m) {
        free(m->name);
        td_strv_free(m->files);
        free(m->module);
        free(m->library);
}

void td_p11kit_modules_free(TdP11KitModules *modules) {
        if (!modules)
                return;
        for (size_t i = 0; i < modules->n_modules; i++)
                module_clear(&modules->modules[i]);
        free(modules->modules);
        td_strv_free(modules->dirs);
        for (size_t i = 0; i < modules->n_unreadable; i++)
                free(modules->unreadable[i].file);
        free(modules->unreadable);
        free(modules);
}

static int build_module(const TdContext *ctx, const Loader *l, const char *name, TdP11KitModule *m) {
        _cleanup_strv_builder_ TdStrvBuilder files = TD_STRV_BUILDER_INIT;
        int r = 0;
        *m = (TdP11KitModule){ .name = strdup(name) };
        if (!m->name)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < l->n; i++)
                if (streq(l->entries[i].name, name)) {
                        if (files.n == 0)
                                m->user = l->entries[i].user;
                        r = td_strv_builder_add(&files, l->entries[i].file);
                }
        if (r < 0 || !(m->files = td_strv_builder_steal(&files)))
                return -ENOMEM;
        const char *module = merged_get(l, name, "module");
        m->state = state_of(module, merged_get(l, name, "remote"), merged_get(l, name, "enable-in"),
                            merged_get(l, name, "disable-in"));
        if (module && !(m->module = strdup(module)))
                return -ENOMEM;
        if (module && module[0] && m->state != TD_P11KIT_REMOTE)
                return resolve_library(ctx, module, m);
        return 0;
}

static int compare_modules(const void *a, const void *b) {
        return strcmp(((const TdP11KitModule *) a)->name, ((const TdP11KitModule *) b)->name);
}

int td_p11kit_modules_load(const TdContext *ctx, TdP11KitModules **ret_modules) {
        Loader l = { .dirs = TD_STRV_BUILDER_INIT };
        TdP11KitModules *set = calloc(1, sizeof *set);
        int r = set ? 0 : -ENOMEM;
        _cleanup_free_ char *user_dir = r >= 0 ? user_config_dir(ctx, &r) : NULL;
        if (r >= 0)
                r = global_mode(ctx, user_dir, &set->user_config);
        if (r >= 0 && user_dir && !streq(set->user_config, "none")) {
                _cleanup_free_ char *dir = td_strdup_printf("%s/modules", user_dir);
                r = dir ? load_dir(ctx, dir, true, &l) : -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && !streq_ptr(set->user_config, "only") && i < ELEMENTSOF(system_dirs);
             i++)
                r = load_dir(ctx, system_dirs[i], false, &l);
        if (r >= 0)
                set->modules = calloc(l.n ? l.n : 1, sizeof *set->modules);
        if (r >= 0 && !set->modules)
                r = -ENOMEM;
        /* One module per name, made when its first file comes up. */
        for (size_t i = 0; r >= 0 && i < l.n; i++) {
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = streq(l.entries[j].name, l.entries[i].name);
                if (seen)
                        continue;
                r = build_module(ctx, &l, l.entries[i].name, &set->modules[set->n_modules]);
                set->n_modules++; /* counted even on error: its half-filled entry is freed below */
        }
        if (r >= 0 && !(set->dirs = td_strv_builder_steal(&l.dirs)))
                r = -ENOMEM;
        if (r < 0) {
                loader_clear(&l);
                td_p11kit_modules_free(set);
                return r;
        }
        qsort(set->modules, set->n_modules, sizeof *set->modules, compare_modules);
        set->unreadable = TAKE_PTR(l.unreadable);
        set->n_unreadable = l.n_unreadable;
        l.n_unreadable = 0;
        loader_clear(&l);
        *ret_modules = set;
        return 0;
}

static void modules_free_value(void *value) {
        td_p11kit_modules_free(value);
}

static int modules_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) user;
        TdP11KitModules *modules = NULL;
        int r = td_p11kit_modules_load(ctx, &modules);
        if (r < 0)
                return r;
        *ret_value = modules;
        return 0;
}

int td_p11kit_modules_get(TdContext *ctx, const TdP11KitModules **ret_modules) {
        void *value = NULL;
        int r = td_context_memo(ctx, P11KIT_MODULES_FACT, modules_compute, NULL, modules_free_value, &value);
        if (r < 0)
                return r;
        *ret_modules = value;
        return 0;
}
