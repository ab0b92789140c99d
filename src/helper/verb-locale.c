/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * generate-locale zh_CN.UTF-8: Debian's way, the locale's line enabled in /etc/locale.gen (kept
 * in the journal) and locale-gen run, which rebuilds /usr/lib/locale/locale-archive from that
 * file. Undone the same way: the old /etc/locale.gen back, locale-gen again.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

#define LOCALE_GEN "/etc/locale.gen"
#define LOCALE_GEN_MAX (1024u * 1024u)

static int locale_gen_run(TdHelper *h) {
        const char *locale_gen = td_helper_find_program(td_helper_locale_gen);
        if (!locale_gen)
                return -ENOENT;
        const char *argv[] = { locale_gen, NULL };
        const TdHelperRunOptions opts = { .timeout_ms = TD_HELPER_TIMEOUT_LOCALE_GEN_MS };
        return td_helper_run(h, argv, &opts, NULL);
}

/* "zh_CN.UTF-8" as localedef --list-archive names it: "zh_CN.utf8". */
static bool archive_has(const char *list, const char *locale) {
        const char *dot = strchr(locale, '.');
        char want[64];
        size_t n = (size_t) (dot - locale);
        if (!dot || n + 6 > sizeof want)
                return false;
        memcpy(want, locale, n + 1);
        size_t o = n + 1;
        for (const char *c = dot + 1; *c && o < sizeof want - 1; c++)
                if (*c != '-')
                        want[o++] = *c >= 'A' && *c <= 'Z' ? (char) (*c - 'A' + 'a') : *c;
        want[o] = '\0';
        for (const char *p = list; p && *p;) {
                size_t len = strcspn(p, "\n");
                if (len == o && memcmp(p, want, o) == 0)
                        return true;
                p += len + (p[len] ? 1 : 0);
        }
        return false;
}

static int locale_apply(TdHelper *h) {
        const char *localedef = td_helper_find_program(td_helper_localedef);
        if (!td_helper_find_program(td_helper_locale_gen) || !localedef) {
                td_helper_error("generate-locale: locale-gen is not installed; install the package locales "
                                "first (install-package locales)");
                return EX_UNAVAILABLE;
        }
        _cleanup_close_ int dfd = td_helper_dir_open("/etc", false, NULL);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct stat st;
        int r = dfd < 0 ? dfd : td_helper_read_at(dfd, "locale.gen", LOCALE_GEN_MAX, &text, &len, &st);
        if (r == -ENOENT) {
                /* locale-gen would then do nothing; a system that has no list makes its locales otherwise.
                 */
                td_helper_error("generate-locale: there is no " LOCALE_GEN
                                ", so this system does not make its locales with locale-gen: run localedef "
                                "by hand");
                return EX_UNAVAILABLE;
        }
        if (r < 0) {
                td_helper_error("generate-locale: cannot read " LOCALE_GEN ": %s", strerror(-r));
                return r == -ENOMEM ? TD_HELPER_EXIT_FAILED : EX_UNAVAILABLE;
        }

        _cleanup_free_ char *new_text = NULL;
        bool changed;
        if (td_repair_locale_gen_enable(text, len, h->arg, &new_text, &changed) < 0)
                return TD_HELPER_EXIT_FAILED;
        /* Written even when the line was there: it is kept in the journal either way, and the run is the
         * same. */
        if (changed && td_helper_write(h, LOCALE_GEN, new_text, strlen(new_text),
                                       (st.st_mode & 07777) & ~(mode_t) 022) < 0)
                return td_helper_fail(h);
        if (!changed && !h->dry_run) {
                /* Nothing to write, but locale-gen rebuilds the archive: keep the file for undo all the
                 * same. */
                if (td_helper_begin(h) < 0)
                        return TD_HELPER_EXIT_FAILED;
                r = td_journal_save_file(h->journal, LOCALE_GEN);
                if (r < 0) {
                        td_helper_error("cannot keep " LOCALE_GEN " in the journal: %s", strerror(-r));
                        return td_helper_fail(h);
                }
        }
        if (locale_gen_run(h) < 0)
                return td_helper_fail(h);

        if (!h->dry_run) {
                /* locale-gen ignores localedef's failures: ask the archive. */
                const char *argv[] = { localedef, "--list-archive", NULL };
                const TdHelperRunOptions opts = { .query = true };
                _cleanup_free_ char *list = NULL;
                if (td_helper_run(h, argv, &opts, &list) < 0)
                        return td_helper_fail(h);
                if (!archive_has(list, h->arg)) {
                        td_helper_error(
                                "generate-locale: locale-gen ran but %s is not in the locale archive",
                                h->arg);
                        return td_helper_fail(h);
                }
        }
        return td_helper_finish(h);
}

/* /etc/locale.gen is back as it was: make the archive match it again. */
static int locale_undo(TdHelper *h, TdJournal *j) {
        int r = locale_gen_run(h);
        if (r == -ENOENT)
                td_helper_error("locale-gen is gone: the locale archive was not rebuilt");
        return r;
}

const TdHelperVerb td_helper_verb_generate_locale = {
        .name = "generate-locale",
        .arg_name = "LOCALE",
        .arg_grammar = "one of the locales zh_CN.UTF-8, zh_SG.UTF-8, en_US.UTF-8",
        .summary = "enable a locale (zh_CN.UTF-8, zh_SG.UTF-8, en_US.UTF-8) in /etc/locale.gen and run "
                   "locale-gen",
        .apply = locale_apply,
        .undo = locale_undo,
};
