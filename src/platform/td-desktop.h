/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop's applications and its default handlers, as the freedesktop specifications
 * define them: desktop entries (Desktop Entry Specification 1.5) found in the applications
 * directories of $XDG_DATA_HOME and $XDG_DATA_DIRS, and the default application for a MIME
 * type from mimeapps.list files (MIME Applications Associations 1.0.1). Browsers are found
 * and the default one told from these. The desktop-apps and desktop-default-browser facts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-strv.h"
#include "tokendoctor/td-context.h"

/* --- the key file format both use ------------------------------------------------------------ */

/*
 * Called for each `Key=Value` line of a key file, in file order: @group the last "[Group]"
 * header before it ("" before any), @key as written with its locale ("Name[zh_CN]"), white
 * space around key and value stripped; the value is raw (escapes not undone). Returns 0 to go
 * on, or a negative errno to stop the parse with it.
 */
typedef int (*TdKeyFileLine)(const char *group, const char *key, const char *value, void *user);

/*
 * Read key file text (the format of .desktop files and mimeapps.list): "[Group]" headers,
 * `Key=Value` lines, '#' comments and blank lines; CRLF line ends too; a NUL ends the line it
 * is in. A line that is none of these is counted in *ret_n_invalid and skipped. @text need not
 * be NUL-terminated. Returns 0, -ENOMEM, or what @line returned. Pure, thread-safe.
 */
int td_key_file_parse(const char *text, size_t len, TdKeyFileLine line, void *user, size_t *ret_n_invalid);

typedef enum {
        TD_KEY_FILE_BLANK,   /* empty, or white space only */
        TD_KEY_FILE_COMMENT, /* '#' first after white space */
        TD_KEY_FILE_GROUP,   /* "[Group]" */
        TD_KEY_FILE_ENTRY,   /* Key=Value */
        TD_KEY_FILE_INVALID, /* none of these: skipped by readers */
} TdKeyFileLineKind;

/* One line as td_key_file_scan() read it. Strings borrowed for the call only. */
typedef struct {
        TdKeyFileLineKind kind;
        size_t start;      /* offset of its first byte in the text */
        size_t end;        /* offset past its '\n', or past the text's last byte for a last line without */
        bool has_newline;  /* it ends with '\n' */
        bool crlf;         /* it ends with "\r\n" */
        size_t eq;         /* ENTRY: offset of its '=' in the text */
        const char *group; /* the group it is in ("" before any header); for GROUP the one it opens */
        const char *key;   /* ENTRY: as td_key_file_parse() hands it over */
        const char *value; /* ENTRY: likewise */
} TdKeyFileLineInfo;

typedef int (*TdKeyFileScan)(const TdKeyFileLineInfo *line, void *user);

/*
 * Every line of key file text, in order, with where it is and what td_key_file_parse() makes
 * of it (which is built on this, so a writer that edits by these offsets and the readers agree).
 * Returns 0, -ENOMEM, or what @scan returned. Pure, thread-safe.
 */
int td_key_file_scan(const char *text, size_t len, TdKeyFileScan scan, void *user);

/* --- desktop entries ------------------------------------------------------------------------- */

/* The [Desktop Entry] group of a .desktop file. Strings owned, escapes undone; NULL when absent. */
typedef struct {
        bool has_group; /* the file has a [Desktop Entry] group at all */
        char *type;     /* "Application", "Link", "Directory" */
        char *name;
        char *name_zh_cn; /* Name[zh_CN] */
        char *exec;
        char *try_exec;
        /*
         * The application's version, from an X-*-Version key (X-AppImage-Version, ...) whose
         * value begins with a digit; never the Version key, which is the specification's.
         */
        char *app_version;
        TdStrv mime_types; /* MimeType's items; never NULL */
        bool hidden;       /* Hidden=true: "deleted", it shadows what it names and is not there */
        bool no_display;   /* NoDisplay=true: installed, not shown in menus */
        size_t n_invalid;  /* lines that are no header, key, comment nor blank */
} TdDesktopEntry;

