/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Whether a systemd unit is installed, enabled, disabled or masked, as the unit files under the
 * context's root say: no D-Bus and no systemctl, so it works on a copy of a customer's system
 * and where systemd does not run (CI, containers).
 *
 * Files say what the system is set to do at boot and on demand, not what it did: a unit that
 * failed at run time, or was stopped by hand, has the same files as one that runs. What only
 * the running system knows is not guessed here.
 */
#pragma once

#include "tokendoctor/td-context.h"

typedef enum {
        /* No unit file of that name in any directory of the load path (dangling links included). */
        TD_UNIT_ABSENT,
        /*
         * The first file of that name in the load path is a link to /dev/null, or an empty file
         * (systemd.unit(5)): the unit cannot be started at all, not even by hand.
         */
        TD_UNIT_MASKED,
        /*
         * Something stands where the unit file is found but systemd could not load it as one: a
         * FIFO, a socket, a directory, a loop of links, a file that cannot be opened.
         */
        TD_UNIT_BROKEN,
        /* A unit file, and no .wants/ or .requires/ link pulls it in (static units included). */
        TD_UNIT_DISABLED,
        /* A unit file, and a link in some <target>.wants/ or <target>.requires/ pulls it in. */
        TD_UNIT_ENABLED,
        _TD_UNIT_STATE_MAX,
        _TD_UNIT_STATE_INVALID = -1,
} TdUnitState;

/* What the files say about one unit. Strings owned; paths as on the customer's machine. */
typedef struct {
        TdUnitState state;
        /* The file that decided: the unit file, the mask link or empty file; NULL when absent. */
        char *file;
        /* For TD_UNIT_BROKEN: why @file is no unit file (-ENODEV, -EISDIR, -ELOOP, -EACCES...). */
        int error;
        /* For TD_UNIT_ENABLED: the first link that pulls the unit in ("/etc/.../x.wants/u"). */
        char *wanted_by;
} TdUnitFileState;

/* "absent", "masked", "broken", "disabled", "enabled"; NULL for an invalid value. Static. */
const char *td_unit_state_to_string(TdUnitState state);

/*
 * Look up system unit @unit ("pcscd.socket") under the context's root, in the load path's
 * directories from the most to the least important: /etc/systemd/system, /run/systemd/system,
 * /usr/local/lib/systemd/system, /usr/lib/systemd/system and /lib/systemd/system (Debian
 * before the /usr merge). Every link is read inside the root, a mask's target as text; nothing
 * that is not a regular file is opened for reading, so a FIFO or a device cannot hold or
 * trigger anything. Presets (systemd.preset(5)) are not applied: only `systemctl preset` reads
 * them, when a package is installed, and what it decided is in the links read here.
 *
 * Returns 0 and fills *ret (td_unit_file_state_clear() it), or -ENOMEM, -EINVAL for a name that
 * is no unit name. A directory that cannot be read is as good as empty. Thread-safe.
 */
int td_systemd_unit_file_state(TdContext *ctx, const char *unit, TdUnitFileState *ret);

void td_unit_file_state_clear(TdUnitFileState *state);
