/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "td-util.h"
#include "tokendoctor/td-context.h"
#include "tokendoctor/td-result.h"

static const char *const status_names[_TD_STATUS_MAX] = {
        [TD_STATUS_PASS] = "pass", [TD_STATUS_WARN] = "warn",   [TD_STATUS_FAIL] = "fail",
        [TD_STATUS_SKIP] = "skip", [TD_STATUS_ERROR] = "error",
};

const char *td_status_to_string(TdStatus status) {
        if (status < 0 || status >= _TD_STATUS_MAX)
                return NULL;
        return status_names[status];
}

TdStatus td_status_from_string(const char *s) {
        for (int i = 0; s && i < _TD_STATUS_MAX; i++)
                if (streq(status_names[i], s))
                        return (TdStatus) i;
        return _TD_STATUS_INVALID;
}

void td_result_init(TdResult *r, const TdCheck *check) {
        *r = (TdResult){ .check = check, .status = TD_STATUS_ERROR };
}

void td_result_clear(TdResult *r) {
        if (!r)
                return;
        free(r->cause);
        free(r->message);
        for (size_t i = 0; i < r->n_details; i++) {
                free(r->details[i].key);
                free(r->details[i].value);
        }
        free(r->details);
        const TdCheck *check = r->check;
        int64_t deadline = r->deadline_ms;
        td_result_init(r, check);
        r->deadline_ms = deadline;
}

void td_result_move(TdResult *dst, TdResult *src) {
        td_result_clear(dst);
        *dst = *src;
        *src = (TdResult){ .check = dst->check, .status = TD_STATUS_ERROR };
}

int td_result_setv(TdResult *r, TdStatus status, const char *cause, const char *fmt, va_list ap) {
        if (status < 0 || status >= _TD_STATUS_MAX)
                return -EINVAL;
        /* A problem without a machine code cannot be triaged: refuse it loudly. */
        if ((status == TD_STATUS_WARN || status == TD_STATUS_FAIL || status == TD_STATUS_ERROR) &&
            isempty(cause))
                return -EINVAL;

        char *message = td_strdup_vprintf(fmt, ap);
        if (!message)
                return -ENOMEM;
        char *cause_copy = NULL;
        if (status != TD_STATUS_PASS && cause) {
                cause_copy = strdup(cause);
                if (!cause_copy) {
                        free(message);
                        return -ENOMEM;
                }
        }
        free(r->message);
        free(r->cause);
        r->message = message;
        r->cause = cause_copy;
        r->status = status;
        return 0;
}

int td_result_set(TdResult *r, TdStatus status, const char *cause, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int ret = td_result_setv(r, status, cause, fmt, ap);
        va_end(ap);
        return ret;
}

int td_result_add_detail(TdResult *r, const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *value = td_strdup_vprintf(fmt, ap);
        va_end(ap);
        char *key_copy = strdup(key);
        TdDetail *grown =
                (value && key_copy) ? realloc(r->details, (r->n_details + 1) * sizeof(TdDetail)) : NULL;
        if (!grown) {
                free(value);
                free(key_copy);
                return -ENOMEM;
        }
        r->details = grown;
        r->details[r->n_details++] = (TdDetail){ .key = key_copy, .value = value };
        return 0;
}

const char *td_result_get_detail(const TdResult *r, const char *key) {
        for (size_t i = 0; i < r->n_details; i++)
                if (streq(r->details[i].key, key))
                        return r->details[i].value;
        return NULL;
}

int64_t td_result_remaining_ms(const TdResult *r) {
        if (r->deadline_ms <= 0)
                return INT64_MAX / 2;
        int64_t left = r->deadline_ms - td_now_monotonic_ms();
        return left > 0 ? left : 0;
}

unsigned td_result_budget_ms(const TdResult *r, unsigned margin_ms, unsigned min_ms, unsigned max_ms) {
        int64_t left = td_result_remaining_ms(r) - margin_ms;
        return left < min_ms ? min_ms : left > max_ms ? max_ms : (unsigned) left;
}
