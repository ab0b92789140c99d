/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.ccid: a USB token in CCID class has a reader driver.
 *
 * pcscd turns a USB device into a reader only when a driver bundle's Info.plist lists its
 * VID:PID (pcsc-lite's hotplug code looks the pair up and ignores devices no bundle lists;
 * libccid's CCIDCLASSDRIVER is the fallback among the bundles that list the pair, not for
 * any class 0x0B device). So:
 *
 *   - no CCID device on the bus: nothing to drive, PASS;
 *   - no driver bundle at all: FAIL ccid.missing (install libccid);
 *   - a token of the profile that no bundle with its library lists: FAIL ccid.missing;
 *   - only CCID devices the profile does not know, and one is not listed: WARN ccid.missing
 *     (it may be another reader, or a token of another platform).
 *
 * When a token of the profile is on the bus, only such tokens are judged: an unrelated
 * built-in reader must not hide or fake the verdict.
 */
#include <errno.h>

#include "platform/td-fact.h"
#include "platform/td-ifd-bundle.h"
#include "platform/td-usb.h"
#include "td-i18n.h"
#include "td-util.h"
#include "repair/td-repair-text.h"
#include "tokendoctor/td-check.h"

/* The paths of the installed driver bundles (an empty array when there is none). */
static void add_bundle_details(TdResult *result, const TdIfdBundles *b) {
        struct json_object *paths = td_detail_add_array(result, NULL, "bundles");
        for (size_t i = 0; i < b->n; i++)
                td_detail_append_string(result, paths, "%s", b->bundles[i].path);
}

typedef struct {
        const TdUsbDevice *device;     /* the first device without a driver */
        const TdIfdBundle *broken;     /* a bundle listing it whose library is missing */
        const TdIfdBundle *unreadable; /* a bundle whose Info.plist could not be read */
        const TdIfdBundle *driver;     /* the driver of the only judged device, for the message */
        const TdIfdReader *reader;
        size_t n_judged;
} Verdict;

