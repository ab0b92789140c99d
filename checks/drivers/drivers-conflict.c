/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drivers.conflict: no driver is installed twice. Three kinds of doubling break CA tokens in
 * the field (a token that one copy claims and the other then cannot reach, a browser loading
 * two versions of a vendor library into one process):
 *
 *   - platform-driver: the profile's [drivers] packages globs match two or more installed
 *     packages (dpkg state installed; by name or through Provides). One package installed for
 *     two architectures (Multi-Arch) is one package;
 *   - pkcs11-module: two p11-kit registrations that p11-kit-proxy loads (the browsers' door)
 *     name the same vendor module: the same library file once links are resolved, or files
 *     with the same stem (td_p11kit_library_split(): "libgm3000.1.0.so" and
 *     "libgm3000.2.0.so" are both "libgm3000") at different paths, whatever their versions. A
 *     registration switched off (blank module:, disable-in or enable-in keeping it from the
 *     proxy) does not count, nor does a user's file that overrides a system one of its name:
 *     p11-kit merges them into one;
 *   - reader-driver: two reader driver bundles list the same VID:PID. libccid's (a class
 *     driver) counts too: pcsc-lite then takes the other one, which may be an old vendor
 *     driver that no longer works; the details name the one pcscd takes.
 *
 * Any of them: FAIL driver.conflict, each conflict in the details with every party. Else PASS.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "platform/td-dpkg.h"
#include "platform/td-ifd-bundle.h"
#include "platform/td-p11kit.h"
#include "repair/td-repair-text.h"
#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"

/* The first conflict's sentence, for the message; the rest are in the details. */
typedef struct {
        char *first;
        size_t n;
        /* What was looked at, for the pass message; n_packages -1: the profile names none. */
        int64_t n_packages;
        size_t n_registrations, n_readers;
} Found;

static int found_add(Found *f, char *sentence) {
        if (!sentence)
                return -ENOMEM;
        if (f->first)
                free(sentence);
        else
                f->first = sentence;
        f->n++;
        return 0;
}

static struct json_object *conflict_new(TdResult *result, struct json_object *conflicts, const char *kind) {
        struct json_object *c = td_detail_append_object(result, conflicts);
        td_detail_set_string(result, c, "kind", "%s", kind);
        return c;
}

/* --- the platform's driver packages -------------------------------------------------------- */

static int platform_conflicts(TdContext *ctx, TdResult *result, struct json_object *conflicts,
                              Found *found) {
        const TdProfile *profile = td_context_get_profile(ctx);
        if (!profile || !profile->driver_packages || !profile->driver_packages[0]) {
                td_detail_set_null(result, NULL, "driver_packages");
                found->n_packages = -1;
                return 0;
        }
        const TdDpkgStatusFact *fact;
        int r = td_dpkg_status_get(ctx, &fact);
        if (r < 0)
                return r;
        /* No database, or an unreadable one: nothing to find doubled here (drivers.platform says why). */
        const TdDpkgStatus *status = fact->error < 0 ? NULL : fact->status;

        /* Installed matches, a name once (Multi-Arch: one package in two architectures). */
        const TdDpkgPackage **matches =
                calloc(status && status->n_packages ? status->n_packages : 1, sizeof *matches);
        if (!matches)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; status && i < status->n_packages; i++) {
                const TdDpkgPackage *p = &status->packages[i];
                const char *provides, *version;
                if (!p->installed ||
                    !td_dpkg_package_matches(p, profile->driver_packages, &provides, &version))
                        continue;
                bool seen = false;
                for (size_t j = 0; j < n && !seen; j++)
                        seen = streq(matches[j]->package, p->package);
                if (!seen)
                        matches[n++] = p;
        }
        td_detail_set_int(result, NULL, "driver_packages", (int64_t) n);
        found->n_packages = (int64_t) n;
        if (n < 2) {
                free(matches);
                return 0;
        }

        struct json_object *c = conflict_new(result, conflicts, "platform-driver");
        td_detail_set_strv(result, c, "patterns", (const char *const *) profile->driver_packages);
        struct json_object *packages = td_detail_add_array(result, c, "packages");
        _cleanup_strv_free_ TdStrv names = calloc(1, sizeof(char *));
        r = names ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct json_object *o = td_detail_append_object(result, packages);
                td_detail_set_string(result, o, "name", "%s", matches[i]->package);
                if (matches[i]->version)
                        td_detail_set_string(result, o, "version", "%s", matches[i]->version);
                else
                        td_detail_set_null(result, o, "version");
                _cleanup_free_ char *item = td_strdup_printf(
                        "%s %s", matches[i]->package, matches[i]->version ? matches[i]->version : "?");
                r = item ? td_strv_push(&names, item) : -ENOMEM;
        }
        free(matches);
        _cleanup_free_ char *list = r >= 0 ? td_strv_join((const char *const *) names, _(", ")) : NULL;
        if (!list)
                return -ENOMEM;
        return found_add(
                found,
                td_strdup_printf(
                        _("The platform's driver is installed more than once: %s. The copies get in each "
                          "other's way: ask this computer's administrator to uninstall the older one."),
                        list));
}

