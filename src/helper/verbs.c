/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verbs the helper knows, and the grammar of each one's argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "helper.h"
#include "repair/td-repair-text.h"
#include "td-util.h"

static const TdHelperVerb *const verbs[] = {
        &td_helper_verb_start_pcscd,    &td_helper_verb_install_package, &td_helper_verb_generate_locale,
        &td_helper_verb_enable_ntp,     &td_helper_verb_allow_pcscd,     &td_helper_verb_install_udev_rule,
        &td_helper_verb_disable_module, &td_helper_verb_restore,
};

const TdHelperVerb *td_helper_verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i]->name, name))
                        return verbs[i];
        return NULL;
}

/* The argument's grammar, from td-repair-text (the checks offer only what passes it). */
static bool grammar_ok(const TdHelperVerb *verb, const char *arg) {
        if (verb == &td_helper_verb_install_package)
                return td_repair_package_name_is_valid(arg);
        if (verb == &td_helper_verb_generate_locale)
                return td_repair_locale_is_allowed(arg);
        if (verb == &td_helper_verb_install_udev_rule)
                return td_repair_usb_id_parse(arg, NULL, NULL) >= 0;
        if (verb == &td_helper_verb_disable_module)
                return td_repair_module_name_is_valid(arg);
        if (verb == &td_helper_verb_restore)
                return td_journal_id_is_valid(arg);
        return false;
}

int td_helper_verb_check_grammar(const TdHelperVerb *verb, const char *arg) {
        if (!verb->arg_name) {
                if (!arg)
                        return 0;
                td_helper_error("%s takes no argument", verb->name);
                return EX_USAGE;
        }
        if (!arg) {
                td_helper_error("%s needs %s", verb->name, verb->arg_name);
                return EX_USAGE;
        }
        if (!grammar_ok(verb, arg)) {
                _cleanup_free_ char *q = td_helper_quote(arg);
                td_helper_error("%s: \"%s\" is not %s", verb->name, q ? q : "", verb->arg_grammar);
                return EX_USAGE;
        }
        return 0;
}

void td_helper_print_help(void) {
        printf("Usage: tokendoctor-helper [--dry-run] VERB [ARG]\n\n"
               "The repairs of tokendoctor that need root, started through pkexec. Each change is\n"
               "kept in a journal entry under " TD_HELPER_JOURNAL_DIR ", whose id it prints\n"
               "(\"journal ID\"); `restore ID` puts it back.\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                _cleanup_free_ char *head =
                        td_strdup_printf("%s%s%s", verbs[i]->name, verbs[i]->arg_name ? " " : "",
                                         verbs[i]->arg_name ? verbs[i]->arg_name : "");
                printf("  %-34s %s\n", head ? head : verbs[i]->name, verbs[i]->summary);
        }
        printf("\nOptions:\n"
               "  --dry-run   validate, then print the steps instead of making them\n"
               "  --help      this text\n"
               "  --version   the version\n\n"
               "Exit status: 0 done, 1 failed and put back, 64 refused (a verb or argument not\n"
               "allowed), 69 not possible on this system, 77 not root.\n");
}

char *td_helper_quote(const char *s) {
        return td_helper_quote_n(s, 80);
}

char *td_helper_quote_n(const char *s, size_t max) {
        size_t n = s ? strlen(s) : 0;
        char *out = malloc(max * 4 + 4);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n && i < max; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        out[o++] = (char) c;
                else
                        o += (size_t) snprintf(out + o, 5, "\\x%02x", c);
        }
        if (n > max) {
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = '\0';
        return out;
}
