/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The key file reader on arbitrary bytes, through both its users: the desktop entry parser and
 * the mimeapps.list parser; and the stem rule on the ids they find.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/td-desktop.h"
#include "td-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A kept string is no longer than the input (escapes only shorten) and holds no raw line end. */
static void check_string(const char *s, size_t size) {
        if (!s)
                return;
        if (!s[0] || strlen(s) > size)
                abort();
}

static void check_list(char *const *v, size_t size) {
        if (!v)
                abort();
        for (char *const *s = v; *s; s++) {
                check_string(*s, size);
                if (strchr(*s, '\n'))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        TdDesktopEntry *e = NULL;
        if (td_desktop_entry_parse(text, size, &e) == 0) {
                const char *strings[] = { e->type, e->name,     e->name_zh_cn,
                                          e->exec, e->try_exec, e->app_version };
                for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                        check_string(strings[i], size);
                check_list(e->mime_types, size);
                /* Values come from [Desktop Entry] lines only: none without the group. */
                if (!e->has_group && (e->type || e->name || e->mime_types[0] || e->hidden))
                        abort();
                unsigned major;
                if (e->app_version && !td_desktop_version_major(e->app_version, &major) &&
                    strspn(e->app_version, "0123456789") < 7)
                        abort(); /* an X-*-Version is kept only when it begins with a digit */
                (void) td_desktop_entry_is_web_browser(e);
                td_desktop_entry_free(e);
        }

        TdMimeApps *apps = NULL;
        if (td_mimeapps_parse(text, size, &apps) == 0) {
                if (apps->n_items + apps->n_invalid > size)
                        abort();
                for (size_t i = 0; i < apps->n_items; i++) {
                        const TdMimeAppsItem *it = &apps->items[i];
                        check_string(it->mime_type, size);
                        check_list(it->ids, size);
                        if (it->group < 0 || it->group >= _TD_MIMEAPPS_GROUP_MAX)
                                abort();
                        /* A type once a group, and the getter finds that line. */
                        if (td_mimeapps_get(apps, it->group, it->mime_type) != it->ids)
                                abort();
                        for (char *const *id = it->ids; *id; id++)
                                if (td_desktop_id_matches_stem(*id, *id) == false && !strchr(*id, '.'))
                                        abort(); /* an id without ".desktop" is its own stem */
                }
                td_mimeapps_free(apps);
        }
        return 0;
}