/* --- PKCS#11 module registrations ---------------------------------------------------------- */

typedef struct {
        const TdP11KitModule *module;
        char *stem;
        char *version;
        bool grouped;
} Registration;

static void add_registration(TdResult *result, struct json_object *array, const Registration *reg) {
        const TdP11KitModule *m = reg->module;
        struct json_object *o = td_detail_append_object(result, array);
        td_detail_set_string(result, o, "name", "%s", m->name);
        td_detail_set_string(result, o, "file", "%s", m->files[0]);
        td_detail_set_bool(result, o, "user", m->user);
        td_detail_set_string(result, o, "library", "%s", m->library);
        if (reg->version)
                td_detail_set_string(result, o, "version", "%s", reg->version);
        else
                td_detail_set_null(result, o, "version");
}

/* Every registration of @modules, as loaded or why not, for support. */
static void add_registrations(TdResult *result, const TdP11KitModules *modules) {
        struct json_object *array = td_detail_add_array(result, NULL, "registrations");
        for (size_t i = 0; i < modules->n_modules; i++) {
                const TdP11KitModule *m = &modules->modules[i];
                struct json_object *o = td_detail_append_object(result, array);
                td_detail_set_string(result, o, "name", "%s", m->name);
                td_detail_set_strv(result, o, "files", (const char *const *) m->files);
                td_detail_set_bool(result, o, "user", m->user);
                if (m->library)
                        td_detail_set_string(result, o, "library", "%s", m->library);
                else
                        td_detail_set_null(result, o, "library");
                td_detail_set_string(result, o, "state", "%s", td_p11kit_state_to_string(m->state));
        }
        struct json_object *unreadable = td_detail_add_array(result, NULL, "unreadable");
        for (size_t i = 0; i < modules->n_unreadable; i++)
                td_detail_append_string(result, unreadable, "%s", modules->unreadable[i].file);
}

/* One conflict for the registrations in @regs[@first...] that share @regs[@first]'s stem. */
static int module_conflict(TdResult *result, struct json_object *conflicts, Registration *regs,
                           size_t n_regs, size_t first, Found *found) {
        size_t count = 0;
        bool same_library = true;
        for (size_t j = first; j < n_regs; j++)
                if (streq(regs[j].stem, regs[first].stem)) {
                        count++;
                        same_library =
                                same_library && streq(regs[j].module->library, regs[first].module->library);
                }
        if (count < 2)
                return 0;

        struct json_object *c = conflict_new(result, conflicts, "pkcs11-module");
        td_detail_set_string(result, c, "module", "%s", regs[first].stem);
        if (same_library)
                td_detail_set_string(result, c, "library", "%s", regs[first].module->library);
        else
                td_detail_set_null(result, c, "library");
        struct json_object *array = td_detail_add_array(result, c, "registrations");
        _cleanup_strv_free_ TdStrv files = calloc(1, sizeof(char *));
        _cleanup_strv_free_ TdStrv libraries = calloc(1, sizeof(char *));
        int r = files && libraries ? 0 : -ENOMEM;
        for (size_t j = first; r >= 0 && j < n_regs; j++) {
                if (!streq(regs[j].stem, regs[first].stem))
                        continue;
                regs[j].grouped = true;
                add_registration(result, array, &regs[j]);
                r = td_strv_push(&files, regs[j].module->files[0]);
                if (r >= 0 && !td_strv_contains((const char *const *) libraries, regs[j].module->library))
                        r = td_strv_push(&libraries, regs[j].module->library);
        }
        _cleanup_free_ char *file_list = r >= 0 ? td_strv_join((const char *const *) files, _(", ")) : NULL;
        _cleanup_free_ char *library_list =
                file_list ? td_strv_join((const char *const *) libraries, _(", ")) : NULL;
        if (!library_list)
                return -ENOMEM;
        if (same_library)
                return found_add(
                        found,
                        td_strdup_printf(_("The token library %s is registered %zu times for the browsers "
                                           "(%s), so it is loaded twice and the token may stop answering. "
                                           "Disable or remove the extra registration, keeping one."),
                                         regs[first].module->library, count, file_list));
        return found_add(found,
                         td_strdup_printf(_("Two or more copies or versions of the token library %s are "
                                            "registered for the browsers: %s (registered in %s). Only one "
                                            "can work at a time: disable or remove the older one."),
                                          regs[first].stem, library_list, file_list));
}

