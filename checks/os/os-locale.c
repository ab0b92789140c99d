/* SPDX-License-Identifier: GPL-3.0-or-later */
/* os.locale: a Simplified Chinese locale is in force, and glibc has it generated. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "platform/td-fact.h"
#include "platform/td-locale.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/*
 * The parts of a locale name that say which language is shown: language, script and
 * territory of "zh_CN.UTF-8", "zh_Hant_TW" or "zh-Hant". Every part is set; "" when absent.
 */
typedef struct {
        char language[16];
        char script[16];
        char territory[16];
} LocaleParts;

static void locale_split(const char *name, LocaleParts *ret) {
        size_t end = strcspn(name, ".@");
        size_t lang_len = strcspn(name, "_-.@");
        *ret = (LocaleParts){};

        snprintf(ret->language, sizeof ret->language, "%.*s", (int) lang_len, name);
        for (size_t pos = lang_len; pos < end;) {
                pos++; /* the '_' or '-' */
                size_t part_len = strcspn(name + pos, "_-.@");
                if (pos + part_len > end)
                        part_len = end - pos;
                /* ISO 15924 scripts have four letters, territories two letters or three digits. */
                if (part_len == 4)
                        snprintf(ret->script, sizeof ret->script, "%.*s", (int) part_len, name + pos);
                else if (part_len > 0 && !ret->territory[0])
                        snprintf(ret->territory, sizeof ret->territory, "%.*s", (int) part_len, name + pos);
                pos += part_len;
        }
}

static bool locale_is_chinese(const LocaleParts *p) {
        return strcasecmp(p->language, "zh") == 0;
}

static bool locale_is_traditional(const char *name, const LocaleParts *p) {
        static const char *const territories[] = { "TW", "HK", "MO" };

        if (!locale_is_chinese(p))
                return false;
        if (strcasecmp(p->script, "Hant") == 0)
                return true;
        const char *modifier = strchr(name, '@');
        if (modifier && strcasecmp(modifier + 1, "hant") == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(territories); i++)
                if (strcasecmp(p->territory, territories[i]) == 0)
                        return true;
        return false;
}

/* Whether "language_TERRITORY" of @p is one of the profile's locales (default zh_CN). */
static bool locale_accepted(const TdProfile *profile, const LocaleParts *p) {
        static const char *const fallback[] = { "zh_CN", NULL };
        const char *const *accepted = profile && profile->locales && profile->locales[0]
                                              ? (const char *const *) profile->locales
                                              : fallback;

        if (!p->territory[0])
                return false;
        for (const char *const *a = accepted; *a; a++) {
                LocaleParts ap;
                locale_split(*a, &ap);
                if (strcasecmp(ap.language, p->language) == 0 && strcasecmp(ap.territory, p->territory) == 0)
                        return true;
        }
        return false;
}

static char *accepted_list(const TdProfile *profile) {
        if (profile && profile->locales && profile->locales[0])
                return td_strv_join((const char *const *) profile->locales, _(", "));
        return strdup("zh_CN");
}

/* The generated locales of language zh, for the details and the messages (an empty list). */
static TdStrv chinese_locales(const char *const *installed) {
        _cleanup_strv_free_ TdStrv zh = calloc(1, sizeof(char *));
        if (!zh)
                return NULL;
        for (const char *const *n = installed; n && *n; n++) {
                LocaleParts p;
                locale_split(*n, &p);
                if (locale_is_chinese(&p) && td_strv_push(&zh, *n) < 0)
                        return NULL;
        }
        return TAKE_PTR(zh);
}

static const char *archive_state(int archive_status) {
        if (archive_status >= 0)
                return "ok";
        if (archive_status == -ENOENT)
                return "absent";
        if (archive_status == -EBADMSG)
                return "damaged";
        return "unreadable";
}

