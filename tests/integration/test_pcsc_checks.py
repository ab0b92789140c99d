#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""drivers.pcscd, token.reader and token.card through tokendoctor → pcsc-lite → pcscd → vpcd →
tokensim: the 插锁 side of the one-click check, with the service and the token in each state."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
PCSC_CHECKS = "drivers.pcscd,token.reader,token.card"
TOKENSIM_ATR = "3B:88:80:01:56:50:49:56:43:41:52:44:04"


class PcscChecksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tdrig.TokenRig()
        ca = cls.keys.make_ca()
        cls.cert = cls.keys.make_user_cert("user", ca)

    @classmethod
    def tearDownClass(cls):
        cls.keys.stop()

    def setUp(self):
        self.rig = tdrig.TokenRig()

    def tearDown(self):
        self.rig.stop()

    def check(self, *args, profile=None, expect_rc=None):
        argv = [TOKENDOCTOR, "check", "--json", "--only", PCSC_CHECKS, *args]
        if profile:
            argv += ["--profile", profile]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           env={**self.rig.env, "LANG": "C.UTF-8"})
        doc = json.loads(p.stdout)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in doc["results"]}

    def test_healthy_token(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        r = self.check(expect_rc=0)
        self.assertEqual(r["drivers.pcscd"]["status"], "pass")
        self.assertEqual(r["token.reader"]["status"], "pass")
        self.assertIn("Virtual PCD", r["token.reader"]["details"]["reader1"])
        self.assertEqual(r["token.card"]["status"], "pass", r["token.card"])
        self.assertEqual(r["token.card"]["details"]["atr"], TOKENSIM_ATR)
        self.assertIn("Virtual PCD", r["token.card"]["details"]["reader"])

    def test_profile_names_the_model(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        profile = os.path.join(self.rig.dir, "p.ini")
        with open(profile, "w") as f:
            f.write("[platform]\nurl = https://127.0.0.1:9/\n[token.tokensim-piv]\natr = 3B:88:80:01:*\n")
        r = self.check(profile=profile, expect_rc=0)
        self.assertEqual(r["token.card"]["details"]["model"], "tokensim-piv")
        self.assertIn("tokensim-piv", r["token.card"]["message"])

    def test_card_absent(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1], removed=True)
        r = self.check(expect_rc=2)
        self.assertEqual(r["token.reader"]["status"], "pass")
        self.assertEqual(r["token.card"]["status"], "fail")
        self.assertEqual(r["token.card"]["cause"], "card.absent")

    def test_card_pulled_and_put_back(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        self.rig.control("remove")
        self.rig.wait_card(False)
        self.assertEqual(self.check(expect_rc=2)["token.card"]["cause"], "card.absent")
        self.rig.control("insert")
        self.rig.wait_card(True)
        self.assertEqual(self.check(expect_rc=0)["token.card"]["status"], "pass")

    def test_pcscd_down(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        self.rig.stop_pcscd()
        r = self.check(expect_rc=2)
        self.assertEqual(r["drivers.pcscd"]["status"], "fail")
        self.assertEqual(r["drivers.pcscd"]["cause"], "pcscd.down")
        self.assertEqual(r["drivers.pcscd"]["fix"]["id"], "drivers.pcscd")
        for cid in ("token.reader", "token.card"):
            self.assertEqual(r[cid]["status"], "skip")
            self.assertEqual(r[cid]["details"]["skip_reason"], "dependency")
        # And back: the same check passes once pcscd runs again (tokensim reconnects by itself).
        self.rig.start_pcscd()
        self.rig.wait_card(True)
        self.assertEqual(self.check(expect_rc=0)["token.card"]["status"], "pass")

    def test_no_token_skips_token_checks(self):
        self.rig.start_pcscd()
        r = self.check("--no-token", expect_rc=0)
        self.assertEqual(r["drivers.pcscd"]["status"], "pass")
        for cid in ("token.reader", "token.card"):
            self.assertEqual(r[cid]["details"]["skip_reason"], "no-token")


if __name__ == "__main__":
    unittest.main(verbosity=2)
