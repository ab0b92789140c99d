/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <string.h>

#include "platform/td-fact.h"
#include "td-i18n.h"
#include "td-util.h"

static int take_user(TdContext *ctx, void *user, void **ret_value) {
        (void) ctx;
        *ret_value = user;
        return 0;
}

int td_fact_override(TdContext *ctx, const char *key, void *value, void (*free_value)(void *value)) {
        void *stored = NULL;
        int r = td_context_memo(ctx, key, take_user, value, free_value, &stored);
        /* The memo ran its compute earlier (a get came first): ours was not taken. */
        if (r < 0 || stored != value) {
                free_value(value);
                return r < 0 ? r : -EBUSY;
        }
        return 0;
}

char *td_fact_file_error(const char *path, int error) {
        switch (error) {
        case -ENODEV:
                return td_strdup_printf(_("%s is not a regular file (a FIFO, socket or device node), so it "
                                          "was not read"),
                                        path);
        case -EISDIR:
                return td_strdup_printf(_("%s is a directory, not a file"), path);
        case -ELOOP:
                return td_strdup_printf(_("%s is a loop of symbolic links, so it was not read"), path);
        case -EFBIG:
                return td_strdup_printf(_("%s is too large for what it should hold, so it was not read"),
                                        path);
        default:
                return td_strdup_printf(_("%s could not be read: %s"), path, strerror(-error));
        }
}

int td_fact_unreadable_verdict(TdResult *result, const char *what, const char *path, int error) {
        _cleanup_free_ char *why = td_fact_file_error(path, error);
        if (!why)
                return -ENOMEM;
        int r = td_result_set(result, TD_STATUS_ERROR, "engine.check-error", _("%s: %s."), what, why);
        return r < 0 ? r : error;
}
