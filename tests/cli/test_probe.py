#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PKCS#11 probe runs a vendor's module: it inherits nothing of tokendoctor's (no network
connection, no file, no pipe but its standard streams), its argv names nothing of the token, and
what the module writes to standard error reaches the report only with --debug. A token label that
would clear the screen is escaped in text output and exact in JSON.

The probe is SoftHSM2 behind tests/p11/wrap-module.c, which logs what the probe holds at the start
of C_Initialize (before the real module opens anything)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdfixture  # noqa: E402
import tdrig  # noqa: E402

WRAPPER = os.environ["TD_WRAPPER"]
WAIT_TCP = os.environ["TD_WAIT_TCP_MODULE"]
PROBE = os.environ["TOKENDOCTOR_P11PROBE"]
PIN = "123456"


class ProbeTest(unittest.TestCase):
    def setUp(self):
        self.fx = tdfixture.Fixture()
        self.log = self.fx.path("wrap.log")

    def tearDown(self):
        self.fx.close()

    def softhsm(self, with_key=False):
        """SoftHSM2 behind the wrapper: the environment for it."""
        directory = self.fx.path("softhsm")
        os.makedirs(directory)
        cert = key = None
        if with_key:
            rig = tdrig.TokenRig(tmpdir=directory)
            cert, key = rig.make_user_cert("user", rig.make_ca(), key="ec256")
        return {**tdrig.make_softhsm(directory, cert=cert, key=key), "TD_WRAP_MODULE": tdrig.SOFTHSM_MODULE,
                "TD_WRAP_LOG": self.log, "LANG": "C.UTF-8"}

    def profile(self, *modules, url="https://127.0.0.1:9/"):
        tokens = "".join(f"[token{'.m%d' % i if i else ''}]\nmodule = {m}\n" for i, m in enumerate(modules))
        return self.fx.make_profile(f"p{len(os.listdir(self.fx.dir))}", url, tokens)

    def logged(self, kind):
        """The wrapper's log lines of @kind, split: [pid, rest...]."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return [line.split(" ", 1)[1] for line in f.read().splitlines() if line.split(" ", 1)[0] == kind]

    def check_json(self, *args, env, expect_rc, pin=None):
        p = tdfixture.run_tokendoctor(*args, "--json", env=env, input=pin and pin + "\n")
        self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}

    def test_probe_inherits_nothing(self):
        # The platform server answers after 3 s: libcurl's connection stays open meanwhile. The
        # profile's first module answers only once that connection is open, and sees no token;
        # the second module's probe therefore starts while tokendoctor holds it.
        url = self.fx.start_server("--delay-ms", "3000")
        env = {**self.softhsm(with_key=True), "TD_WRAP_LOG_FDS": "1"}
        r = self.check_json("check", "--pin-stdin", "--profile", self.profile(WAIT_TCP, WRAPPER, url=url),
                            "--only", "net.platform,time.clock,token.module,sign.test", env=env, expect_rc=0,
                            pin=PIN)
        for cid in ("net.platform", "time.clock", "token.module", "sign.test"):
            self.assertEqual(r[cid]["status"], "pass", r[cid])

        starts = self.logged("argv")
        pids = {line.split(" ", 1)[0] for line in starts}
        self.assertEqual(len(pids), 1, "one probe for the wrapped module")
        pid = pids.pop()
        parent = [line.split(" ", 2) for line in self.logged("parent-fd")]
        self.assertTrue(any(target.endswith(" tcp") for _, _, target in parent),
                        "tokendoctor held no TCP connection when the probe started: the race was not made\n"
                        + "\n".join(t for _, _, t in parent))

        # The three pipes it was started with and nothing else: no socket, no CA file, no other
        # pipe. The probe itself moved its answers (the standard output it was given) to fd 3 and
        # pointed fd 1 at standard error, so that a module's printf cannot garble them.
        fds = {int(fd): target for p, fd, target in (line.split(" ", 2) for line in self.logged("fd")) if p == pid}
        # Its own, not inherited: the pidfd through which it watches tokendoctor (lifeline.c),
        # there when its thread got to open it before C_Initialize.
        own = [fd for fd, target in fds.items() if target == "anon_inode:[pidfd]"]
        self.assertLessEqual(len(own), 1, fds)
        for fd in own:
            del fds[fd]
        self.assertEqual(sorted(fds), [0, 1, 2, 3], fds)
        for fd, target in fds.items():
            self.assertTrue(target.startswith("pipe:"), f"fd {fd}: {target}")
        self.assertEqual(fds[1], fds[2], fds)
        self.assertEqual(len({fds[0], fds[2], fds[3]}), 3, fds)

        # argv is the probe and the module: the serial and key id travel through the pipe.
        argv = [line.split(" ", 1)[1] for line in starts]
        self.assertEqual(argv, [PROBE, "session", WRAPPER])
        serial = r["token.module"]["details"]["token"]["serial"]
        self.assertTrue(serial)
        self.assertFalse(any(serial in arg for arg in argv), argv)
        self.assertNotIn(PIN, " ".join(argv))

    def test_module_stderr_only_with_debug(self):
        # A module that says something (a path, a user name) and dies at load.
        said = "vendor: cannot open /home/alice/.vendor/token.conf"
        env = {**self.softhsm(), "TD_WRAP_STDERR": said, "TD_WRAP_CRASH_IN": "C_Initialize"}
        profile = self.profile(WRAPPER)
        for argv, pin in ((("check", "--only", "token.module"), None), (("sign-test", "--pin-stdin"), PIN)):
            r = self.check_json(*argv, "--profile", profile, env=env, expect_rc=2, pin=pin)["token.module"]
            self.assertEqual(r["cause"], "module.crash", r)
            self.assertNotIn("module_stderr", r["details"], argv)
            self.assertNotIn(said, json.dumps(r, ensure_ascii=False))

            r = self.check_json(*argv, "--debug", "--profile", profile, env=env, expect_rc=2,
                                pin=pin)["token.module"]
            self.assertEqual(r["cause"], "module.crash", r)
            self.assertIn(said, r["details"]["module_stderr"], argv)

    def test_hostile_label(self):
        env = {**self.softhsm(), "TD_WRAP_HOSTILE_LABEL": "1"}
        profile = self.profile(WRAPPER)
        p = tdfixture.run_tokendoctor("check", "--profile", profile, "--only", "token.module", env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("\x1b", p.stdout + p.stderr)
        self.assertIn("\\x1b[2JEvil", p.stdout)

        r = self.check_json("check", "--profile", profile, "--only", "token.module", env=env,
                            expect_rc=0)["token.module"]
        self.assertEqual(r["details"]["token"]["label"], "\x1b[2JEvil")
        self.assertIn("\x1b[2JEvil", r["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
