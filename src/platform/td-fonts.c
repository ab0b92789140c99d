/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td-fontconfig.h"
#include "td-fonts-conf.h"
#include "td-fonts.h"
#include "td-inode-set.h"
#include "td-util.h"

/* fontconfig's initialisation and its caches are shared by the process and not thread-safe. */
static pthread_mutex_t fonts_lock = PTHREAD_MUTEX_INITIALIZER;
/* fontconfig's functions, loaded by the first query; used only with fonts_lock held. */
static const TdFontconfig *fc;

static void fc_config_destroyp(FcConfig **c) {
        if (*c)
                fc->FcConfigDestroy(*c);
}

static void fc_pattern_destroyp(FcPattern **p) {
        if (*p)
                fc->FcPatternDestroy(*p);
}

static void fc_font_set_destroyp(FcFontSet **s) {
        if (*s)
                fc->FcFontSetDestroy(*s);
}

static void fc_object_set_destroyp(FcObjectSet **s) {
        if (*s)
                fc->FcObjectSetDestroy(*s);
}

static void fc_lang_set_destroyp(FcLangSet **s) {
        if (*s)
                fc->FcLangSetDestroy(*s);
}

void td_fonts_info_free(TdFontsInfo *info) {
        if (!info)
                return;
        td_strv_free(info->families);
        free(info->best_family);
        free(info->best_file);
        free(info->missing);
        free(info->unreadable);
        free(info);
}

/* Far above a real system (a desktop with every CJK font package holds a few thousand files). */
#define SCAN_ENTRIES_MAX 20000u
/* Above any font: the largest CJK collections are about 100 MB. */
#define FONT_FILE_MAX (512ull * 1024u * 1024u)

/* A scan of the root's font directories, as fontconfig would scan them, but confined. */
typedef struct {
        const TdContext *ctx;
        FcConfig *config;
        FcFontSet *set;
        TdInodeSet seen; /* each directory and font file is read once, and links cannot loop */
        unsigned budget;
} Scan;

/*
 * The name fontconfig is to open font file @fd by. FreeType takes a file name and opens it
 * itself, and a name under the root would follow links out of it: the descriptor's own name
 * in /proc opens the very file looked at here. Without /proc, the plain path will do when it
 * leads to that same file. NULL when neither can be given (or on ENOMEM: *@ret_error).
 */
static char *font_file_name(const TdContext *ctx, int fd, const struct stat *st, const char *abs_path,
                            int *ret_error) {
        struct stat named;
        char *name = td_strdup_printf("/proc/self/fd/%d", fd);
        if (name && (stat(name, &named) < 0 || named.st_dev != st->st_dev || named.st_ino != st->st_ino)) {
                free(name);
                name = td_context_path(ctx, abs_path);
                if (name &&
                    (stat(name, &named) < 0 || named.st_dev != st->st_dev || named.st_ino != st->st_ino)) {
                        free(name);
                        return NULL;
                }
        }
        if (!name)
                *ret_error = -ENOMEM;
        return name;
}

static int scan_file(Scan *s, const char *abs_path) {
        struct stat st;
        /* A FIFO, a device, a link that leads nowhere in the root: no font, and never waited on. */
        _cleanup_close_ int fd = td_context_open_file(s->ctx, abs_path, &st);
        if (fd < 0)
                return fd == -ENOMEM ? fd : 0;
        if ((uint64_t) st.st_size > FONT_FILE_MAX)
                return 0;
        int r = td_inode_set_add(&s->seen, &st);
        if (r <= 0)
                return r;
        int error = 0;
        _cleanup_free_ char *name = font_file_name(s->ctx, fd, &st, abs_path, &error);
        _cleanup_free_ char *shown = td_context_path(s->ctx, abs_path);
        if (!shown || error < 0)
                return -ENOMEM;
        if (!name)
                return 0;

        int before = s->set->nfont;
        /* Every face and named instance, as fontconfig's own scan; 0 faces for what is no font. */
        (void) fc->FcFreeTypeQueryAll((const FcChar8 *) name, (unsigned) -1, NULL, NULL, s->set);
        for (int i = before; i < s->set->nfont; i++) {
                FcPattern *font = s->set->fonts[i];
                /* Reported where the customer's system has it, not by its descriptor. */
                fc->FcPatternDel(font, FC_FILE);
                if (!fc->FcPatternAddString(font, FC_FILE, (const FcChar8 *) shown))
                        return -ENOMEM;
                /* The configuration's scan rules, which fontconfig applies to what it scans. */
                if (!fc->FcConfigSubstitute(s->config, font, FcMatchScan))
                        return -ENOMEM;
        }
        return 0;
}

