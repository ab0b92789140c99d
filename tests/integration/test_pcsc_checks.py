#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""drivers.pcscd, token.reader and token.card through tokendoctor → pcsc-lite → pcscd → vpcd →
tokensim: the 插锁 side of the one-click check, with the service and the token in each state."""
import contextlib
import json
import os
import subprocess
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "cli"))
import tdfixture  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
PCSC_CHECKS = "drivers.pcscd,token.reader,token.card"
TOKENSIM_ATR = "3B:88:80:01:56:50:49:56:43:41:52:44:04"


@contextlib.contextmanager
def refusing_pcscd():
    """pcscd built with polkit answers a refused client by closing the connection it just
    accepted ("Rejected unauthorized PC/SC client"); Debian 12's pcscd is built without polkit, so
    the refusal is made at the socket, where pcsc-lite's own client library meets it."""
    os.makedirs("/run/pcscd", exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("/run/pcscd/pcscd.comm")
    server.listen(8)

    def refuse():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=refuse, daemon=True).start()
    try:
        yield
    finally:
        server.close()
        os.unlink("/run/pcscd/pcscd.comm")


class PcscChecksTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert = cls.keys.make_user_cert("user", cls.ca)

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
        self.assertIn("Virtual PCD", r["token.reader"]["details"]["readers"][0])
        self.assertEqual(r["drivers.pcscd"]["details"]["readers"], len(r["token.reader"]["details"]["readers"]))
        self.assertEqual(r["token.card"]["status"], "pass", r["token.card"])
        self.assertEqual(r["token.card"]["details"]["atr"], TOKENSIM_ATR)
        self.assertIn("Virtual PCD", r["token.card"]["details"]["reader"])
        self.assertIs(r["token.card"]["details"]["exclusive"], False)

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

    def debian_root(self, name, mask_socket=False):
        """A --root with pcscd installed and its socket enabled as Debian's package leaves them
        (optionally masked): why a stopped pcscd does not answer is read from these files, not
        from the files of whatever machine runs the test."""
        root = os.path.join(self.rig.dir, name)
        units = os.path.join(root, "usr/lib/systemd/system")
        wants = os.path.join(root, "etc/systemd/system/sockets.target.wants")
        os.makedirs(os.path.join(root, "var/lib/dpkg"))
        os.makedirs(units)
        os.makedirs(wants)
        with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
            f.write("Package: pcscd\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.9.9-2\n")
        for unit, text in (("pcscd.socket", "[Socket]\nListenStream=/run/pcscd/pcscd.comm\n"
                                             "[Install]\nWantedBy=sockets.target\n"),
                           ("pcscd.service", "[Unit]\nRequires=pcscd.socket\n"
                                             "[Service]\nExecStart=/usr/sbin/pcscd --foreground\n")):
            with open(os.path.join(units, unit), "w") as f:
                f.write(text)
        os.symlink("/lib/systemd/system/pcscd.socket", os.path.join(wants, "pcscd.socket"))
        if mask_socket:
            os.symlink("/dev/null", os.path.join(root, "etc/systemd/system/pcscd.socket"))
        return root

    def test_pcscd_down(self):
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        self.rig.stop_pcscd()
        # Installed and switched on, yet nothing answers: stopped or failed, the files cannot say.
        r = self.check("--root", self.debian_root("enabled"), expect_rc=2)
        self.assertEqual(r["drivers.pcscd"]["status"], "fail")
        self.assertEqual(r["drivers.pcscd"]["cause"], "pcscd.down", r["drivers.pcscd"])
        self.assertEqual(r["drivers.pcscd"]["details"]["units"][0]["state"], "enabled")
        # The service is this machine's, the files are the copy's: starting a service is not offered
        # for a system under --root (`fix` would not start this machine's pcscd for it).
        self.assertIsNone(r["drivers.pcscd"]["fix"])
        for cid in ("token.reader", "token.card"):
            self.assertEqual(r[cid]["status"], "skip")
            self.assertEqual(r[cid]["details"]["skip_reason"], "dependency")
        # The same stopped pcscd, with the root's socket masked: the real client's answer and the
        # root's files together give the precise cause.
        r = self.check("--root", self.debian_root("masked", mask_socket=True), expect_rc=2)
        self.assertEqual(r["drivers.pcscd"]["cause"], "pcscd.disabled", r["drivers.pcscd"])
        self.assertIn("masked", r["drivers.pcscd"]["message"])
        # And back: the same check passes once pcscd runs again (tokensim reconnects by itself).
        self.rig.start_pcscd()
        self.rig.wait_card(True)
        self.assertEqual(self.check(expect_rc=0)["token.card"]["status"], "pass")

    def test_pcscd_refuses_this_user(self):
        # pcscd built with polkit answers a refused client by closing the connection it just
        # accepted ("Rejected unauthorized PC/SC client"). Debian 12's pcscd is built without
        # polkit, so the refusal is reproduced at the socket, and pcsc-lite's own client library
        # meets it exactly as it would meet the real one.
        with refusing_pcscd():
            # The client reports the dropped connection in one of two ways depending on timing:
            # both must read as a refusal, every time.
            runs = [self.check(expect_rc=2) for _ in range(5)]
        for r in runs:
            self.assertEqual(r["drivers.pcscd"]["cause"], "pcscd.denied", r["drivers.pcscd"])
            self.assertIn("polkit", r["drivers.pcscd"]["message"])
            self.assertEqual(r["token.reader"]["details"]["skip_reason"], "dependency")
            self.assertIs(r["drivers.pcscd"]["fix"]["privileged"], True)
        # The repair needs the administrator: the next step says whom to ask, with the command.
        for env, step in (({"LANG": "zh_CN.UTF-8"}, "下一步：请联系本单位电脑管理员运行“tokendoctor fix drivers.pcscd”"
                                                    "（需要输入管理员密码）。"),
                          ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "en"},
                           "Next: ask this computer's administrator to run “tokendoctor fix drivers.pcscd” (it asks "
                           "for the administrator's password).")):
            with refusing_pcscd():
                p = subprocess.run([TOKENDOCTOR, "check", "--only", "drivers.pcscd"], capture_output=True,
                                   text=True, timeout=60, env={**self.rig.env, **env})
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            tail = tdfixture.verdict_tail(p.stdout)
            self.assertEqual(len(tail), 3, p.stdout)
            self.assertEqual(tail[1], step)

    def test_refusal_repaired_under_root_writes_the_polkit_rule_its_polkit_reads(self):
        # A copy of a system whose pcscd refuses: the repair writes the rule the copy's polkit
        # reads (JavaScript rules for polkitd, .pkla for the old policykit-1), the same text the
        # helper writes, and undo takes it away again.
        cases = (("polkitd", "122-3", "etc/polkit-1/rules.d/"),
                 ("policykit-1", "0.105-33", "etc/polkit-1/localauthority/"))
        with refusing_pcscd():
            for package, version, where in cases:
                root = self.debian_root("polkit-" + package)
                with open(os.path.join(root, "var/lib/dpkg/status"), "a") as f:
                    f.write(f"\nPackage: {package}\nStatus: install ok installed\nArchitecture: amd64\n"
                            f"Version: {version}\n")
                state = os.path.join(self.rig.dir, "state-" + package)
                env = {**os.environ, "XDG_STATE_HOME": state, "LANG": "C.UTF-8"}
                out = subprocess.run([TOKENDOCTOR, "fix", "drivers.pcscd", "--root", root, "--yes", "--json"],
                                     env=env, capture_output=True, text=True, timeout=60)
                item = json.loads(out.stdout)["fixes"][0]
                self.assertEqual(item["before"]["cause"], "pcscd.denied", out.stdout)
                change = item["plan"]["changes"][0]
                self.assertEqual(change["kind"], "write-file")
                self.assertTrue(change["path"].startswith(os.path.join(root, where)), change["path"])
                self.assertIn("org.debian.pcsc-lite.access_pcsc", change["content"])
                with open(change["path"]) as f:
                    self.assertEqual(f.read(), change["content"])
                # This machine's pcscd still refuses: said, not hidden.
                self.assertEqual(item["status"], "not-verified", out.stdout)
                undo = subprocess.run([TOKENDOCTOR, "undo"], env=env, capture_output=True, text=True, timeout=60)
                self.assertEqual(undo.returncode, 0, undo.stderr)
                self.assertFalse(os.path.exists(os.path.join(root, "etc/polkit-1")))

    def test_card_pulled_during_check(self):
        # A slow token is pulled out while the one-click check reads it: every check still ends
        # with a verdict, the run ends, and nothing crashes.
        self.rig.start(cert_9a=self.cert[0], key_9a=self.cert[1])
        self.rig.control("slow 150")
        self.rig.control("clear-log")
        profile = os.path.join(self.rig.dir, "p.ini")
        with open(profile, "w") as f:
            f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {tdrig.opensc_module()}\n")
        only = PCSC_CHECKS + ",token.module,cert.present,cert.expiry,cert.issuer,sign.test"
        proc = subprocess.Popen([TOKENDOCTOR, "check", "--json", "--pin-stdin", "--only", only, "--profile", profile],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**self.rig.env, "LANG": "C.UTF-8"})
        deadline = time.monotonic() + 30
        while len(self.rig.apdu_log()) < 5:  # OpenSC is in the middle of reading the token
            self.assertLess(time.monotonic(), deadline, "tokendoctor never talked to the token")
            time.sleep(0.05)
        self.rig.control("remove")
        out, err = proc.communicate("123456\n", timeout=120)
        self.assertEqual(proc.returncode, 2, out + err)
        results = {r["id"]: r for r in json.loads(out)["results"]}
        for cid in only.split(","):
            self.assertIn(results[cid]["status"], ("pass", "fail", "skip", "error"), results[cid])
        self.assertNotEqual(results["token.module"]["cause"], "module.crash", results["token.module"])
        self.assertTrue(any(results[c]["status"] in ("fail", "error") for c in only.split(",")))
        # Put back, the same run passes.
        self.rig.control("normal")
        self.rig.control("insert")
        self.rig.wait_card(True)
        # Settled: OpenSC itself reads the token again (a token just put back may still be
        # powering up when pcscd first reports it).
        deadline = time.monotonic() + 20
        while "8899aabbccddeeff" not in subprocess.run(
                ["pkcs11-tool", "--module", tdrig.opensc_module(), "--list-token-slots"], capture_output=True,
                text=True, env=self.rig.env).stdout:
            self.assertLess(time.monotonic(), deadline, "OpenSC does not see the token put back")
            time.sleep(0.2)
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--pin-stdin", "--only", only, "--profile", profile],
                           input="123456\n", capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8"})
        results = {r["id"]: r for r in json.loads(p.stdout)["results"]}
        self.assertEqual(p.returncode, 0, {c: results[c]["message"] for c in only.split(",")})

    @staticmethod
    def language(lang):
        # English output on a Chinese system (so that os.locale passes): gettext's LANGUAGE.
        return {"LANG": "zh_CN.UTF-8", "LANGUAGE": "en"} if lang == "en" else {"LANG": lang}

    def full_check(self, *args, lang, usb=False):
        language = self.language(lang)
        """The whole one-click check, as text, of a healthy copy of a system against a live
        platform server, with this rig's pcscd."""
        fx = tdfixture.Fixture()
        self.addCleanup(fx.close)
        root = fx.make_root("healthy")
        if usb:
            tdrig.make_usb_root(root)
        apps = os.path.join(root, "usr/share/applications")
        os.makedirs(apps)
        with open(os.path.join(apps, "google-chrome.desktop"), "w") as f:
            f.write("[Desktop Entry]\nType=Application\nName=Google Chrome\nExec=/usr/bin/true %U\n"
                    "MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;\n")
        profile = fx.make_profile("full", fx.start_server(),
                                  "[browsers]\nsupported = google-chrome:90\n"
                                  f"[token]\nmodule = {tdrig.opensc_module()}\n"
                                  "[support]\ncontact = 400-000-0000\n")
        p = subprocess.run([TOKENDOCTOR, "check", "--profile", profile, "--root", root, *args],
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                           env={**self.rig.env, **language, "NO_PROXY": "*", "HOME": fx.path("home")})
        return p, tdfixture.verdict_tail(p.stdout)

    def test_verdict_without_the_token(self):
        # 无锁一键检测 on a healthy system: passed, now insert the token and run 插锁一键检测. The
        # token checks are one line, not one line each.
        self.rig.start_pcscd()
        for lang, expected, deferred in (
                ("zh_CN.UTF-8", "结论：【无锁一键检测】通过。请插入 CA 锁，再做【插锁一键检测】（“tokendoctor check”）。",
                 "需要插入 CA 锁的检测（"),
                ("en", "Verdict: the check without the token (【无锁一键检测】) passed. Insert the CA token "
                            "and run the check with it (【插锁一键检测】: “tokendoctor check”).",
                 "Checks that need the CA token (")):
            p, tail = self.full_check("--no-token", lang=lang)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(tail, [expected], p.stdout)
            self.assertEqual(sum(deferred in line for line in p.stdout.splitlines()), 1, p.stdout)
            shown = tdfixture.result_lines(p.stdout, env=self.language(lang))
            self.assertNotIn("token.card", shown)
            self.assertIn("drivers.pcscd", shown)

    def test_verdict_ready(self):
        # 插锁一键检测 on a healthy system with the token (on the USB bus of the copy, answering
        # through the rig): renew. No PIN without a terminal: the signing test is not run.
        cert = self.keys.make_user_cert("ready", self.ca)
        self.rig.start(cert_9c=cert[0], key_9c=cert[1])
        for lang, expected in (("zh_CN.UTF-8", ["结论：检测通过，可以办理【CA 续期】。"]),
                               ("en", ["Verdict: the check passed; you can go on with 【CA 续期】 (CA renewal)."])):
            p, tail = self.full_check(lang=lang, usb=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(tail, expected, p.stdout)

    def test_verdict_token_missing(self):
        # 插锁一键检测 with no token in the reader: not yet, what to do is in the advice, and 客服.
        self.rig.start_pcscd()
        for lang, expected in (
                ("zh_CN.UTF-8", ["结论：有 ", "下一步：", "平台客服：400-000-0000。"]),
                ("en", ["Verdict: ", "Next: ", "Platform 客服: 400-000-0000;"])):
            p, tail = self.full_check(lang=lang)
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertEqual(len(tail), 3, p.stdout)
            for line, start in zip(tail, expected):
                self.assertTrue(line.startswith(start), tail)
            titles = {c["id"]: c["title"] for c in json.loads(tdfixture.run_tokendoctor(
                "list", "--json", env=self.language(lang)).stdout)["checks"]}
            self.assertIn(titles["token.card"], tail[1])
            shown = tdfixture.result_lines(p.stdout, env=self.language(lang))
            self.assertIn("token.card", shown)

    def test_no_token_skips_token_checks(self):
        self.rig.start_pcscd()
        r = self.check("--no-token", expect_rc=0)
        self.assertEqual(r["drivers.pcscd"]["status"], "pass")
        for cid in ("token.reader", "token.card"):
            self.assertEqual(r[cid]["details"]["skip_reason"], "no-token")


if __name__ == "__main__":
    unittest.main(verbosity=2)
