/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * 一键登录系统: which browser opens the platform. The default browser when the platform supports
 * it; otherwise the first supported browser installed — never merely the default, if that is
 * 360 or QQ. Decided from the results of browser.default and browser.installed, so every
 * frontend opens the same one.
 */
#pragma once

#include "td-engine.h"

typedef struct {
        char *id;   /* the desktop entry's id: google-chrome.desktop */
        char *name; /* as the results name it: Google Chrome */
        char *file; /* the desktop entry's file as the system sees it (td_context_path() under --root) */
} TdLoginBrowser;

/*
 * The browser from @report (a run with browser.default and browser.installed). 0 and *@ret
 * (clear it with td_login_browser_clear()), -ENOENT when no supported browser is installed (or
 * the results say nothing of one), -ENOMEM.
 */
int td_login_browser_pick(const TdReport *report, TdLoginBrowser *ret);
void td_login_browser_clear(TdLoginBrowser *browser);
