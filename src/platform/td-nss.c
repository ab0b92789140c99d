/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/td-desktop.h"
#include "platform/td-fact.h"
#include "platform/td-nss.h"
#include "platform/td-process.h"
#include "td-util.h"

#define CERTUTIL_FACT "nss.certutil"
/* A profiles.ini lists a handful of profiles; a real one is a few hundred bytes. */
#define PROFILES_INI_MAX (64 * 1024)
#define MAX_DBS 32
/* A browser's database holds the user's few imports; a listing past these is not one. */
#define MAX_NICKNAMES 256
#define LIST_MAX (256 * 1024)
#define PEM_MAX (256 * 1024)
#define STDERR_MAX 1024

const char *td_nss_browser_to_string(TdNssBrowser browser) {
        static const char *const names[_TD_NSS_BROWSER_MAX] = {
                [TD_NSS_CHROMIUM] = "chromium",
                [TD_NSS_FIREFOX] = "firefox",
        };
        return browser >= 0 && browser < _TD_NSS_BROWSER_MAX ? names[browser] : NULL;
}

const char *td_nss_cert_trust_to_string(TdNssCertTrust trust) {
        static const char *const names[_TD_NSS_CERT_TRUST_MAX] = {
                [TD_NSS_CERT_ABSENT] = "absent",
                [TD_NSS_CERT_UNTRUSTED] = "untrusted",
                [TD_NSS_CERT_TRUSTED] = "trusted",
        };
        return trust >= 0 && trust < _TD_NSS_CERT_TRUST_MAX ? names[trust] : NULL;
}

void td_nss_dbs_free(TdNssDbs *dbs) {
        if (!dbs)
                return;
        for (size_t i = 0; i < dbs->n_dbs; i++) {
                free(dbs->dbs[i].dir);
                free(dbs->dbs[i].profile);
        }
        free(dbs->dbs);
        for (size_t i = 0; i < dbs->n_unreadable; i++)
                free(dbs->unreadable[i].file);
        free(dbs->unreadable);
        free(dbs);
}

