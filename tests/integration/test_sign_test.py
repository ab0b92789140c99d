#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sign.test and `tokendoctor sign-test` through tokendoctor → tokendoctor-p11probe →
opensc-pkcs11 → pcscd → vpcd → tokensim (RSA and EC), and against SoftHSM2: a healthy key,
every PIN state, a certificate whose key is not on the token. The last PIN try is never spent."""
import json
import os
import pty
import subprocess
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
PIN = "123456"


def verifies_with_data(log):
    """VERIFY commands that carried a PIN (an empty VERIFY only reads the counter)."""
    return [line for line in log if line.replace(" ", "").startswith("0020") and "redacted" in line]


class SignTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rsa = cls.keys.make_user_cert("rsa", cls.ca, key="rsa2048")
        cls.ec = cls.keys.make_user_cert("ec", cls.ca, key="ec256")
        cls.other = cls.keys.make_user_cert("other", cls.ca, key="ec256")

    def profile(self, module=None):
        return tdrig.write_profile(self.rig.dir, module or tdrig.opensc_module())

    def sign_test(self, pin=PIN, env=None, module=None, argv=("sign-test", "--pin-stdin", "--json"),
                  expect_rc=None):
        p = subprocess.run([TOKENDOCTOR, *argv, "--profile", self.profile(module)],
                           input=None if pin is None else pin + "\n", capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8", **(env or {})},
                           # No controlling terminal: nothing may be asked on one.
                           start_new_session=True)
        if pin:
            self.assertNotIn(pin, p.stdout + p.stderr, "the PIN reached the output")
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        if "--json" not in argv:
            return None, p
        return {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}, p

    def test_rsa_signature_verifies(self):
        self.rig.start(cert_9a=self.rsa[0], key_9a=self.rsa[1])
        r, _ = self.sign_test(expect_rc=0)
        self.assertEqual(sorted(r), ["cert.present", "sign.test", "token.module"])
        self.assertEqual(r["sign.test"]["status"], "pass", r["sign.test"])
        self.assertIn("RSA 2048", r["sign.test"]["message"])
        self.assertEqual(r["sign.test"]["details"]["mechanism"], "CKM_SHA256_RSA_PKCS")
        self.assertEqual(len(verifies_with_data(self.rig.apdu_log())), 1)

    def test_ec_signature_verifies_with_context_specific_login(self):
        # The 9C key has CKA_ALWAYS_AUTHENTICATE: a second VERIFY right before the signature.
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1])
        r, _ = self.sign_test(expect_rc=0)
        self.assertEqual(r["sign.test"]["status"], "pass", r["sign.test"])
        self.assertIn("EC 256", r["sign.test"]["message"])
        self.assertEqual(len(verifies_with_data(self.rig.apdu_log())), 2)

    def test_healthy_token_every_token_check_passes(self):
        # The whole 插锁 chain in one run, RSA and EC. The token's USB side comes from a fixture
        # root (tokensim is on vpcd, not on the bus); PC/SC, PKCS#11, OpenSSL are the real ones.
        checks = [c["id"] for c in json.loads(subprocess.run([TOKENDOCTOR, "list", "--json"], capture_output=True,
                                                               text=True, check=True).stdout)["checks"]
                  if c["needs_token"] and c["id"] != "seal.validity"]
        self.assertIn("token.usb", checks)
        for name, slot, cert in (("rsa", "9a", self.rsa), ("ec", "9c", self.ec)):
            with self.subTest(key=name):
                self.rig.stop()
                self.rig = tdrig.TokenRig()
                self.rig.start(**{f"cert_{slot}": cert[0], f"key_{slot}": cert[1]})
                root = tdrig.make_usb_root(os.path.join(self.rig.dir, "root"))
                r, _ = self.sign_test(argv=("check", "--json", "--pin-stdin", "--root", root, "--only",
                                            ",".join(checks)), expect_rc=0)
                for cid in checks:
                    self.assertEqual(r[cid]["status"], "pass", r[cid])
                self.assertIn("signature verifies", r["sign.test"]["message"])

    def test_check_runs_sign_test_with_pin_stdin(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1])
        r, _ = self.sign_test(argv=("check", "--json", "--pin-stdin", "--only", "sign.test"), expect_rc=0)
        self.assertEqual(r["sign.test"]["status"], "pass", r["sign.test"])
        self.assertEqual(r["os.release"]["details"]["skip_reason"], "not-selected")

    def test_wrong_pin_says_how_many_tries_are_left(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1], max_tries=4)
        # The count in the user's language (a plural form, looked up in our domain).
        r, _ = self.sign_test(pin="654321", env={"LANG": "zh_CN.UTF-8"}, expect_rc=2)
        self.assertIn("还剩 3 次机会", r["sign.test"]["message"])
        r, _ = self.sign_test(pin="654321", expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.wrong")
        self.assertEqual(r["sign.test"]["details"]["pin_tries_left"], 2)
        self.assertIn("2 tries", r["sign.test"]["message"])
        self.assertEqual(self.rig.control("tries"), "OK 2")
        # One left: the next wrong PIN would lock the token, and the test would refuse it.
        r, _ = self.sign_test(pin="654321", expect_rc=2)
        self.assertIn("One try is left", r["sign.test"]["message"])
        r, _ = self.sign_test(pin="654321", expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.final-try")
        self.assertEqual(self.rig.control("tries"), "OK 1")

    def test_final_try_is_never_spent(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1], max_tries=3, tries=1)
        self.rig.control("clear-log")
        r, _ = self.sign_test(expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.final-try")
        self.assertEqual(verifies_with_data(self.rig.apdu_log()), [])
        self.assertEqual(self.rig.control("tries"), "OK 1")

    def test_final_try_refused_with_no_pin_to_give(self):
        # The check's own guard, apart from the probe's: no --pin-stdin and no terminal, so only a
        # refusal made from the flags, before a PIN is asked for, can name the final try (else the
        # run would end at "no PIN given", a skip that hides a token one wrong PIN from locking).
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1], max_tries=3, tries=1)
        self.rig.control("clear-log")
        r, _ = self.sign_test(pin=None, argv=("sign-test", "--json"), expect_rc=2)
        self.assertEqual((r["sign.test"]["status"], r["sign.test"]["cause"]), ("fail", "pin.final-try"),
                         r["sign.test"])
        self.assertEqual(verifies_with_data(self.rig.apdu_log()), [])
        self.assertEqual(self.rig.control("tries"), "OK 1")

    def test_locked_pin(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1], max_tries=3, tries=0)
        self.rig.control("clear-log")
        r, _ = self.sign_test(expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.locked")
        self.assertEqual(verifies_with_data(self.rig.apdu_log()), [])

    def test_no_pin_given_skips(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1])
        r, _ = self.sign_test(pin=None, argv=("sign-test", "--json"), expect_rc=2)
        self.assertEqual(r["sign.test"]["status"], "skip")
        self.assertEqual(r["sign.test"]["details"]["skip_reason"], "no-pin")
        self.assertEqual(verifies_with_data(self.rig.apdu_log()), [])

    def test_certificate_without_its_key(self):
        # The certificate of one key next to another key: a renewal that wrote only half.
        self.rig.start(cert_9c=self.other[0], key_9c=self.ec[1])
        r, _ = self.sign_test(expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "sign.mismatch", r["sign.test"])

    def test_text_output(self):
        self.rig.start(cert_9a=self.rsa[0], key_9a=self.rsa[1])
        _, p = self.sign_test(argv=("sign-test", "--pin-stdin"), expect_rc=0)
        self.assertIn("signature verifies", p.stdout)

    def run_on_terminal(self, argv, answer=None):
        """Run tokendoctor with a pty as its controlling terminal; type @answer at the PIN prompt.
        Returns (exit status, everything it wrote, whether the terminal echoes at the end)."""
        pid, fd = pty.fork()
        if pid == 0:  # the child's controlling terminal is the pty
            os.execve(TOKENDOCTOR, [TOKENDOCTOR, *argv, "--profile", self.profile()],
                      {**self.rig.env, "LANG": "C.UTF-8"})
        seen = b""
        try:
            seen = tdrig.pty_read_until(fd, seen, b"PIN", 60)
            if answer is not None:
                os.write(fd, answer.encode() + b"\n")
            seen = tdrig.pty_read_to_end(fd, seen, 60)
            echo = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
        finally:
            status = tdrig.reap(pid)
            os.close(fd)
        return os.waitstatus_to_exitcode(status), seen.decode(errors="replace"), echo

    def test_pin_prompt_on_terminal_does_not_echo(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1])
        status, text, echo = self.run_on_terminal(["sign-test"], answer=PIN)
        self.assertEqual(status, 0, text)
        self.assertNotIn(PIN, text, "the PIN was echoed")
        self.assertIn("signature verifies", text)
        self.assertTrue(echo, "the terminal was left without echo")

    def test_pin_prompt_gives_up_in_time_and_restores_the_terminal(self):
        self.rig.start(cert_9c=self.ec[0], key_9c=self.ec[1])
        start = time.monotonic()
        status, text, echo = self.run_on_terminal(["sign-test", "--timeout", "15"])
        self.assertLess(time.monotonic() - start, 30)
        self.assertEqual(status, 2, text)  # not tried is not a signature that works
        self.assertIn("No PIN was entered in time", text)
        self.assertTrue(echo, "the terminal was left without echo")
        self.assertEqual(verifies_with_data(self.rig.apdu_log()), [])

    def test_softhsm_rsa_and_ec(self):
        for name, cert in (("rsa", self.rsa), ("ec", self.ec)):
            with self.subTest(key=name):
                directory = os.path.join(self.rig.dir, name)
                os.makedirs(directory)
                env = tdrig.make_softhsm(directory, cert=cert[0], key=cert[1])
                r, _ = self.sign_test(env=env, module=tdrig.SOFTHSM_MODULE, expect_rc=0)
                self.assertEqual(r["sign.test"]["status"], "pass", r["sign.test"])
                # SoftHSM2 offers raw CKM_ECDSA only: tokendoctor hashes first.
                self.assertEqual(r["sign.test"]["details"]["mechanism"],
                                 "CKM_SHA256_RSA_PKCS" if name == "rsa" else "CKM_ECDSA")

    def test_softhsm_wrong_pin(self):
        env = tdrig.make_softhsm(self.rig.dir, cert=self.ec[0], key=self.ec[1])
        r, _ = self.sign_test(pin="000000", env=env, module=tdrig.SOFTHSM_MODULE, expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.wrong")


if __name__ == "__main__":
    unittest.main(verbosity=2)
