#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""token.module: PKCS#11 modules run out of process. A crashing or hanging module is a finding,
never the end of tokendoctor; a missing or wrong-CPU module is named; real tokens are seen
through OpenSC (tokensim behind pcscd) and SoftHSM2."""
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
CRASH = os.environ["TD_CRASH_MODULE"]
HANG = os.environ["TD_HANG_MODULE"]


class TokenModuleTest(unittest.TestCase):
    def setUp(self):
        self.rig = tdrig.TokenRig()

    def tearDown(self):
        self.rig.stop()

    def profile(self, *modules):
        path = os.path.join(self.rig.dir, f"p{len(os.listdir(self.rig.dir))}.ini")
        with open(path, "w") as f:
            f.write("[platform]\nurl = https://127.0.0.1:9/\n")
            for i, m in enumerate(modules):
                f.write(f"[token{'.m%d' % i if i else ''}]\nmodule = {m}\n")
        return path

    def check(self, profile, *extra, env=None, expect_rc=None):
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only",
                            "token.module,os.release", *extra], capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8", **(env or {})})
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in json.loads(p.stdout)["results"]}

    def no_probe_left(self, module):
        # Only this test's probes: other tests may run probes at the same time.
        left = subprocess.run(["pgrep", "-f", "tokendoctor-p11probe session " + module], capture_output=True,
                              text=True).stdout
        self.assertEqual(left, "", "a probe process outlived tokendoctor")

    def test_crashing_module_is_a_finding(self):
        r = self.check(self.profile(CRASH), expect_rc=2)
        self.assertEqual(r["token.module"]["status"], "fail")
        self.assertEqual(r["token.module"]["cause"], "module.crash")
        self.assertIn(CRASH, r["token.module"]["message"])
        # A plain build reports the signal; a sanitizer build's probe reports and exits instead.
        self.assertRegex(r["token.module"]["message"], r"Segmentation fault|abnormally")
        self.assertEqual(r["os.release"]["status"], "pass")  # the run went on
        self.no_probe_left(CRASH)

    def test_hanging_module_is_stopped_in_time(self):
        start = time.monotonic()
        r = self.check(self.profile(HANG), "--timeout", "4", expect_rc=2)
        self.assertLess(time.monotonic() - start, 6)
        self.assertEqual(r["token.module"]["cause"], "module.hang")
        self.assertIn(HANG, r["token.module"]["message"])
        self.assertEqual(r["os.release"]["status"], "pass")
        self.no_probe_left(HANG)

    def test_missing_and_wrong_arch(self):
        r = self.check(self.profile(os.path.join(self.rig.dir, "nope.so")), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.missing")
        # A copy of a real module with its ELF machine set to another CPU.
        foreign = os.path.join(self.rig.dir, "foreign.so")
        shutil.copy(CRASH, foreign)
        with open(foreign, "r+b") as f:
            own = "aarch64" if os.uname().machine != "aarch64" else "x86_64"
            f.seek(18)
            f.write(struct.pack("<H", 183 if own == "aarch64" else 62))
        r = self.check(self.profile(foreign), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.wrong-arch")
        self.assertIn(own, r["token.module"]["message"])
        self.assertIn(os.uname().machine, r["token.module"]["message"])

    def test_crash_outranks_a_missing_vendor_module(self):
        r = self.check(self.profile("/opt/none/libvendor.so", CRASH), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.crash")
        self.assertIn("module2", r["token.module"]["details"])

    def test_tokensim_through_opensc(self):
        keys = self.rig.make_ca()
        cert = self.rig.make_user_cert("user", keys)
        self.rig.start(cert_9a=cert[0], key_9a=cert[1])
        r = self.check(self.profile(tdrig.opensc_module()), expect_rc=0)
        self.assertEqual(r["token.module"]["status"], "pass", r["token.module"])
        self.assertEqual(r["token.module"]["details"]["token_serial"], "8899aabbccddeeff")
        self.rig.control("remove")
        self.rig.wait_card(False)
        r = self.check(self.profile(tdrig.opensc_module()), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.no-token")

    def test_softhsm_token(self):
        env = tdrig.make_softhsm(self.rig.dir, label="td-soft")
        r = self.check(self.profile(tdrig.SOFTHSM_MODULE), env=env, expect_rc=0)
        self.assertEqual(r["token.module"]["status"], "pass", r["token.module"])
        self.assertEqual(r["token.module"]["details"]["token_label"], "td-soft")


if __name__ == "__main__":
    unittest.main(verbosity=2)
