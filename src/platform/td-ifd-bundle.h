/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * PC/SC reader drivers ("IFD handler" bundles, e.g. libccid's ifd-ccid.bundle): their
 * Contents/Info.plist lists the USB readers each driver takes. pcscd matches a USB device
 * against these lists by VID:PID; a device no bundle lists never becomes a reader.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tokendoctor/td-context.h"

typedef struct {
        unsigned vendor_id;  /* ifdVendorID[i] */
        unsigned product_id; /* ifdProductID[i] */
        char *name;          /* ifdFriendlyName[i] (sanitised), or NULL */
} TdIfdReader;

typedef struct {
        char *executable;  /* CFBundleExecutable, or NULL */
        char *bundle_name; /* CFBundleName, or NULL */
        TdIfdReader *readers;
        size_t n_readers;
} TdIfdPlist;

/*
 * Parse the property list text of a driver bundle. Understands what pcsc-lite understands:
 * <key>NAME</key> followed by a <string> or an <array> of <string>s; ifdVendorID,
 * ifdProductID and ifdFriendlyName are paired by position, and an entry whose ids are not
 * hexadecimal numbers of at most 0xFFFF is dropped. Comments, the XML declaration and the
 * DOCTYPE are skipped; the five predefined entities are decoded. Never fails on bad content.
 * Returns 0 and a new plist (td_ifd_plist_free()), or -ENOMEM. Pure, thread-safe.
 */
int td_ifd_plist_parse(const char *text, size_t len, TdIfdPlist **ret_plist);
void td_ifd_plist_free(TdIfdPlist *plist);

/* libccid built as a class driver names itself so (CFBundleName CCIDCLASSDRIVER). */
bool td_ifd_plist_is_class_driver(const TdIfdPlist *plist);
/* The reader entry for @vendor_id:@product_id, or NULL. Borrowed. */
const TdIfdReader *td_ifd_plist_find(const TdIfdPlist *plist, unsigned vendor_id, unsigned product_id);

typedef struct {
        char *path;        /* "/usr/lib/pcsc/drivers/ifd-ccid.bundle" (as seen from the root) */
        TdIfdPlist *plist; /* NULL when Contents/Info.plist is absent or could not be read */
        /*
         * 0 when Info.plist was read, -ENOENT when it is absent, or why it could not be read:
         * -ENODEV (not a regular file: a FIFO is refused without waiting), -EFBIG, -EACCES...
         */
        int plist_error;
        bool library_present; /* Contents/Linux/<CFBundleExecutable> exists */
} TdIfdBundle;

/* The installed reader drivers. */
typedef struct {
        TdIfdBundle *bundles; /* sorted by path */
        size_t n;
} TdIfdBundles;

/*
 * Every *.bundle under the pcsc-lite driver directories (/usr/lib/pcsc/drivers, and where
 * other distributions build pcscd: /usr/lib64/..., /usr/local/lib/...) under the root, sorted
 * by path; a bundle that two directories lead to (one linked to the other) is listed once, by
 * its first path. Returns 0 with a new set (td_ifd_bundles_free(); it may hold none), or a negative
 * errno. Thread-safe.
 */
int td_ifd_bundles_load(const TdContext *ctx, TdIfdBundles **ret_bundles);
void td_ifd_bundles_free(TdIfdBundles *bundles);

/*
 * The driver bundles, loaded once per context and shared. *ret_bundles is borrowed from the
 * context. Returns 0 or a negative errno.
 */
int td_ifd_bundles_get(TdContext *ctx, const TdIfdBundles **ret_bundles);

/*
 * For tests: make td_ifd_bundles_get() answer @bundles (taken, also on failure; allocated as
 * td_ifd_bundles_free() frees it) instead of reading the driver directories. Returns 0, -EBUSY
 * when the bundles were loaded already, or -ENOMEM.
 */
int td_ifd_bundles_override(TdContext *ctx, TdIfdBundles *bundles);

/*
 * The bundle pcscd would take for USB device @vendor_id:@product_id, as pcsc-lite chooses: a
 * bundle that lists the pair, a specific driver before libccid's class driver; a bundle whose
 * library is missing does not count. Returns it (borrowed) and its reader entry in
 * *@ret_reader, or NULL. Whatever it returns, *@ret_broken gets the first bundle that lists
 * the pair but lacks its library, and *@ret_unreadable the first whose Info.plist could not be
 * read (so whether it lists the pair is unknown), or NULL. Pure.
 */
const TdIfdBundle *td_ifd_bundles_driver_for(const TdIfdBundles *bundles, unsigned vendor_id,
                                             unsigned product_id, const TdIfdReader **ret_reader,
                                             const TdIfdBundle **ret_broken,
                                             const TdIfdBundle **ret_unreadable);
