/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
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
        json_object_put(r->details);
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

/* Out of memory, or a group that could not be made: the engine turns the verdict into ERROR. */
static int incomplete(TdResult *r) {
        r->details_incomplete = true;
        return -ENOMEM;
}

static json_object *target(TdResult *r, json_object *obj) {
        if (obj)
                return obj;
        if (!r->details)
                r->details = json_object_new_object();
        return r->details;
}

/* Set member @key of @obj (NULL: the details) to @value, which it takes. */
static int set_member(TdResult *r, json_object *obj, const char *key, json_object *value) {
        json_object *t = target(r, obj);
        if (!t || !value || !json_object_is_type(t, json_type_object) ||
            json_object_object_add(t, key, value) < 0) {
                json_object_put(value);
                return incomplete(r);
        }
        return 0;
}

/* Every string in the details is valid UTF-8, whatever a file, a device or a server gave us. */
static json_object *new_text(const char *s) {
        _cleanup_free_ char *clean = td_utf8_sanitize(s);
        return clean ? json_object_new_string(clean) : NULL;
}

static json_object *new_text_v(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static json_object *new_text_v(const char *fmt, va_list ap) {
        _cleanup_free_ char *text = td_strdup_vprintf(fmt, ap);
        return text ? new_text(text) : NULL;
}

int td_detail_set_string(TdResult *r, json_object *obj, const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        json_object *v = new_text_v(fmt, ap);
        va_end(ap);
        return v ? set_member(r, obj, key, v) : incomplete(r);
}

int td_result_add_detail(TdResult *r, const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        json_object *v = new_text_v(fmt, ap);
        va_end(ap);
        return v ? set_member(r, NULL, key, v) : incomplete(r);
}

int td_detail_set_int(TdResult *r, json_object *obj, const char *key, int64_t value) {
        json_object *v = json_object_new_int64(value);
        return v ? set_member(r, obj, key, v) : incomplete(r);
}

int td_detail_set_double(TdResult *r, json_object *obj, const char *key, double value) {
        json_object *v = json_object_new_double(value);
        return v ? set_member(r, obj, key, v) : incomplete(r);
}

int td_detail_set_bool(TdResult *r, json_object *obj, const char *key, bool value) {
        json_object *v = json_object_new_boolean(value);
        return v ? set_member(r, obj, key, v) : incomplete(r);
}

int td_detail_set_null(TdResult *r, json_object *obj, const char *key) {
        json_object *t = target(r, obj);
        if (!t || !json_object_is_type(t, json_type_object) || json_object_object_add(t, key, NULL) < 0)
                return incomplete(r);
        return 0;
}

int td_detail_set_strv(TdResult *r, json_object *obj, const char *key, const char *const *value) {
        json_object *array = json_object_new_array();
        if (!array)
                return incomplete(r);
        for (const char *const *s = value; s && *s; s++) {
                json_object *item = new_text(*s);
                if (!item || json_object_array_add(array, item) < 0) {
                        json_object_put(item);
                        json_object_put(array);
                        return incomplete(r);
                }
        }
        return set_member(r, obj, key, array);
}

json_object *td_detail_add_object(TdResult *r, json_object *obj, const char *key) {
        json_object *v = json_object_new_object();
        return v && set_member(r, obj, key, v) == 0 ? v : (incomplete(r), NULL);
}

json_object *td_detail_add_array(TdResult *r, json_object *obj, const char *key) {
        json_object *v = json_object_new_array();
        return v && set_member(r, obj, key, v) == 0 ? v : (incomplete(r), NULL);
}

json_object *td_detail_get_array(TdResult *r, json_object *obj, const char *key) {
        json_object *t = target(r, obj), *v;
        if (t && json_object_is_type(t, json_type_object) && json_object_object_get_ex(t, key, &v) &&
            json_object_is_type(v, json_type_array))
                return v;
        return td_detail_add_array(r, obj, key);
}

json_object *td_detail_append_object(TdResult *r, json_object *array) {
        json_object *v = json_object_new_object();
        if (!v || !array || !json_object_is_type(array, json_type_array) ||
            json_object_array_add(array, v) < 0) {
                json_object_put(v);
                incomplete(r);
                return NULL;
        }
        return v;
}

int td_detail_append_string(TdResult *r, json_object *array, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        json_object *v = new_text_v(fmt, ap);
        va_end(ap);
        if (!v || !array || !json_object_is_type(array, json_type_array) ||
            json_object_array_add(array, v) < 0) {
                json_object_put(v);
                return incomplete(r);
        }
        return 0;
}

/* Walk @path; true when it names a member or element (whose value may be JSON null). */
static bool detail_walk(const TdResult *r, const char *path, json_object **ret_node) {
        json_object *node = r->details;
        _cleanup_free_ char *copy = strdup(path);
        if (!copy || !node)
                return false;
        char *save = NULL;
        for (char *seg = strtok_r(copy, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
                if (json_object_is_type(node, json_type_array)) {
                        char *end;
                        unsigned long i = strtoul(seg, &end, 10);
                        if (!*seg || *end || i >= json_object_array_length(node))
                                return false;
                        node = json_object_array_get_idx(node, i);
                } else if (!json_object_is_type(node, json_type_object) ||
                           !json_object_object_get_ex(node, seg, &node))
                        return false;
        }
        *ret_node = node;
        return true;
}

struct json_object *td_result_get_detail_node(const TdResult *r, const char *path) {
        json_object *node;
        return detail_walk(r, path, &node) ? node : NULL;
}

bool td_result_has_detail(const TdResult *r, const char *path) {
        json_object *node;
        return detail_walk(r, path, &node);
}

const char *td_result_get_detail(const TdResult *r, const char *path) {
        json_object *node = td_result_get_detail_node(r, path);
        /* json-c keeps the text of a scalar on the object, so the result is borrowed from it. */
        return node ? json_object_get_string(node) : NULL;
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
