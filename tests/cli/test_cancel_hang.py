# SPDX-License-Identifier: GPL-3.0-or-later
"""Ctrl-C and SIGTERM end `check` within a second: what finished is printed (a whole JSON
document with --json), the rest is skipped as cancelled, and the exit status is 130.

The run is held up by a PKCS#11 module that hangs in C_GetSlotList and by a black-hole server
that accepts TCP connections and never answers."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

TOKENDOCTOR = os.environ["TD_BIN"]
HANG_MODULE = os.environ["TD_HANG_MODULE"]


class CancelTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        # A black hole: the kernel completes the handshake (backlog), nobody ever reads or answers.
        self.hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.hole.bind(("127.0.0.1", 0))
        self.hole.listen(16)
        port = self.hole.getsockname()[1]
        self.profile = os.path.join(self.tmp.name, "hang.ini")
        with open(self.profile, "w", encoding="utf-8") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:{port}/\n[token]\nmodule = {HANG_MODULE}\n")

    def tearDown(self):
        self.hole.close()
        self.tmp.cleanup()

    def run_and_signal(self, sig, *args):
        p = subprocess.Popen([TOKENDOCTOR, "check", "--profile", self.profile, "--timeout", "60", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        time.sleep(1.5)  # the module and the server are hanging by now
        self.assertIsNone(p.poll(), "the run should still be waiting on the module and the server")
        sent = time.monotonic()
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        return p.returncode, time.monotonic() - sent, out, err

    def check_json(self, sig):
        rc, took, out, err = self.run_and_signal(sig, "--json", "--only", "token.module,net.platform,time.clock")
        self.assertEqual(rc, 130, err)
        self.assertLess(took, 1.0)
        doc = json.loads(out)
        self.assertTrue(doc["cancelled"])
        results = {r["id"]: r for r in doc["results"]}
        # Every check of `list` is in the document once.
        listed = json.loads(subprocess.run([TOKENDOCTOR, "list", "--json"], capture_output=True, text=True,
                                           check=True).stdout)["checks"]
        self.assertEqual(sorted(results), sorted(c["id"] for c in listed))
        for cid in ("token.module", "net.platform", "time.clock"):
            self.assertEqual(results[cid]["status"], "skip", cid)
            self.assertEqual(results[cid]["details"]["skip_reason"], "cancelled", cid)
        # What finished before the signal is kept: os.release etc. were not selected, the rest were.
        self.assertEqual(results["os.locale"]["details"]["skip_reason"], "not-selected")

    def test_sigint_json(self):
        self.check_json(signal.SIGINT)

    def test_sigterm_json(self):
        self.check_json(signal.SIGTERM)

    def test_sigint_text_keeps_finished_results(self):
        rc, took, out, err = self.run_and_signal(signal.SIGINT, "--only", "os.release,token.module,net.platform")
        self.assertEqual(rc, 130, err)
        self.assertLess(took, 1.0)
        # os.release finished at once; it is printed (by its title, in the run's language), the
        # hanging checks are not verdicts.
        listed = json.loads(subprocess.run([TOKENDOCTOR, "list", "--json"], capture_output=True, text=True,
                                           check=True).stdout)["checks"]
        title = next(c["title"] for c in listed if c["id"] == "os.release")
        self.assertRegex(out, rf"\n\S+ \S.* {title}[:：]")
        self.assertNotIn("module.hang", out)

    def test_no_probe_outlives_the_run(self):
        self.run_and_signal(signal.SIGINT, "--json", "--only", "token.module")
        time.sleep(0.3)
        left = subprocess.run(["pgrep", "-f", f"tokendoctor-p11probe session {HANG_MODULE}"],
                              capture_output=True, text=True).stdout.split()
        mine = [pid for pid in left if os.path.exists(f"/proc/{pid}") and
                open(f"/proc/{pid}/status").read().find("PPid:\t1\n") >= 0]
        self.assertEqual(mine, [], "an orphaned probe is still running the hanging module")


if __name__ == "__main__":
    unittest.main(verbosity=2)