static bool regular_at(const char *dir, const char *name) {
        _cleanup_free_ char *path = td_strdup_printf("%s/%s", dir, name);
        struct stat st;
        return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool exists_at(const char *dir, const char *name) {
        _cleanup_free_ char *path = td_strdup_printf("%s/%s", dir, name);
        struct stat st;
        return path && lstat(path, &st) == 0;
}

/* Add @dir (taken) when it holds a database; a directory listed twice counts once. */
static int add_db(TdNssDbs *dbs, TdNssBrowser browser, char *dir, const char *profile) {
        _cleanup_free_ char *owned = dir;
        if (!dir)
                return -ENOMEM;
        /* cert9.db of any type counts: a FIFO or garbage there is a database that cannot be read. */
        bool sql = exists_at(dir, "cert9.db");
        bool legacy = !sql && exists_at(dir, "cert8.db");
        if (!sql && !legacy)
                return 0;
        for (size_t i = 0; i < dbs->n_dbs; i++)
                if (streq(dbs->dbs[i].dir, dir))
                        return 0;
        if (dbs->n_dbs >= MAX_DBS)
                return 0;
        TdNssDb *grown = realloc(dbs->dbs, (dbs->n_dbs + 1) * sizeof *grown);
        if (!grown)
                return -ENOMEM;
        dbs->dbs = grown;
        TdNssDb *db = &dbs->dbs[dbs->n_dbs];
        *db = (TdNssDb){ .browser = browser, .dir = owned, .legacy = legacy };
        if (profile && !(db->profile = strdup(profile)))
                return -ENOMEM; /* dir is the list's now, freed with it */
        owned = NULL;
        dbs->n_dbs++;
        return 0;
}

typedef struct {
        char *group;
        char *name;
        char *path;
        bool relative;
} IniProfile;

typedef struct {
        IniProfile *profiles;
        size_t n;
} IniState;

static int ini_line(const char *group, const char *key, const char *value, void *user) {
        IniState *s = user;
        /* [Profile0], [Profile1]...; [Install...] and [General] name no database of their own. */
        if (!td_startswith(group, "Profile"))
                return 0;
        if (s->n == 0 || !streq(s->profiles[s->n - 1].group, group)) {
                if (s->n >= MAX_DBS)
                        return 0;
                IniProfile *grown = realloc(s->profiles, (s->n + 1) * sizeof *grown);
                if (!grown)
                        return -ENOMEM;
                s->profiles = grown;
                /* Firefox writes IsRelative=1 for profiles in its own directory; absent means relative too.
                 */
                s->profiles[s->n] = (IniProfile){ .group = strdup(group), .relative = true };
                if (!s->profiles[s->n++].group)
                        return -ENOMEM;
        }
        IniProfile *p = &s->profiles[s->n - 1];
        char **field = streq(key, "Name") ? &p->name : streq(key, "Path") ? &p->path : NULL;
        if (field) {
                free(*field);
                if (!(*field = strdup(value)))
                        return -ENOMEM;
        } else if (streq(key, "IsRelative"))
                p->relative = !streq(value, "0");
        return 0;
}

static int add_firefox(TdNssDbs *dbs, const char *base) {
        _cleanup_free_ char *file = td_strdup_printf("%s/profiles.ini", base);
        if (!file)
                return -ENOMEM;
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = td_read_regular_file(file, PROFILES_INI_MAX, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                if (r == -ENOMEM)
                        return r;
                TdNssUnreadable *grown = realloc(dbs->unreadable, (dbs->n_unreadable + 1) * sizeof *grown);
                if (!grown)
                        return -ENOMEM;
                dbs->unreadable = grown;
                dbs->unreadable[dbs->n_unreadable++] =
                        (TdNssUnreadable){ .file = TAKE_PTR(file), .error = r };
                return 0;
        }
        IniState s = {};
        r = td_key_file_parse(text, len, ini_line, &s, NULL);
        for (size_t i = 0; i < s.n; i++) {
                IniProfile *p = &s.profiles[i];
                if (r >= 0 && !isempty(p->path))
                        r = add_db(dbs, TD_NSS_FIREFOX,
                                   p->relative || p->path[0] != '/'
                                           ? td_strdup_printf("%s/%s", base, p->path)
                                           : strdup(p->path),
                                   p->name ? p->name : p->path);
                free(p->group);
                free(p->name);
                free(p->path);
        }
        free(s.profiles);
        return r;
}

int td_nss_dbs_load(const TdContext *ctx, TdNssDbs **ret_dbs) {
        TdNssDbs *dbs = calloc(1, sizeof *dbs);
        if (!dbs)
                return -ENOMEM;
        const char *home = td_context_getenv(ctx, "HOME");
        const char *data_home = td_context_getenv(ctx, "XDG_DATA_HOME");
        int r = 0;
        /* The XDG specification ignores a relative $XDG_DATA_HOME, as td-desktop does. */
        if (data_home && data_home[0] == '/')
                r = add_db(dbs, TD_NSS_CHROMIUM, td_strdup_printf("%s/pki/nssdb", data_home), NULL);
        else if (!isempty(home))
                r = add_db(dbs, TD_NSS_CHROMIUM, td_strdup_printf("%s/.local/share/pki/nssdb", home), NULL);
        if (r >= 0 && !isempty(home)) {
                r = add_db(dbs, TD_NSS_CHROMIUM, td_strdup_printf("%s/.pki/nssdb", home), NULL);
                _cleanup_free_ char *classic = td_strdup_printf("%s/.mozilla/firefox", home);
                _cleanup_free_ char *snap =
                        td_strdup_printf("%s/snap/firefox/common/.mozilla/firefox", home);
                if (!classic || !snap)
                        r = -ENOMEM;
                if (r >= 0)
                        r = add_firefox(dbs, classic);
                if (r >= 0)
                        r = add_firefox(dbs, snap);
        }
        if (r < 0) {
                td_nss_dbs_free(dbs);
                return r;
        }
        *ret_dbs = dbs;
        return 0;
}

void td_nss_lookup_clear(TdNssLookup *lookup) {
        free(lookup->nickname);
        free(lookup->flags);
        free(lookup->error);
        *lookup = (TdNssLookup){};
}

bool td_nss_flags_trust_tls(const char *flags) {
        size_t ssl = strcspn(flags, ",");
        return memchr(flags, 'C', ssl) && !memchr(flags, 'p', ssl);
}

static int certutil_compute(TdContext *ctx, void *user, void **ret_value) {
        (void) ctx;
        (void) user;
        static const char *const candidates[] = { "/usr/bin/certutil", "/bin/certutil" };
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (access(candidates[i], X_OK) == 0) {
                        *ret_value = strdup(candidates[i]);
                        return *ret_value ? 0 : -ENOMEM;
                }
        *ret_value = strdup(""); /* none: remembered as such */
        return *ret_value ? 0 : -ENOMEM;
}

const char *td_nss_certutil(TdContext *ctx) {
        void *value = NULL;
        if (td_context_memo(ctx, CERTUTIL_FACT, certutil_compute, NULL, free, &value) < 0 || isempty(value))
                return NULL;
        return value;
}

int td_nss_override_certutil(TdContext *ctx, const char *path) {
        char *value = strdup(path ? path : "");
        if (!value)
                return -ENOMEM;
        return td_fact_override(ctx, CERTUTIL_FACT, value, free);
}

/* Run certutil; 0 with its standard output when it exited 0, else -EIO with *ret_error. */
static int run_certutil(const char *const *argv, int64_t deadline_ms, size_t out_max, char **ret_out,
                        char **ret_error) {
        int64_t left = deadline_ms - td_now_monotonic_ms();
        if (left <= 0)
                return -ETIMEDOUT;
        TdProcessRun run = {
                .argv = argv,
                .timeout_ms = (unsigned) left,
                .stdout_max = out_max,
                .stderr_max = STDERR_MAX,
        };
        TdProcessResult res = {};
        int r = td_process_run(&run, &res);
        if (r < 0)
                return r;
        if (res.timed_out)
                r = -ETIMEDOUT;
        else if (res.out_truncated)
                r = -EFBIG;
        else if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
                /* "certutil: function failed: SEC_ERROR_BAD_DATABASE: ...": its last line says why. */
                char *err = res.err ? res.err : (char *) "";
                err[strcspn(err, "\n")] = '\0';
                *ret_error = isempty(err)
                                     ? td_strdup_printf("certutil exited with status %d",
                                                        WIFEXITED(res.status) ? WEXITSTATUS(res.status) : -1)
                                     : strdup(err);
                r = *ret_error ? -EIO : -ENOMEM;
        } else {
                *ret_out = TAKE_PTR(res.out);
        }
        td_process_result_clear(&res);
        return r;
}

