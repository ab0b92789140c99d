/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.pcscd: the PC/SC service answers this user.
 *
 * When PC/SC answers: PASS. When it does not, the cause decides the repair, so it is looked
 * for in this order:
 *
 *   - PC/SC says access denied: FAIL pcscd.denied. A refusal is the live service answering,
 *     so what the files say about it being installed or switched on is beside the point (a
 *     pcscd started by a vendor's script on a system whose socket unit is disabled still
 *     refuses; enabling the socket would not help, the polkit rule would);
 *   - the dpkg database has no installed package pcscd: FAIL pcscd.missing;
 *   - pcscd.socket is masked: FAIL pcscd.disabled, saying masked (it needs unmasking first);
 *   - neither pcscd.socket nor pcscd.service is pulled in by anything: FAIL pcscd.disabled;
 *   - the files show it cannot start although it is switched on (pcscd.service masked, or a
 *     unit file of the installed package missing or no file): FAIL pcscd.failed;
 *   - switched on, and nothing in the files against it: FAIL pcscd.down, details saying what
 *     was seen.
 *
 * The files (the dpkg database, the unit files and links) are read under --root; PC/SC is the
 * live service of this machine, as for every check. A running system's state may differ from
 * its files: a socket unit that is enabled may have failed at run time, or been stopped by
 * hand, or the system may not be running systemd at all (a container), and nothing in the
 * files tells these apart. The journal is binary, and /run/systemd/units keeps no failed
 * state. The socket file /run/pcscd/pcscd.comm is no evidence either: systemd leaves it behind
 * when the socket unit stops (RemoveOnStop= is off by default), it is absent alike when the
 * unit failed and when it never started, and under --root it is the copy's, not this machine's.
 * So pcscd.failed is given only where the files themselves show the service cannot start, and
 * an enabled service that does not answer stays pcscd.down.
 */
#include <errno.h>
#include <string.h>

#include "platform/td-dpkg.h"
#include "platform/td-error-text.h"
#include "platform/td-fact.h"
#include "platform/td-pcsc.h"
#include "platform/td-systemd-units.h"
#include "repair/td-repair-text.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

#define PCSCD_PACKAGE TD_REPAIR_PACKAGE_PCSCD
#define PCSCD_SOCKET_UNIT "pcscd.socket"
#define PCSCD_SERVICE_UNIT "pcscd.service"

typedef struct {
        bool known;                   /* a dpkg database was read */
        const TdDpkgPackage *package; /* its stanza for pcscd, an installed one first; or NULL */
} PackageFact;

static void clear_units(TdUnitFileState (*units)[2]) {
        td_unit_file_state_clear(&(*units)[0]);
        td_unit_file_state_clear(&(*units)[1]);
}

static int find_package(TdContext *ctx, PackageFact *ret) {
        const TdDpkgStatusFact *fact;
        int r = td_dpkg_status_get(ctx, &fact);
        if (r < 0)
                return r;
        *ret = (PackageFact){ .known = fact->error == 0 && fact->status };
        if (!ret->known)
                return 0; /* no database (not Debian-like), or one that cannot be read: unknown */
        for (size_t i = 0; i < fact->status->n_packages; i++) {
                const TdDpkgPackage *p = &fact->status->packages[i];
                if (streq(p->package, PCSCD_PACKAGE) && (!ret->package || p->installed))
                        ret->package = p;
        }
        return 0;
}

static void set_nullable(TdResult *result, struct json_object *o, const char *key, const char *value) {
        if (value)
                td_detail_set_string(result, o, key, "%s", value);
        else
                td_detail_set_null(result, o, key);
}

/* For support, in English as the rest of the details: strerror() would say "No such device" for a FIFO. */
static const char *broken_why(int error) {
        switch (error) {
        case -ENODEV:
                return "not a regular file";
        case -EISDIR:
                return "a directory";
        case -ELOOP:
                return "a loop of symbolic links";
        default:
                return strerror(-error);
        }
}