/*
 * Parse a desktop entry file. Only keys of the [Desktop Entry] group count; comments and other
 * groups (actions) are skipped; of a key given twice the last counts, as GLib's key file does.
 * Booleans are "true" or "1". Never fails on content. Returns 0 and a new entry
 * (td_desktop_entry_free()), or -ENOMEM. Pure, thread-safe.
 */
int td_desktop_entry_parse(const char *text, size_t len, TdDesktopEntry **ret_entry);
void td_desktop_entry_free(TdDesktopEntry *entry);
/* Whether the entry lists @mime_type (compared without case, as MIME types are). */
bool td_desktop_entry_has_mime(const TdDesktopEntry *entry, const char *mime_type);
/* Whether the entry handles web links: x-scheme-handler/https or x-scheme-handler/http. */
bool td_desktop_entry_is_web_browser(const TdDesktopEntry *entry);

/*
 * Whether desktop-file id @id ("firefox-esr.desktop") is of the browser a profile names by
 * @stem ("firefox"): the id less ".desktop" is the stem, or begins with it followed by '-' or
 * '_' (a word boundary: "firefox" takes firefox-esr and snap's firefox_firefox; "google-chrome"
 * takes google-chrome-beta; "chrome" does not take "chromium"); case is ignored. Flatpak's
 * reverse-DNS ids of the well-known browsers stand for their usual stems (com.google.Chrome
 * for google-chrome, org.chromium.Chromium for chromium, org.mozilla.firefox for firefox).
 * Pure.
 */
bool td_desktop_id_matches_stem(const char *id, const char *stem);

/*
 * The leading major version of @version ("120.0.6099.109" -> 120). Returns true and
 * *ret_major, or false when @version does not begin with a number (or it is over 1000000).
 */
bool td_desktop_version_major(const char *version, unsigned *ret_major);

/* --- mimeapps.list --------------------------------------------------------------------------- */

typedef enum {
        TD_MIMEAPPS_DEFAULT, /* [Default Applications] */
        TD_MIMEAPPS_ADDED,   /* [Added Associations] */
        TD_MIMEAPPS_REMOVED, /* [Removed Associations] */
        _TD_MIMEAPPS_GROUP_MAX,
} TdMimeAppsGroup;

typedef struct {
        TdMimeAppsGroup group;
        char *mime_type;
        TdStrv ids; /* desktop-file ids in the file's order; never NULL */
} TdMimeAppsItem;

typedef struct {
        TdMimeAppsItem *items;
        size_t n_items;
        size_t n_invalid;
} TdMimeApps;

/*
 * Parse a mimeapps.list file: `type=id;id;` lines of the three groups above (others are
 * skipped). Of a type given twice in one group the last line counts. Never fails on content.
 * Returns 0 and a new set (td_mimeapps_free()), or -ENOMEM. Pure, thread-safe.
 */
int td_mimeapps_parse(const char *text, size_t len, TdMimeApps **ret_apps);
void td_mimeapps_free(TdMimeApps *apps);
/* The ids @group gives @mime_type (compared without case), borrowed; NULL when none. */
char *const *td_mimeapps_get(const TdMimeApps *apps, TdMimeAppsGroup group, const char *mime_type);

/* --- the facts ------------------------------------------------------------------------------- */

/* One desktop-file id as the desktop sees it: the first file of that id in lookup order. */
typedef struct {
        char *id;   /* "google-chrome.desktop"; a file in a subdirectory: "kde4-konqueror.desktop" */
        char *file; /* the user's: a full path; a system one: the path as seen from the root */
        bool user;  /* from $XDG_DATA_HOME (or a $XDG_DATA_DIRS entry inside $HOME) */
        /* The parsed file; NULL when it could not be read (error says why). */
        TdDesktopEntry *entry;
        int error;             /* -ENODEV (a FIFO, device, socket), -EFBIG, -EACCES, -ELOOP... */
        bool try_exec_missing; /* TryExec names a program that is not there: not installed */
        size_t n_shadowed;     /* files of this id later in the lookup order, which do not count */
} TdDesktopApp;

