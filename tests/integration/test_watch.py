#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tokendoctor watch through pcsc-lite → pcscd → vpcd → tokensim: the token pulled out and put
back, pcscd stopping and coming back — events, not errors — and a clean end on Ctrl-C."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
READER = "Virtual PCD 00 00"


class Watcher:
    """tokendoctor watch in the background, its lines in a queue."""

    def __init__(self, env, *args):
        self.proc = subprocess.Popen([TOKENDOCTOR, "watch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**env, "LANG": "C.UTF-8"})
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next(self, timeout=15):
        line = self.lines.get(timeout=timeout)
        if line is None:
            raise AssertionError("watch ended early: " + self.proc.stderr.read())
        return line

    def until(self, event, reader=READER, timeout=15):
        """Events up to and including the first @event on @reader."""
        seen = []
        while True:
            e = json.loads(self.next(timeout))
            seen.append(e)
            if e["event"] == event and (reader is None or e.get("reader") == reader):
                return seen

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


class WatchTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert = cls.keys.make_user_cert("user", cls.ca)

    def setUp(self):
        super().setUp()
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        self.watcher = None

    def tearDown(self):
        if self.watcher:
            self.watcher.stop()
        super().tearDown()

    def test_removal_and_reinsertion(self):
        self.watcher = Watcher(self.rig.env, "--json")
        start = self.watcher.until("card-inserted")
        self.assertTrue(all(e["initial"] for e in start), start)
        self.assertEqual(start[-1]["atr"], "3B:88:80:01:56:50:49:56:43:41:52:44:04")
        self.rig.control("remove")
        removed = self.watcher.until("card-removed")
        self.assertFalse(removed[-1]["initial"])
        self.rig.control("insert")
        inserted = self.watcher.until("card-inserted")
        self.assertFalse(inserted[-1]["initial"])
        self.assertEqual(inserted[-1]["atr"], start[-1]["atr"])
        # Ctrl-C ends the watch cleanly.
        self.watcher.proc.send_signal(signal.SIGINT)
        self.assertEqual(self.watcher.proc.wait(timeout=10), 0)

    def test_ctrl_c_always_ends_it(self):
        # Ctrl-C at any moment, also between two waits (where pcsc-lite drops a cancel).
        for delay in (0, 0.01, 0.05, 0.1, 0.3):
            watcher = Watcher(self.rig.env, "--json")
            try:
                watcher.next()
                time.sleep(delay)
                watcher.proc.send_signal(signal.SIGINT)
                self.assertEqual(watcher.proc.wait(timeout=10), 0)
            finally:
                watcher.stop()

    def test_pcscd_going_away_and_coming_back(self):
        self.watcher = Watcher(self.rig.env, "--json")
        self.watcher.until("card-inserted")
        self.rig.stop_pcscd()
        lost = self.watcher.until("service-lost", reader=None)
        self.assertIn("card-removed", [e["event"] for e in lost])
        self.assertIn("reader-removed", [e["event"] for e in lost])
        self.rig.start_pcscd()
        back = self.watcher.until("card-inserted", timeout=30)
        self.assertEqual(back[0]["event"], "service-back")
        self.assertIsNone(self.watcher.proc.poll(), "watch ended when pcscd went away")

    def test_count_ends_after_n_changes_with_text_output(self):
        self.watcher = Watcher(self.rig.env, "--count", "2", "--timeout", "60")
        lines = [self.watcher.next(), self.watcher.next(), self.watcher.next()]  # two readers and the card
        self.assertTrue(any("A token is in" in line for line in lines), lines)
        self.rig.control("remove")
        self.assertIn("Token removed", self.watcher.next())
        self.rig.control("insert")
        self.assertIn("Token inserted", self.watcher.next())
        self.assertEqual(self.watcher.proc.wait(timeout=10), 0)

    def test_timeout_with_no_service(self):
        self.rig.stop_pcscd()
        self.watcher = Watcher(self.rig.env, "--json", "--timeout", "1.5")
        first = json.loads(self.watcher.next())
        self.assertEqual(first["event"], "service-lost")
        self.assertTrue(first["initial"])
        self.assertEqual(self.watcher.proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