/* What was seen, whatever the verdict: support reads the files' side beside PC/SC's. */
static void add_details(TdResult *result, const PackageFact *pkg, const TdUnitFileState units[2]) {
        struct json_object *o = td_detail_add_object(result, NULL, "package");
        td_detail_set_string(result, o, "name", PCSCD_PACKAGE);
        if (pkg->known)
                td_detail_set_bool(result, o, "installed", pkg->package && pkg->package->installed);
        else
                td_detail_set_null(result, o, "installed");
        set_nullable(result, o, "state", pkg->package ? pkg->package->state : NULL);
        set_nullable(result, o, "version", pkg->package ? pkg->package->version : NULL);

        struct json_object *array = td_detail_add_array(result, NULL, "units");
        static const char *const names[2] = { PCSCD_SOCKET_UNIT, PCSCD_SERVICE_UNIT };
        for (size_t i = 0; i < 2; i++) {
                struct json_object *u = td_detail_append_object(result, array);
                td_detail_set_string(result, u, "name", "%s", names[i]);
                td_detail_set_string(result, u, "state", "%s", td_unit_state_to_string(units[i].state));
                set_nullable(result, u, "file", units[i].file);
                set_nullable(result, u, "wanted_by", units[i].wanted_by);
                if (units[i].state == TD_UNIT_BROKEN)
                        td_detail_set_string(result, u, "error", "%s", broken_why(units[i].error));
        }
}

static int verdict_missing(TdResult *result, const PackageFact *pkg) {
        const TdDpkgPackage *p = pkg->package;
        if (p && p->state && !streq(p->state, "not-installed"))
                return td_result_set(result, TD_STATUS_FAIL, "pcscd.missing",
                                     _("The smart card service (pcscd) is not installed properly, so no "
                                       "program can reach the CA token. (Technical detail: the package "
                                       "pcscd is there only in part, dpkg state \"%s\")"),
                                     p->state);
        return td_result_set(
                result, TD_STATUS_FAIL, "pcscd.missing",
                _("The smart card service (pcscd) is not installed, so no program can reach the CA token. "
                  "(Technical detail: the package pcscd is not on this computer)"));
}

/* A unit of the package that cannot be loaded: its file, and why, for the message. */
static char *unit_trouble(const TdUnitFileState *u, const char *name) {
        if (u->state == TD_UNIT_ABSENT)
                return td_strdup_printf(_("the unit file %s is missing"), name);
        return td_fact_file_error(u->file, u->error);
}

static int decide(TdResult *result, const TdPcscState *st, const PackageFact *pkg,
                  const TdUnitFileState units[2]) {
        _cleanup_free_ char *error = td_error_text(st->error);
        if (!error)
                return -ENOMEM;
        const TdUnitFileState *sock = &units[0], *service = &units[1];

        if (streq(st->cause, "pcscd.denied"))
                return td_result_set(
                        result, TD_STATUS_FAIL, st->cause,
                        _("The smart card service (pcscd) refuses this user, so the CA token cannot be used "
                          "from this session: it serves only the user who is logged in at this computer "
                          "itself. (pcscd: %s; its polkit policy allows only active local sessions)"),
                        error);
        if (pkg->known && !(pkg->package && pkg->package->installed))
                return verdict_missing(result, pkg);
        if (sock->state == TD_UNIT_MASKED)
                return td_result_set(result, TD_STATUS_FAIL, "pcscd.disabled",
                                     _("The smart card service (pcscd) is switched off for good, so no "
                                       "program can reach the CA token, and it cannot even be started by "
                                       "hand. (Technical detail: pcscd.socket is masked, %s)"),
                                     sock->file);
        /*
         * The service pulled in directly starts the socket with it (pcscd.service requires
         * pcscd.socket), so either link switches pcscd on.
         */
        bool switched_on = sock->state == TD_UNIT_ENABLED || service->state == TD_UNIT_ENABLED;
        if (sock->state == TD_UNIT_DISABLED && !switched_on)
                return td_result_set(
                        result, TD_STATUS_FAIL, "pcscd.disabled",
                        _("The smart card service (pcscd) is switched off, so it does not start when a "
                          "program asks for the CA token. (Technical detail: pcscd.socket is not enabled)"));
        if (switched_on && service->state == TD_UNIT_MASKED)
                return td_result_set(result, TD_STATUS_FAIL, "pcscd.failed",
                                     _("The smart card service (pcscd) cannot start, so no program can "
                                       "reach the CA token. (Technical detail: pcscd.socket is enabled but "
                                       "pcscd.service is masked, %s)"),
                                     service->file);
        /* Only with the package installed is a missing unit file a broken installation. */
        if (pkg->known) {
                const TdUnitFileState *bad = NULL;
                const char *name = NULL;
                if (sock->state == TD_UNIT_ABSENT || sock->state == TD_UNIT_BROKEN)
                        bad = sock, name = PCSCD_SOCKET_UNIT;
                else if (service->state == TD_UNIT_ABSENT || service->state == TD_UNIT_BROKEN)
                        bad = service, name = PCSCD_SERVICE_UNIT;
                if (bad) {
                        _cleanup_free_ char *trouble = unit_trouble(bad, name);
                        _cleanup_free_ char *why = trouble ? td_error_text(trouble) : NULL;
                        if (!why)
                                return -ENOMEM;
                        return td_result_set(
                                result, TD_STATUS_FAIL, "pcscd.failed",
                                _("The smart card service (pcscd) cannot start, so no program can reach the "
                                  "CA token: its installation is damaged. Install the package pcscd again. "
                                  "(Technical detail: the package pcscd is installed, but %s)"),
                                why);
                }
        }
        if (switched_on)
                return td_result_set(result, TD_STATUS_FAIL, "pcscd.down",
                                     _("The smart card service (pcscd) is not running, so no program can "
                                       "reach the CA token: it was stopped, or it failed when it started. "
                                       "(pcscd: %s; switched on by %s)"),
                                     error,
                                     sock->state == TD_UNIT_ENABLED ? sock->wanted_by : service->wanted_by);
        return td_result_set(result, TD_STATUS_FAIL, "pcscd.down",
                             _("The smart card service (pcscd) is not running, so no program can reach the "
                               "CA token. (pcscd: %s)"),
                             error);
}

