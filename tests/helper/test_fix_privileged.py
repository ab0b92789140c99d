#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tokendoctor fix and undo through the real tokendoctor-helper, on the real system paths, inside a
sandbox of overlays (sandbox.py) in tests/rig/isolate, so the machine never changes. As root the CLI
starts the helper directly (pkexec is for users): the plan's privileged step, the helper's own
journal under /var/lib/tokendoctor, the check run again, and one undo that reverses both."""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "rig"))
import sandbox  # noqa: E402
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
UNINSTALLED = {name: os.environ[name] for name in ("TOKENDOCTOR_P11PROBE", "TOKENDOCTOR_DATADIR",
                                                   "TOKENDOCTOR_LOCALEDIR", "TOKENDOCTOR_HELPER")
               if name in os.environ}


def generated_locales():
    out = subprocess.run(["localedef", "--list-archive"], capture_output=True, text=True).stdout
    return set(out.split())


class FixPrivilegedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.box = sandbox.Sandbox()

    @classmethod
    def tearDownClass(cls):
        cls.box.close()

    def setUp(self):
        self.box.reset()
        self.home = os.path.join(self.box.base, "home")
        os.makedirs(self.home, exist_ok=True)

    def td(self, *args, lang="C.UTF-8"):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "XDG_STATE_HOME": self.home + "/state",
               "XDG_CONFIG_HOME": self.home + "/config", "LANG": lang, **UNINSTALLED}
        return subprocess.run([TOKENDOCTOR, *args], env=env, capture_output=True, text=True, timeout=600)

    def test_generate_locale_through_the_helper_and_undo(self):
        # zh_CN taken out of the sandbox's archive (the machine's stays as it is): os.locale fails
        # with it in force, and the fix is the helper's generate-locale.
        # The sandbox's /etc/locale.gen does not list it either: a system that never had it.
        wanted = "zh_CN.UTF-8"
        if "zh_CN.utf8" in generated_locales():
            subprocess.run(["localedef", "--delete-from-archive", "zh_CN.utf8"], check=True)
        with open("/etc/locale.gen") as f:
            lines = f.read().splitlines(keepends=True)
        with open("/etc/locale.gen", "w") as f:
            f.writelines("# " + line if line.startswith("zh_CN") else line for line in lines)
        self.assertNotIn("zh_CN.utf8", generated_locales())
        before = sandbox.snapshot(["/etc/locale.gen"])
        before_locales = generated_locales()
        out = self.td("fix", "os.locale", "--yes", "--json", lang=wanted)
        doc = json.loads(out.stdout)
        item = doc["fixes"][0]
        self.assertEqual(item["before"]["cause"], "locale.not-installed", out.stdout + out.stderr)
        self.assertEqual(item["plan"]["changes"][0]["kind"], "helper")
        self.assertEqual(item["plan"]["changes"][0]["verb"], "generate-locale")
        self.assertEqual(item["plan"]["changes"][0]["arg"], wanted)
        self.assertEqual(item["status"], "repaired", out.stdout + out.stderr)
        self.assertEqual(out.returncode, 0)
        self.assertIn("zh_CN.utf8", generated_locales())
        # The helper kept its own entry, as root, and the user's entry names it.
        entries = os.listdir("/var/lib/tokendoctor/journal")
        self.assertEqual(len(entries), 1)
        with open(os.path.join(self.home, "state/tokendoctor/journal", item["outcome"]["journal"],
                               "entry.json")) as f:
            self.assertEqual(json.load(f)["facts"]["helper.0"], entries[0])

        out = self.td("undo", "--json")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # locale.gen byte for byte; the archive is rebuilt from it (locale-gen), so it holds the
        # same locales again, though not necessarily the same bytes.
        self.assertEqual(before, sandbox.snapshot(["/etc/locale.gen"]))
        self.assertEqual(before_locales, generated_locales())
        with open(os.path.join("/var/lib/tokendoctor/journal", entries[0], "entry.json")) as f:
            self.assertEqual(json.load(f)["state"], "undone")

    def test_disable_packaged_duplicate_through_the_helper_and_undo(self):
        # Two packages register one library: the helper switches the second off in
        # /etc/pkcs11/modules, the packages' files stay as they are.
        # A library of its own (a copy of SoftHSM's, in the sandbox), so no registration of this
        # machine joins the conflict.
        os.makedirs("/var/lib/td-test", exist_ok=True)
        library = "/var/lib/td-test/libtdvendor.so"
        subprocess.run(["cp", "-L", tdrig.SOFTHSM_MODULE, library], check=True)
        for name in ("td-alpha", "td-beta"):
            with open(f"/usr/share/p11-kit/modules/{name}.module", "w") as f:
                f.write(f"module: {library}\n")
        watched = ["/etc/pkcs11", "/usr/share/p11-kit/modules"]
        before = sandbox.snapshot(watched)
        out = self.td("fix", "drivers.conflict", "--yes", "--json")
        item = json.loads(out.stdout)["fixes"][0]
        self.assertTrue(item["before"]["fix"]["privileged"])
        self.assertEqual([(c["verb"], c["arg"]) for c in item["plan"]["changes"]],
                         [("disable-module", "td-beta.module")], out.stdout)
        self.assertEqual(item["status"], "repaired", out.stdout + out.stderr)
        with open("/etc/pkcs11/modules/td-beta.module") as f:
            self.assertTrue(f.read().rstrip().endswith("enable-in:"))
        # p11-kit itself no longer loads it.
        listed = subprocess.run(["p11-kit", "list-modules"], capture_output=True, text=True).stdout
        self.assertIn("td-alpha:", listed)
        self.assertNotIn("td-beta:", listed)
        self.assertEqual(self.td("undo").returncode, 0)
        self.assertEqual(before, sandbox.snapshot(watched))

    def test_helper_refuses_a_package_no_system_profile_allows(self):
        # The helper the CLI finds takes its allow-list only from root-owned system profiles: a
        # package none allows is refused before anything changes.
        before = self.box.changes()
        helper = os.environ["TOKENDOCTOR_HELPER"]
        refused = subprocess.run([helper, "install-package", "td-not-allowed"], capture_output=True, text=True)
        self.assertEqual(refused.returncode, 64)
        self.assertEqual(before, self.box.changes())


if __name__ == "__main__":
    unittest.main(verbosity=2)
