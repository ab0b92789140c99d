#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tokendoctor fix and undo on fixture roots: the offer names the command, the plan is shown and
--dry-run changes nothing, nothing changes without a yes, a repair changes exactly what it said,
the check is run again, and undo puts every file back byte for byte (content, mode, links, the
directories the repair made). Runs in tests/rig/isolate: /run/pcscd is private, so PC/SC is
down whatever this machine runs."""
import hashlib
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "rig"))
import jsonschema  # noqa: E402
import tdfixture  # noqa: E402
import tdrig  # noqa: E402

with open(os.path.join(os.environ["TD_SRCDIR"], "data", "report.schema.json"), encoding="utf-8") as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

PCSCD_SOCKET = """[Unit]
Description=PC/SC Smart Card Daemon Activation Socket

[Socket]
ListenStream=/run/pcscd/pcscd.comm
SocketMode=0666

[Install]
WantedBy=sockets.target
"""
PCSCD_SERVICE = "[Service]\nExecStart=/usr/sbin/pcscd --foreground --auto-exit\n"
DPKG_PCSCD = "Package: pcscd\nStatus: install ok installed\nVersion: 1.9.9-2\nArchitecture: amd64\n\n"
WANTS_LINK = "etc/systemd/system/sockets.target.wants/pcscd.socket"


def snapshot(*dirs):
    """Every entry under @dirs: type, mode, content digest or link text."""
    seen = {}
    for top in dirs:
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                if os.path.islink(path):
                    seen[path] = ("link", os.readlink(path))
                elif os.path.isdir(path):
                    seen[path] = ("dir", st.st_mode & 0o7777)
                else:
                    with open(path, "rb") as f:
                        seen[path] = ("file", st.st_mode & 0o7777, hashlib.sha256(f.read()).hexdigest())
    return seen


class FixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = tdfixture.Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.fx.close()

    def setUp(self):
        self.n = getattr(self, "n", 0) + 1
        name = self.id().rsplit(".", 1)[-1]
        self.home = self.fx.path(name, "home")
        self.state = self.fx.path(name, "state")
        os.makedirs(self.home)
        os.makedirs(self.state)
        self.name = name

    def env(self, **extra):
        return {"HOME": self.home, "XDG_STATE_HOME": self.state, "XDG_CONFIG_HOME": self.home + "/.config",
                **extra}

    def td(self, *args, **env):
        out = tdfixture.run_tokendoctor(*args, env=self.env(**env))
        # Every JSON document fix and undo print follows data/report.schema.json.
        if "--json" in args and out.stdout.strip():
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(json.loads(out.stdout))]
            self.assertFalse(errors, "\n".join(errors[:5]))
        return out

    def pcscd_root(self, masked=False):
        root = self.fx.make_root(self.name + "/root")
        self.fx.write(f"{self.name}/root/var/lib/dpkg/status", DPKG_PCSCD)
        self.fx.write(f"{self.name}/root/lib/systemd/system/pcscd.socket", PCSCD_SOCKET)
        self.fx.write(f"{self.name}/root/lib/systemd/system/pcscd.service", PCSCD_SERVICE)
        if masked:
            os.makedirs(os.path.join(root, "etc/systemd/system"), exist_ok=True)
            os.symlink("/dev/null", os.path.join(root, "etc/systemd/system/pcscd.socket"))
        return root

    def check_cause(self, root, check):
        out = self.td("check", "--only", check, "--root", root, "--json")
        doc = json.loads(out.stdout)
        return next(r for r in doc["results"] if r["id"] == check)

    # --- the offer ------------------------------------------------------------------------
    def test_check_offers_the_repair_and_names_the_command(self):
        root = self.pcscd_root()
        res = self.check_cause(root, "drivers.pcscd")
        self.assertEqual(res["cause"], "pcscd.disabled")
        # Under --root the copy's files change, as the user: no administrator needed.
        self.assertEqual(res["fix"]["privileged"], False)
        text = self.td("check", "--only", "drivers.pcscd", "--root", root, LANG="C.UTF-8").stdout
        self.assertIn("tokendoctor fix drivers.pcscd", text)

    def test_no_offer_where_fix_cannot_repair(self):
        # A missing package cannot be installed into a copy under --root: no offer, and fix says so.
        root = self.fx.make_root(self.name + "/root")
        self.fx.write(f"{self.name}/root/var/lib/dpkg/status", "")
        res = self.check_cause(root, "drivers.pcscd")
        self.assertEqual(res["cause"], "pcscd.missing")
        self.assertIsNone(res["fix"])
        out = self.td("fix", "drivers.pcscd", "--root", root, "--yes", "--json")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertEqual(json.loads(out.stdout)["fixes"][0]["status"], "no-repair")

    def test_list_says_which_checks_can_fix(self):
        doc = json.loads(self.td("list", "--json").stdout)
        can_fix = {c["id"] for c in doc["checks"] if c["can_fix"]}
        for check in ("drivers.pcscd", "drivers.ccid", "os.locale", "os.fonts", "time.clock", "token.usb"):
            self.assertIn(check, can_fix)
        self.assertNotIn("os.release", can_fix)

    # --- before anything changes ----------------------------------------------------------------
    def test_dry_run_shows_the_plan_and_changes_nothing(self):
        root = self.pcscd_root()
        before = snapshot(root, self.home, self.state)
        out = self.td("fix", "drivers.pcscd", "--root", root, "--dry-run", LANG="C.UTF-8")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(os.path.join(root, WANTS_LINK), out.stdout)
        self.assertIn("/lib/systemd/system/pcscd.socket", out.stdout)
        self.assertEqual(before, snapshot(root, self.home, self.state))

    def test_without_yes_and_without_terminal_nothing_changes(self):
        root = self.pcscd_root()
        before = snapshot(root, self.home, self.state)
        out = self.td("fix", "drivers.pcscd", "--root", root)
        self.assertEqual(out.returncode, 64, out.stdout + out.stderr)
        self.assertIn("--yes", out.stderr)
        # With --json: one document, the error.
        out = self.td("fix", "drivers.pcscd", "--root", root, "--json")
        self.assertEqual(out.returncode, 64)
        self.assertIn("error", json.loads(out.stdout))
        self.assertEqual(before, snapshot(root, self.home, self.state))

    def test_usage(self):
        self.assertEqual(self.td("fix").returncode, 64)
        self.assertEqual(self.td("fix", "no.such-check").returncode, 64)
        self.assertEqual(self.td("fix", "--all", "os.locale").returncode, 64)
        self.assertEqual(self.td("undo", "a", "b").returncode, 64)

    # --- repair, verify, undo -------------------------------------------------------------------
    def test_switch_on_pcscd_under_root_and_undo(self):
        root = self.pcscd_root()
        before = snapshot(root, self.home)
        out = self.td("fix", "drivers.pcscd", "--root", root, "--yes", "--json")
        doc = json.loads(out.stdout)
        item = doc["fixes"][0]
        # The links are made, but PC/SC itself is this machine's and stays down: said, not hidden.
        self.assertEqual(item["status"], "not-verified", out.stdout)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(item["after"]["cause"], "pcscd.down")
        self.assertEqual(os.readlink(os.path.join(root, WANTS_LINK)), "/lib/systemd/system/pcscd.socket")
        journal = item["outcome"]["journal"]
        self.assertTrue(os.path.isdir(os.path.join(self.state, "tokendoctor/journal", journal)))

        out = self.td("undo", "--json")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(json.loads(out.stdout)["undo"]["journal"], journal)
        self.assertEqual(before, snapshot(root, self.home))
        self.assertEqual(self.check_cause(root, "drivers.pcscd")["cause"], "pcscd.disabled")

        again = self.td("undo")
        self.assertEqual(again.returncode, 2)

    def test_unmask_under_root_and_undo_puts_the_mask_back(self):
        root = self.pcscd_root(masked=True)
        before = snapshot(root, self.home)
        out = self.td("fix", "drivers.pcscd", "--root", root, "--yes", "--json")
        plan = json.loads(out.stdout)["fixes"][0]["plan"]["changes"]
        self.assertEqual([c["kind"] for c in plan], ["move-aside", "write-link"])
        self.assertFalse(os.path.lexists(os.path.join(root, "etc/systemd/system/pcscd.socket")))
        self.assertNotEqual(self.check_cause(root, "drivers.pcscd")["cause"], "pcscd.disabled")
        journal = json.loads(out.stdout)["fixes"][0]["outcome"]["journal"]
        out = self.td("undo", journal)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(before, snapshot(root, self.home))
        self.assertEqual(os.readlink(os.path.join(root, "etc/systemd/system/pcscd.socket")), "/dev/null")

    def test_generate_locale_under_root_and_undo(self):
        root = self.fx.make_root(self.name + "/root", locales=("en_US.UTF-8",))
        res = self.check_cause(root, "os.locale")
        self.assertEqual(res["cause"], "locale.not-installed")
        before = snapshot(root, self.home)
        out = self.td("fix", "os.locale", "--root", root, "--yes")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        listed = subprocess.run(["localedef", "--prefix=" + root, "--list-archive"], capture_output=True,
                                text=True).stdout.split()
        self.assertIn("zh_CN.utf8", listed)
        self.assertEqual(self.check_cause(root, "os.locale")["status"], "pass")
        self.assertEqual(self.td("undo").returncode, 0)
        self.assertEqual(before, snapshot(root, self.home))

    def test_disable_duplicate_module_registration_and_undo(self):
        # One library registered twice: the user's copy and one under the root's /etc. The
        # system's registration is kept; the user's is switched off as p11-kit honours it (an empty
        # enable-in:), edited in place as the user, nothing deleted.
        library = tdrig.opensc_module()
        root = self.fx.make_root(self.name + "/root")
        self.fx.write(f"{self.name}/root/etc/pkcs11/modules/vendor.module", f"module: {library}\n")
        user_dir = os.path.join(self.home, ".config/pkcs11/modules")
        self.fx.write(f"{self.name}/home/.config/pkcs11/modules/vendor-copy.module", f"module: {library}\n")
        res = self.check_cause(root, "drivers.conflict")
        self.assertEqual(res["cause"], "driver.conflict")
        self.assertEqual(res["fix"]["privileged"], False)
        before = snapshot(root, self.home)
        out = self.td("fix", "drivers.conflict", "--root", root, "--yes", "--json")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        item = json.loads(out.stdout)["fixes"][0]
        self.assertEqual(item["status"], "repaired")
        self.assertEqual([c["kind"] for c in item["plan"]["changes"]], ["write-file"])
        self.assertEqual(sorted(os.listdir(user_dir)), ["vendor-copy.module"])
        with open(os.path.join(user_dir, "vendor-copy.module")) as f:
            text = f.read()
        self.assertIn(f"module: {library}", text)
        self.assertEqual([line for line in text.splitlines() if line.startswith("enable-in")], ["enable-in:"])
        self.assertTrue(os.path.exists(os.path.join(root, "etc/pkcs11/modules/vendor.module")))
        self.assertEqual(self.td("undo").returncode, 0)
        self.assertEqual(before, snapshot(root, self.home))

    def test_disable_packaged_duplicate_under_root_and_undo(self):
        # Two packages' registrations of one library: the second is switched off by a file of its
        # name in /etc/pkcs11/modules (p11-kit reads /etc first); the package's file is untouched.
        library = tdrig.opensc_module()
        root = self.fx.make_root(self.name + "/root")
        for name in ("alpha", "beta"):
            self.fx.write(f"{self.name}/root/usr/share/p11-kit/modules/{name}.module", f"module: {library}\n")
        before = snapshot(root, self.home)
        out = self.td("fix", "drivers.conflict", "--root", root, "--yes", "--json")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        change = json.loads(out.stdout)["fixes"][0]["plan"]["changes"][0]
        self.assertEqual(change["path"], os.path.join(root, "etc/pkcs11/modules/beta.module"))
        self.assertTrue(change["content"].rstrip().endswith("enable-in:"))
        self.assertEqual(self.check_cause(root, "drivers.conflict")["status"], "pass")
        self.assertEqual(self.td("undo").returncode, 0)
        self.assertEqual(before, snapshot(root, self.home))
        self.assertFalse(os.path.exists(os.path.join(root, "etc/pkcs11")))

    def test_nothing_to_fix(self):
        root = self.fx.make_root(self.name + "/root")
        out = self.td("fix", "os.locale", "--root", root, "--yes", "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["fixes"][0]["status"], "nothing-to-fix")
        self.assertFalse(os.path.exists(os.path.join(self.state, "tokendoctor")))

    def test_fix_all_dry_run_plans_every_offer(self):
        root = self.pcscd_root()
        out = self.td("fix", "--all", "--root", root, "--dry-run", "--json")
        doc = json.loads(out.stdout)
        self.assertTrue(doc["dry_run"])
        statuses = {f["id"]: f["status"] for f in doc["fixes"]}
        self.assertEqual(statuses["drivers.pcscd"], "planned")
        self.assertFalse(os.path.exists(os.path.join(self.state, "tokendoctor")))

    def test_undo_refuses_what_is_no_journal_id(self):
        for bad in ("../../etc", "20261203T052233Z-x-a1b2c3", "-rf"):
            out = self.td("undo", bad)
            self.assertIn(out.returncode, (2, 64), bad)


if __name__ == "__main__":
    unittest.main(verbosity=2)
