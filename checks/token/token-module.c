/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * token.module: the profile's PKCS#11 module loads (out of process) and sees a token. The probe
 * session started here stays up for the run: cert.* and sign.test ask the same probe.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>

#include "platform/td-error-text.h"
#include "platform/td-p11.h"
#include "platform/td-usb.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* Leave the engine time to collect the verdict after the probe's own deadline. */
#define MARGIN_MS 500
#define PROBE_MAX_MS 15000

/*
 * When no module sees a token, the most telling finding decides: a crash or hang first; then
 * an installed driver for another CPU; then a driver that loads but sees nothing; a driver
 * that is simply not installed (another vendor's, usually) last.
 */
static int severity(const TdP11Listing *l) {
        static const char *const order[] = { "module.crash", "module.hang", "module.wrong-arch" };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (l->cause && streq(l->cause, order[i]))
                        return (int) (ELEMENTSOF(order) - i) + 1;
        return l->cause ? 0 : 1;
}

/* Calls in which a driver goes looking for its device (not loading: C_Initialize). */
static bool device_call(const char *call) {
        static const char *const calls[] = { "C_GetSlotList", "C_GetSlotInfo", "C_GetTokenInfo",
                                             "C_OpenSession" };
        for (size_t i = 0; call && i < ELEMENTSOF(calls); i++)
                if (streq(call, calls[i]))
                        return true;
        return false;
}

/*
 * Vendor modules crash or hang in C_GetSlotList when they cannot reach their USB device
 * (FIELD-NOTES: Longmai's module without /dev/bus/usb). When the bus shows a token of @model
 * that does not go through pcscd and whose device node this user cannot open, or which has no
 * node at all, as token.usb decides, that explains the finding: *ret_text says so in plain
 * words and *ret_technical names the token and its node (both NULL when nothing explains it).
 * 0 or a negative errno.
 */
static int usb_explanation(TdContext *ctx, TdResult *result, const TdProfile *profile,
                           const TdTokenModel *model, char **ret_text, char **ret_technical) {
        *ret_text = *ret_technical = NULL;
        const TdUsbBus *bus;
        int r = td_usb_get_bus(ctx, &bus);
        if (r < 0)
                return r;
        for (size_t i = 0; i < bus->n_devices; i++) {
                const TdUsbDevice *d = &bus->devices[i];
                if (td_usb_device_model(d, profile) != model ||
                    td_usb_device_has_class(d, TD_USB_CLASS_SMART_CARD))
                        continue;
                const char *denied = NULL;
                bool any_node = false;
                for (size_t n = 0; !denied && n <= d->n_interfaces; n++) {
                        /* The device's own node first, then each interface's. */
                        char *own[] = { d->devnode, NULL };
                        char **nodes = n == 0 ? own : d->interfaces[n - 1].nodes;
                        for (char **node = nodes; *node && !denied; node++) {
                                TdUsbNodeAccess access;
                                if ((r = td_usb_node_access(ctx, *node, &access, NULL)) < 0)
                                        return r;
                                any_node = any_node || access != TD_USB_NODE_ABSENT;
                                if (access == TD_USB_NODE_DENIED)
                                        denied = *node;
                        }
                }
                if (any_node && !denied)
                        continue;
                char id[10];
                td_usb_device_id(d, id);
                json_object *usb = td_detail_add_object(result, NULL, "explained_by_usb");
                td_detail_set_string(result, usb, "cause", "usb.permission");
                td_detail_set_string(result, usb, "token", "%s", id);
                if (denied)
                        td_detail_set_string(result, usb, "node", "%s", denied);
                else
                        td_detail_set_null(result, usb, "node");
                if (denied) {
                        *ret_text =
                                strdup(_("This user may not open the CA token's USB device, and drivers "
                                         "that cannot reach their device are known to fail this way: see "
                                         "what token.usb says."));
                        *ret_technical = td_strdup_printf(
                                _("USB token %s, device node %s: permission denied"), id, denied);
                } else {
                        *ret_text = strdup(_("The CA token is on the USB bus, but this computer shows no "
                                             "device for it, as in a container or sandbox without the USB "
                                             "devices, and drivers that cannot reach their device are known "
                                             "to fail this way."));
                        *ret_technical = td_strdup_printf(_("USB token %s, no device node under /dev"), id);
                }
                if (!*ret_text || !*ret_technical) {
                        free(*ret_text);
                        free(*ret_technical);
                        *ret_text = *ret_technical = NULL;
                        return -ENOMEM;
                }
                return 0;
        }
        return 0;
}

/*
 * A crash or hang: what it means, what the USB bus shows if it explains it, the step to try,
 * then for support where and what the probe said.
 */