static int run(TdContext *ctx, TdResult *result) {
        const TdPcscState *st;
        int r = td_pcsc_get_state(ctx, &st);
        if (r < 0)
                return r;
        if (!st->cause) {
                td_detail_set_int(result, NULL, "readers", (int64_t) st->n_readers);
                return td_result_set(result, TD_STATUS_PASS, NULL, _("The PC/SC service (pcscd) answers."));
        }
        td_detail_set_string(result, NULL, "pcsc_error", "%s", st->error ? st->error : "");

        PackageFact pkg;
        r = find_package(ctx, &pkg);
        if (r < 0)
                return r;
        __attribute__((cleanup(clear_units))) TdUnitFileState units[2] = {};
        if ((r = td_systemd_unit_file_state(ctx, PCSCD_SOCKET_UNIT, &units[0])) < 0 ||
            (r = td_systemd_unit_file_state(ctx, PCSCD_SERVICE_UNIT, &units[1])) < 0)
                return r;
        add_details(result, &pkg, units);
        return decide(result, st, &pkg, units);
}

/*
 * Each cause has its own repair: a polkit rule for a refusal, the package when it is missing,
 * the socket unit switched on (unmasked first) when disabled, started when down. A service that
 * cannot start although switched on (pcscd.failed) needs a person: no offer. Under --root only
 * files change: the copy's unit links; packages and services are the running system's.
 */
static bool offer_repair(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        bool root = td_context_has_root(ctx);
        const char *cause = r->cause ? r->cause : "";
        if (streq(cause, "pcscd.denied"))
                *ret = (TdFixOffer){ .summary = N_("Allow the user at this computer to use the smart card "
                                                   "service (polkit rule)"),
                                     .privileged = !root };
        else if (streq(cause, "pcscd.missing") && !root)
                *ret = (TdFixOffer){ .summary = N_("Install the smart card service (package pcscd)"),
                                     .privileged = true };
        else if (streq(cause, "pcscd.disabled"))
                *ret = (TdFixOffer){ .summary = N_("Switch on the smart card service (pcscd.socket)"),
                                     .privileged = !root };
        else if (streq(cause, "pcscd.down") && !root)
                *ret = (TdFixOffer){ .summary = N_("Start the PC/SC service (pcscd)"), .privileged = true };
        else
                return false;
        return true;
}

/* Under --root: the unit file the package installed, as the copy has it. */
static char *packaged_unit_file(TdContext *ctx, const char *unit) {
        static const char *const dirs[] = { "/usr/lib/systemd/system", "/lib/systemd/system" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *path = td_strdup_printf("%s/%s", dirs[i], unit);
                if (!path)
                        return NULL;
                _cleanup_close_ int fd = td_context_open_file(ctx, path, NULL);
                if (fd >= 0)
                        return TAKE_PTR(path);
        }
        return NULL;
}

