/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct TdCheck TdCheck;

typedef enum {
        TD_STATUS_PASS,
        TD_STATUS_WARN,
        TD_STATUS_FAIL,
        TD_STATUS_SKIP,
        TD_STATUS_ERROR, /* the check could not run: never a diagnosis */
        _TD_STATUS_MAX,
        _TD_STATUS_INVALID = -1,
} TdStatus;

/* Stable lower-case name used in JSON ("pass", "warn", ...). */
const char *td_status_to_string(TdStatus status);
TdStatus td_status_from_string(const char *s);

typedef struct {
        char *key;
        char *value;
} TdDetail;

/*
 * One check's verdict. Checks fill it through the setters below; frontends read the
 * fields. Everything a result points to is owned by it.
 */
typedef struct TdResult {
        const TdCheck *check; /* borrowed from the registry */
        TdStatus status;
        char *cause;   /* stable machine code, NULL on pass */
        char *message; /* already translated */
        TdDetail *details;
        size_t n_details;
        int64_t duration_ms;
        int64_t deadline_ms; /* monotonic; a check bounds its own waits with it */
} TdResult;

/* Initialise an empty result for @check (status ERROR until a verdict is set). */
void td_result_init(TdResult *r, const TdCheck *check);
/* Free what @r owns; @r itself is the caller's. Safe on a zeroed result. */
void td_result_clear(TdResult *r);
/* Move the contents of @src into @dst (cleared first); @src is left empty. */
void td_result_move(TdResult *dst, TdResult *src);

/*
 * Record the verdict. @cause is required for WARN, FAIL and ERROR and ignored (NULL) on
 * PASS; @fmt is a translated printf format. Returns 0, or -ENOMEM / -EINVAL.
 */
int td_result_set(TdResult *r, TdStatus status, const char *cause, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int td_result_setv(TdResult *r, TdStatus status, const char *cause, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));

/* Append a key/value detail (keys are stable ASCII; values may be translated text). */
int td_result_add_detail(TdResult *r, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The value of detail @key, or NULL. Borrowed. */
const char *td_result_get_detail(const TdResult *r, const char *key);

/* Milliseconds left before this check's deadline (0 when already past). */
int64_t td_result_remaining_ms(const TdResult *r);
/*
 * The time to give one wait of the check (a helper process, a request): what is left less
 * @margin_ms for reporting, kept within [@min_ms, @max_ms].
 */
unsigned td_result_budget_ms(const TdResult *r, unsigned margin_ms, unsigned min_ms, unsigned max_ms);
