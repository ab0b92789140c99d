#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ctrl-C and SIGTERM on the token rig: a PKCS#11 module that hangs in C_GetSlotList, and a PIN
prompt waiting on a terminal. The program ends within a second with exit status 130, prints what
finished and the rest as cancelled, leaves no probe process behind and the terminal echoing."""
import json
import os
import pty
import signal
import subprocess
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "cli"))
import tdfixture  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
HANG = os.environ["TD_HANG_MODULE"]


def probes_of(module):
    return subprocess.run(["pgrep", "-f", "tokendoctor-p11probe session " + module], capture_output=True,
                          text=True).stdout


class HangingModuleTest(unittest.TestCase):
    def setUp(self):
        self.rig = tdrig.TokenRig()
        self.profile = os.path.join(self.rig.dir, "hang.ini")
        with open(self.profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {HANG}\n")

    def tearDown(self):
        self.rig.stop()

    def run_and_signal(self, sig, *extra):
        proc = subprocess.Popen([TOKENDOCTOR, "check", "--profile", self.profile, "--only",
                                 "os.release,cert.present", *extra], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**self.rig.env, "LANG": "C.UTF-8"})
        # token.module gives the module far longer than this: it is still waiting for the probe.
        deadline = time.monotonic() + 10
        while not probes_of(HANG) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(probes_of(HANG), "the probe never started")
        time.sleep(0.5)
        self.assertIsNone(proc.poll())
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertLess(took, 1.0)
        # The probe hanging in the module dies with tokendoctor.
        deadline = time.monotonic() + 2
        while probes_of(HANG) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(probes_of(HANG), "", "a probe outlived tokendoctor")
        return out, err

    def test_sigint_json(self):
        out, err = self.run_and_signal(signal.SIGINT, "--json")
        doc = json.loads(out)
        self.assertIs(doc["cancelled"], True)
        results = {r["id"]: r for r in doc["results"]}
        listed = json.loads(subprocess.run([TOKENDOCTOR, "list", "--json"], capture_output=True, text=True,
                                           check=True).stdout)["checks"]
        self.assertEqual(sorted(results), sorted(c["id"] for c in listed))
        self.assertEqual(results["os.release"]["status"], "pass")  # finished: kept
        for cid, ran in (("token.module", True), ("cert.present", False)):
            self.assertEqual(results[cid]["status"], "skip", results[cid])
            self.assertEqual(results[cid]["details"]["skip_reason"], "cancelled")
            self.assertEqual("while it ran" in results[cid]["message"], ran, results[cid]["message"])

    def test_sigterm_text(self):
        out, err = self.run_and_signal(signal.SIGTERM)
        lines = tdfixture.result_lines(out, env={"LANG": "C.UTF-8"})
        self.assertIn("Passed", lines["os.release"])
        self.assertIn("Not checked", lines["token.module"])
        self.assertIn("Cancelled", lines["token.module"])
        self.assertIn("cancelled", lines["cert.present"])
        self.assertIn("Summary:", out)


class PinPromptCancelTest(tdrig.RigTestCase):
    def test_ctrl_c_at_the_pin_prompt(self):
        ec = self.keys.make_user_cert("ec", self.ca, key="ec256")
        self.rig.start(cert_9c=ec[0], key_9c=ec[1])
        profile = os.path.join(self.rig.dir, "p.ini")
        with open(profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.opensc_module()}\n")
        pid, fd = pty.fork()
        if pid == 0:  # the child's controlling terminal is the pty
            os.execve(TOKENDOCTOR, [TOKENDOCTOR, "sign-test", "--profile", profile],
                      {**self.rig.env, "LANG": "C.UTF-8"})
        seen = b""
        status = None
        try:
            seen = tdrig.pty_read_until(fd, seen, b"PIN", 60)
            time.sleep(0.3)
            self.assertFalse(termios.tcgetattr(fd)[3] & termios.ECHO, "the prompt did not switch echo off")
            sent = time.monotonic()
            os.write(fd, b"\x03")  # Ctrl-C, as typed: the terminal sends SIGINT
            seen = tdrig.pty_read_to_end(fd, seen, 10)
            echo = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
            _, status = os.waitpid(pid, 0)
            took = time.monotonic() - sent
        finally:
            if status is None:  # an assertion failed first: end it
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        text = seen.decode(errors="replace")
        self.assertEqual(os.waitstatus_to_exitcode(status), 130, text)
        self.assertLess(took, 1.0)
        self.assertTrue(echo, "the terminal was left without echo")
        self.assertIn("Cancelled", text)
        self.assertEqual([line for line in self.rig.apdu_log() if "redacted" in line], [])  # no PIN sent


if __name__ == "__main__":
    unittest.main(verbosity=2)
