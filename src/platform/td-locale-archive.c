/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <byteswap.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td-locale-archive.h"
#include "td-util.h"

/*
 * glibc's locale-archive (locale/locarchive.h): a header of 32-bit words in the byte
 * order of the machine that wrote it, a hash table of names, and a table of locale
 * records pointing at the category data.
 */
#define ARCHIVE_MAGIC 0xde020109u
#define HEADER_WORDS 14u                      /* struct locarhead */
#define NAMEHASH_ENTRY_SIZE 12u               /* struct namehashent: hashval, name_offset, locrec_offset */
#define LC_CATEGORIES 13u                     /* __LC_LAST on Linux */
#define LOCREC_SIZE (4u + LC_CATEGORIES * 8u) /* struct locrecent: refs, {offset, len}[13] */
#define LOCREC_LC_CTYPE 0u

/* Far above any real archive (all of glibc's locales use a few thousand slots). */
#define NAMEHASH_MAX_ENTRIES (1u << 20)
#define LOCALE_NAME_MAX 255u

enum {
        H_MAGIC,
        H_SERIAL,
        H_NAMEHASH_OFFSET,
        H_NAMEHASH_USED,
        H_NAMEHASH_SIZE,
        H_STRING_OFFSET,
        H_STRING_USED,
        H_STRING_SIZE,
        H_LOCRECTAB_OFFSET,
        H_LOCRECTAB_USED,
        H_LOCRECTAB_SIZE,
};

/* Where the archive's bytes come from: a buffer (fuzzing, tests) or a file read piecewise. */
typedef struct {
        const uint8_t *data;
        int fd;
        uint64_t size;
        bool swap;
} Source;