static void judge(TdResult *result, const TdIfdBundles *b, const TdUsbBus *bus, const TdProfile *profile,
                  bool profile_only, Verdict *v) {
        *v = (Verdict){};
        /* One object per judged token: {"id", "name", "driver" (null: none), "reader"}. */
        struct json_object *tokens = td_detail_add_array(result, NULL, "tokens");
        for (size_t i = 0; i < bus->n_devices; i++) {
                const TdUsbDevice *d = &bus->devices[i];
                char id[10];
                if (!td_usb_device_has_class(d, TD_USB_CLASS_SMART_CARD))
                        continue;
                if (profile_only && !td_usb_device_model(d, profile))
                        continue;
                v->n_judged++;

                const TdIfdReader *reader = NULL;
                const TdIfdBundle *broken = NULL, *unreadable = NULL;
                const TdIfdBundle *driver = td_ifd_bundles_driver_for(b, d->vendor_id, d->product_id,
                                                                      &reader, &broken, &unreadable);
                struct json_object *t = td_detail_append_object(result, tokens);
                if (t) {
                        td_detail_set_string(result, t, "id", "%s", td_usb_device_id(d, id));
                        if (d->product)
                                td_detail_set_string(result, t, "name", "%s", d->product);
                        if (driver)
                                td_detail_set_string(result, t, "driver", "%s", driver->path);
                        else
                                td_detail_set_null(result, t, "driver");
                        if (reader && reader->name)
                                td_detail_set_string(result, t, "reader", "%s", reader->name);
                }
                if (!driver && !v->device) {
                        v->device = d;
                        v->broken = broken;
                        v->unreadable = unreadable;
                }
                v->driver = driver;
                v->reader = reader;
        }
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdUsbBus *bus;
        int r = td_usb_get_bus(ctx, &bus);
        if (r < 0)
                return r;

        size_t n_ccid = 0, n_known = 0;
        for (size_t i = 0; i < bus->n_devices; i++)
                if (td_usb_device_has_class(&bus->devices[i], TD_USB_CLASS_SMART_CARD)) {
                        n_ccid++;
                        if (td_usb_device_model(&bus->devices[i], profile))
                                n_known++;
                }
        td_detail_set_int(result, NULL, "ccid_devices", (int64_t) n_ccid);
        if (n_ccid == 0)
                return td_result_set(
                        result, TD_STATUS_PASS, NULL,
                        _("No CCID-class token is on the USB bus, so no reader driver is needed."));

        const TdIfdBundles *b;
        if ((r = td_ifd_bundles_get(ctx, &b)) < 0)
                return r;
        add_bundle_details(result, b);

        Verdict v;
        judge(result, b, bus, profile, n_known > 0, &v);
        const char *first_id = td_result_get_detail(result, "tokens.0.id");

        if (b->n == 0)
                return td_result_set(
                        result, TD_STATUS_FAIL, "ccid.missing",
                        _("No smart card reader driver is installed (no driver bundle in "
                          "/usr/lib/pcsc/drivers), so pcscd cannot use the CCID token %s. Install "
                          "the package libccid."),
                        first_id);

        if (v.device) {
                char id[10];
                td_usb_device_id(v.device, id);
                if (v.broken)
                        return td_result_set(
                                result, TD_STATUS_FAIL, "ccid.missing",
                                _("The reader driver %s lists the CCID token %s, but the driver's "
                                  "library is missing from %s/Contents/Linux: reinstall the package "
                                  "that provides it (libccid for ifd-ccid.bundle)."),
                                v.broken->path, id, v.broken->path);
                if (v.unreadable) {
                        /* That bundle may list the token: whether a driver is missing cannot be told. */
                        _cleanup_free_ char *plist =
                                td_strdup_printf("%s/Contents/Info.plist", v.unreadable->path);
                        _cleanup_free_ char *why =
                                plist ? td_fact_file_error(plist, v.unreadable->plist_error) : NULL;
                        if (!why)
                                return -ENOMEM;
                        r = td_result_set(
                                result, TD_STATUS_ERROR, "engine.check-error",
                                _("No readable reader driver lists the CCID token %s, and whether "
                                  "%s does cannot be told: %s. Reinstall the package that provides "
                                  "it."),
                                id, v.unreadable->path, why);
                        return r < 0 ? r : v.unreadable->plist_error;
                }
                if (n_known > 0)
                        return td_result_set(
                                result, TD_STATUS_FAIL, "ccid.missing",
                                _("The CCID token %s is on the USB bus, but no installed reader "
                                  "driver lists it. pcscd only takes a USB reader whose vendor and "
                                  "product id a driver names, so it will not see this token: install "
                                  "a newer libccid or the token vendor's reader driver."),
                                id);
                return td_result_set(
                        result, TD_STATUS_WARN, "ccid.missing",
                        _("The smart card device %s on the USB bus is not a token the profile "
                          "knows, and no installed reader driver lists it, so pcscd will not use "
                          "it. If it is your CA token, install a newer libccid or the token "
                          "vendor's reader driver."),
                        id);
        }

        if (v.n_judged == 1)
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("The CCID token %s has a reader driver: %s."), first_id,
                                     v.driver->path);
        return td_result_set(result, TD_STATUS_PASS, NULL,
                             _("Each of the %zu CCID tokens on the USB bus has a reader driver."),
                             v.n_judged);
}

/*
 * Installing libccid repairs a system without any reader driver. Where a driver is installed but
 * does not list the token, or its library is gone, apt would see the package as installed and do
 * nothing: the advice names the newer driver or the reinstall instead.
 */
static bool offer_ccid(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        if (td_context_has_root(ctx) || !streq_ptr(r->cause, "ccid.missing") ||
            !td_result_has_detail(r, "bundles") || td_result_has_detail(r, "bundles.0"))
                return false;
        *ret = (TdFixOffer){ .summary = N_("Install the smart card reader driver (package libccid)"),
                             .privileged = true };
        return true;
}

static int plan_ccid(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        int ret = td_fix_plan_helper(plan, "install-package", TD_REPAIR_PACKAGE_CCID,
                                     _("Install the smart card reader driver (package libccid)"));
        if (ret == 0)
                ret = td_fix_plan_set_afterwards(plan, _("Unplug the CA token and plug it in again."));
        return ret;
}

const TdCheck td_check_drivers_ccid = {
        .id = "drivers.ccid",
        .category = "drivers",
        .title = N_("Reader driver (CCID)"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .causes = TD_STRV("ccid.missing"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Install the smart card reader driver (package libccid)"),
                               .privileged = true,
                               .offer = offer_ccid,
                               .plan = plan_ccid },
};