static int module_conflicts(TdContext *ctx, TdResult *result, struct json_object *conflicts, Found *found) {
        const TdP11KitModules *modules;
        int r = td_p11kit_modules_get(ctx, &modules);
        if (r < 0)
                return r;
        td_detail_set_strv(result, NULL, "module_dirs", (const char *const *) modules->dirs);
        add_registrations(result, modules);

        Registration *regs = calloc(modules->n_modules ? modules->n_modules : 1, sizeof *regs);
        size_t n = 0;
        if (!regs)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < modules->n_modules; i++) {
                const TdP11KitModule *m = &modules->modules[i];
                if (m->state != TD_P11KIT_LOADED || !m->library)
                        continue;
                regs[n].module = m;
                r = td_p11kit_library_split(m->library, &regs[n].stem, &regs[n].version);
                if (r >= 0)
                        n++;
        }
        td_detail_set_int(result, NULL, "pkcs11_registrations", (int64_t) n);
        found->n_registrations = n;
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (!regs[i].grouped)
                        r = module_conflict(result, conflicts, regs, n, i, found);
        for (size_t i = 0; i < n; i++) {
                free(regs[i].stem);
                free(regs[i].version);
        }
        free(regs);
        return r;
}

/* --- reader drivers ------------------------------------------------------------------------ */

static bool counts(const TdIfdBundle *b) {
        return b->plist != NULL;
}

/* Whether an earlier bundle than @bundle_index lists @reader too (its conflict is made already). */
static bool listed_before(const TdIfdBundles *b, size_t bundle_index, const TdIfdReader *reader) {
        for (size_t i = 0; i < bundle_index; i++)
                if (counts(&b->bundles[i]) &&
                    td_ifd_plist_find(b->bundles[i].plist, reader->vendor_id, reader->product_id))
                        return true;
        return false;
}

