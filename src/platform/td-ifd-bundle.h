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
        char *path;           /* "/usr/lib/pcsc/drivers/ifd-ccid.bundle" (as seen from the root) */
        TdIfdPlist *plist;    /* NULL when Contents/Info.plist is absent or unreadable */
        bool library_present; /* Contents/Linux/<CFBundleExecutable> exists */
} TdIfdBundle;

/*
 * Every *.bundle under the pcsc-lite driver directories (/usr/lib/pcsc/drivers, and where
 * other distributions build pcscd: /usr/lib64/..., /usr/local/lib/...) under the root, sorted
 * by path. Returns 0 with a new array (td_ifd_bundles_free(); *ret_n may be 0), or a negative
 * errno. Thread-safe.
 */
int td_ifd_bundles_load(const TdContext *ctx, TdIfdBundle **ret_bundles, size_t *ret_n);
void td_ifd_bundles_free(TdIfdBundle *bundles, size_t n);
