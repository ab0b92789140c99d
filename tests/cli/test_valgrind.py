#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`tokendoctor check` under valgrind: no invalid access, no leak."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tdfixture  # noqa: E402


class ValgrindTest(unittest.TestCase):
    def run_valgrind(self, *args, env_extra=None):
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "zh_CN.UTF-8",
               **tdfixture.UNINSTALLED}
        env.update(env_extra or {})
        p = subprocess.run(["valgrind", "--quiet", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                            tdfixture.TOKENDOCTOR, *args], env=env, capture_output=True, text=True, timeout=600)
        self.assertNotEqual(p.returncode, 99, p.stderr)
        self.assertNotIn("Invalid", p.stderr)
        return p

    def test_check_healthy_and_broken(self):
        fx = tdfixture.Fixture()
        try:
            root = fx.make_root("root")
            url = fx.start_server()
            profile = fx.make_profile("p", url)
            p = self.run_valgrind("check", "--no-token", "--json", "--profile", profile, "--root", root,
                                  "--only", "os.release,os.locale,os.fonts,net.platform,time.clock")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            broken = fx.make_root("broken", os_release=None, locales=(), font=None)
            closed = fx.make_profile("closed", "https://127.0.0.1:9/")
            p = self.run_valgrind("check", "--json", "--profile", closed, "--root", broken,
                                  env_extra={"LANG": "zh_HK.UTF-8"})
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            p = self.run_valgrind("check", "--profile", fx.write("bad.ini", "[platform]\nurl = x\n"))
            self.assertEqual(p.returncode, 78, p.stderr)
        finally:
            fx.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