/*
 * certutil -L: two header lines, then "NICKNAME<spaces>FLAGS" lines; a nickname may hold spaces,
 * flags never do, so the last word is the flags. Fills @nicks and @flags in order.
 */
static int parse_listing(char *text, TdStrvBuilder *nicks, TdStrvBuilder *flags, size_t *ret_n) {
        size_t n = 0;
        int r = 0;
        for (char *line = text, *next; line && r >= 0; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                size_t len = strlen(line);
                while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                char *space = strrchr(line, ' ');
                if (!space || !strchr(space + 1, ',') || td_startswith(line, "Certificate Nickname"))
                        continue; /* blank, a header, or "SSL,S/MIME,JAR/XPI" alone on its line */
                char *end = space;
                while (end > line && end[-1] == ' ')
                        end--;
                if (end == line)
                        continue;
                *end = '\0';
                if (n >= MAX_NICKNAMES)
                        return -EFBIG;
                r = td_strv_builder_add(nicks, line);
                if (r >= 0)
                        r = td_strv_builder_add(flags, space + 1);
                n++;
        }
        *ret_n = n;
        return r;
}

int td_nss_lookup(const char *certutil, const char *dir, const TdSha256 *print, unsigned timeout_ms,
                  TdNssLookup *ret) {
        int64_t deadline = td_now_monotonic_ms() + timeout_ms;
        *ret = (TdNssLookup){};
        /* SQLite would wait on a FIFO for a writer; certutil's deadline would end it, slowly. */
        if (!regular_at(dir, "cert9.db") || (exists_at(dir, "key4.db") && !regular_at(dir, "key4.db"))) {
                ret->error = strdup("cert9.db or key4.db is not a regular file");
                return ret->error ? -EIO : -ENOMEM;
        }
        _cleanup_free_ char *db = td_strdup_printf("sql:%s", dir);
        if (!db)
                return -ENOMEM;
        _cleanup_free_ char *listing = NULL;
        const char *list_argv[] = { certutil, "-L", "-d", db, NULL };
        int r = run_certutil(list_argv, deadline, LIST_MAX, &listing, &ret->error);
        if (r < 0)
                return r;
        _cleanup_strv_builder_ TdStrvBuilder nicks = {}, flags = {};
        size_t n = 0;
        r = parse_listing(listing, &nicks, &flags, &n);
        if (r < 0)
                return r;
        TdStrv nick_list = td_strv_builder_steal(&nicks), flag_list = td_strv_builder_steal(&flags);
        if (n > 0 && (!nick_list || !flag_list)) {
                td_strv_free(nick_list);
                td_strv_free(flag_list);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n && r >= 0 && ret->trust == TD_NSS_CERT_ABSENT; i++) {
                _cleanup_free_ char *pem = NULL;
                const char *pem_argv[] = { certutil, "-L", "-d", db, "-n", nick_list[i], "-a", NULL };
                r = run_certutil(pem_argv, deadline, PEM_MAX, &pem, &ret->error);
                if (r < 0)
                        break;
                _cleanup_free_ TdSha256 *prints = NULL;
                size_t n_prints = 0;
                r = td_x509_pem_fingerprints(pem, strlen(pem), 64, &prints, &n_prints);
                for (size_t j = 0; r >= 0 && j < n_prints; j++)
                        if (memcmp(prints[j].bytes, print->bytes, sizeof print->bytes) == 0) {
                                ret->nickname = strdup(nick_list[i]);
                                ret->flags = strdup(flag_list[i]);
                                if (!ret->nickname || !ret->flags)
                                        r = -ENOMEM;
                                ret->trust = td_nss_flags_trust_tls(flag_list[i]) ? TD_NSS_CERT_TRUSTED
                                                                                  : TD_NSS_CERT_UNTRUSTED;
                                break;
                        }
        }
        td_strv_free(nick_list);
        td_strv_free(flag_list);
        return r;
}

