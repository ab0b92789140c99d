/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * token.usb: a CA token is on the USB bus, and this user can open the device nodes of a token
 * that pcscd does not serve.
 *
 * A token is a device whose VID:PID a token model of the profile lists, or any device with a
 * smart card (CCID, class 0x0B) interface. CCID tokens reach programs through pcscd, which
 * runs as root, so their nodes do not matter here. A listed token without a CCID interface
 * (HID, mass storage or a vendor class) is opened directly by the vendor's library, through
 * /dev/bus/usb/BBB/DDD (libusb), /dev/hidrawN (hidapi) or /dev/sgN (SCSI pass-through); we do
 * not know which one it uses, so every node it has must be readable and writable:
 *
 *   - a node that exists and is not usable: FAIL usb.permission, naming the node, whether a
 *     udev rule mentions the vendor, and a rule that would do;
 *   - no node exists at all (a container without /dev passed through, udev not running):
 *     WARN usb.permission, since nothing can open the token but we cannot tell why;
 *   - nodes that exist are usable and others are absent: PASS, the absent ones in details.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/td-usb.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

typedef enum {
        ACCESS_PCSCD,   /* CCID: pcscd opens it */
        ACCESS_USABLE,  /* direct access, every existing node usable */
        ACCESS_DENIED,  /* direct access, some node not usable */
        ACCESS_NO_NODE, /* direct access, no node found */
} TokenAccess;

static const char *const access_names[] = {
        [ACCESS_PCSCD] = "pcscd",
        [ACCESS_USABLE] = "usable",
        [ACCESS_DENIED] = "denied",
        [ACCESS_NO_NODE] = "no-node",
};

typedef struct {
        TokenAccess access;
        char *denied_node; /* the first node this user may not open */
        /* "/dev/hidraw0 usable", "/dev/bus/usb/001/004 denied (uid 0 gid 0 mode 0664)" */
        TdStrv node_states;
} TokenState;

static void token_state_clear(TokenState *s) {
        free(s->denied_node);
        td_strv_free(s->node_states);
}

static bool is_token(const TdUsbDevice *d, const TdProfile *profile) {
        return td_usb_device_model(d, profile) || td_usb_device_has_class(d, TD_USB_CLASS_SMART_CARD);
}

/* "FT ePass2003Auto" from the device's strings, else the profile's model name, else "". */
static char *token_label(const TdUsbDevice *d, const TdTokenModel *model) {
        if (d->manufacturer && d->product)
                return td_strdup_printf("%s %s", d->manufacturer, d->product);
        if (d->product || d->manufacturer)
                return strdup(d->product ? d->product : d->manufacturer);
        return strdup(model && model->name[0] ? model->name : "");
}

/* ["0b CCID", "03 HID"]: each interface class once, in interface order. */
static TdStrv interfaces_strv(const TdUsbDevice *d) {
        _cleanup_strv_free_ TdStrv items = calloc(1, sizeof(char *));
        if (!items)
                return NULL;
        for (size_t i = 0; i < d->n_interfaces; i++) {
                int class = d->interfaces[i].class;
                const char *name = td_usb_class_name(class);
                _cleanup_free_ char *item = class < 0 ? strdup("unknown")
                                            : name    ? td_strdup_printf("%02x %s", (unsigned) class, name)
                                                      : td_strdup_printf("%02x", (unsigned) class);
                if (!item)
                        return NULL;
                if (!td_strv_contains((const char *const *) items, item) && td_strv_push(&items, item) < 0)
                        return NULL;
        }
        return TAKE_PTR(items);
}

static int node_state_push(TokenState *s, const char *node, const char *state, const struct stat *st) {
        _cleanup_free_ char *text =
                st ? td_strdup_printf("%s %s (uid %u gid %u mode %04o)", node, state, (unsigned) st->st_uid,
                                      (unsigned) st->st_gid, (unsigned) (st->st_mode & 07777))
                   : td_strdup_printf("%s %s", node, state);
        return text ? td_strv_push(&s->node_states, text) : -ENOMEM;
}

