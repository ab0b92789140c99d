/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-util.h"

int td_option_error(const char *verb, int c, char **argv) {
        if (c == ':')
                return td_usage_error(verb, _("option '%s' needs a value"), argv[optind - 1]);
        return td_usage_error(verb, _("unknown option '%s'"), argv[optind - 1]);
}

int td_option_profile(const char *verb, const char *arg, const char **ret_profile) {
        if (isempty(arg))
                return td_usage_error(verb, _("--profile needs a name or a file"));
        *ret_profile = arg;
        return 0;
}

int td_option_root(const char *verb, const char *arg, const char **ret_root) {
        struct stat st;
        if (isempty(arg) || stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
                return td_usage_error(verb, _("--root %s: not a directory"), arg);
        *ret_root = arg;
        return 0;
}

int td_option_timeout(const char *verb, const char *arg, unsigned *ret_ms) {
        if (td_parse_timeout(arg, ret_ms) < 0)
                return td_usage_error(
                        verb, _("--timeout '%s': give a number of seconds greater than 0 (at most 86400)"),
                        arg);
        return 0;
}

int td_parse_timeout(const char *s, unsigned *ret_ms) {
        if (isempty(s))
                return -EINVAL;
        char *end;
        errno = 0;
        double seconds = strtod(s, &end);
        if (errno || *end || !isfinite(seconds) || seconds <= 0 || seconds > 86400)
                return -EINVAL;
        unsigned ms = (unsigned) (seconds * 1000.0 + 0.5);
        *ret_ms = ms ? ms : 1;
        return 0;
}
