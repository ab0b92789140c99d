/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef TD_INIPARSER_SUBDIR
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

#include "td-i18n.h"
#include "td-ini.h"
#include "td-util.h"

/* A section header (key NULL) or a key line, as our own scan of the text found it. */
typedef struct {
        char *section;
        char *key;
        unsigned line;
} IniLine;

/* A key=value entry of iniparser's dictionary; every pointer is borrowed from it. */
typedef struct {
        const char *section;
        const char *key;
        const char *value;
} IniEntry;

struct TdIni {
        dictionary *dict;
        IniLine *lines;
        size_t n_lines;
        const char **sections; /* borrowed from dict */
        size_t n_sections;
        IniEntry *entries;
        size_t n_entries;
};

/*
 * iniparser reports errors only through one process-wide callback: loads hold this lock
 * while the callback is ours, and the callback keeps the first message it gets.
 */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static char captured_text[1024];
static bool captured;
static int captured_errno;

static int capture_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int capture_error(const char *fmt, ...) {
        int saved_errno = errno;
        if (captured)
                return 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(captured_text, sizeof captured_text, fmt, ap);
        va_end(ap);
        captured = true;
        captured_errno = saved_errno;
        return 0;
}

void td_ini_free(TdIni *ini) {
        if (!ini)
                return;
        if (ini->dict)
                iniparser_freedict(ini->dict);
        for (size_t i = 0; i < ini->n_lines; i++) {
                free(ini->lines[i].section);
                free(ini->lines[i].key);
        }
        free(ini->lines);
        free(ini->sections);
        free(ini->entries);
        free(ini);
}

static int set_error(char **ret_error, unsigned *ret_line, unsigned line, int r, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int set_error(char **ret_error, unsigned *ret_line, unsigned line, int r, const char *fmt, ...) {
        if (ret_error) {
                va_list ap;
                va_start(ap, fmt);
                char *msg = td_strdup_vprintf(fmt, ap);
                va_end(ap);
                if (!msg)
                        return -ENOMEM;
                *ret_error = msg;
        }
        if (ret_line)
                *ret_line = line;
        return r;
}

/* Read the whole file, refusing what is not a regular file or is too big to be a profile. */
static int read_text(const char *path, char **ret_text, size_t *ret_len) {
        /* O_NONBLOCK: opening a FIFO must not hang; it is refused below anyway. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;

        struct stat st;
        int r = td_fd_require_regular(fd, &st);
        if (r < 0)
                return r;
        if (st.st_size > TD_INI_MAX_SIZE)
                return -EFBIG;

        return td_read_fd(fd, TD_INI_MAX_SIZE, ret_text, ret_len);
}

/* Offset of the first byte that is not part of well-formed UTF-8, or @len. */
static size_t utf8_invalid_offset(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0;

        while (i < len) {
                unsigned char c = p[i];
                size_t n;
                uint32_t cp, min;

                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xE0) == 0xC0) {
                        n = 1, cp = c & 0x1F, min = 0x80;
                } else if ((c & 0xF0) == 0xE0) {
                        n = 2, cp = c & 0x0F, min = 0x800;
                } else if ((c & 0xF8) == 0xF0) {
                        n = 3, cp = c & 0x07, min = 0x10000;
                } else
                        return i;

                if (len - i <= n)
                        return i;
                for (size_t k = 1; k <= n; k++) {
                        if ((p[i + k] & 0xC0) != 0x80)
                                return i;
                        cp = (cp << 6) | (p[i + k] & 0x3F);
                }
                /* Overlong forms and UTF-16 surrogates are not UTF-8 either. */
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                        return i;
                i += n + 1;
        }
        return len;
}