static int check_node(TdContext *ctx, const char *node, TokenState *s, size_t *n_present) {
        TdUsbNodeAccess access;
        struct stat st;
        int r = td_usb_node_access(ctx, node, &access, &st);
        if (r < 0)
                return r;
        switch (access) {
        case TD_USB_NODE_ABSENT:
                return node_state_push(s, node, "absent", NULL);
        case TD_USB_NODE_USABLE:
                (*n_present)++;
                return node_state_push(s, node, "usable", NULL);
        default:
                (*n_present)++;
                if (!s->denied_node) {
                        s->denied_node = strdup(node);
                        if (!s->denied_node)
                                return -ENOMEM;
                }
                return node_state_push(s, node, "denied", &st);
        }
}

static int token_state_get(TdContext *ctx, const TdUsbDevice *d, TokenState *s) {
        *s = (TokenState){ .node_states = calloc(1, sizeof(char *)) };
        if (!s->node_states)
                return -ENOMEM;
        if (td_usb_device_has_class(d, TD_USB_CLASS_SMART_CARD)) {
                s->access = ACCESS_PCSCD;
                return 0;
        }

        size_t n_present = 0;
        int r;
        if (d->devnode && (r = check_node(ctx, d->devnode, s, &n_present)) < 0)
                return r;
        for (size_t i = 0; i < d->n_interfaces; i++)
                for (char **node = d->interfaces[i].nodes; *node; node++)
                        if ((r = check_node(ctx, *node, s, &n_present)) < 0)
                                return r;
        s->access = s->denied_node ? ACCESS_DENIED : n_present > 0 ? ACCESS_USABLE : ACCESS_NO_NODE;
        return 0;
}

/* One object of the "tokens" array per token found. */
static int add_token_details(TdResult *result, struct json_object *tokens, const TdUsbDevice *d,
                             const TdTokenModel *model, const TokenState *s) {
        char id[10];
        _cleanup_free_ char *label = token_label(d, model);
        _cleanup_strv_free_ TdStrv interfaces = interfaces_strv(d);
        if (!label || !interfaces)
                return -ENOMEM;
        struct json_object *t = td_detail_append_object(result, tokens);
        if (!t)
                return 0; /* marked incomplete: a NULL group would mean the top level */
        td_detail_set_string(result, t, "id", "%s", td_usb_device_id(d, id));
        if (label[0])
                td_detail_set_string(result, t, "name", "%s", label);
        /* The plain [token] section has the empty name. */
        if (model)
                td_detail_set_string(result, t, "model", "%s", model->name[0] ? model->name : "token");
        td_detail_set_string(result, t, "matched_by", "%s", model ? "profile" : "ccid-class");
        td_detail_set_strv(result, t, "interfaces", (const char *const *) interfaces);
        td_detail_set_string(result, t, "sysfs", "%s", d->name);
        td_detail_set_string(result, t, "access", "%s", access_names[s->access]);
        if (s->node_states[0])
                td_detail_set_strv(result, t, "nodes", (const char *const *) s->node_states);
        return 0;
}

/* The rule that would give access comes from the USB adapter, which the helper's verb uses too. */
static int add_udev_details(TdContext *ctx, TdResult *result, const TdUsbDevice *d, char **ret_rules_found) {
        _cleanup_strv_free_ TdStrv rules = NULL;
        _cleanup_free_ char *rule_file = NULL, *rule = NULL;
        int r = td_udev_rules_find_vendor(ctx, d->vendor_id, &rules);
        if (r < 0 || (r = td_udev_rule_make(d->vendor_id, d->product_id, &rule_file, &rule)) < 0)
                return r;
        _cleanup_free_ char *found =
                rules[0] ? td_strv_join((const char *const *) rules, _(", ")) : strdup("");
        if (!found)
                return -ENOMEM;
        td_detail_set_string(result, NULL, "udev_rule", "%s", rule);
        td_detail_set_string(result, NULL, "udev_usb_id", "%04x:%04x", d->vendor_id, d->product_id);
        td_detail_set_string(result, NULL, "udev_rule_file", "%s", rule_file);
        td_detail_set_strv(result, NULL, "udev_rules_found", (const char *const *) rules);
        *ret_rules_found = TAKE_PTR(found);
        return 0;
}

