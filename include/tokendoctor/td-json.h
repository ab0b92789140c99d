/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every JSON document tokendoctor writes (check, list, cert, watch, errors) is made here, and
 * a `check --json` document can be read back into results (for the report and triage
 * commands). Each carries "schema": TD_JSON_SCHEMA, raised on any incompatible change; the
 * shapes are described in data/report.schema.json.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "td-check.h"
#include "td-engine.h"
#include "td-repair.h"
#include "td-token.h"
#include "td-watch.h"

#define TD_JSON_SCHEMA 1

/*
 * The `check --json` object of CONTRACT.md for @report. Newly allocated UTF-8 text
 * (free()), or NULL on ENOMEM. @profile_id may be NULL.
 */
char *td_report_to_json(const TdReport *report, const char *profile_id, bool pretty);
/* The same, with `check`'s "verdict" object for @verdict (NULL: none) and 客服's @contact (or NULL). */
struct TdVerdict;
char *td_check_report_to_json(const TdReport *report, const char *profile_id,
                              const struct TdVerdict *verdict, const char *contact, bool pretty);

/* The `list --json` object for @checks. Newly allocated (free()), or NULL on ENOMEM. */
char *td_checks_to_json(const TdCheck *const *checks, size_t n_checks, bool pretty);

/* The `cert --json` object for @token, days counted from @now. Newly allocated, or NULL. */
char *td_token_info_to_json(const TdTokenInfo *token, time_t now, bool pretty);

/* One `watch --json` line for @event seen at @when (ISO 8601 text). Newly allocated, or NULL. */
char *td_watch_event_to_json(const TdWatchEvent *event, const char *when);

/*
 * What a verb prints with --json when it fails before it has anything else to say:
 * {"schema", "tool", "version", "error": {"code", "message"}}. @code is a stable
 * machine word ("usage", "profile", "no-token", ...). Newly allocated, or NULL.
 */
char *td_error_to_json(const char *code, const char *message);

/* One check's part of `fix --json`. Everything is borrowed. */
typedef struct {
        const TdCheck *check;
        /*
         * "nothing-to-fix" (it passes), "no-repair" (no automatic repair for this result),
         * "cannot" (the repair cannot be made here: @why), "planned" (--dry-run), "declined"
         * (the user said no), "cancelled" (Ctrl-C: rolled back or never begun), "repaired" (applied,
         * and the check now passes), "not-verified"
         * (applied, the check still does not pass), "failed" (rolled back: @outcome says why)
         */
        const char *status;
        const TdResult *before;         /* the result to repair, or NULL */
        const TdFixPlan *plan;          /* NULL when there is none */
        const char *why;                /* "cannot": the reason */
        const TdRepairOutcome *outcome; /* after an attempt, or NULL */
        const TdResult *after;          /* the check run again after the changes, or NULL */
} TdFixReportItem;

/*
 * The `fix --json` document: {"schema", "tool", "version", "profile", "dry_run", "fixes": [...]}.
 * @contact: the profile's [support] contact, named by advice that sends the user to 客服.
 */
char *td_fix_report_to_json(const TdFixReportItem *items, size_t n_items, const char *profile_id,
                            const char *contact, bool dry_run, bool pretty);
/* The `undo --json` document: {"schema", ..., "undo": {"journal", "status", "error"}}. */
char *td_undo_report_to_json(const TdRepairOutcome *outcome, bool ok, bool pretty);

/*
 * A `check --json` document read back. The results' check descriptors are made from the
 * document (id, category, title, fix) and owned by it: they need not exist in this build.
 */
typedef struct {
        int schema;
        char *tool_version;
        char *profile;         /* NULL when the document names none */
        TdReport report;       /* .cancelled as the document says */
        TdCheck *checks;       /* one per result */
        TdFix *fixes;          /* one per result, used where the document has a fix */
        char **checks_strings; /* private: the strings the descriptors point to */
} TdReportDocument;

/*
 * Parse @text as a `check --json` document of schema TD_JSON_SCHEMA or older. 0 and
 * *@ret_doc (td_report_document_free()), -EBADMSG when it is not one (with *@ret_error, when
 * non-NULL, a new one-line English description of what is wrong), -EPROTONOSUPPORT for a
 * newer schema, or -ENOMEM.
 */
int td_report_document_from_json(const char *text, TdReportDocument **ret_doc, char **ret_error);
void td_report_document_free(TdReportDocument *doc);
