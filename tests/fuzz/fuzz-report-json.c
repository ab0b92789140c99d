/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading a `check --json` document back (a report a user sends to support) from arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokendoctor/td-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 20)
                return 0;
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        TdReportDocument *doc = NULL;
        char *error = NULL;
        if (td_report_document_from_json(s, &doc, &error) == 0) {
                /* What was read can be written again. */
                free(td_report_to_json(&doc->report, doc->profile, false));
                td_report_document_free(doc);
        }
        free(error);
        free(s);
        return 0;
}
