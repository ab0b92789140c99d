/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one thing a user of the one-click check needs at the end: can I go on with 【CA 续期】,
 * and if not, what do I do next and whom do I ask. Decided from the results alone, so the text
 * output, the JSON and the window say the same.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "td-engine.h"

typedef enum {
        TD_VERDICT_READY,        /* every check passed (warnings aside): renewal can go on */
        TD_VERDICT_INSERT_TOKEN, /* 无锁检测 passed: insert the token and run 插锁一键检测 */
        TD_VERDICT_PROBLEMS,     /* something failed or could not be checked: not yet */
        TD_VERDICT_CANCELLED,    /* the run was stopped before it ended */
        TD_VERDICT_PARTIAL,      /* what --only selected passed: not yet the whole check */
        _TD_VERDICT_MAX,
} TdVerdictCode;

/* Who takes the next step for one problem. */
typedef enum {
        TD_NEXT_FIX,     /* the user: `tokendoctor fix ID` */
        TD_NEXT_ADMIN,   /* the computer's administrator: the same command asks for their password */
        TD_NEXT_SUPPORT, /* the platform's 客服, with what the check found */
        _TD_NEXT_MAX,
} TdNextStep;

typedef struct {
        const TdResult *result; /* borrowed from the report */
        TdNextStep next;
} TdVerdictItem;

typedef struct TdVerdict {
        TdVerdictCode code;
        TdVerdictItem *items; /* the problems (FAIL and ERROR), in the report's order */
        size_t n_items;
        size_t n_warnings; /* WARN results: named in the output, not blocking */
        /*
         * What the user is shown, per status: not the checks --only left out, nor the token
         * checks a 无锁 run leaves for 插锁一键检测 (@n_deferred, shown as one line).
         */
        unsigned shown[_TD_STATUS_MAX];
        size_t n_deferred;
} TdVerdict;

/*
 * The verdict of @report, a run with or without the token (@no_token). 0 and *@ret (clear it
 * with td_verdict_clear(); it borrows from @report), or -ENOMEM.
 */
int td_verdict_from_report(const TdReport *report, bool no_token, TdVerdict *ret);
void td_verdict_clear(TdVerdict *v);

/* "ready", "insert-token", "problems", "cancelled", "partial"; "fix", "admin", "support". Static. */
const char *td_verdict_code_to_string(TdVerdictCode code);
const char *td_next_step_to_string(TdNextStep next);

/* The verdict's sentence, translated ("Verdict: ..."). A new string, or NULL on ENOMEM. */
char *td_verdict_text(const TdVerdict *v);

/*
 * The next step, one sentence over every problem: the fix commands the user runs, those the
 * administrator runs, and the checks whose advice the user follows. @fix_options is appended
 * to each fix command (" --root DIR", or ""). A new string; NULL when there is no problem,
 * or on ENOMEM.
 */
char *td_verdict_next_text(const TdVerdict *v, const char *fix_options);

/*
 * How to reach the platform's 客服 and what to send them (@contact: the profile's [support]
 * contact, NULL for none). A new string, or NULL on ENOMEM.
 */
char *td_support_request_text(const char *contact);

/*
 * The heading a check's category is shown under (system → 系统环境, drivers → 驱动, browser,
 * network, token → CA 锁, certificate → 证书, seal → 签章), and its place among them (0...);
 * an unknown category is shown as it is, last. Translated, static or @category itself.
 */
const char *td_category_title(const char *category);
int td_category_rank(const char *category);

/* The status as a user reads it (通过, 提示, 需处理, 未检测, 无法检测). Translated, static. */
const char *td_status_word(TdStatus status);

/* Whether the user sees @r: not a check --only left out, nor a token check of a 无锁 run. */
bool td_result_is_shown(const TdResult *r);
/* Whether @r is a token check a 无锁 run leaves for 插锁一键检测. */
bool td_result_is_deferred(const TdResult *r);
/*
 * Whether @r needs someone else's help: a problem tokendoctor cannot repair (so 客服's contact
 * goes with it).
 */
bool td_result_needs_help(const TdResult *r);
/*
 * What every frontend shows under a problem, after its advice: the 客服 line where 客服 must
 * help and the advice does not already name them (td_support_request_text() of @contact), and
 * the code for 客服 ("net.dns (check net.platform, for 客服)"). New strings; NULL when there is
 * none (or on ENOMEM).
 */
char *td_result_support_text(const TdResult *r, const char *contact);
char *td_result_problem_code(const TdResult *r);
