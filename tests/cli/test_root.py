#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""--root confines everything: hostile copies of a customer's system whose links lead out of
the root, or that hold FIFOs and device nodes where files belong. A check reads the root's own
files, never this machine's, and ends at once instead of waiting on what is no file."""
import os
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "rig"))
import tdfixture  # noqa: E402
import tdrig  # noqa: E402

# Well under the time given: a check that waited on a FIFO would take all of it.
TIMEOUT_S = 20
QUICK_S = 5

# A USB token in CCID class (Feitian ePass2003) and a driver bundle that lists it.
CCID_PLIST = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
  <key>CFBundleExecutable</key><string>libccid.so</string>
  <key>ifdVendorID</key><array><string>0x096E</string></array>
  <key>ifdProductID</key><array><string>0x0807</string></array>
  <key>ifdFriendlyName</key><array><string>Feitian ePass2003</string></array>
</dict>
</plist>
"""
BUNDLE = "usr/lib/pcsc/drivers/ifd-ccid.bundle"


class RootTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = tdfixture.Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.fx.close()

    def check(self, root, only, env=None, cwd=None, new_session=False, profile=None):
        """Run `check --json` on @root; the results by id (the document checked against the
        schema) and the seconds the run took."""
        argv = [tdfixture.TOKENDOCTOR, "check", "--json", "--root", root, "--only", only,
                "--timeout", str(TIMEOUT_S), *(["--profile", profile] if profile else [])]
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
                "LANG": "C.UTF-8", "NO_PROXY": "*", **tdfixture.UNINSTALLED}
        base.update(env or {})
        start = time.monotonic()
        p = subprocess.run(argv, env=base, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S + 30,
                           start_new_session=new_session)
        took = time.monotonic() - start
        try:
            doc = tdrig.check_document(p.stdout)
        except ValueError as e:
            self.fail(f"no JSON on stdout ({e}); rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}")
        return {r["id"]: r for r in doc["results"]}, took

    def write(self, root, rel, text):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def link(self, root, rel, target):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)

    def fifo(self, root, rel):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mkfifo(path)

    # --- (a) locales -------------------------------------------------------------------------
    def test_locale_linked_to_this_machine_is_not_generated(self):
        real = "/usr/lib/locale/C.utf8"
        if not os.path.isdir(real):
            self.skipTest(f"{real} is missing: nothing on this machine to link to (Debian: libc-bin)")
        root = self.fx.make_root("locale-links", locales=())
        # Every file of zh_CN.utf8 an absolute link to this machine's C.utf8; zh_SG.utf8 the
        # directory itself. On the customer's machine both name its own C.utf8, which it lacks.
        for name in os.listdir(real):
            self.link(root, f"usr/lib/locale/zh_CN.utf8/{name}", f"{real}/{name}")
        self.link(root, "usr/lib/locale/zh_SG.utf8", real)
        results, _ = self.check(root, "os.locale", env={"LANG": "zh_CN.UTF-8"})
        r = results["os.locale"]
        self.assertEqual(r["status"], "fail", r)
        self.assertEqual(r["cause"], "locale.not-installed", r)
        self.assertIs(r["details"]["installed"], False)
        self.assertEqual(r["details"]["chinese_locales"], [])

    # --- (b) fonts -----------------------------------------------------------------------------
    def test_fonts_conf_linked_to_this_machine_is_not_followed(self):
        # The root's fonts.conf is an absolute link to /etc/fonts/fonts.conf: on the customer's
        # machine a link to itself. fontconfig read this machine's configuration through it,
        # which found the root's font; inside the root there is no configuration to read.
        root = self.fx.make_root("fonts-conf-link", font=None)
        self.link(root, "etc/fonts/fonts.conf", "/etc/fonts/fonts.conf")
        os.makedirs(os.path.join(root, "usr/share/fonts"))
        shutil.copy(tdfixture.CJK_FONT, os.path.join(root, "usr/share/fonts"))
        results, took = self.check(root, "os.fonts")
        r = results["os.fonts"]
        self.assertNotEqual(r["status"], "pass", r)
        self.assertEqual(r["status"], "error", r)
        self.assertIn("/etc/fonts/fonts.conf is a loop of symbolic links", r["message"])
        self.assertLess(took, QUICK_S)

    def test_fonts_of_this_machine_are_not_the_roots(self):
        # This machine has a CJK font in /usr/share/fonts; the root has none, only a link there.
        self.assertTrue(os.path.exists(tdfixture.CJK_FONT), "the test needs this machine's CJK font")
        root = self.fx.make_root("fonts-dir-link", font=None)
        self.write(root, "etc/fonts/fonts.conf", tdfixture.FONTS_CONF)
        self.link(root, "usr/share/fonts", "/usr/share/fonts")
        results, _ = self.check(root, "os.fonts")
        r = results["os.fonts"]
        self.assertEqual(r["status"], "fail", r)
        self.assertEqual(r["cause"], "fonts.no-cjk", r)
        self.assertEqual(r["details"]["count"], 0)
        self.assertNotIn("best_file", r["details"])

    # --- (c) FIFOs -----------------------------------------------------------------------------
    def test_fifos_end_the_checks_at_once(self):
        root = self.fx.make_root("fifos", os_release=None, font=None)
        self.fifo(root, "etc/os-release")
        self.fifo(root, "etc/fonts/fonts.conf")
        # A CCID token on the USB bus, and its driver bundle with a FIFO for the library.
        usb = "devices/pci0000:00/0000:00:14.0/usb1"
        for rel, value in (("1-2/idVendor", "096e"), ("1-2/idProduct", "0807"),
                           ("1-2/product", "ePass2003"), ("1-2/1-2:1.0/bInterfaceClass", "0b")):
            self.write(root, f"sys/{usb}/{rel}", value + "\n")
        for entry in ("1-2", "1-2/1-2:1.0"):
            self.link(root, f"sys/bus/usb/devices/{os.path.basename(entry)}", f"../../../{usb}/{entry}")
        self.write(root, f"{BUNDLE}/Contents/Info.plist", CCID_PLIST)
        self.fifo(root, f"{BUNDLE}/Contents/Linux/libccid.so")

        results, took = self.check(root, "os.release,os.fonts,drivers.ccid")
        self.assertLess(took, QUICK_S, results)
        for cid in ("os.release", "os.fonts"):
            r = results[cid]
            self.assertEqual(r["status"], "error", r)
            self.assertEqual(r["cause"], "engine.check-error", r)
            self.assertIn("is not a regular file (a FIFO, socket or device node)", r["message"])
        self.assertIn("/etc/os-release", results["os.release"]["message"])
        self.assertIn("/etc/fonts/fonts.conf", results["os.fonts"]["message"])
        r = results["drivers.ccid"]
        self.assertEqual(r["status"], "fail", r)
        self.assertEqual(r["cause"], "ccid.missing", r)
        self.assertIn("library is missing", r["message"])

    def test_dpkg_database_fifo_and_links(self):
        # The platform's driver is looked for in the root's dpkg database: a FIFO there is an
        # error at once; a link to this machine's database (where dpkg is installed) names the
        # root's own, which it lacks.
        profile = self.fx.write("dpkg-profile.ini", "[platform]\nurl = https://127.0.0.1:9/\n"
                                                    "[drivers]\npackages = dpkg\n")
        root = self.fx.make_root("dpkg-fifo", font=None)
        self.fifo(root, "var/lib/dpkg/status")
        results, took = self.check(root, "drivers.platform", profile=profile)
        self.assertLess(took, QUICK_S, results)
        r = results["drivers.platform"]
        self.assertEqual(r["status"], "error", r)
        self.assertIn("/var/lib/dpkg/status is not a regular file", r["message"])

        for i, target in enumerate(("/var/lib/dpkg/status-old", "../../../../../../../var/lib/dpkg/status-old")):
            root = self.fx.make_root(f"dpkg-link-{i}", font=None)
            self.link(root, "var/lib/dpkg/status", target)
            results, _ = self.check(root, "drivers.platform", profile=profile)
            r = results["drivers.platform"]
            self.assertEqual(r["status"], "fail", r)
            self.assertEqual(r["cause"], "driver.missing", r)
            self.assertIn("no Debian package database", r["message"])

    # --- (d) device nodes ----------------------------------------------------------------------
    def test_device_link_is_no_configuration(self):
        # /dev/zero never ends: fontconfig read it as the configuration until the run's timeout.
        root = self.fx.make_root("device-link", font=None)
        self.link(root, "etc/fonts/fonts.conf", "/dev/zero")
        results, took = self.check(root, "os.fonts")
        self.assertLess(took, QUICK_S, results)
        r = results["os.fonts"]
        self.assertEqual(r["status"], "fail", r)
        self.assertEqual(r["cause"], "fonts.no-cjk", r)
        self.assertIn("/etc/fonts/fonts.conf", r["message"])

    def test_device_node_is_never_opened(self):
        # A character device where os-release belongs, here the terminal device: opened without a
        # controlling terminal (a new session) it fails with ENXIO. Refused as no file, it was
        # looked at and never opened, as no device may be (a tape rewinds on open).
        root = self.fx.make_root("device-node", os_release=None)
        try:
            os.mknod(os.path.join(root, "etc/os-release"), 0o600 | 0o020000, os.makedev(5, 0))
        except PermissionError:
            self.skipTest("mknod is not permitted here (no CAP_MKNOD)")
        results, took = self.check(root, "os.release", new_session=True)
        self.assertLess(took, QUICK_S)
        r = results["os.release"]
        self.assertEqual(r["status"], "error", r)
        self.assertIn("/etc/os-release is not a regular file", r["message"])

    # --- (e) a relative root -------------------------------------------------------------------
    def test_relative_root_is_made_absolute(self):
        root = self.fx.make_root("relative")
        results, _ = self.check(os.path.basename(root), "os.release,os.locale,os.fonts", cwd=self.fx.dir,
                                env={"LANG": "zh_CN.UTF-8"})
        for cid in ("os.release", "os.locale", "os.fonts"):
            self.assertEqual(results[cid]["status"], "pass", results[cid])
        best = results["os.fonts"]["details"]["best_file"]
        self.assertTrue(best.startswith(os.path.realpath(root) + "/"), best)

        p = tdfixture.run_tokendoctor("check", "--root", "no-such-root", "--only", "os.release")
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn("--root no-such-root", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
