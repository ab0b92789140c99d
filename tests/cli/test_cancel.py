#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ctrl-C and SIGTERM during `check`, against a platform server that accepts and never answers:
the program ends within a second with exit status 130, printing what finished (a whole JSON
document with --json, every check in it) and the rest as cancelled. The progress line: on a
terminal's standard error for a slow run, never with --json or when standard error is not a
terminal."""
import json
import os
import select
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tdfixture  # noqa: E402

SYSTEM_ONLY = "os.release,os.locale,os.fonts,net.platform,time.clock"
FINISHED = ("os.release", "os.locale", "os.fonts")  # local files: done long before the signal
HANGING = ("net.platform", "time.clock")  # waiting for the server
ERASE = "\r\033[K"


def environment(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
           "LANG": "zh_CN.UTF-8", "NO_PROXY": "*", **tdfixture.UNINSTALLED}
    env.update(extra)
    return env


class CancelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = tdfixture.Fixture()
        cls.root = cls.fx.make_root("healthy")
        cls.black_hole = cls.fx.make_profile("blackhole", cls.fx.start_server("--hang"))
        cls.healthy = cls.fx.make_profile("healthy", cls.fx.start_server())
        cls.list_ids = [c["id"] for c in json.loads(tdfixture.run_tokendoctor("list", "--json").stdout)["checks"]]

    @classmethod
    def tearDownClass(cls):
        cls.fx.close()

    def start(self, *args, profile=None, only=SYSTEM_ONLY, stderr=subprocess.PIPE):
        argv = [tdfixture.TOKENDOCTOR, "check", "--profile", profile or self.black_hole, "--root", self.root,
                "--only", only, *args]
        return subprocess.Popen(argv, env=environment(), stdout=subprocess.PIPE, stderr=stderr,
                                stdin=subprocess.DEVNULL, text=True)

    def interrupt(self, proc, sig, after=1.5):
        """Send @sig once the run is under way; returns (stdout, stderr, seconds until it exited)."""
        time.sleep(after)
        self.assertIsNone(proc.poll(), "the run ended before the signal: the server does not hang")
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.fail(f"still running 10 s after the signal\nstdout={out}\nstderr={err}")
        return out, err, time.monotonic() - sent

    def assert_cancelled_document(self, out, err):
        try:
            doc = json.loads(out)
        except json.JSONDecodeError as e:
            self.fail(f"not one JSON document ({e}):\n{out}\nstderr={err}")
        self.assertIs(doc["cancelled"], True)
        self.assertEqual([r["id"] for r in doc["results"]], self.list_ids)  # every check, once
        results = {r["id"]: r for r in doc["results"]}
        for cid in FINISHED:
            self.assertEqual(results[cid]["status"], "pass", results[cid])
        for cid in HANGING:
            self.assertEqual(results[cid]["status"], "skip", results[cid])
            self.assertEqual(results[cid]["details"]["skip_reason"], "cancelled", results[cid])
            self.assertIsNone(results[cid]["cause"])
            self.assertTrue(results[cid]["message"])
        for cid in set(self.list_ids) - set(SYSTEM_ONLY.split(",")):
            self.assertEqual(results[cid]["details"]["skip_reason"], "not-selected", results[cid])
        counts = {s: sum(r["status"] == s for r in doc["results"]) for s in ("pass", "warn", "fail", "skip", "error")}
        self.assertEqual(doc["summary"], counts)
        return doc

    def test_sigint_json(self):
        proc = self.start("--json")
        out, err, took = self.interrupt(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(took, 1.0)
        self.assert_cancelled_document(out, err)

    def test_sigterm_json(self):
        proc = self.start("--json")
        out, err, took = self.interrupt(proc, signal.SIGTERM)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(took, 1.0)
        self.assert_cancelled_document(out, err)

    def test_signal_at_once(self):
        # Before any check could finish, even before the engine started: still a whole document.
        for after in (0.0, 0.05):
            with self.subTest(after=after):
                proc = self.start("--json")
                time.sleep(after)
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=10)
                if proc.returncode == -signal.SIGINT:
                    continue  # it came before the program set up its signal handling: the default
                self.assertEqual(proc.returncode, 130, err)
                doc = json.loads(out)
                self.assertEqual([r["id"] for r in doc["results"]], self.list_ids)

    def test_sigint_text(self):
        proc = self.start()
        out, err, took = self.interrupt(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(took, 1.0)
        lines = tdfixture.result_lines(out)
        for cid in FINISHED:
            self.assertIn("通过", lines[cid])
        for cid in HANGING:
            self.assertIn("未检测", lines[cid])
            self.assertIn("取消", lines[cid])
        self.assertIn("汇总", out)
        self.assertIn("已取消", out.split("汇总")[1])
        self.assertEqual(err, "")  # stderr is no terminal: no progress line

    def test_finished_run_is_not_cancelled(self):
        p = tdfixture.run_tokendoctor("check", "--json", "--profile", self.healthy, "--root", self.root,
                                      "--only", SYSTEM_ONLY)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIs(json.loads(p.stdout)["cancelled"], False)

    # --- the progress line ------------------------------------------------------------
    def stderr_on_terminal(self, *args, profile=None, only=SYSTEM_ONLY, seconds=2.0):
        """Run with standard error on a pty (stdout a pipe); SIGINT after @seconds unless it ended.
        Returns (exit status, stdout, everything written to the terminal)."""
        master, slave = os.openpty()
        proc = self.start(*args, profile=profile, only=only, stderr=slave)
        os.close(slave)
        seen = b""

        def read_some(timeout):
            nonlocal seen
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                return False
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: nobody has the terminal open any more
                return False
            seen += chunk
            return bool(chunk)

        end = time.monotonic() + seconds
        while time.monotonic() < end and proc.poll() is None:
            read_some(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        while read_some(0.2):
            pass
        os.close(master)
        return proc.returncode, out, seen.decode(errors="replace")

    def test_progress_on_terminal(self):
        rc, out, tty = self.stderr_on_terminal()
        self.assertEqual(rc, 130, tty)
        # n of m, and the check the run waits for, with its localized title.
        self.assertRegex(tty, r"\r\[3/5\] (net\.platform 平台网站连接|time\.clock 系统时间)")
        # Rewritten in place, and erased before the program ended.
        self.assertNotIn("\n", tty)
        self.assertTrue(tty.endswith(ERASE), repr(tty[-80:]))
        self.assertNotIn("[", out.split("汇总")[1])  # the summary is clean
        self.assertIn("汇总", out)

    def test_no_progress_with_json(self):
        rc, out, tty = self.stderr_on_terminal("--json")
        self.assertEqual(rc, 130)
        self.assertEqual(tty, "")
        json.loads(out)

    def test_no_progress_for_a_fast_run(self):
        rc, out, tty = self.stderr_on_terminal(only="os.release", profile=self.healthy, seconds=10)
        self.assertEqual(rc, 0, out)
        self.assertEqual(tty, "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
