/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-login.h"

void td_login_browser_clear(TdLoginBrowser *browser) {
        if (!browser)
                return;
        free(browser->id);
        free(browser->name);
        free(browser->file);
        *browser = (TdLoginBrowser){ 0 };
}

static const char *string_member(struct json_object *o, const char *key) {
        struct json_object *v;
        return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

/* An installed browser's entry (browser.installed), if the platform supports it. */
static int take_if_supported(struct json_object *o, TdLoginBrowser *ret) {
        if (!streq_ptr(string_member(o, "kind"), "supported"))
                return -ENOENT;
        const char *id = string_member(o, "id"), *name = string_member(o, "name"),
                   *file = string_member(o, "file");
        if (!id || !file)
                return -ENOENT;
        ret->id = strdup(id);
        ret->name = strdup(name ? name : id);
        ret->file = strdup(file);
        if (!ret->id || !ret->name || !ret->file) {
                td_login_browser_clear(ret);
                return -ENOMEM;
        }
        return 0;
}

static const TdResult *find_result(const TdReport *report, const char *id) {
        for (size_t i = 0; i < report->n_results; i++)
                if (streq(report->results[i].check->id, id))
                        return &report->results[i];
        return NULL;
}

int td_login_browser_pick(const TdReport *report, TdLoginBrowser *ret) {
        *ret = (TdLoginBrowser){ 0 };
        const TdResult *installed = find_result(report, "browser.installed");
        struct json_object *browsers = installed ? td_result_get_detail_node(installed, "browsers") : NULL;
        if (!browsers || !json_object_is_type(browsers, json_type_array))
                return -ENOENT;
        /* The default browser first, when the platform supports it: the one the user knows. */
        const TdResult *def = find_result(report, "browser.default");
        struct json_object *d = def ? td_result_get_detail_node(def, "default") : NULL;
        const char *default_id =
                streq_ptr(string_member(d, "kind"), "supported") ? string_member(d, "id") : NULL;
        size_t n = json_object_array_length(browsers);
        for (size_t i = 0; default_id && i < n; i++) {
                struct json_object *o = json_object_array_get_idx(browsers, i);
                if (streq_ptr(string_member(o, "id"), default_id)) {
                        int r = take_if_supported(o, ret);
                        if (r != -ENOENT)
                                return r;
                        break;
                }
        }
        for (size_t i = 0; i < n; i++) {
                int r = take_if_supported(json_object_array_get_idx(browsers, i), ret);
                if (r != -ENOENT)
                        return r;
        }
        return -ENOENT;
}