static int fail_permission(TdContext *ctx, TdResult *result, const TdUsbDevice *d, const TdTokenModel *model,
                           const char *node) {
        char id[10];
        _cleanup_free_ char *label = token_label(d, model);
        _cleanup_free_ char *rules_found = NULL;
        if (!label)
                return -ENOMEM;
        if (!label[0]) {
                /* The device gives no strings and the plain [token] section has no name. */
                free(label);
                label = strdup(model && model->name[0] ? model->name : "token");
                if (!label)
                        return -ENOMEM;
        }
        int r = add_udev_details(ctx, result, d, &rules_found);
        if (r < 0)
                return r;
        td_detail_set_bool(result, NULL, "udev_profile_model", model != NULL);
        td_usb_device_id(d, id);
        if (rules_found[0])
                return td_result_set(
                        result, TD_STATUS_FAIL, "usb.permission",
                        _("The CA token %s (%s) is on the USB bus, but this user may not open its device "
                          "node %s. A udev rule for its vendor exists (%s) but does not give this user "
                          "access: pull the token out and plug it in again; if that does not help, ask this "
                          "computer's administrator to correct the rule."),
                        id, label, node, rules_found);
        return td_result_set(
                result, TD_STATUS_FAIL, "usb.permission",
                _("The CA token %s (%s) is on the USB bus, but this user may not open its device node %s. "
                  "It is not a CCID smart card, so it does not go through pcscd: it needs a udev rule for "
                  "its vendor %04x, and none is installed. A rule that gives access: %s"),
                id, label, node, d->vendor_id, td_result_get_detail(result, "udev_rule"));
}

static int absent(TdContext *ctx, TdResult *result, const TdUsbBus *bus) {
        if (!bus->sysfs_present) {
                _cleanup_free_ char *sysfs = td_context_path(ctx, "/sys/bus/usb/devices");
                if (!sysfs)
                        return -ENOMEM;
                td_detail_set_string(result, NULL, "sysfs", "%s", "absent");
                return td_result_set(
                        result, TD_STATUS_FAIL, "token.absent",
                        _("No USB device can be seen: %s does not exist (is this a container without access "
                          "to the USB bus?). Plug the CA token into this computer."),
                        sysfs);
        }
        return td_result_set(result, TD_STATUS_FAIL, "token.absent",
                             _("No CA token is on the USB bus (%zu USB devices seen, none a known token or "
                               "a smart card). Plug the token in, or try another USB port, preferably one "
                               "on the computer itself rather than on a hub."),
                             bus->n_devices);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdProfile *profile = td_context_get_profile(ctx);
        const TdUsbBus *bus;
        int r = td_usb_get_bus(ctx, &bus);
        if (r < 0)
                return r;
        td_detail_set_int(result, NULL, "usb_devices", (int64_t) bus->n_devices);
        struct json_object *tokens = td_detail_add_array(result, NULL, "tokens");

        _cleanup_strv_free_ TdStrv ids = calloc(1, sizeof(char *));
        _cleanup_free_ char *denied_node = NULL;
        const TdUsbDevice *denied = NULL, *no_node = NULL;
        size_t n_tokens = 0;
        if (!ids)
                return -ENOMEM;

        for (size_t i = 0; i < bus->n_devices; i++) {
                const TdUsbDevice *d = &bus->devices[i];
                const TdTokenModel *model = td_usb_device_model(d, profile);
                char id[10];
                if (!is_token(d, profile))
                        continue;
                n_tokens++;

                TokenState s;
                r = token_state_get(ctx, d, &s);
                if (r >= 0)
                        r = add_token_details(result, tokens, d, model, &s);
                if (r >= 0)
                        r = td_strv_push(&ids, td_usb_device_id(d, id));
                if (r >= 0 && s.access == ACCESS_DENIED && !denied) {
                        denied = d;
                        denied_node = TAKE_PTR(s.denied_node);
                }
                if (r >= 0 && s.access == ACCESS_NO_NODE && !no_node)
                        no_node = d;
                token_state_clear(&s);
                if (r < 0)
                        return r;
        }

        if (n_tokens == 0)
                return absent(ctx, result, bus);
        if (denied)
                return fail_permission(ctx, result, denied, td_usb_device_model(denied, profile),
                                       denied_node);
        if (no_node) {
                char id[10];
                return td_result_set(result, TD_STATUS_WARN, "usb.permission",
                                     _("The CA token %s is on the USB bus, but no device node for it was "
                                       "found under /dev (udev not running, or a container without the "
                                       "devices?), so the vendor's driver cannot open it."),
                                     td_usb_device_id(no_node, id));
        }

        _cleanup_free_ char *list = td_strv_join((const char *const *) ids, _(", "));
        if (!list)
                return -ENOMEM;
        if (n_tokens == 1) {
                const char *name = td_result_get_detail(result, "tokens.0.name");
                if (name)
                        return td_result_set(result, TD_STATUS_PASS, NULL,
                                             _("The CA token %s (%s) is on the USB bus."), list, name);
                return td_result_set(result, TD_STATUS_PASS, NULL, _("The CA token %s is on the USB bus."),
                                     list);
        }
        return td_result_set(result, TD_STATUS_PASS, NULL, _("%zu CA tokens are on the USB bus: %s."),
                             n_tokens, list);
}

