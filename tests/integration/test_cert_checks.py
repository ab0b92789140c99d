#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""cert.present, cert.expiry, cert.issuer through tokendoctor → tokendoctor-p11probe →
opensc-pkcs11 → pcscd → vpcd → tokensim, with certificates made for each case."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
CHECKS = "cert.present,cert.expiry,cert.issuer"


class CertChecksTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_ca = cls.keys.make_ca("other", subject="C=CN,O=别的CA公司,CN=别的CA")
        # Same name as the platform's CA, different key: only chain verification can tell.
        cls.twin_ca = cls.keys.make_ca("twin")


    def run_checks(self, cert, ca_cert=None, expect_rc=None, issuer=None):
        self.rig.start(cert_9c=cert[0], key_9c=cert[1])
        profile = os.path.join(self.rig.dir, "p.ini")
        with open(profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.opensc_module()}\n")
            if ca_cert or issuer:
                f.write("[ca]\n")
            if ca_cert:
                f.write(f"cert = {ca_cert}\n")
            if issuer:
                f.write(f"issuer = {issuer}\n")
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only", CHECKS],
                           capture_output=True, text=True, timeout=120, env={**self.rig.env, "LANG": "C.UTF-8"})
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}

    def user_cert(self, name, ca=None, **kw):
        return self.keys.make_user_cert(name, ca or self.ca, key="ec256", **kw)

    def test_healthy(self):
        cert = self.user_cert("healthy", not_after="+300d")
        r = self.run_checks(cert, ca_cert=self.ca + ".pem", expect_rc=0)
        for cid in CHECKS.split(","):
            self.assertEqual(r[cid]["status"], "pass", r[cid])
        serial = subprocess.run(["openssl", "x509", "-in", cert[0], "-noout", "-serial"], capture_output=True,
                                text=True).stdout.strip().split("=")[1].lower()
        self.assertEqual(r["cert.present"]["details"]["serial"], serial)
        self.assertIn("四号投标公司", r["cert.present"]["details"]["subject"])
        self.assertIn(r["cert.expiry"]["details"]["days_left"], (298, 299, 300))
        self.assertIn("chain verifies", r["cert.issuer"]["message"])

    def test_issuer_written_differently(self):
        # Order, spacing and the case of attribute names do not matter; values do.
        issuer = "cn=华润守正招标有限公司CA,ou=电子商务部 ,  O=华润守正招标有限公司, c=CN"
        r = self.run_checks(self.user_cert("written"), issuer=issuer, expect_rc=0)
        self.assertEqual(r["cert.issuer"]["status"], "pass")
        self.rig.stop()
        self.rig = tdrig.TokenRig()
        r = self.run_checks(self.user_cert("written2"), issuer="C=CN, O=华润守正招标有限公司, CN=华润守正招标有限公司CA",
                            expect_rc=2)
        self.assertEqual(r["cert.issuer"]["cause"], "cert.wrong-issuer")

    def test_expiring_in_10_days(self):
        r = self.run_checks(self.user_cert("expiring", not_after="+10d"), expect_rc=1)
        self.assertEqual(r["cert.expiry"]["status"], "warn")
        self.assertEqual(r["cert.expiry"]["cause"], "cert.expiring")
        self.assertRegex(r["cert.expiry"]["message"], r"expires in (9|10) days")
        self.assertIn("【CA 管理】-【CA 续期】", r["cert.expiry"]["message"])

    def test_expired(self):
        r = self.run_checks(self.user_cert("expired", not_before="-400d", not_after="-1d"), expect_rc=2)
        self.assertEqual(r["cert.expiry"]["cause"], "cert.expired")

    def test_not_yet_valid(self):
        r = self.run_checks(self.user_cert("future", not_before="+2d", not_after="+400d"), expect_rc=2)
        self.assertEqual(r["cert.expiry"]["cause"], "cert.not-yet-valid")

    def test_wrong_issuer(self):
        r = self.run_checks(self.user_cert("foreign", ca=self.other_ca), expect_rc=2)
        self.assertEqual(r["cert.issuer"]["cause"], "cert.wrong-issuer")
        self.assertIn("别的CA", r["cert.issuer"]["message"])

    def test_chain_does_not_verify(self):
        r = self.run_checks(self.user_cert("twin", ca=self.twin_ca), ca_cert=self.ca + ".pem", expect_rc=2)
        self.assertEqual(r["cert.issuer"]["cause"], "cert.chain")

    def test_sm2_certificate_chain(self):
        # SM2 chains verify only with GM/T 0009's signer ID set on each certificate (OpenSSL 3.0
        # defaults to an empty one). PIV has no SM2 keys: the certificate sits on a SoftHSM2 token.
        sm2_ca = self.keys.make_ca("sm2ca", key="sm2")
        cert, _ = self.keys.make_user_cert("sm2", sm2_ca, key="sm2")
        twin = self.keys.make_ca("sm2twin", key="sm2")
        env = tdrig.make_softhsm(self.rig.dir, cert=cert)
        profile = os.path.join(self.rig.dir, "sm2.ini")
        for ca_cert, status in ((sm2_ca + ".pem", "pass"), (twin + ".pem", "fail")):
            with open(profile, "w") as f:
                f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.SOFTHSM_MODULE}\n"
                        f"[ca]\ncert = {ca_cert}\n")
            p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only", CHECKS],
                               capture_output=True, text=True, timeout=120,
                               env={**self.rig.env, **env, "LANG": "C.UTF-8"})
            r = {x["id"]: x for x in tdrig.check_document(p.stdout)["results"]}
            cert = r["cert.present"]["details"]["certificates"][0]
            self.assertEqual((cert["key_type"], cert["key_bits"]), ("SM2", 256))
            self.assertEqual(r["cert.issuer"]["status"], status, r["cert.issuer"])

    def test_cert_command_shows_what_the_renewal_page_shows(self):
        cert = self.user_cert("shown", not_after="+100d")
        self.run_checks(cert, expect_rc=0)
        profile = os.path.join(self.rig.dir, "p.ini")
        p = subprocess.run([TOKENDOCTOR, "cert", "--json", "--profile", profile], capture_output=True, text=True,
                           timeout=60, env=self.rig.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["token"]["serial"], "8899aabbccddeeff")
        (c,) = doc["certificates"]
        serial = subprocess.run(["openssl", "x509", "-in", cert[0], "-noout", "-serial"], capture_output=True,
                                text=True).stdout.strip().split("=")[1].lower()
        self.assertEqual(c["serial"], serial)
        self.assertIn("CN=四号投标公司", c["subject"])
        self.assertEqual(c["issuer"], "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA")
        self.assertIn(c["days_left"], (98, 99, 100))
        p = subprocess.run([TOKENDOCTOR, "cert", "--profile", profile], capture_output=True, text=True, timeout=60,
                           env={**self.rig.env, "LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.stderr)
        for label in ("证书序列号", "证书使用者", "证书有效期", "证书颁发机构"):
            self.assertIn(label, p.stdout)
        self.assertIn(serial, p.stdout)
        self.rig.control("remove")
        self.rig.wait_card(False)
        p = subprocess.run([TOKENDOCTOR, "cert", "--profile", profile], capture_output=True, text=True, timeout=60,
                           env=self.rig.env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no CA token", p.stderr)

    def test_no_token_no_certificate(self):
        self.rig.start_pcscd()
        profile = os.path.join(self.rig.dir, "p.ini")
        with open(profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.opensc_module()}\n")
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only", CHECKS],
                           capture_output=True, text=True, timeout=120, env=self.rig.env)
        r = {x["id"]: x for x in tdrig.check_document(p.stdout)["results"]}
        self.assertEqual(r["token.module"]["cause"], "module.no-token")
        self.assertEqual(r["cert.present"]["details"]["skip_reason"], "dependency")


if __name__ == "__main__":
    unittest.main(verbosity=2)
