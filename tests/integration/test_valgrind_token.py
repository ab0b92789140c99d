#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token commands under valgrind on the rig: check (every token check), sign-test, cert,
watch — no invalid access, no leak in tokendoctor itself (the PKCS#11 probe is a child and
runs OpenSC's code, so it is not traced)."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
TOKEN_CHECKS = "drivers.pcscd,token.reader,token.card,token.module,cert.present,cert.expiry,cert.issuer,sign.test"


class ValgrindTokenTest(unittest.TestCase):
    def setUp(self):
        self.rig = tdrig.TokenRig()
        ca = self.rig.make_ca()
        self.cert = self.rig.make_user_cert("user", ca, key="ec256")
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        self.profile = os.path.join(self.rig.dir, "p.ini")
        with open(self.profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.opensc_module()}\n"
                    f"[ca]\ncert = {ca}.pem\n")

    def tearDown(self):
        self.rig.stop()

    def valgrind(self, *args, stdin=None):
        p = subprocess.run(["valgrind", "--quiet", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                            TOKENDOCTOR, *args], input=stdin, capture_output=True, text=True, timeout=600,
                           env={**self.rig.env, "LANG": "zh_CN.UTF-8"}, start_new_session=True)
        self.assertNotEqual(p.returncode, 99, p.stderr)
        self.assertNotIn("Invalid", p.stderr)
        return p

    def test_token_commands(self):
        p = self.valgrind("check", "--json", "--pin-stdin", "--only", TOKEN_CHECKS, "--profile", self.profile,
                          stdin="123456\n")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.valgrind("sign-test", "--pin-stdin", "--profile", self.profile, stdin="000000\n")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        p = self.valgrind("cert", "--json", "--profile", self.profile)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.valgrind("watch", "--json", "--timeout", "3")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("card-inserted", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