/*
 * The rule is installed for a token model the profile names: the helper takes its allow-list
 * from the profiles, and a rule for any device at all would give the seat user every USB device.
 */
static bool offer_rule(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        if (!streq_ptr(r->cause, "usb.permission") || !td_result_get_detail(r, "udev_usb_id") ||
            !streq_ptr(td_result_get_detail(r, "udev_profile_model"), "true"))
                return false;
        *ret = (TdFixOffer){
                .summary =
                        N_("Install a udev rule that gives the user at this computer access to the token"),
                .privileged = !td_context_has_root(ctx)
        };
        return true;
}

static int plan_rule(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        const char *usb_id = td_result_get_detail(r, "udev_usb_id");
        const char *rule = td_result_get_detail(r, "udev_rule");
        const char *file = td_result_get_detail(r, "udev_rule_file");
        if (!usb_id || !rule || !file)
                return -EINVAL;
        if (td_context_has_root(ctx)) {
                _cleanup_free_ char *path = td_context_path(ctx, file);
                _cleanup_free_ char *text = td_strdup_printf(
                        "# Written by tokendoctor: the CA token %s for the user at the seat.\n%s\n", usb_id,
                        rule);
                if (!path || !text)
                        return -ENOMEM;
                return td_fix_plan_write_file(plan, path, text, strlen(text), 0644,
                                              _("Install the udev rule for the token %s"), usb_id);
        }
        int ret = td_fix_plan_helper(plan, "install-udev-rule", usb_id,
                                     _("Install the udev rule for the token %s (%s) and reload the rules"),
                                     usb_id, file);
        if (ret == 0)
                ret = td_fix_plan_set_afterwards(plan, _("Unplug the CA token and plug it in again."));
        return ret;
}

const TdCheck td_check_token_usb = {
        .id = "token.usb",
        .category = "token",
        .title = N_("CA token connection (USB)"),
        .flags = TD_CHECK_NEEDS_TOKEN,
        .causes = TD_STRV("token.absent", "usb.permission"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Install a udev rule that gives the user at this computer "
                                             "access to the token"),
                               .privileged = true,
                               .offer = offer_rule,
                               .plan = plan_rule },
};