static int plan_enable_under_root(TdContext *ctx, TdFixPlan *plan, char **ret_why) {
        TdUnitFileState st = { 0 };
        int r = td_systemd_unit_file_state(ctx, PCSCD_SOCKET_UNIT, &st);
        if (r < 0)
                return r;
        if (st.state == TD_UNIT_MASKED && st.file) {
                _cleanup_free_ char *mask = td_context_path(ctx, st.file);
                _cleanup_free_ char *aside = td_strdup_printf("%s.tokendoctor-unmasked", mask ? mask : "");
                if (!mask || !aside)
                        r = -ENOMEM;
                else
                        r = td_fix_plan_move_aside(plan, mask, aside,
                                                   _("Unmask %s (move the mask %s aside)"),
                                                   PCSCD_SOCKET_UNIT, st.file);
        }
        td_unit_file_state_clear(&st);
        if (r < 0)
                return r;
        _cleanup_free_ char *unit_file = packaged_unit_file(ctx, PCSCD_SOCKET_UNIT);
        if (!unit_file) {
                *ret_why = td_strdup_printf(_("The unit file %s is not installed there: install the package "
                                              "pcscd on that system."),
                                            PCSCD_SOCKET_UNIT);
                return -EOPNOTSUPP;
        }
        _cleanup_free_ char *link =
                td_context_path(ctx, "/etc/systemd/system/sockets.target.wants/" PCSCD_SOCKET_UNIT);
        if (!link)
                return -ENOMEM;
        return td_fix_plan_write_link(plan, link, unit_file, _("Switch on %s (as systemctl enable does)"),
                                      PCSCD_SOCKET_UNIT);
}

/* Under --root: the rule file the copy's polkit reads (the helper's text, td-repair-text). */
static int plan_allow_under_root(TdContext *ctx, TdFixPlan *plan, char **ret_why) {
        const TdDpkgStatusFact *fact;
        int r = td_dpkg_status_get(ctx, &fact);
        if (r < 0)
                return r;
        TdPolkitFlavour flavour = td_repair_polkit_flavour(fact->status);
        const char *file = td_repair_polkit_path(flavour), *text = td_repair_polkit_text(flavour);
        if (!file || !text) {
                *ret_why = td_strdup_printf(_("No polkit is installed there, so polkit cannot be what "
                                              "refuses the smart card service."));
                return -EOPNOTSUPP;
        }
        _cleanup_free_ char *path = td_context_path(ctx, file);
        if (!path)
                return -ENOMEM;
        return td_fix_plan_write_file(plan, path, text, strlen(text), 0644,
                                      _("Install the polkit rule %s (%s) that lets the user at this "
                                        "computer use the smart card service"),
                                      file, td_repair_polkit_flavour_to_string(flavour));
}

static int plan_repair(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        const char *cause = r->cause ? r->cause : "";
        int ret;
        if (streq(cause, "pcscd.disabled") && td_context_has_root(ctx))
                return plan_enable_under_root(ctx, plan, ret_why);
        if (streq(cause, "pcscd.denied") && td_context_has_root(ctx))
                return plan_allow_under_root(ctx, plan, ret_why);
        if (streq(cause, "pcscd.denied"))
                ret = td_fix_plan_helper(plan, "allow-pcscd", NULL,
                                         _("Install the polkit rule that lets the user at this computer use "
                                           "the smart card service"));
        else if (streq(cause, "pcscd.missing"))
                ret = td_fix_plan_helper(plan, "install-package", PCSCD_PACKAGE,
                                         _("Install the package pcscd (the smart card service)"));
        else if (streq(cause, "pcscd.disabled") || streq(cause, "pcscd.down"))
                ret = td_fix_plan_helper(plan, "start-pcscd", NULL,
                                         _("Switch on and start the smart card service (systemctl enable "
                                           "--now pcscd.socket; unmasked first if masked)"));
        else
                return -EOPNOTSUPP;
        return ret;
}

const TdCheck td_check_drivers_pcscd = {
        .id = "drivers.pcscd",
        .category = "drivers",
        .title = N_("Smart card service (pcscd)"),
        .causes = TD_STRV("pcscd.down", "pcscd.denied", "pcscd.missing", "pcscd.disabled", "pcscd.failed"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Start the PC/SC service (pcscd)"),
                               .privileged = true,
                               .offer = offer_repair,
                               .plan = plan_repair },
        .timeout_ms = 10000,
};
