/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The user's NSS certificate databases, where Chrome/Chromium and Firefox on Linux keep the
 * certificates they trust beyond their built-in roots, read with NSS's own certutil (Debian's
 * libnss3-tools): NSS's SQL database format is NSS's to read, and certutil is what users and
 * platform installers use on it, so what it lists is what the browser sees.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "platform/td-x509.h"
#include "tokendoctor/td-context.h"

typedef enum {
        TD_NSS_CHROMIUM, /* Chrome and Chromium: one shared database per user */
        TD_NSS_FIREFOX,  /* one database per Firefox profile */
        _TD_NSS_BROWSER_MAX,
} TdNssBrowser;

/* "chromium", "firefox". Static. */
const char *td_nss_browser_to_string(TdNssBrowser browser);

typedef struct {
        TdNssBrowser browser;
        char *dir;     /* full path of the database directory */
        char *profile; /* Firefox: the profile's Name= from profiles.ini (or its Path=); else NULL */
        /* The old Berkeley DB format (cert8.db without cert9.db), which certutil's sql: cannot read. */
        bool legacy;
} TdNssDb;

/* A profiles.ini that exists but could not be read. */
typedef struct {
        char *file;
        int error;
} TdNssUnreadable;

typedef struct {
        TdNssDb *dbs;
        size_t n_dbs;
        TdNssUnreadable *unreadable;
        size_t n_unreadable;
} TdNssDbs;

void td_nss_dbs_free(TdNssDbs *dbs);

/*
 * The user's NSS databases that exist (a directory with cert9.db, or with only cert8.db: legacy):
 * Chromium's $XDG_DATA_HOME/pki/nssdb (default ~/.local/share/pki/nssdb, the shared database
 * Chromium uses since M146) and ~/.pki/nssdb (before), then every profile of
 * ~/.mozilla/firefox/profiles.ini and of snap's ~/snap/firefox/common/.mozilla/firefox/profiles.ini
 * ([Profile*] groups: Path=, relative to the file unless IsRelative=0). These are per-user files:
 * read from $HOME, never under --root. Returns 0 and a new list (td_nss_dbs_free()), or -ENOMEM.
 */
int td_nss_dbs_load(const TdContext *ctx, TdNssDbs **ret_dbs);

typedef enum {
        TD_NSS_CERT_ABSENT,    /* no certificate with this fingerprint */
        TD_NSS_CERT_UNTRUSTED, /* there, but not trusted to issue server certificates */
        TD_NSS_CERT_TRUSTED,   /* there, "C" in its SSL trust flags */
        _TD_NSS_CERT_TRUST_MAX,
} TdNssCertTrust;

/* "absent", "untrusted", "trusted". Static. */
const char *td_nss_cert_trust_to_string(TdNssCertTrust trust);

typedef struct {
        TdNssCertTrust trust;
        char *nickname; /* when found */
        char *flags;    /* its trust attributes as certutil shows them ("C,,", ",,"), when found */
        char *error;    /* when the database could not be read: certutil's last words */
} TdNssLookup;

void td_nss_lookup_clear(TdNssLookup *lookup);

/*
 * Whether trust attributes @flags ("CT,C,C") make a CA trusted to issue TLS server certificates:
 * the SSL field (the first) has "C" (certutil(1): "C - Trusted CA to issue server certificates";
 * "T" is for client certificates, "c" only marks a valid CA, "P" a trusted peer, which is not
 * an issuer) and no "p" (explicitly distrusted). Pure.
 */
bool td_nss_flags_trust_tls(const char *flags);

/*
 * The certutil to run: /usr/bin/certutil, else /bin/certutil (helpers are found in fixed
 * system directories, never through $PATH), or the test override. Borrowed, or NULL when it is
 * not installed.
 */
const char *td_nss_certutil(TdContext *ctx);
/* For tests: run @path as certutil (NULL: none is installed). 0, -EBUSY after the first use, -ENOMEM. */
int td_nss_override_certutil(TdContext *ctx, const char *path);

/*
 * Look for the certificate of fingerprint @print in database directory @dir with @certutil,
 * within @timeout_ms for all of its runs: `certutil -L -d sql:DIR` for the nicknames and their
 * trust attributes, then `certutil -L -d sql:DIR -n NICK -a` for each nickname's certificates
 * (at most 256 nicknames). cert9.db and key4.db must be regular files, so a FIFO there never
 * holds certutil. Returns 0 with *ret filled (td_nss_lookup_clear()), -EIO when certutil could
 * not read the database (ret->error says why, ret must be cleared), -ETIMEDOUT, -ENOMEM, or
 * what starting certutil returned (-ENOENT, -EACCES).
 */
int td_nss_lookup(const char *certutil, const char *dir, const TdSha256 *print, unsigned timeout_ms,
                  TdNssLookup *ret);

/*
 * Trust attributes that make a CA trusted for TLS servers and keep what @flags ("SSL,S/MIME,JAR",
 * as certutil shows them) said for the other uses: the SSL field gains "C" and loses "p"
 * (explicitly distrusted). NULL, or flags not of three fields: "C,,". New string, NULL on ENOMEM.
 * Pure.
 */
char *td_nss_flags_add_tls_trust(const char *flags);

/*
 * Whether a Firefox is running with the profile in @dir: Firefox holds an fcntl() lock on the
 * profile's .parentlock while it runs, which a crash or kill releases (the "lock" symbolic link
 * beside it can be stale). 1 running, 0 not (or no .parentlock), or a negative errno.
 */
int td_nss_firefox_running(const char *dir);

/*
 * A certificate nickname for a certutil argument: @name (a CA's subject CN) with control
 * characters made '?' and ':' made '-' (NSS reads "TOKEN:NICKNAME"), cut to 64 bytes or a little
 * more to end a UTF-8 character whole, then @suffix. New string, NULL on ENOMEM. Pure.
 */
char *td_nss_nickname(const char *name, const char *suffix);