static int reader_conflicts(TdContext *ctx, TdResult *result, struct json_object *conflicts, Found *found) {
        const TdIfdBundles *b;
        int r = td_ifd_bundles_get(ctx, &b);
        if (r < 0)
                return r;
        td_detail_set_int(result, NULL, "reader_drivers", (int64_t) b->n);
        found->n_readers = b->n;
        for (size_t i = 0; i < b->n; i++) {
                const TdIfdBundle *bundle = &b->bundles[i];
                if (!counts(bundle))
                        continue;
                for (size_t k = 0; k < bundle->plist->n_readers; k++) {
                        const TdIfdReader *reader = &bundle->plist->readers[k];
                        /* A bundle listing one reader twice is one driver; an earlier pair is done. */
                        if (td_ifd_plist_find(bundle->plist, reader->vendor_id, reader->product_id) !=
                                    reader ||
                            listed_before(b, i, reader))
                                continue;
                        _cleanup_strv_free_ TdStrv paths = calloc(1, sizeof(char *));
                        r = paths ? td_strv_push(&paths, bundle->path) : -ENOMEM;
                        for (size_t j = i + 1; r >= 0 && j < b->n; j++)
                                if (counts(&b->bundles[j]) &&
                                    td_ifd_plist_find(b->bundles[j].plist, reader->vendor_id,
                                                      reader->product_id))
                                        r = td_strv_push(&paths, b->bundles[j].path);
                        if (r < 0)
                                return r;
                        if (td_strv_length((const char *const *) paths) < 2)
                                continue;
                        char id[10];
                        snprintf(id, sizeof id, "%04x:%04x", reader->vendor_id, reader->product_id);
                        struct json_object *c = conflict_new(result, conflicts, "reader-driver");
                        td_detail_set_string(result, c, "id", "%s", id);
                        if (reader->name)
                                td_detail_set_string(result, c, "reader", "%s", reader->name);
                        else
                                td_detail_set_null(result, c, "reader");
                        td_detail_set_strv(result, c, "bundles", (const char *const *) paths);
                        const TdIfdReader *entry;
                        const TdIfdBundle *broken, *unreadable;
                        const TdIfdBundle *used = td_ifd_bundles_driver_for(
                                b, reader->vendor_id, reader->product_id, &entry, &broken, &unreadable);
                        if (used)
                                td_detail_set_string(result, c, "used", "%s", used->path);
                        else
                                td_detail_set_null(result, c, "used");
                        _cleanup_free_ char *list = td_strv_join((const char *const *) paths, _(", "));
                        if (!list)
                                return -ENOMEM;
                        r = found_add(
                                found,
                                td_strdup_printf(
                                        _("Two or more reader drivers claim the token reader %s: %s. pcscd "
                                          "uses only one of them, perhaps the wrong one: uninstall the one "
                                          "you do not need (usually the older vendor driver)."),
                                        id, list));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int run(TdContext *ctx, TdResult *result) {
        struct json_object *conflicts = td_detail_add_array(result, NULL, "conflicts");
        Found found = {};
        int r = platform_conflicts(ctx, result, conflicts, &found);
        if (r >= 0)
                r = module_conflicts(ctx, result, conflicts, &found);
        if (r >= 0)
                r = reader_conflicts(ctx, result, conflicts, &found);
        if (r < 0) {
                free(found.first);
                return r;
        }
        _cleanup_free_ char *first = found.first;
        if (found.n == 1)
                return td_result_set(result, TD_STATUS_FAIL, "driver.conflict", "%s", first);
        if (found.n > 1)
                return td_result_set(
                        result, TD_STATUS_FAIL, "driver.conflict",
                        _("%zu doubled drivers were found; the details list each. The first: %s"), found.n,
                        first);
        if (found.n_packages < 0)
                return td_result_set(result, TD_STATUS_PASS, NULL,
                                     _("No driver is installed twice: looked at %zu PKCS#11 module "
                                       "registrations for the browsers and %zu reader drivers (the profile "
                                       "names no driver package of the platform)."),
                                     found.n_registrations, found.n_readers);
        return td_result_set(
                result, TD_STATUS_PASS, NULL,
                _("No driver is installed twice: looked at the platform's driver packages (%lld installed), "
                  "%zu PKCS#11 module registrations for the browsers and %zu reader drivers."),
                (long long) found.n_packages, found.n_registrations, found.n_readers);
}

/* --- the repair: disable the extra PKCS#11 registrations --------------------------------- */

static const char *reg_detail(const TdResult *r, size_t c, size_t i, const char *key) {
        char path[96];
        snprintf(path, sizeof path, "conflicts.%zu.registrations.%zu.%s", c, i, key);
        return td_result_get_detail(r, path);
}

static bool is_profile_module(const TdProfile *profile, const char *library) {
        for (size_t i = 0; profile && library && i < profile->n_tokens; i++)
                if (streq_ptr(profile->tokens[i].module, library))
                        return true;
        return false;
}

/*
 * Of the registrations of conflict @c, the one to keep: the profile's own module; else the
 * newest version when every version is known; else, for one library registered twice, the
 * first one p11-kit reads (the system's before the user's). SIZE_MAX when it cannot be told:
 * different libraries of unknown versions are the user's call.
 */
static size_t registration_to_keep(const TdContext *ctx, const TdResult *r, size_t c) {
        size_t n = 0;
        while (reg_detail(r, c, n, "name"))
                n++;
        if (n < 2)
                return SIZE_MAX;
        const TdProfile *profile = td_context_get_profile(ctx);
        for (size_t i = 0; i < n; i++)
                if (is_profile_module(profile, reg_detail(r, c, i, "library")))
                        return i;
        char path[64];
        snprintf(path, sizeof path, "conflicts.%zu.library", c);
        const char *library = td_result_get_detail(r, path);
        if (library && !streq(library, "null")) {
                for (size_t i = 0; i < n; i++)
                        if (!streq_ptr(reg_detail(r, c, i, "user"), "true"))
                                return i;
                return 0;
        }
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
                const char *v = reg_detail(r, c, i, "version");
                if (!v || streq(v, "null"))
                        return SIZE_MAX;
                if (i > 0 && td_version_compare(v, reg_detail(r, c, best, "version")) > 0)
                        best = i;
        }
        return best;
}

/* Calls @each for every registration to disable; returns how many. */
static size_t for_each_extra(const TdContext *ctx, const TdResult *r,
                             int (*each)(TdContext *ctx, const TdResult *r, size_t c, size_t i, void *user),
                             void *user, int *ret) {
        size_t count = 0;
        *ret = 0;
        for (size_t c = 0;; c++) {
                char path[64];
                snprintf(path, sizeof path, "conflicts.%zu.kind", c);
                const char *kind = td_result_get_detail(r, path);
                if (!kind)
                        break;
                if (!streq(kind, "pkcs11-module"))
                        continue;
                size_t keep = registration_to_keep(ctx, r, c);
                if (keep == SIZE_MAX)
                        continue;
                for (size_t i = 0; reg_detail(r, c, i, "name"); i++) {
                        if (i == keep)
                                continue;
                        count++;
                        if (each && (*ret = each((TdContext *) ctx, r, c, i, user)) < 0)
                                return count;
                }
        }
        return count;
}

static int count_system(TdContext *ctx, const TdResult *r, size_t c, size_t i, void *user) {
        if (!streq_ptr(reg_detail(r, c, i, "user"), "true"))
                (*(size_t *) user)++;
        return 0;
}

static bool offer_disable(const TdContext *ctx, const TdResult *r, TdFixOffer *ret) {
        int err;
        size_t n_system = 0;
        if (for_each_extra(ctx, r, count_system, &n_system, &err) == 0)
                return false;
        /* A user's own registration is switched off as the user; a system one under --root too. */
        *ret = (TdFixOffer){
                .summary = N_(
                        "Disable the extra registration of the token library (switched off, not deleted)"),
                .privileged = n_system > 0 && !td_context_has_root(ctx)
        };
        return true;
}

/*
 * A registration is switched off as p11-kit honours it (td_repair_p11kit_disable_text(): an
 * empty enable-in:), the same text the helper writes: a file renamed aside would still be
 * loaded, and a blank module: would be filled from the package's file of the same name. The
 * user's own file is edited in place; a system one through the helper, or under --root in the
 * copy's /etc/pkcs11/modules, which p11-kit reads before /usr/share.
 */
static int plan_one(TdContext *ctx, const TdResult *r, size_t c, size_t i, void *user) {
        TdFixPlan *plan = user;
        const char *file = reg_detail(r, c, i, "file"), *library = reg_detail(r, c, i, "library");
        bool mine = streq_ptr(reg_detail(r, c, i, "user"), "true");
        if (!file || file[0] != '/')
                return -EINVAL;
        const char *name = strrchr(file, '/') + 1;
        if (!mine && !td_context_has_root(ctx))
                return td_fix_plan_helper(plan, "disable-module", name,
                                          _("Disable the registration %s of %s"), file,
                                          library ? library : "?");

        _cleanup_free_ char *target = NULL, *current = NULL, *text = NULL;
        size_t len = 0;
        int ret;
        if (mine) {
                target = strdup(file);
                ret = target ? td_read_regular_file(target, 64 * 1024, &current, &len) : -ENOMEM;
        } else {
                _cleanup_free_ char *etc = td_strdup_printf(TD_REPAIR_P11KIT_SYSTEM_DIR "/%s", name);
                target = etc ? td_context_path(ctx, etc) : NULL;
                ret = target ? td_context_read_file(ctx, etc, 64 * 1024, &current, &len) : -ENOMEM;
                if (ret == -ENOENT)
                        ret = 0;
        }
        if (ret < 0)
                return ret;
        if ((ret = td_repair_p11kit_disable_text(current, len, &text)) < 0)
                return ret;
        /* The user's file keeps its mode; a new /etc file is as a package's. */
        struct stat st;
        unsigned mode = mine && stat(target, &st) == 0 ? (unsigned) (st.st_mode & 07777) : 0644;
        return td_fix_plan_write_file(
                plan, target, text, strlen(text), mode,
                _("Disable the registration %s of %s (enable-in: left empty, so no program loads it)"), file,
                library ? library : "?");
}

static int plan_disable(TdContext *ctx, const TdResult *r, TdFixPlan *plan, char **ret_why) {
        int err;
        size_t n = for_each_extra(ctx, r, plan_one, plan, &err);
        if (err < 0)
                return err;
        if (n == 0)
                return -EOPNOTSUPP;
        return td_fix_plan_set_afterwards(plan, _("Close the browser and open it again."));
}

const TdCheck td_check_drivers_conflict = {
        .id = "drivers.conflict",
        .category = "drivers",
        .title = N_("Driver conflicts"),
        .causes = TD_STRV("driver.conflict"),
        .run = run,
        .fix = &(const TdFix){ .summary = N_("Disable the extra registration of the token library (switched "
                                             "off, not deleted)"),
                               .privileged = true,
                               .offer = offer_disable,
                               .plan = plan_disable },
};