static int report_failure(TdContext *ctx, TdResult *result, const TdProfile *profile,
                          const TdTokenModel *model, const TdP11Listing *l) {
        if (l->call)
                td_result_add_detail(result, "module_call", "%s", l->call);
        /* The vendor's own words, which may name anything of the user's: asked for only. */
        if (td_context_get_debug(ctx) && !isempty(l->probe_stderr))
                td_result_add_detail(result, "module_stderr", "%s", l->probe_stderr);
        _cleanup_free_ char *why = NULL, *usb = NULL;
        if (device_call(l->call)) {
                int r = usb_explanation(ctx, result, profile, model, &why, &usb);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *raw = td_error_text(l->message), *technical = NULL;
        if (raw && usb)
                /* TRANSLATORS: the driver's error; what the USB bus shows */
                technical = td_strdup_printf(_("%s; %s"), raw, usb);
        else if (raw)
                technical = strdup(raw);
        if (!technical)
                return -ENOMEM;
        const char *finding = streq(l->cause, "module.crash")
                                      ? _("The CA token driver (PKCS#11 module) crashed, so the CA token "
                                          "cannot be used. tokendoctor ran it apart, so nothing else was "
                                          "affected.")
                                      : _("The CA token driver (PKCS#11 module) stopped responding, so the "
                                          "CA token cannot be used; it was stopped.");
        /* A driver that cannot reach the device is helped by access to it, not by a new try. */
        const char *step = why ? why
                               : _("Take the CA token out, plug it in again and run the check again; if "
                                   "this happens again, re-install the platform driver.");
        /* TRANSLATORS: what happened and what to do (sentences), then the detail for support */
        return td_result_set(result, TD_STATUS_FAIL, l->cause, _("%s %s (Technical detail: %s)"), finding,
                             step, technical);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdP11Listing *worst = NULL, *found = NULL;
        const TdTokenModel *worst_model = NULL;
        unsigned probed = 0;
        for (size_t i = 0; profile && i < profile->n_tokens && !found; i++) {
                const char *module = profile->tokens[i].module;
                if (isempty(module))
                        continue;
                unsigned budget = td_result_budget_ms(result, MARGIN_MS, 0, PROBE_MAX_MS);
                if (budget < 200)
                        break;
                const TdP11Listing *l;
                int r = td_p11_list(ctx, module, budget, &l);
                if (r < 0)
                        return r;
                probed++;
                json_object *m =
                        td_detail_append_object(result, td_detail_get_array(result, NULL, "modules"));
                td_detail_set_string(result, m, "path", "%s", l->module);
                if (l->cause) {
                        td_detail_set_string(result, m, "cause", "%s", l->cause);
                        td_detail_set_string(result, m, "error", "%s", l->message);
                } else
                        td_detail_set_null(result, m, "cause");
                td_detail_set_int(result, m, "tokens", (int64_t) l->n_tokens);
                if (!l->cause && l->n_tokens > 0)
                        found = l;
                else if (!worst || severity(l) > severity(worst)) {
                        worst = l;
                        worst_model = &profile->tokens[i];
                }
        }
        if (probed == 0)
                return td_result_set(result, TD_STATUS_FAIL, "module.missing",
                                     _("The profile does not name the CA token driver, so the CA token "
                                       "cannot be used. Contact the platform's support. (Technical "
                                       "detail: no PKCS#11 module in the profile)"));
        if (found) {
                const TdP11Token *t = &found->tokens[0];
                td_result_add_detail(result, "module", "%s", found->module);
                json_object *token = td_detail_add_object(result, NULL, "token");
                td_detail_set_string(result, token, "label", "%s", t->label);
                td_detail_set_string(result, token, "serial", "%s", t->serial);
                td_detail_set_string(result, token, "model", "%s", t->model);
                td_detail_set_string(result, token, "slot", "%s", t->slot_description);
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("%s sees the token \"%s\" (serial %s)."), found->module, t->label,
                                     t->serial);
        }
        if (!worst->cause)
                return td_result_set(result, TD_STATUS_FAIL, "module.no-token",
                                     _("The CA token driver sees no CA token: the CA token is not plugged "
                                       "in properly, or this driver does not handle it. Take the CA token "
                                       "out and plug it in again. (Technical detail: %s loads but sees no "
                                       "token)"),
                                     worst->module);
        if (streq(worst->cause, "module.crash") || streq(worst->cause, "module.hang"))
                return report_failure(ctx, result, profile, worst_model, worst);
        _cleanup_free_ char *raw = td_error_text(worst->message);
        if (!raw)
                return -ENOMEM;
        if (streq(worst->cause, "module.wrong-arch"))
                return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                                     _("The installed CA token driver is made for another kind of "
                                       "processor and cannot run on this computer. Install the platform "
                                       "driver made for this computer. (Technical detail: %s)"),
                                     raw);
        return td_result_set(result, TD_STATUS_FAIL, worst->cause,
                             _("The CA token driver is not installed or cannot be loaded, so the CA token "
                               "cannot be used. Install the platform driver again. (Technical detail: %s)"),
                             raw);
}

const TdCheck td_check_token_module = {
        .id = "token.module",
        .category = "token",
        .title = N_("CA token driver"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .causes = TD_STRV("module.missing", "module.wrong-arch", "module.crash", "module.hang",
                          "module.no-token"),
        .run = run,
        .timeout_ms = 20000,
};
