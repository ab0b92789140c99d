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

/*
 * The repair `tokendoctor fix` performs for a result, decided by the engine from the check's
 * declared fix (td-fix.h) once the verdict is in; all false/NULL when there is none.
 */
typedef struct {
        bool offered;
        bool privileged;     /* it goes through tokendoctor-helper (pkexec) */
        const char *summary; /* an N_() text (show td_gettext() of it), or a document's own text; borrowed */
} TdFixOffer;

/* json-c's value type: details are typed JSON (objects, arrays, strings, numbers, booleans). */
struct json_object;

/*
 * One check's verdict. Checks fill it through the setters below; frontends read the
 * fields. Everything a result points to is owned by it.
 */
typedef struct TdResult {
        const TdCheck *check; /* borrowed from the registry */
        TdStatus status;
        char *cause;   /* stable machine code, NULL on pass */
        char *message; /* already translated */
        /*
         * What the check saw, as a JSON object (json-c), grouped per token, URL or module; the
         * shape of each check's is documented in data/report.schema.json. NULL until the first
         * detail. Read it with json-c; write it through the functions below.
         */
        struct json_object *details;
        /* A detail could not be recorded (out of memory): the engine reports the check as
         * ERROR rather than a verdict on what it could not write down. */
        bool details_incomplete;
        TdFixOffer fix;
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

/*
 * Details. Each setter writes member @key of @obj, an object of this result's details (NULL
 * for the details object itself), replacing an earlier value of the key. A setter that fails
 * (out of memory, or a NULL @obj from a failed group below) marks the result incomplete and
 * the engine then reports the check as ERROR, so checks need not test the return value; it is
 * 0 or -ENOMEM for callers that care. @key is stable ASCII; string values may be translated
 * text, and text that is not UTF-8 is repaired when written out.
 */
int td_detail_set_string(TdResult *r, struct json_object *obj, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int td_detail_set_int(TdResult *r, struct json_object *obj, const char *key, int64_t value);
int td_detail_set_double(TdResult *r, struct json_object *obj, const char *key, double value);
int td_detail_set_bool(TdResult *r, struct json_object *obj, const char *key, bool value);
int td_detail_set_null(TdResult *r, struct json_object *obj, const char *key);
/* An array of strings (@value NULL-terminated; NULL gives an empty array). */
int td_detail_set_strv(TdResult *r, struct json_object *obj, const char *key, const char *const *value);
/*
 * A new empty object (or array) as member @key of @obj (NULL: the details object), replacing
 * what was there; borrowed, valid while the result lives. NULL when out of memory (marked).
 */
struct json_object *td_detail_add_object(TdResult *r, struct json_object *obj, const char *key);
struct json_object *td_detail_add_array(TdResult *r, struct json_object *obj, const char *key);
/* Member @key of @obj if it is an array, else a new one there. Borrowed; NULL when out of memory. */
struct json_object *td_detail_get_array(TdResult *r, struct json_object *obj, const char *key);
/* A new empty object appended to @array. Borrowed; NULL when out of memory (marked). */
struct json_object *td_detail_append_object(TdResult *r, struct json_object *array);
/* A string appended to @array (printf format). */
int td_detail_append_string(TdResult *r, struct json_object *array, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Shorthand for the top level: td_detail_set_string(r, NULL, key, fmt, ...). */
int td_result_add_detail(TdResult *r, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * The detail at @path: member names joined by '.', array elements by their index from 0
 * ("urls.0.http_status"). Scalars come as text ("200", "true"), objects and arrays as JSON.
 * NULL when absent. Borrowed: valid until the result changes.
 */
const char *td_result_get_detail(const TdResult *r, const char *path);
/* The JSON value at @path itself (its type matters), or NULL when absent. Borrowed. */
struct json_object *td_result_get_detail_node(const TdResult *r, const char *path);
/* Whether @path names a detail, JSON null included. */
bool td_result_has_detail(const TdResult *r, const char *path);

/* Milliseconds left before this check's deadline (0 when already past). */
int64_t td_result_remaining_ms(const TdResult *r);
/*
 * The time to give one wait of the check (a helper process, a request): what is left less
 * @margin_ms for reporting, kept within [@min_ms, @max_ms].
 */
unsigned td_result_budget_ms(const TdResult *r, unsigned margin_ms, unsigned min_ms, unsigned max_ms);
