/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-fix.h"
#include "tokendoctor/td-strv.h"

static void change_clear(TdChange *c) {
        free(c->summary);
        free(c->path);
        free(c->target);
        if (c->content)
                td_secure_wipe(c->content, c->content_len);
        free(c->content);
        td_strv_free(c->argv);
        td_strv_free(c->paths);
        free(c->verb);
        free(c->arg);
}

void td_fix_plan_clear(TdFixPlan *plan) {
        if (!plan)
                return;
        for (size_t i = 0; i < plan->n_changes; i++)
                change_clear(&plan->changes[i]);
        free(plan->changes);
        free(plan->afterwards);
        *plan = (TdFixPlan){ 0 };
}

bool td_fix_plan_is_privileged(const TdFixPlan *plan) {
        for (size_t i = 0; i < plan->n_changes; i++)
                if (plan->changes[i].kind == TD_CHANGE_HELPER)
                        return true;
        return false;
}

/* A path the runner may be handed: absolute, no "..", no empty or "." component. */
static bool path_is_plain(const char *path) {
        if (!path || path[0] != '/' || strlen(path) > 4096)
                return false;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t n = (size_t) (end - p);
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p = end;
        }
        return true;
}

/* Append a change taking @summary_fmt; returns it, or NULL on ENOMEM. */
__attribute__((format(printf, 3, 0))) static TdChange *add_change(TdFixPlan *plan, TdChangeKind kind,
                                                                  const char *summary_fmt, va_list ap) {
        char *summary = td_strdup_vprintf(summary_fmt, ap);
        if (!summary)
                return NULL;
        TdChange *grown = realloc(plan->changes, (plan->n_changes + 1) * sizeof *grown);
        if (!grown) {
                free(summary);
                return NULL;
        }
        plan->changes = grown;
        TdChange *c = &plan->changes[plan->n_changes++];
        *c = (TdChange){ .kind = kind, .summary = summary };
        return c;
}

/* Undo add_change() after a later allocation failed. */
static int drop_last(TdFixPlan *plan) {
        change_clear(&plan->changes[--plan->n_changes]);
        return -ENOMEM;
}

int td_fix_plan_write_file(TdFixPlan *plan, const char *path, const void *content, size_t len, unsigned mode,
                           const char *summary_fmt, ...) {
        if (!path_is_plain(path) || (!content && len > 0) || mode > 07777)
                return -EINVAL;
        va_list ap;
        va_start(ap, summary_fmt);
        TdChange *c = add_change(plan, TD_CHANGE_WRITE_FILE, summary_fmt, ap);
        va_end(ap);
        if (!c)
                return -ENOMEM;
        c->path = strdup(path);
        c->content = malloc(len + 1);
        if (!c->path || !c->content)
                return drop_last(plan);
        if (len > 0)
                memcpy(c->content, content, len);
        c->content[len] = '\0';
        c->content_len = len;
        c->mode = mode;
        return 0;
}

static bool same_directory(const char *a, const char *b) {
        const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
        return sa - a == sb - b && strncmp(a, b, (size_t) (sa - a)) == 0 && sb[1] != '\0' && !streq(a, b);
}

/* A change of a path and a target (a new name, a link's text). */
__attribute__((format(printf, 5, 0))) static int add_path_target(TdFixPlan *plan, TdChangeKind kind,
                                                                 const char *path, const char *target,
                                                                 const char *summary_fmt, va_list ap) {
        TdChange *c = add_change(plan, kind, summary_fmt, ap);
        if (!c)
                return -ENOMEM;
        c->path = strdup(path);
        c->target = strdup(target);
        return c->path && c->target ? 0 : drop_last(plan);
}

int td_fix_plan_move_aside(TdFixPlan *plan, const char *path, const char *target, const char *summary_fmt,
                           ...) {
        if (!path_is_plain(path) || !path_is_plain(target) || !same_directory(path, target))
                return -EINVAL;
        va_list ap;
        va_start(ap, summary_fmt);
        int r = add_path_target(plan, TD_CHANGE_MOVE_ASIDE, path, target, summary_fmt, ap);
        va_end(ap);
        return r;
}

int td_fix_plan_write_link(TdFixPlan *plan, const char *path, const char *target, const char *summary_fmt,
                           ...) {
        if (!path_is_plain(path) || isempty(target))
                return -EINVAL;
        va_list ap;
        va_start(ap, summary_fmt);
        int r = add_path_target(plan, TD_CHANGE_WRITE_LINK, path, target, summary_fmt, ap);
        va_end(ap);
        return r;
}

int td_fix_plan_run(TdFixPlan *plan, const char *const *argv, const char *const *paths,
                    const char *summary_fmt, ...) {
        if (!argv || !argv[0] || argv[0][0] != '/')
                return -EINVAL;
        for (const char *const *p = paths; p && *p; p++)
                if (!path_is_plain(*p))
                        return -EINVAL;
        va_list ap;
        va_start(ap, summary_fmt);
        TdChange *c = add_change(plan, TD_CHANGE_RUN, summary_fmt, ap);
        va_end(ap);
        if (!c)
                return -ENOMEM;
        c->argv = td_strv_copy(argv);
        c->paths = td_strv_copy(paths);
        return c->argv && c->paths ? 0 : drop_last(plan);
}

int td_fix_plan_helper(TdFixPlan *plan, const char *verb, const char *arg, const char *summary_fmt, ...) {
        if (isempty(verb))
                return -EINVAL;
        va_list ap;
        va_start(ap, summary_fmt);
        TdChange *c = add_change(plan, TD_CHANGE_HELPER, summary_fmt, ap);
        va_end(ap);
        if (!c)
                return -ENOMEM;
        c->verb = strdup(verb);
        c->arg = arg ? strdup(arg) : NULL;
        return c->verb && (!arg || c->arg) ? 0 : drop_last(plan);
}

int td_fix_plan_set_afterwards(TdFixPlan *plan, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *text = td_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!text)
                return -ENOMEM;
        free(plan->afterwards);
        plan->afterwards = text;
        return 0;
}

int td_fix_plan_for(TdContext *ctx, const TdResult *result, TdFixPlan *plan, char **ret_why) {
        *plan = (TdFixPlan){ 0 };
        *ret_why = NULL;
        if (result->status == TD_STATUS_PASS || result->status == TD_STATUS_SKIP)
                return TD_FIX_NOTHING;
        const TdFix *fix = result->check->fix;
        if (!td_result_has_fix(result) || !fix || !fix->plan)
                return TD_FIX_NONE;
        int r = fix->plan(ctx, result, plan, ret_why);
        if (r >= 0 && plan->n_changes > 0)
                return TD_FIX_PLANNED;
        td_fix_plan_clear(plan);
        if (r == -ENOMEM) {
                free(*ret_why);
                *ret_why = NULL;
                return -ENOMEM;
        }
        if (!*ret_why)
                *ret_why = td_strdup_printf(_("The repair could not be planned: %s."),
                                            strerror(r < 0 ? -r : ENODATA));
        return *ret_why ? TD_FIX_CANNOT : -ENOMEM;
}
