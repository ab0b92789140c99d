# SPDX-License-Identifier: GPL-3.0-or-later
"""The helper tests' running tally: one "ok"/"not ok" line per check, a summary at the end."""
failures = []
_count = [0]


def check(name, cond, detail=""):
    _count[0] += 1
    print(("ok" if cond else "not ok") + " - " + name)
    if not cond:
        failures.append(name)
        if detail:
            print("  # " + str(detail).replace("\n", "\n  # "))


def summary():
    """Print the tally; the exit status for it."""
    print(f"{_count[0]} checks, {len(failures)} failed")
    return 1 if failures else 0