static unsigned line_of_offset(const char *text, size_t offset) {
        unsigned line = 1;
        for (size_t i = 0; i < offset; i++)
                if (text[i] == '\n')
                        line++;
        return line;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Strip ASCII white space off both ends of text[*start, *end). */
static void strip_range(const char *text, size_t *start, size_t *end) {
        while (*start < *end && is_space(text[*start]))
                (*start)++;
        while (*end > *start && is_space(text[*end - 1]))
                (*end)--;
}

/* A lower-cased, stripped copy, as iniparser folds section and key names (ASCII only). */
static char *name_dup(const char *s, size_t len) {
        size_t start = 0, end = len;
        strip_range(s, &start, &end);
        char *name = strndup(s + start, end - start);
        if (!name)
                return NULL;
        for (char *c = name; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                        *c = (char) (*c - 'A' + 'a');
        return name;
}

/* The text of physical line @line (1-based), stripped and cut short for a message. */
static char *line_excerpt(const char *text, size_t len, unsigned line) {
        size_t start = 0;
        for (unsigned l = 1; l < line && start < len; start++)
                if (text[start] == '\n')
                        l++;
        size_t end = start;
        while (end < len && text[end] != '\n')
                end++;
        strip_range(text, &start, &end);

        const size_t max = 60;
        if (end - start <= max)
                return strndup(text + start, end - start);
        /* Cut at a character boundary: the text is valid UTF-8 by now. */
        size_t cut = start + max;
        while (cut > start && ((unsigned char) text[cut] & 0xC0) == 0x80)
                cut--;
        return td_strdup_printf("%.*s...", (int) (cut - start), text + start);
}

static int push_line(TdIni *ini, const char *section, const char *key, unsigned line) {
        IniLine *grown = realloc(ini->lines, (ini->n_lines + 1) * sizeof(IniLine));
        if (!grown)
                return -ENOMEM;
        ini->lines = grown;
        IniLine *l = &ini->lines[ini->n_lines];
        *l = (IniLine){ .line = line };
        l->section = strdup(section);
        l->key = key ? strdup(key) : NULL;
        ini->n_lines++;
        if (!l->section || (key && !l->key))
                return -ENOMEM;
        return 0;
}

/*
 * Our own pass over the text, before iniparser: it catches what iniparser accepts silently
 * or garbles (NUL bytes, other encodings, a BOM, keys outside a section, "[]") and records
 * the line of every section header and key, which iniparser does not keep. It follows
 * iniparser's line rules: trailing '\' joins the next line, ';' and '#' start comments,
 * "[...]" is a header, the key ends at the first '='.
 */
static int scan_text(TdIni *ini, const char *text, size_t len, unsigned *ret_line, char **ret_error) {
        if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
                return set_error(
                        ret_error, ret_line, 1, -EINVAL, "%s",
                        _("the file starts with a byte order mark (BOM); save it as UTF-8 without BOM"));

        const char *nul = memchr(text, '\0', len);
        if (nul)
                return set_error(ret_error, ret_line, line_of_offset(text, (size_t) (nul - text)), -EINVAL,
                                 "%s", _("the file contains a NUL byte, so it is not a text file"));

        size_t bad = utf8_invalid_offset(text, len);
        if (bad < len)
                return set_error(
                        ret_error, ret_line, line_of_offset(text, bad), -EINVAL, "%s",
                        _("the text is not valid UTF-8; save the file as UTF-8 (not GBK or GB18030)"));

        _cleanup_free_ char *section = NULL;
        _cleanup_free_ char *logical = NULL;
        size_t logical_len = 0;
        unsigned logical_line = 0, line = 0;
        size_t n_entries = 0;
        /*
         * Once a line is one iniparser will call a syntax error, leave the reporting to it:
         * the message should name the first mistake in the file, and that is the one.
         */
        bool syntax_error = false;

        for (size_t pos = 0; pos < len;) {
                size_t start = pos, end = pos;
                while (end < len && text[end] != '\n')
                        end++;
                pos = end < len ? end + 1 : end;
                line++;

                /* Join continuation lines as iniparser does: drop the '\', keep the rest. */
                size_t tail = end;
                while (tail > start && is_space(text[tail - 1]))
                        tail--;
                bool continued = tail > start && text[tail - 1] == '\\';
                if (continued)
                        tail--;
                char *grown = realloc(logical, logical_len + (tail - start) + 1);
                if (!grown)
                        return -ENOMEM;
                logical = grown;
                if (logical_len == 0)
                        logical_line = line;
                memcpy(logical + logical_len, text + start, tail - start);
                logical_len += tail - start;
                logical[logical_len] = '\0';
                if (continued && pos < len)
                        continue;

                size_t s = 0, e = logical_len;
                strip_range(logical, &s, &e);
                unsigned this_line = logical_line;
                logical_len = 0;

                if (s == e || logical[s] == '#' || logical[s] == ';')
                        continue;

                if (logical[s] == '[' && logical[e - 1] == ']') {
                        const char *close = memchr(logical + s + 1, ']', e - s - 1);
                        free(section);
                        section = name_dup(logical + s + 1, (size_t) (close - (logical + s + 1)));
                        if (!section)
                                return -ENOMEM;
                        if (isempty(section) && !syntax_error)
                                return set_error(ret_error, ret_line, this_line, -EINVAL, "%s",
                                                 _("the section header has no name"));
                        if (push_line(ini, section, NULL, this_line) < 0)
                                return -ENOMEM;
                } else {
                        const char *eq = memchr(logical + s, '=', e - s);
                        _cleanup_free_ char *key =
                                eq ? name_dup(logical + s, (size_t) (eq - (logical + s))) : NULL;
                        if (eq && !key)
                                return -ENOMEM;
                        if (isempty(key)) {
                                syntax_error = true;
                                continue;
                        }
                        if (!section && !syntax_error) {
                                _cleanup_free_ char *excerpt = line_excerpt(text, len, this_line);
                                return set_error(ret_error, ret_line, this_line, -EINVAL,
                                                 _("\"%s\" comes before the first [section] header"),
                                                 excerpt ? excerpt : key);
                        }
                        if (section && push_line(ini, section, key, this_line) < 0)
                                return -ENOMEM;
                }

                if (++n_entries > TD_INI_MAX_ENTRIES)
                        return set_error(ret_error, ret_line, this_line, -EFBIG,
                                         _("the file has more than %d section headers and keys"),
                                         TD_INI_MAX_ENTRIES);
        }
        return 0;
}

/* Turn what iniparser told the callback into our errno, line and message. */
static int iniparser_failure(const char *path, const char *text, size_t len, unsigned *ret_line,
                             char **ret_error) {
        if (!captured)
                return -ENOMEM;

        /* Its messages read "... in PATH (LINE)...": find the line after the path we gave. */
        unsigned line = 0;
        const char *at = strstr(captured_text, path);
        if (at) {
                unsigned n;
                if (sscanf(at + strlen(path), " (%u)", &n) == 1)
                        line = n;
        }

        if (strstr(captured_text, "syntax error") && line > 0) {
                _cleanup_free_ char *excerpt = line_excerpt(text, len, line);
                if (!excerpt)
                        return -ENOMEM;
                if (excerpt[0] == '[')
                        return set_error(ret_error, ret_line, line, -EINVAL,
                                         _("syntax error: \"%s\" is not a well-formed [section] header "
                                           "(it must end with ']' and cannot carry a comment)"),
                                         excerpt);
                return set_error(
                        ret_error, ret_line, line, -EINVAL,
                        _("syntax error: \"%s\" is not a [section] header, a key = value line or a comment"),
                        excerpt);
        }
        if (strstr(captured_text, "too long"))
                return set_error(ret_error, ret_line, line, -EINVAL, "%s",
                                 _("the line is too long for the INI parser (at most 1022 bytes)"));
        if (strstr(captured_text, "memory"))
                return -ENOMEM;
        if (strstr(captured_text, "cannot open")) {
                int r = captured_errno > 0 ? -captured_errno : -EIO;
                return set_error(ret_error, ret_line, 0, r, "%s", strerror(-r));
        }

        /* Something this code does not know yet: pass iniparser's words on, on one line. */
        char flat[sizeof captured_text];
        snprintf(flat, sizeof flat, "%s", captured_text);
        for (char *c = flat; *c; c++)
                if (*c == '\n' || *c == '\r')
                        *c = ' ';
        td_strstrip(flat);
        return set_error(ret_error, ret_line, line, -EINVAL, _("the INI parser refused the file: %s"), flat);
}

static int load_dictionary(const char *path, const char *text, size_t len, dictionary **ret_dict,
                           unsigned *ret_line, char **ret_error) {
        int r = 0;

        pthread_mutex_lock(&load_lock);
        captured = false;
        captured_text[0] = '\0';
        captured_errno = 0;
        iniparser_set_error_callback(capture_error);
        dictionary *dict = iniparser_load(path);
        /* Back to iniparser's default, so nothing points at our buffer outside the lock. */
        iniparser_set_error_callback(NULL);
        if (!dict)
                r = iniparser_failure(path, text, len, ret_line, ret_error);
        pthread_mutex_unlock(&load_lock);

        if (r < 0)
                return r;
        *ret_dict = dict;
        return 0;
}

/* Index iniparser's dictionary: sections are the entries without a value, in file order. */
static int index_dictionary(TdIni *ini) {
        dictionary *d = ini->dict;
        size_t n = d->size > 0 ? (size_t) d->size : 0;

        ini->sections = calloc(n + 1, sizeof(char *));
        ini->entries = calloc(n + 1, sizeof(IniEntry));
        if (!ini->sections || !ini->entries)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++)
                if (d->key[i] && !d->val[i])
                        ini->sections[ini->n_sections++] = d->key[i];

        for (size_t i = 0; i < n; i++) {
                if (!d->key[i] || !d->val[i])
                        continue;
                /*
                 * The entry is "section:key". Section names may contain ':' themselves, so
                 * the owner is the longest section that prefixes it.
                 */
                const char *owner = NULL;
                size_t owner_len = 0;
                for (size_t k = 0; k < ini->n_sections; k++) {
                        size_t sl = strlen(ini->sections[k]);
                        if (sl >= owner_len && strncmp(d->key[i], ini->sections[k], sl) == 0 &&
                            d->key[i][sl] == ':') {
                                owner = ini->sections[k];
                                owner_len = sl;
                        }
                }
                if (!owner)
                        continue; /* keys outside a section: the text scan refused those */
                ini->entries[ini->n_entries++] = (IniEntry){
                        .section = owner,
                        .key = d->key[i] + owner_len + 1,
                        .value = d->val[i],
                };
        }
        return 0;
}

int td_ini_load(const char *path, TdIni **ret_ini, unsigned *ret_line, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = read_text(path, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG)
                return set_error(ret_error, ret_line, 0, r, _("the file is larger than %d MiB"),
                                 TD_INI_MAX_SIZE / (1024 * 1024));
        if (r == -ENODEV)
                return set_error(ret_error, ret_line, 0, r, "%s", _("not a regular file"));
        if (r < 0)
                return set_error(ret_error, ret_line, 0, r, "%s", strerror(-r));

        _cleanup_ini_free_ TdIni *ini = calloc(1, sizeof(TdIni));
        if (!ini)
                return -ENOMEM;

        r = scan_text(ini, text, len, ret_line, ret_error);
        if (r < 0)
                return r;

        r = load_dictionary(path, text, len, &ini->dict, ret_line, ret_error);
        if (r < 0)
                return r;

        r = index_dictionary(ini);
        if (r < 0)
                return r;

        *ret_ini = TAKE_PTR(ini);
        return 0;
}

TdStrv td_ini_get_sections(const TdIni *ini) {
        TdStrv v = calloc(1, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t i = 0; i < ini->n_sections; i++)
                if (td_strv_push(&v, ini->sections[i]) < 0) {
                        td_strv_free(v);
                        return NULL;
                }
        return v;
}

TdStrv td_ini_get_keys(const TdIni *ini, const char *section) {
        TdStrv v = calloc(1, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t i = 0; i < ini->n_entries; i++)
                if (streq(ini->entries[i].section, section) && td_strv_push(&v, ini->entries[i].key) < 0) {
                        td_strv_free(v);
                        return NULL;
                }
        return v;
}

const char *td_ini_get_string(const TdIni *ini, const char *section, const char *key) {
        for (size_t i = 0; i < ini->n_entries; i++)
                if (streq(ini->entries[i].section, section) && streq(ini->entries[i].key, key))
                        return ini->entries[i].value;
        return NULL;
}

unsigned td_ini_get_line(const TdIni *ini, const char *section, const char *key) {
        unsigned line = 0;
        for (size_t i = 0; i < ini->n_lines; i++) {
                const IniLine *l = &ini->lines[i];
                if (!streq(l->section, section))
                        continue;
                if (!key && !l->key)
                        return l->line;
                if (key && l->key && streq(l->key, key))
                        line = l->line;
        }
        return line;
}
