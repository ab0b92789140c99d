/* SPDX-License-Identifier: GPL-3.0-or-later */
/* os.fonts: a font that shows Simplified Chinese, so the platform's pages are not boxes. */
#include <errno.h>

#include "platform/td-fact.h"
#include "platform/td-fonts.h"
#include "td-i18n.h"
#include "td-util.h"
#include "repair/td-repair-text.h"
#include "tokendoctor/td-check.h"

/* fontconfig's name for Simplified Chinese. */
#define FONTS_LANG "zh-cn"
/* Text the platform shows on every page: the font chosen for Chinese must have all of it. */
#define FONTS_SAMPLE "华润守正电子招标采购平台"

static int check_os_fonts_run(TdContext *ctx, TdResult *result) {
        _cleanup_fonts_info_free_ TdFontsInfo *info = NULL;
        int r;

        r = td_fonts_query(ctx, FONTS_LANG, FONTS_SAMPLE, &info);
        if (r < 0)
                return r;
        if (info->unreadable) {
                /* What fontconfig would make of a configuration it cannot read. */
                return td_fact_unreadable_verdict(result, _("Which fonts are available cannot be told"),
                                                  info->unreadable, info->unreadable_error);
        }

        td_detail_set_int(result, NULL, "count", (int64_t) info->n_fonts);
        td_detail_set_strv(result, NULL, "families", (const char *const *) info->families);
        if (info->best_family)
                td_detail_set_string(result, NULL, "best", "%s", info->best_family);
        if (info->best_file)
                td_detail_set_string(result, NULL, "best_file", "%s", info->best_file);

        const char *best = info->best_family ? info->best_family : _("(unnamed font)");

        if (!info->have_config)
                return td_result_set(result, TD_STATUS_FAIL, "fonts.no-cjk",
                                     _("No font configuration (/etc/fonts/fonts.conf) exists, so no "
                                       "font is available at all."));
        if (info->n_fonts == 0)
                return td_result_set(result, TD_STATUS_FAIL, "fonts.no-cjk",
                                     _("No installed font covers Simplified Chinese: Chinese text shows as "
                                       "empty boxes."));
        if (!isempty(info->missing))
                return td_result_set(result, TD_STATUS_FAIL, "fonts.no-cjk",
                                     _("The font chosen for Simplified Chinese, %s, lacks characters of "
                                       "the platform's name (%s): they would show as empty boxes."),
                                     best, info->missing);

        return td_result_set(result, TD_STATUS_PASS, NULL,
                             dngettext(GETTEXT_PACKAGE,
                                       "%zu font covers Simplified Chinese; the one chosen for it is %s.",
                                       "%zu fonts cover Simplified Chinese; the one chosen for it is %s.",
                                       info->n_fonts),
                             info->n_fonts, best);
}

/* Packages are installed on the running system: a copy under --root is not repaired by apt here. */
static bool offer_font(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        if (td_context_has_root(ctx))
                return false;
        *ret = (TdFixOffer){ .summary = N_("Install a Simplified Chinese font (package fonts-noto-cjk)"),
                             .privileged = true };
        return true;
}

static int plan_font(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        int ret = td_fix_plan_helper(
                plan, "install-package", TD_REPAIR_PACKAGE_CJK_FONT,
                _("Install the font package fonts-noto-cjk (Noto Sans CJK, Simplified Chinese)"));
        if (ret == 0)
                ret = td_fix_plan_set_afterwards(plan, _("Close the browser and open it again."));
        return ret;
}

const TdCheck td_check_os_fonts = {
        .id = "os.fonts",
        .category = "system",
        .title = N_("Chinese fonts"),
        .causes = TD_STRV("fonts.no-cjk"),
        .run = check_os_fonts_run,
        .fix = &(const TdFix){ .summary = N_("Install a Simplified Chinese font (package fonts-noto-cjk)"),
                               .privileged = true,
                               .offer = offer_font,
                               .plan = plan_font },
};