typedef struct {
        TdDesktopApp *apps; /* sorted by id */
        size_t n_apps;
        char **dirs; /* the applications directories searched, in lookup order */
} TdDesktopApps;

void td_desktop_apps_free(TdDesktopApps *apps);

/*
 * Whether @app is an installed application: read, a [Desktop Entry] of Type=Application, not
 * Hidden, its TryExec (if any) found. Pure.
 */
bool td_desktop_app_installed(const TdDesktopApp *app);
/* The app of id @id, borrowed; NULL when no file has that id. */
const TdDesktopApp *td_desktop_apps_find(const TdDesktopApps *apps, const char *id);

/*
 * Read every desktop entry: the user's from $XDG_DATA_HOME/applications (an absolute one; else
 * ~/.local/share/applications) read as the user's, then each of $XDG_DATA_DIRS (default
 * /usr/local/share:/usr/share) and /var/lib/flatpak/exports/share and /var/lib/snapd/desktop
 * (when not listed) read under the context's root, except an entry inside $HOME, which is the
 * user's. Subdirectories count (id "sub-name.desktop"), three levels deep; a file whose id an
 * earlier one had is shadowed by it. Missing directories are no error; unreadable files are
 * kept with their error. At most 4096 names a directory, 256 KiB a file. Returns 0 with a new
 * set (td_desktop_apps_free()), or -ENOMEM. Thread-safe.
 */
int td_desktop_apps_load(const TdContext *ctx, TdDesktopApps **ret_apps);

/*
 * The desktop entries, loaded once per context and shared. *ret_apps is borrowed from the
 * context. Returns 0 or -ENOMEM. Thread-safe.
 */
int td_desktop_apps_get(TdContext *ctx, const TdDesktopApps **ret_apps);
/* For tests: answer @apps (taken, also on failure). 0, -EBUSY when read already, -ENOMEM. */
int td_desktop_apps_override(TdContext *ctx, TdDesktopApps *apps);

/* A mimeapps.list that exists but could not be read. */
typedef struct {
        char *file;
        int error;
} TdMimeAppsUnreadable;

/* The default web browser, as xdg-open and the desktops find it. */
typedef struct {
        char **files; /* the mimeapps.list files read, in lookup order */
        TdMimeAppsUnreadable *unreadable;
        size_t n_unreadable;
        /*
         * An unreadable file that came before the answer in lookup order (so it might have
         * named another default), an index into unreadable; -1 when none did.
         */
        int unreadable_before;
        char *mime_type; /* x-scheme-handler/https, else .../http, else text/html; NULL: none set */
        char *id;        /* the default's desktop-file id; NULL when none is set */
        char *file;      /* the mimeapps.list that set it */
        TdMimeAppsGroup group;
        TdStrv not_installed; /* ids named before it (or instead of one) with no installed app */
} TdDefaultBrowser;

void td_default_browser_free(TdDefaultBrowser *browser);

/*
 * Find the default browser: for x-scheme-handler/https, then x-scheme-handler/http, then
 * text/html, the first installed id in [Default Applications] of the mimeapps.list files in
 * the specification's order, then the first in [Added Associations] not removed by
 * [Removed Associations] of the same or an earlier file. The files, for each desktop of
 * $XDG_CURRENT_DESKTOP (lower-cased) its DESKTOP-mimeapps.list before mimeapps.list:
 * $XDG_CONFIG_HOME, $XDG_CONFIG_DIRS (default /etc/xdg), $XDG_DATA_HOME/applications,
 * $XDG_DATA_DIRS/applications, the system ones under the root (as td_desktop_apps_load()).
 * Returns 0 and a new answer (td_default_browser_free()), or -ENOMEM. Thread-safe.
 */
