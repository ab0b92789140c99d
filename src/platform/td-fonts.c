/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td-fontconfig.h"
#include "td-fonts.h"
#include "td-util.h"

/* fontconfig's initialisation and its caches are shared by the process and not thread-safe. */
static pthread_mutex_t fonts_lock = PTHREAD_MUTEX_INITIALIZER;
/* fontconfig's functions, loaded by the first query; used only with fonts_lock held. */
static const TdFontconfig *fc;

/*
 * The configuration that scans a root's fonts keeps its caches where fontconfig keeps this
 * user's: a diagnostics run must not write into the system it inspects.
 */
static const char scan_config_xml[] =
        "<?xml version=\"1.0\"?>\n"
        "<fontconfig><cachedir prefix=\"xdg\">fontconfig</cachedir></fontconfig>\n";

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
        free(info);
}

/*
 * Load a root's configuration. @ret_rules holds its rules (read with the root as sysroot so
 * its includes resolve under the root); @ret_fonts a configuration with the fonts of the
 * directories the root's configuration names. Both come from two configurations because
 * fontconfig 2.13.93 to 2.14.2 scan sysroot directories wrongly (they open the files
 * without the sysroot, find nothing, and write that empty result into the root's cache).
 */
static int load_root(const TdContext *ctx, TdFontsInfo *info, FcConfig **ret_rules, FcConfig **ret_fonts) {
        const char *root = td_context_get_root(ctx);
        _cleanup_free_ char *conf = td_context_path(ctx, "/etc/fonts/fonts.conf");
        if (!conf)
                return -ENOMEM;
        if (access(conf, F_OK) < 0) {
                info->have_config = false;
                return 0;
        }
        info->have_config = true;

        _cleanup_(fc_config_destroyp) FcConfig *rules = fc->FcConfigCreate();
        _cleanup_(fc_config_destroyp) FcConfig *fonts = fc->FcConfigCreate();
        if (!rules || !fonts)
                return -ENOMEM;
        fc->FcConfigSetSysRoot(rules, (const FcChar8 *) root);
        if (!fc->FcConfigParseAndLoad(rules, (const FcChar8 *) conf, FcTrue))
                info->config_error = true;
        if (!fc->FcConfigParseAndLoadFromMemory(fonts, (const FcChar8 *) scan_config_xml, FcFalse))
                return -EIO;

        FcStrList *dirs = fc->FcConfigGetFontDirs(rules);
        if (!dirs)
                return -ENOMEM;
        size_t root_len = strlen(root);
        for (FcChar8 *d; (d = fc->FcStrListNext(dirs));) {
                /* Versions differ in whether they store the directories with the sysroot. */
                bool has_root = strncmp((const char *) d, root, root_len) == 0 && d[root_len] == '/';
                _cleanup_free_ char *dir = has_root ? strdup((const char *) d)
                                                    : td_strdup_printf("%s%s", root, (const char *) d);
                if (!dir) {
                        fc->FcStrListDone(dirs);
                        return -ENOMEM;
                }
                /* Directories the configuration names but the root lacks are normal. */
                (void) fc->FcConfigAppFontAddDir(fonts, (const FcChar8 *) dir);
        }
        fc->FcStrListDone(dirs);

        *ret_rules = TAKE_PTR(rules);
        *ret_fonts = TAKE_PTR(fonts);
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
        _cleanup_(fc_config_destroyp) FcConfig *rules = NULL;
        _cleanup_(fc_config_destroyp) FcConfig *fonts = NULL;
        int r;

        if (td_context_has_root(ctx)) {
                r = load_root(ctx, info, &rules, &fonts);
                if (r < 0)
                        return r;
                if (!info->have_config) {
                        info->families = calloc(1, sizeof(char *));
                        info->missing = strdup(sample);
                        return info->families && info->missing ? 0 : -ENOMEM;
                }
        } else {
                info->have_config = true;
                fonts = fc->FcInitLoadConfigAndFonts();
                if (!fonts)
                        return -EIO;
                rules = fc->FcConfigReference(fonts);
        }

        _cleanup_(fc_lang_set_destroyp) FcLangSet *langs = fc->FcLangSetCreate();
        _cleanup_(fc_pattern_destroyp) FcPattern *pattern = fc->FcPatternCreate();
        _cleanup_(fc_object_set_destroyp) FcObjectSet *objects =
                fc->FcObjectSetBuild(FC_FAMILY, FC_FAMILYLANG, FC_FILE, FC_INDEX, NULL);
        if (!langs || !pattern || !objects || !fc->FcLangSetAdd(langs, (const FcChar8 *) lang) ||
            !fc->FcPatternAddLangSet(pattern, FC_LANG, langs))
                return -ENOMEM;

        _cleanup_(fc_font_set_destroyp) FcFontSet *set = fc->FcFontList(fonts, pattern, objects);
        if (!set)
                return -ENOMEM;
        info->n_fonts = (size_t) set->nfont;
        r = collect_families(set, info);
        if (r < 0)
                return r;

        /* What an application asking for this language gets, after the system's rules. */
        _cleanup_(fc_pattern_destroyp) FcPattern *wanted = fc->FcPatternDuplicate(pattern);
        if (!wanted || !fc->FcConfigSubstitute(rules, wanted, FcMatchPattern))
                return -ENOMEM;
        fc->FcDefaultSubstitute(wanted);
        FcResult result;
        _cleanup_(fc_pattern_destroyp) FcPattern *best = fc->FcFontMatch(fonts, wanted, &result);

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
