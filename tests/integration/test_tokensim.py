#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tokensim behind a real pcscd, seen through OpenSC's PKCS#11 module with the standard tools:
the first proof that the virtual token is a token."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

PIN = "123456"


class TokensimTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rsa = cls.keys.make_user_cert("rsa", cls.ca, key="rsa2048")
        cls.ec = cls.keys.make_user_cert("ec", cls.ca, key="ec256", subject="C=CN,CN=四号投标公司 EC",
                                         key_usage="digitalSignature")

    def setUp(self):
        super().setUp()
        self.module = tdrig.opensc_module()

    def start(self, **kw):
        self.rig.start(cert_9a=self.rsa[0], key_9a=self.rsa[1], cert_9c=self.ec[0], key_9c=self.ec[1], **kw)

    def p11(self, *args, check=True):
        p = subprocess.run(["pkcs11-tool", "--module", self.module, *args], capture_output=True, text=True,
                           env=self.rig.env, timeout=60)
        if check:
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def sign_and_verify(self, key_id, mechanism, cert, extra=()):
        with tempfile.TemporaryDirectory() as d:
            data, sig, pub = (os.path.join(d, n) for n in ("data", "sig", "pub"))
            with open(data, "wb") as f:
                f.write(os.urandom(64))
            self.p11("--login", "--pin", PIN, "--id", key_id, "--sign", "-m", mechanism, "-i", data, "-o", sig,
                     *extra)
            subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout", "-out", pub], check=True)
            v = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, data],
                               capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn("Verified OK", v.stdout)

    def test_lists_certificates(self):
        self.start()
        out = self.p11("--list-objects").stdout
        self.assertIn("Certificate Object", out)
        # pkcs11-tool prints non-ASCII subject bytes escaped.
        escaped = "".join(f"\\x{b:02X}" for b in "四号投标公司".encode())
        self.assertIn("CN=" + escaped + "\n", out)
        self.assertIn("CN=" + escaped + " EC", out)
        self.assertIn("Public Key Object; RSA 2048", out)
        self.assertIn("EC_POINT", out)

    def test_rsa_signature_verifies(self):
        self.start()
        self.sign_and_verify("01", "SHA256-RSA-PKCS", self.rsa[0])

    def test_ec_signature_verifies(self):
        self.start()
        self.sign_and_verify("02", "ECDSA-SHA256", self.ec[0], extra=("--signature-format", "openssl"))

    def test_pin_counter_and_lockout(self):
        self.start(max_tries=3)
        p = self.p11("--login", "--pin", "999999", "--list-objects", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(self.rig.control("tries"), "OK 2")
        # The PIN never reaches the log, only the fact that a VERIFY was sent.
        log = "\n".join(self.rig.apdu_log())
        self.assertIn("0020008008<8 bytes redacted>", log)
        self.assertNotIn("393939393939", log)
        self.p11("--login", "--pin", "999999", "--list-objects", check=False)
        self.p11("--login", "--pin", "999999", "--list-objects", check=False)
        self.assertEqual(self.rig.control("tries"), "OK 0")
        # Locked: even the right PIN is refused now.
        p = self.p11("--login", "--pin", PIN, "--list-objects", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("CKR_PIN_LOCKED", p.stdout + p.stderr)

    def test_final_try_flag(self):
        self.start(tries=1)
        out = self.p11("--list-token-slots").stdout
        self.assertIn("final user PIN try", out)

    def test_remove_and_insert(self):
        self.start()
        self.assertEqual(self.rig.control("remove"), "OK")
        self.rig.wait_card(False)
        p = self.p11("--list-objects", check=False)
        self.assertNotIn("Certificate Object", p.stdout)
        self.assertEqual(self.rig.control("insert"), "OK")
        self.rig.wait_card(True)
        self.assertIn("Certificate Object", self.p11("--list-objects").stdout)

    def test_garbage_and_slow_do_not_break_anything(self):
        self.start()
        self.rig.control("garbage")
        p = self.p11("--list-objects", check=False)
        self.assertNotIn("Certificate Object", p.stdout)
        self.rig.control("normal")
        self.rig.control("slow 50")
        self.assertIn("Certificate Object", self.p11("--list-objects").stdout)
        self.rig.control("normal")
        self.assertIsNone(self.rig.tokensim.poll())
        self.assertIsNone(self.rig.pcscd.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