char *td_nss_flags_add_tls_trust(const char *flags) {
        if (!flags)
                return strdup("C,,");
        const char *c1 = strchr(flags, ',');
        const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2 || strchr(c2 + 1, ','))
                return strdup("C,,");
        _cleanup_free_ char *ssl = malloc((size_t) (c1 - flags) + 2);
        if (!ssl)
                return NULL;
        size_t n = 0;
        for (const char *p = flags; p < c1; p++)
                if (*p != 'p')
                        ssl[n++] = *p;
        if (!memchr(ssl, 'C', n))
                ssl[n++] = 'C';
        ssl[n] = '\0';
        return td_strdup_printf("%s%s", ssl, c1);
}

int td_nss_firefox_running(const char *dir) {
        _cleanup_free_ char *path = td_strdup_printf("%s/.parentlock", dir);
        if (!path)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_GETLK, &lock) < 0)
                return -errno;
        return lock.l_type != F_UNLCK;
}

char *td_nss_nickname(const char *name, const char *suffix) {
        _cleanup_free_ char *text = strdup(name ? name : "");
        if (!text)
                return NULL;
        size_t n = 0, max = 64;
        for (unsigned char *p = (unsigned char *) text; *p; p++) {
                if (*p < 0x20 || *p == 0x7f)
                        *p = '?';
                else if (*p == ':')
                        *p = '-';
                /* Cut before a character that would not fit whole: at a byte that begins one. */
                if ((*p & 0xc0) != 0x80 && (size_t) ((char *) p - text) >= max)
                        break;
                n = (size_t) ((char *) p - text) + 1;
        }
        text[n] = '\0';
        return td_strdup_printf("%s%s", text, suffix ? suffix : "");
}