static int check_os_locale_run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdLocale *l;
        int r;

        r = td_locale_get(ctx, &l);
        if (r < 0)
                return r;
        _cleanup_strv_free_ TdStrv zh = chinese_locales((const char *const *) l->installed);
        if (!zh)
                return -ENOMEM;
        _cleanup_free_ char *zh_installed =
                zh[0] ? td_strv_join((const char *const *) zh, _(", ")) : strdup(_("none"));
        _cleanup_free_ char *accepted = accepted_list(profile);
        if (!zh_installed || !accepted)
                return -ENOMEM;
        td_detail_set_strv(result, NULL, "chinese_locales", (const char *const *) zh);
        td_detail_set_string(result, NULL, "locale_archive", "%s", archive_state(l->archive_status));

        if (l->unreadable) {
                /* The file that may set the locale cannot be read. */
                return td_fact_unreadable_verdict(result, _("The locale in force cannot be told"),
                                                  l->unreadable, l->unreadable_error);
        }
        if (!l->name) {
                td_detail_set_string(result, NULL, "source", "none");
                return td_result_set(result, TD_STATUS_FAIL, "locale.not-chinese",
                                     _("No locale is set: neither LC_ALL, LC_MESSAGES nor LANG in the "
                                       "environment, /etc/default/locale or /etc/locale.conf. Programs "
                                       "run in the C locale (English); the platform needs Simplified "
                                       "Chinese (%s)."),
                                     accepted);
        }

        td_detail_set_string(result, NULL, "locale", "%s", l->name);
        td_detail_set_string(result, NULL, "variable", "%s", l->variable);
        td_detail_set_string(result, NULL, "source", "%s", l->source);
        td_detail_set_bool(result, NULL, "installed", l->generated);

        /* "LANG=zh_TW.UTF-8 (environment)": what the user would look for, and where; translated, so
         * that the parentheses are the language's own. */
        const char *where = streq(l->source, "environment") ? _("environment") : l->source;
        _cleanup_free_ char *what = td_strdup_printf(_("%s=%s (%s)"), l->variable, l->name, where);
        if (!what)
                return -ENOMEM;

        LocaleParts parts;
        locale_split(l->name, &parts);

        if (!locale_accepted(profile, &parts)) {
                if (locale_is_traditional(l->name, &parts))
                        return td_result_set(result, TD_STATUS_FAIL, "locale.traditional",
                                             _("The locale in force, %s, is Traditional Chinese; the "
                                               "platform needs Simplified Chinese (%s)."),
                                             what, accepted);
                if (locale_is_chinese(&parts))
                        return td_result_set(result, TD_STATUS_WARN, "locale.not-chinese",
                                             _("The locale in force, %s, is Chinese but not one the "
                                               "platform was tested with (%s)."),
                                             what, accepted);
                return td_result_set(result, TD_STATUS_FAIL, "locale.not-chinese",
                                     _("The locale in force, %s, is not Chinese; the platform needs "
                                       "Simplified Chinese (%s)."),
                                     what, accepted);
        }

        if (!l->generated) {
                if (l->archive_status == -EBADMSG)
                        return td_result_set(result, TD_STATUS_FAIL, "locale.not-installed",
                                             _("The locale in force, %s, is not generated: the locale "
                                               "archive /usr/lib/locale/locale-archive is damaged "
                                               "(generated Chinese locales found elsewhere: %s)."),
                                             what, zh_installed);
                return td_result_set(result, TD_STATUS_FAIL, "locale.not-installed",
                                     _("The locale in force, %s, is not generated on this system "
                                       "(generated Chinese locales: %s)."),
                                     what, zh_installed);
        }

        return td_result_set(result, TD_STATUS_PASS, NULL,
                             _("The locale in force, %s, is Simplified Chinese and generated."), what);
}

/*
 * "zh_CN.UTF-8" for a locale in force written "zh_CN.UTF-8" or "zh_CN.utf8", into @buf; false for
 * any other shape: only the UTF-8 form of a Simplified Chinese locale is generated for the user.
 */
static bool locale_to_generate(const char *name, char *buf, size_t size) {
        if (!name || strlen(name) < 6 || name[5] != '.' || strchr(name, '@'))
                return false;
        if (!td_startswith(name, "zh_CN") && !td_startswith(name, "zh_SG"))
                return false;
        if (strcasecmp(name + 6, "utf8") != 0 && strcasecmp(name + 6, "utf-8") != 0)
                return false;
        return snprintf(buf, size, "%.5s.UTF-8", name) < (int) size;
}

static bool offer_generate(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        char name[16];
        if (!streq_ptr(r->cause, "locale.not-installed") ||
            !locale_to_generate(td_result_get_detail(r, "locale"), name, sizeof name))
                return false;
        *ret = (TdFixOffer){ .summary = N_("Generate the Simplified Chinese locale in force (locale-gen)"),
                             .privileged = !td_context_has_root(ctx) };
        return true;
}

static int plan_generate(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        char name[16];
        if (!locale_to_generate(td_result_get_detail(r, "locale"), name, sizeof name))
                return -EINVAL;
        if (!td_context_has_root(ctx))
                return td_fix_plan_helper(
                        plan, "generate-locale", name,
                        _("Generate the locale %s (enable it in /etc/locale.gen, run locale-gen)"), name);
        /* A system under --root: localedef writes its archive; its sources are this system's. */
        _cleanup_free_ char *prefix = td_strdup_printf("--prefix=%s", td_context_get_root(ctx));
        _cleanup_free_ char *archive = td_context_path(ctx, "/usr/lib/locale/locale-archive");
        char lang[6];
        snprintf(lang, sizeof lang, "%.5s", name);
        if (!prefix || !archive)
                return -ENOMEM;
        return td_fix_plan_run(plan, TD_STRV("/usr/bin/localedef", prefix, "-i", lang, "-f", "UTF-8", name),
                               TD_STRV(archive), _("Generate the locale %s into %s"), name, archive);
}

const TdCheck td_check_os_locale = {
        .id = "os.locale",
        .category = "system",
        .title = N_("System language"),
        .causes = TD_STRV("locale.traditional", "locale.not-chinese", "locale.not-installed"),
        .run = check_os_locale_run,
        .fix = &(const TdFix){ .summary = N_("Generate the Simplified Chinese locale in force (locale-gen)"),
                               .privileged = true,
                               .offer = offer_generate,
                               .plan = plan_generate },
};