static bool font_name_ok(const char *name) {
        /* fontconfig leaves out hidden files (its caches, .uuid) and scans everything else. */
        return name[0] != '.';
}

/*
 * Scan directory @abs_dir: its files in name order, then its subdirectories, which are queued
 * on @dirs, as fontconfig orders a scan (so that among equal matches the same font wins).
 */
static int scan_dir(Scan *s, const char *abs_dir, TdStrvBuilder *dirs) {
        _cleanup_close_ int dir_fd = td_context_open(s->ctx, abs_dir, O_PATH | O_DIRECTORY);
        /* Directories the configuration names but the root lacks are normal. */
        if (dir_fd < 0)
                return dir_fd == -ENOMEM ? dir_fd : 0;
        struct stat st;
        if (fstat(dir_fd, &st) < 0)
                return 0;
        int r = td_inode_set_add(&s->seen, &st);
        if (r <= 0)
                return r;

        _cleanup_strv_free_ TdStrv names = NULL;
        r = td_context_list_dir(s->ctx, abs_dir, font_name_ok, s->budget, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (char **name = names; *name && s->budget > 0; name++) {
                s->budget--;
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", abs_dir, *name);
                if (!path)
                        return -ENOMEM;
                _cleanup_close_ int fd = td_context_open(s->ctx, path, O_PATH);
                if (fd < 0) {
                        if (fd == -ENOMEM)
                                return fd;
                        continue;
                }
                if (fstat(fd, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        r = td_strv_builder_add(dirs, path);
                else
                        r = scan_file(s, path);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The fonts of the directories @config names, looked for under the root. */
static int scan_root_fonts(const TdContext *ctx, FcConfig *config, FcFontSet *set) {
        _cleanup_strv_builder_ TdStrvBuilder dirs = TD_STRV_BUILDER_INIT;
        FcStrList *list = fc->FcConfigGetFontDirs(config);
        if (!list)
                return -ENOMEM;
        int r = 0;
        for (FcChar8 *d; r >= 0 && (d = fc->FcStrListNext(list));)
                /* A relative name means nothing on the customer's machine either. */
                if (d[0] == '/')
                        r = td_strv_builder_add(&dirs, (const char *) d);
        fc->FcStrListDone(list);

        Scan s = { .ctx = ctx,
                   .config = config,
                   .set = set,
                   .seen = TD_INODE_SET_INIT,
                   .budget = SCAN_ENTRIES_MAX };
        /* Breadth first: scan_dir() appends subdirectories to the queue it walks. */
        for (size_t i = 0; r >= 0 && i < dirs.n && s.budget > 0; i++) {
                _cleanup_free_ char *dir = strdup(dirs.items[i]);
                r = dir ? scan_dir(&s, dir, &dirs) : -ENOMEM;
        }
        td_inode_set_clear(&s.seen);
        return r;
}

/*
 * The root's fonts: its configuration, read confined (td-fonts-conf.c) and parsed from
 * memory, and the fonts of the directories it names, scanned confined here. fontconfig's own
 * scan of a directory (FcConfigAppFontAddDir) opens and follows whatever is in it: a link to
 * this machine's /usr/share/fonts, a FIFO that FreeType would wait on.
 */
static int load_root(const TdContext *ctx, TdFontsInfo *info, FcConfig **ret_config, FcFontSet **ret_set) {
        _cleanup_fonts_conf_free_ TdFontsConf *conf = NULL;
        int r = td_fonts_conf_load(ctx, &conf);
        if (r == -ENOENT) {
                info->have_config = false;
                return 0;
        }
        if (r < 0)
                return r;
        info->have_config = true;
        if (conf->unreadable) {
                info->unreadable = TAKE_PTR(conf->unreadable);
                info->unreadable_error = conf->unreadable_error;
                return 0;
        }

        _cleanup_(fc_config_destroyp) FcConfig *config = fc->FcConfigCreate();
        _cleanup_(fc_font_set_destroyp) FcFontSet *set = fc->FcFontSetCreate();
        if (!config || !set)
                return -ENOMEM;
        if (!fc->FcConfigParseAndLoadFromMemory(config, (const FcChar8 *) conf->xml, FcTrue))
                info->config_error = true;
        r = scan_root_fonts(ctx, config, set);
        if (r < 0)
                return r;
        *ret_config = TAKE_PTR(config);
        *ret_set = TAKE_PTR(set);
        return 0;
}

/*
 * The family name in English when the font has one: fontconfig puts first the name in the
 * language of whoever scanned the font (and caches it), which would make reports differ
 * from one user's locale to another's.
 */
static const char *family_name(FcPattern *font) {
        FcChar8 *family = NULL, *first = NULL, *lang = NULL;

        for (int i = 0; fc->FcPatternGetString(font, FC_FAMILY, i, &family) == FcResultMatch; i++) {
                if (i == 0)
                        first = family;
                if (fc->FcPatternGetString(font, FC_FAMILYLANG, i, &lang) == FcResultMatch &&
                    strcmp((const char *) lang, "en") == 0)
                        return (const char *) family;
        }
        return (const char *) first;
}

static int collect_families(FcFontSet *set, TdFontsInfo *info) {
        _cleanup_strv_free_ TdStrv all = calloc(1, sizeof(char *));
        if (!all)
                return -ENOMEM;
        for (int i = 0; i < set->nfont; i++) {
                const char *family = family_name(set->fonts[i]);
                if (!family || td_strv_contains((const char *const *) all, family))
                        continue;
                int r = td_strv_push(&all, family);
                if (r < 0)
                        return r;
        }
        size_t n = td_strv_length((const char *const *) all);
        /* Sorted, so that reports of one machine compare equal from run to run. */
        td_strv_sort(all);
        for (size_t i = TD_FONTS_MAX_FAMILIES; i < n; i++) {
                free(all[i]);
                all[i] = NULL;
        }
        info->families = TAKE_PTR(all);
        return 0;
}

/* The characters of @sample that @charset lacks, as UTF-8 ("" when it has them all). */
static int missing_chars(const FcCharSet *charset, const char *sample, char **ret_missing) {
        size_t len = strlen(sample);
        /* Each character takes at most 6 bytes in fontconfig's UTF-8. */
        _cleanup_free_ char *missing = malloc(len * 6 + 1);
        if (!missing)
                return -ENOMEM;
        char *w = missing;

        for (size_t pos = 0; pos < len;) {
                FcChar32 c;
                int n = fc->FcUtf8ToUcs4((const FcChar8 *) sample + pos, &c, (int) (len - pos));
                if (n <= 0)
                        return -EINVAL;
                pos += (size_t) n;
                if (!charset || !fc->FcCharSetHasChar(charset, c))
                        w += fc->FcUcs4ToUtf8(c, (FcChar8 *) w);
        }
        *w = '\0';
        *ret_missing = TAKE_PTR(missing);
        return 0;
}

static int query_locked(const TdContext *ctx, const char *lang, const char *sample, TdFontsInfo *info) {
        /* The configuration whose rules apply, and the font sets it is asked about. */
        _cleanup_(fc_config_destroyp) FcConfig *config = NULL;
        _cleanup_(fc_font_set_destroyp) FcFontSet *root_fonts = NULL;
        FcFontSet *sets[2];
        int n_sets = 0;
        int r;

        if (td_context_has_root(ctx)) {
                r = load_root(ctx, info, &config, &root_fonts);
                if (r < 0)
                        return r;
                if (!info->have_config || info->unreadable) {
                        info->families = calloc(1, sizeof(char *));
                        info->missing = strdup(sample);
                        return info->families && info->missing ? 0 : -ENOMEM;
                }
                sets[n_sets++] = root_fonts;
        } else {
                info->have_config = true;
                config = fc->FcInitLoadConfigAndFonts();
                if (!config)
                        return -EIO;
                /* As FcFontList() and FcFontMatch() take them. */
                static const FcSetName names[] = { FcSetSystem, FcSetApplication };
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if ((sets[n_sets] = fc->FcConfigGetFonts(config, names[i])))
                                n_sets++;
        }

        _cleanup_(fc_lang_set_destroyp) FcLangSet *langs = fc->FcLangSetCreate();
        _cleanup_(fc_pattern_destroyp) FcPattern *pattern = fc->FcPatternCreate();
        _cleanup_(fc_object_set_destroyp) FcObjectSet *objects =
                fc->FcObjectSetBuild(FC_FAMILY, FC_FAMILYLANG, FC_FILE, FC_INDEX, NULL);
        if (!langs || !pattern || !objects || !fc->FcLangSetAdd(langs, (const FcChar8 *) lang) ||
            !fc->FcPatternAddLangSet(pattern, FC_LANG, langs))
                return -ENOMEM;

        _cleanup_(fc_font_set_destroyp) FcFontSet *set =
                fc->FcFontSetList(config, sets, n_sets, pattern, objects);
        if (!set)
                return -ENOMEM;
        info->n_fonts = (size_t) set->nfont;
        r = collect_families(set, info);
        if (r < 0)
                return r;

        /* What an application asking for this language gets, after the system's rules. */
        _cleanup_(fc_pattern_destroyp) FcPattern *wanted = fc->FcPatternDuplicate(pattern);
        if (!wanted || !fc->FcConfigSubstitute(config, wanted, FcMatchPattern))
                return -ENOMEM;
        fc->FcDefaultSubstitute(wanted);
        FcResult result;
        _cleanup_(fc_pattern_destroyp) FcPattern *best =
                fc->FcFontSetMatch(config, sets, n_sets, wanted, &result);

        FcCharSet *charset = NULL;
        if (best) {
                const char *family = family_name(best);
                FcChar8 *file = NULL;
                if (family && !(info->best_family = strdup(family)))
                        return -ENOMEM;
                if (fc->FcPatternGetString(best, FC_FILE, 0, &file) == FcResultMatch &&
                    !(info->best_file = strdup((const char *) file)))
                        return -ENOMEM;
                (void) fc->FcPatternGetCharSet(best, FC_CHARSET, 0, &charset);
        }
        return missing_chars(charset, sample, &info->missing);
}

int td_fonts_query(const TdContext *ctx, const char *lang, const char *sample, TdFontsInfo **ret_info) {
        _cleanup_(td_fonts_info_freep) TdFontsInfo *info = calloc(1, sizeof *info);
        if (!info)
                return -ENOMEM;

        pthread_mutex_lock(&fonts_lock);
        int r = fc ? 0 : td_fontconfig_get(&fc);
        if (r >= 0)
                r = query_locked(ctx, lang, sample, info);
        pthread_mutex_unlock(&fonts_lock);
        if (r < 0)
                return r;

        *ret_info = TAKE_PTR(info);
        return 0;
}

void td_fonts_shutdown(void) {
        pthread_mutex_lock(&fonts_lock);
        /* Nothing to finish when no query ever loaded fontconfig. */
        if (fc)
                fc->FcFini();
        pthread_mutex_unlock(&fonts_lock);
}