int td_default_browser_load(const TdContext *ctx, const TdDesktopApps *apps, TdDefaultBrowser **ret_browser);

/* The default browser, found once per context and shared; borrowed. 0 or -ENOMEM. Thread-safe. */
int td_default_browser_get(TdContext *ctx, const TdDefaultBrowser **ret_browser);
/* For tests: answer @browser (taken, also on failure). 0, -EBUSY when found already, -ENOMEM. */
int td_default_browser_override(TdContext *ctx, TdDefaultBrowser *browser);

/*
 * The user's mimeapps.list to write a new default for @mime_types into, so that it is the one in
 * force: of the user's files first in the lookup order ($XDG_CONFIG_HOME, else ~/.config:
 * DESKTOP-mimeapps.list for each desktop of $XDG_CURRENT_DESKTOP, then mimeapps.list), the first
 * whose [Default Applications] names a handler for one of @mime_types (an earlier one would
 * override a later one; no file after these can), else $XDG_CONFIG_HOME/mimeapps.list. Per-user:
 * never under the root. Returns 0 and a new path (it may not exist yet); -ENOENT when neither
 * $XDG_CONFIG_HOME nor $HOME is absolute; a read error of one of the files (-EACCES, -ENODEV for
 * a FIFO...) with that file's path in *@ret_path; -ENOMEM. Thread-safe.
 */
int td_mimeapps_default_target(const TdContext *ctx, const char *const *mime_types, char **ret_path);

/* "Default Applications", "Added Associations", "Removed Associations". Static. */
const char *td_mimeapps_group_to_string(TdMimeAppsGroup group);

/* --- browsers as a profile sees them --------------------------------------------------------- */

typedef enum {
        TD_BROWSER_SUPPORTED,   /* on the supported list, new enough or of unknown version */
        TD_BROWSER_TOO_OLD,     /* on the supported list, its known major version below the minimum */
        TD_BROWSER_UNSUPPORTED, /* on the unsupported list */
        TD_BROWSER_OTHER,       /* on neither */
        _TD_BROWSER_KIND_MAX,
} TdBrowserKind;

/* "supported", "too-old", "unsupported", "other". Static. */
const char *td_browser_kind_to_string(TdBrowserKind kind);

typedef struct {
        TdBrowserKind kind;
        const TdBrowserRule *rule; /* the supported rule matched, borrowed from the profile; or NULL */
        const char *stem;          /* the profile's stem matched (supported or not), borrowed; or NULL */
        bool version_known;        /* the entry states the application's version (X-*-Version) */
        unsigned major;
} TdBrowserMatch;

/*
 * How the profile sees @app, by its id against the [browsers] stems (td_desktop_id_matches_stem();
 * of several stems that match, the longest, so a more precise name wins). When @require_browser,
 * an app counts only when it handles web links (td_desktop_entry_is_web_browser()) or its id is
 * exactly a stem, so that a game named chromium-bsu is no Chromium: returns false for others.
 * A version is compared only when the entry states one: browsers are never run to ask. Pure.
 */
bool td_browser_match(const TdProfile *profile, const TdDesktopApp *app, bool require_browser,
                      TdBrowserMatch *ret_match);

/*
 * The name to show for @app: Name[zh_CN] when the messages are in Chinese (LC_ALL, LC_MESSAGES,
 * LANG of the context's environment) and the entry has one, else Name, else the id less
 * ".desktop". Borrowed from @app, or a new string in *ret_owned that the caller frees.
 */
const char *td_browser_display_name(const TdContext *ctx, const TdDesktopApp *app, char **ret_owned);

/*
 * The profile's supported browsers for a message: "Google Chrome 90 or newer, Firefox 100 or
 * newer". Well-known stems get their product names. New string (free()), or NULL on ENOMEM.
 */
char *td_browser_rules_describe(const TdProfile *profile);
/* The product name of a supported rule's stem ("Google Chrome" for google-chrome). Static or @stem. */
const char *td_browser_stem_name(const char *stem);