static int source_read(const Source *s, uint64_t offset, void *buf, size_t len) {
        if (offset > s->size || len > s->size - offset)
                return -EBADMSG;
        if (s->data) {
                memcpy(buf, s->data + offset, len);
                return 0;
        }
        size_t done = 0;
        while (done < len) {
                ssize_t n = pread(s->fd, (uint8_t *) buf + done, len - done, (off_t) (offset + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                /* The file shrank under us (localedef rewriting it): as good as damaged. */
                if (n == 0)
                        return -EBADMSG;
                done += (size_t) n;
        }
        return 0;
}

static uint32_t word(const Source *s, const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return s->swap ? bswap_32(v) : v;
}

static bool range_ok(const Source *s, uint64_t offset, uint64_t len) {
        return offset <= s->size && len <= s->size - offset;
}

static bool locale_name_ok(const char *name) {
        if (!*name)
                return false;
        for (const char *p = name; *p; p++)
                if (*p <= ' ' || *p > '~' || *p == '/')
                        return false;
        return true;
}

/*
 * Read the NUL-terminated name at @offset into @buf. Returns 1 for a usable name, 0 for
 * an entry to leave out, -EBADMSG when the name runs off the end of the archive.
 */
static int read_name(const Source *s, uint32_t offset, char buf[static LOCALE_NAME_MAX + 1]) {
        if (offset >= s->size)
                return -EBADMSG;
        uint64_t avail = s->size - offset;
        size_t want = avail < LOCALE_NAME_MAX + 1 ? (size_t) avail : LOCALE_NAME_MAX + 1;
        int r = source_read(s, offset, buf, want);
        if (r < 0)
                return r;
        if (!memchr(buf, '\0', want))
                return want == avail ? -EBADMSG : 0;
        return locale_name_ok(buf) ? 1 : 0;
}

/* Returns 1 when the record is usable, 0 to leave it out, -EBADMSG when it points outside. */
static int check_locrec(const Source *s, uint32_t offset) {
        uint8_t rec[LOCREC_SIZE];
        int r = source_read(s, offset, rec, sizeof rec);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < LC_CATEGORIES; i++) {
                uint32_t off = word(s, rec + 4 + i * 8), len = word(s, rec + 8 + i * 8);
                if (!range_ok(s, off, len))
                        return -EBADMSG;
        }
        /* Without character classes the locale cannot be loaded at all. */
        return word(s, rec + 4 + LOCREC_LC_CTYPE * 8 + 4) > 0 ? 1 : 0;
}

/* Sort and drop duplicates in place. */
static void strv_sort_unique(TdStrv v) {
        size_t n = td_strv_length((const char *const *) v);
        if (n < 2)
                return;
        td_strv_sort(v);
        size_t w = 1;
        for (size_t i = 1; i < n; i++) {
                if (streq(v[i], v[w - 1]))
                        free(v[i]);
                else
                        v[w++] = v[i];
        }
        v[w] = NULL;
}

static int archive_parse(Source *s, TdStrv *ret_names) {
        uint8_t header[HEADER_WORDS * 4];
        int r = source_read(s, 0, header, sizeof header);
        if (r < 0)
                return r;

        uint32_t magic;
        memcpy(&magic, header, sizeof magic);
        if (magic == ARCHIVE_MAGIC)
                s->swap = false;
        else if (bswap_32(magic) == ARCHIVE_MAGIC)
                s->swap = true; /* written on a machine of the other byte order (--root) */
        else
                return -EBADMSG;

        uint32_t h[HEADER_WORDS];
        for (unsigned i = 0; i < HEADER_WORDS; i++)
                h[i] = word(s, header + i * 4);

        uint32_t n_slots = h[H_NAMEHASH_SIZE];
        if (n_slots > NAMEHASH_MAX_ENTRIES || h[H_NAMEHASH_USED] > n_slots ||
            !range_ok(s, h[H_NAMEHASH_OFFSET], (uint64_t) n_slots * NAMEHASH_ENTRY_SIZE) ||
            !range_ok(s, h[H_STRING_OFFSET], h[H_STRING_USED]) ||
            !range_ok(s, h[H_LOCRECTAB_OFFSET], (uint64_t) h[H_LOCRECTAB_USED] * LOCREC_SIZE))
                return -EBADMSG;

        _cleanup_free_ uint8_t *table = malloc((size_t) n_slots * NAMEHASH_ENTRY_SIZE + 1);
        /* Up to NAMEHASH_MAX_ENTRIES names: appended in O(1) each. */
        _cleanup_strv_builder_ TdStrvBuilder b = TD_STRV_BUILDER_INIT;
        if (!table)
                return -ENOMEM;
        r = source_read(s, h[H_NAMEHASH_OFFSET], table, (size_t) n_slots * NAMEHASH_ENTRY_SIZE);
        if (r < 0)
                return r;

        for (uint32_t i = 0; i < n_slots; i++) {
                const uint8_t *e = table + (size_t) i * NAMEHASH_ENTRY_SIZE;
                uint32_t name_offset = word(s, e + 4), locrec_offset = word(s, e + 8);
                char name[LOCALE_NAME_MAX + 1];

                /* Empty and deleted slots (localedef --delete-from-archive zeroes them). */
                if (name_offset == 0 || locrec_offset == 0)
                        continue;

                r = read_name(s, name_offset, name);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = check_locrec(s, locrec_offset);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = td_strv_builder_add(&b, name);
                if (r < 0)
                        return r;
        }

        _cleanup_strv_free_ TdStrv names = td_strv_builder_steal(&b);
        if (!names)
                return -ENOMEM;
        strv_sort_unique(names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

int td_locale_archive_parse(const void *data, size_t size, TdStrv *ret_names) {
        /* A non-NULL pointer even for an empty buffer: data == NULL means "read the fd". */
        static const uint8_t empty[1];
        Source s = { .data = size ? data : empty, .fd = -1, .size = size };
        return archive_parse(&s, ret_names);
}

int td_locale_archive_load(const TdContext *ctx, TdStrv *ret_names) {
        struct stat st;
        /* Read in parts rather than whole (hundreds of megabytes), so no td_context_read_file(). */
        _cleanup_close_ int fd = td_context_open_file(ctx, "/usr/lib/locale/locale-archive", &st);
        if (fd < 0)
                return fd;

        Source s = { .fd = fd, .size = (uint64_t) st.st_size };
        return archive_parse(&s, ret_names);
}

int td_locale_dirs_load(const TdContext *ctx, TdStrv *ret_names) {
        _cleanup_strv_free_ TdStrv names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;

        DIR *dir;
        int r = td_context_opendir(ctx, "/usr/lib/locale", &dir);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret_names = TAKE_PTR(names);
                return 0;
        }
        if (r < 0)
                return r;

        for (struct dirent *e; (e = readdir(dir));) {
                if (e->d_name[0] == '.' || !locale_name_ok(e->d_name))
                        continue;
                _cleanup_free_ char *ctype = td_strdup_printf("/usr/lib/locale/%s/LC_CTYPE", e->d_name);
                if (!ctype) {
                        r = -ENOMEM;
                        break;
                }
                /*
                 * Looked up from the root, not from the directory: a customer's link to
                 * /usr/lib/locale/C.utf8 names *its* C.utf8, and a link that leads nowhere in
                 * the root or to no regular file makes no locale, whatever it reaches here.
                 */
                int fd = td_context_open_file(ctx, ctype, NULL);
                if (fd == -ENOMEM) {
                        r = fd;
                        break;
                }
                if (fd < 0)
                        continue;
                close(fd);
                r = td_strv_push(&names, e->d_name);
                if (r < 0)
                        break;
        }
        closedir(dir);
        if (r < 0)
                return r;

        strv_sort_unique(names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

static bool ascii_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_digit(char c) {
        return c >= '0' && c <= '9';
}

char *td_locale_normalize(const char *name) {
        const char *dot = strchr(name, '.');
        const char *at = strchr(dot ? dot : name, '@');
        if (!dot)
                return strdup(name);

        const char *codeset_end = at ? at : dot + strlen(dot);
        size_t prefix = (size_t) (dot - name) + 1;
        /* "iso" + the codeset + the modifier + NUL is the most this can take. */
        char *out = malloc(prefix + 3 + strlen(dot) + 1);
        if (!out)
                return NULL;
        memcpy(out, name, prefix);
        char *w = out + prefix;

        /* As glibc's _nl_normalize_codeset(): a codeset without letters gets "iso" in front. */
        bool only_digits = true;
        for (const char *p = dot + 1; p < codeset_end; p++)
                if (ascii_alpha(*p))
                        only_digits = false;
        if (only_digits)
                w = stpcpy(w, "iso");

        for (const char *p = dot + 1; p < codeset_end; p++) {
                if (ascii_alpha(*p))
                        *w++ = (char) (*p | 0x20);
                else if (ascii_digit(*p))
                        *w++ = *p;
        }
        strcpy(w, at ? at : "");
        return out;
}

int td_locales_installed(const TdContext *ctx, TdStrv *ret_names, int *ret_archive_status) {
        _cleanup_strv_free_ TdStrv archive = NULL;
        _cleanup_strv_free_ TdStrv dirs = NULL;
        _cleanup_strv_free_ TdStrv all = calloc(1, sizeof(char *));
        if (!all)
                return -ENOMEM;

        int archive_status = td_locale_archive_load(ctx, &archive);
        if (archive_status == -ENOMEM)
                return archive_status;
        int r = td_locale_dirs_load(ctx, &dirs);
        if (r < 0)
                return r;

        const char *const *sources[] = { (const char *const *) archive, (const char *const *) dirs };
        for (size_t i = 0; i < ELEMENTSOF(sources); i++)
                for (const char *const *n = sources[i]; n && *n; n++) {
                        _cleanup_free_ char *normal = td_locale_normalize(*n);
                        if (!normal)
                                return -ENOMEM;
                        r = td_strv_push(&all, normal);
                        if (r < 0)
                                return r;
                }

        strv_sort_unique(all);
        *ret_names = TAKE_PTR(all);
        if (ret_archive_status)
                *ret_archive_status = archive_status;
        return 0;
}
