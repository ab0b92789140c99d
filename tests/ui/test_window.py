#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tokendoctor-gtk driven as a person with a screen reader would drive it: through the
accessibility bus (AT-SPI) of a private desktop (Xvfb, D-Bus), against fixture roots, a live
HTTPS platform server and the token rig (pcscd, vpcd, tokensim). The two check buttons are found
by their accessible names and pressed; the rows and the verdict are read as shown; a check that
hangs leaves the window answering and can be cancelled. Screenshots go to TD_ARTIFACTS."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "cli"))
import desktop  # noqa: E402
import tdfixture  # noqa: E402
import tdrig  # noqa: E402

TD_GTK = os.environ["TD_GTK"]
ARTIFACTS = os.environ.get("TD_ARTIFACTS")
CHROME = ("[Desktop Entry]\nType=Application\nName=Google Chrome\nExec=/usr/bin/true %U\n"
          "MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;\n")

DESKTOP = None
pyatspi = None


def setUpModule():
    global DESKTOP, pyatspi
    DESKTOP = desktop.Desktop()
    import pyatspi as atspi  # only now: it talks to the bus the desktop just started
    pyatspi = atspi


def tearDownModule():
    if DESKTOP:
        DESKTOP.stop()


def wait_for(what, probe, timeout=60.0, interval=0.1):
    from gi.repository import GLib
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except GLib.GError:
            # What was asked about went away meanwhile (the rows of a run being replaced).
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def find(root, role, name=None):
    return pyatspi.findDescendant(root, lambda a: a is not None and a.getRoleName() == role and
                                  (name is None or a.name == name))


def showing(acc):
    return acc is not None and acc.getState().contains(pyatspi.STATE_SHOWING)


class WindowTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert = cls.keys.make_user_cert("user", cls.ca)

    def setUp(self):
        super().setUp()
        self.fx = tdfixture.Fixture()
        self.addCleanup(self.fx.close)
        self.root = self.fx.make_root("healthy")
        apps = os.path.join(self.root, "usr/share/applications")
        os.makedirs(apps)
        with open(os.path.join(apps, "google-chrome.desktop"), "w") as f:
            f.write(CHROME)
        self.app = None

    def tearDown(self):
        if self.app and self.app.poll() is None:
            self.app.terminate()
            try:
                self.app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.app.kill()
                self.app.wait()
        super().tearDown()

    def profile(self, url, browsers=""):
        return self.fx.make_profile("window", url, "[browsers]\nsupported = google-chrome:90\n" + browsers +
                                                   f"[token]\nmodule = {tdrig.opensc_module()}\n"
                                                   "[support]\ncontact = 400-000-0000\n")

    def launch(self, profile, language=None, check_button="无锁一键检测"):
        env = {**self.rig.env, **DESKTOP.env(), **tdfixture.UNINSTALLED, "LANG": "zh_CN.UTF-8",
               "NO_PROXY": "*", "HOME": self.fx.path("home"), "GTK_THEME": "Adwaita"}
        env.pop("LANGUAGE", None)
        if language:
            env["LANGUAGE"] = language
        # Under the sanitizer build: memory errors stop the window, but GTK, fontconfig and
        # the accessibility bridge keep their caches to the end by design, so leaks are not
        # counted for this program (the engine's own leaks are, in the CLI and unit tests).
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
        self.app = subprocess.Popen([TD_GTK, "--profile", profile, "--root", self.root], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def application():
            if self.app.poll() is not None:
                raise AssertionError(f"tokendoctor-gtk exited: {self.app.stderr.read()}")
            for app in pyatspi.Registry.getDesktop(0):
                if app is not None and app.name == "tokendoctor-gtk" and find(app, "push button", check_button):
                    return app
            return None
        return wait_for("the window", application, timeout=30)

    def press(self, app, name):
        button = find(app, "push button", name)
        self.assertIsNotNone(button, name)
        self.assertTrue(button.getState().contains(pyatspi.STATE_ENABLED), name)
        button.queryAction().doAction(0)

    def verdict(self, app):
        """The verdict's lines, once the run is over (the panel is shown)."""
        return self.verdict_named(app, "结论")

    def verdict_named(self, app, name):
        panel = wait_for("the verdict", lambda: (lambda p: p if showing(p) else None)(find(app, "panel", name)))
        return [child.name for child in panel if child is not None and showing(child)]

    def rows(self, app):
        results = find(app, "list box", "检测结果")
        return [row.name for row in results if row is not None and row.getRoleName() == "list item"]

    def shot(self, name):
        if ARTIFACTS:
            os.makedirs(ARTIFACTS, exist_ok=True)
            desktop.screenshot(os.path.join(ARTIFACTS, name))

    def test_check_without_the_token(self):
        self.rig.start_pcscd()
        app = self.launch(self.profile(self.fx.start_server()))
        self.press(app, "无锁一键检测")
        lines = self.verdict(app)
        self.assertEqual(lines, ["结论：【无锁一键检测】通过。请插入 CA 锁，再做【插锁一键检测】（“tokendoctor check”）。"])
        rows = self.rows(app)
        self.assertIn("通过 操作系统和处理器：平台支持这台电脑的操作系统：Debian GNU/Linux 12 (bookworm)（x86_64）。", rows)
        self.assertTrue(any(r.startswith("通过 智能卡服务（pcscd）：") for r in rows), rows)
        # The token checks are one row, last.
        self.assertTrue(rows[-1].startswith("未检测 需要插入 CA 锁的检测（"), rows)
        self.assertFalse(any("CA 锁通信" in r for r in rows), rows)
        self.shot("window-without-token.png")

    def test_check_with_the_token(self):
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        tdrig.make_usb_root(self.root)
        app = self.launch(self.profile(self.fx.start_server()))
        self.press(app, "插锁一键检测")
        lines = self.verdict(app)
        self.assertEqual(lines[0], "结论：检测通过，可以办理【CA 续期】。", lines)
        rows = self.rows(app)
        for start in ("通过 CA 锁通信：", "通过 CA 锁驱动：", "通过 数字证书：", "通过 证书有效期："):
            self.assertTrue(any(r.startswith(start) for r in rows), (start, rows))
        self.shot("window-with-token.png")

    def test_repair_from_the_window(self):
        # The default browser is one the platform does not support: its row offers 修复; the
        # plan is shown and confirmed; the check runs again and passes; the user's file now
        # names the supported browser, and the repair is in the journal for undo.
        self.rig.start_pcscd()
        apps = os.path.join(self.root, "usr/share/applications")
        with open(os.path.join(apps, "360browser.desktop"), "w") as f:
            f.write(CHROME.replace("Google Chrome", "360 安全浏览器"))
        home = self.fx.path("home")
        mimeapps = os.path.join(home, ".config", "mimeapps.list")
        os.makedirs(os.path.dirname(mimeapps))
        with open(mimeapps, "w") as f:
            f.write("[Default Applications]\nx-scheme-handler/https=360browser.desktop\n"
                    "x-scheme-handler/http=360browser.desktop\ntext/html=360browser.desktop\n")
        app = self.launch(self.profile(self.fx.start_server(), "unsupported = 360browser\n"))
        self.press(app, "无锁一键检测")
        self.verdict(app)
        rows = self.rows(app)
        self.assertTrue(any(r.startswith("需处理 默认浏览器：") for r in rows), rows)
        self.press(app, "修复：默认浏览器")
        dialog = wait_for("the repair's plan", lambda: find(pyatspi.Registry.getDesktop(0), "dialog", "修复"))
        changes = find(dialog, "panel", "修改内容")
        lines = [c.name for c in changes if c is not None]
        self.assertTrue(lines[0].startswith("默认浏览器："), lines)
        self.assertTrue(any(mimeapps in line for line in lines), lines)
        self.shot("window-repair-plan.png")
        find(dialog, "push button", "修复").queryAction().doAction(0)
        # The check runs again by itself; the row now passes.
        try:
            wait_for("the default browser repaired",
                     lambda: any(r.startswith("通过 默认浏览器：") for r in self.rows(app)), timeout=60)
        except AssertionError:
            self.shot("window-repair-failed.png")
            raise
        with open(mimeapps) as f:
            self.assertIn("x-scheme-handler/https=google-chrome.desktop", f.read())
        journal = os.path.join(home, ".local/state/tokendoctor/journal")
        self.assertEqual(len(os.listdir(journal)), 1)

    def test_certificate_page(self):
        # 证书显示: the fields the platform's tool shows, the days left, and no renewal hint for a
        # certificate a year from its end; the page reads the token when it is opened.
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        app = self.launch(self.profile(self.fx.start_server()))
        wait_for("the token seen", lambda: (self.token_line(app) or "").startswith("已插入 CA 锁"))
        tab = find(app, "radio button", "证书显示") or find(app, "toggle button", "证书显示")
        self.assertIsNotNone(tab)
        tab.queryAction().doAction(0)
        page = find(app, "panel", "证书显示")
        table = wait_for("the certificate's fields", lambda: (lambda t: t if showing(t) else None)(
            find(page, "table", "证书信息")))
        fields = {}
        for child in table:
            if child is not None and "：" in (child.name or ""):
                key, _, value = child.name.partition("：")
                fields[key] = value
        self.assertEqual(sorted(fields), sorted(["证书序列号", "证书使用者", "证书有效期", "证书颁发机构"]), fields)
        self.assertIn("CN=", fields["证书使用者"])
        self.assertIn("华润守正", fields["证书颁发机构"])
        self.assertRegex(fields["证书序列号"], r"^[0-9a-f]+$")
        labels = [c.name for c in page if c is not None and c.getRoleName() == "label" and showing(c)]
        self.assertTrue(any(name.startswith("还剩 36") for name in labels), labels)
        self.shot("window-certificate.png")

    def test_certificate_due_for_renewal(self):
        # 20 days left: the renewal hint, in the advice's words.
        due = self.keys.make_user_cert("due", self.ca, not_after="+20d")
        self.rig.start(cert_9c=due[0], key_9c=due[1])
        app = self.launch(self.profile(self.fx.start_server()))
        wait_for("the token seen", lambda: (self.token_line(app) or "").startswith("已插入 CA 锁"))
        tab = find(app, "radio button", "证书显示") or find(app, "toggle button", "证书显示")
        tab.queryAction().doAction(0)
        page = find(app, "panel", "证书显示")
        labels = wait_for("the renewal hint", lambda: (lambda ls: ls if any("【CA 续期】" in n for n in ls) else None)(
            [c.name for c in page if c is not None and c.getRoleName() == "label" and showing(c)]))
        self.assertTrue(any(n.startswith("还剩 19 天") or n.startswith("还剩 20 天") for n in labels), labels)
        self.assertTrue(any(n.startswith("证书即将过期。请及时在平台上办理续期") for n in labels), labels)

    def test_open_the_platform_in_a_supported_browser(self):
        # The default browser is 360 (unsupported): 一键登录系统 opens the platform's address in
        # Google Chrome, the supported one installed, not in the default.
        self.rig.start_pcscd()
        apps = os.path.join(self.root, "usr/share/applications")
        opened = {}
        for name, desktop_id in (("chrome", "google-chrome.desktop"), ("360", "360browser.desktop")):
            script = self.fx.path(f"{name}.sh")
            opened[name] = self.fx.path(f"{name}.opened")
            with open(script, "w") as f:
                f.write(f"#!/bin/sh\necho \"$@\" > {opened[name]}\n")
            os.chmod(script, 0o755)
            with open(os.path.join(apps, desktop_id), "w") as f:
                f.write(CHROME.replace("/usr/bin/true", script).replace("Google Chrome",
                                                                        "Google Chrome" if name == "chrome" else "360"))
        home = self.fx.path("home")
        os.makedirs(os.path.join(home, ".config"), exist_ok=True)
        with open(os.path.join(home, ".config", "mimeapps.list"), "w") as f:
            f.write("[Default Applications]\nx-scheme-handler/https=360browser.desktop\n")
        url = self.fx.start_server()
        app = self.launch(self.profile(url, "unsupported = 360browser\n"))
        self.press(app, "一键登录系统")
        try:
            wait_for("the platform opened", lambda: os.path.exists(opened["chrome"]), timeout=30)
        except AssertionError:
            self.shot("window-login-failed.png")
            raise
        with open(opened["chrome"]) as f:
            self.assertEqual(f.read().strip(), url)
        self.assertFalse(os.path.exists(opened["360"]))

    def focused(self, app):
        return pyatspi.findDescendant(app, lambda a: a is not None and a.getState().contains(pyatspi.STATE_FOCUSED))

    def key(self, keysym):
        pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
        time.sleep(0.1)

    def test_keyboard_alone(self):
        # With the keyboard alone: Tab reaches 无锁一键检测, Return runs it, the verdict comes;
        # Tab and Return then reach 证书显示's tab.
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        app = self.launch(self.profile(self.fx.start_server()))
        pyatspi.Registry.generateMouseEvent(400, 300, "abs")  # X gives the keyboard to the window under it
        TAB, RETURN, SPACE = 0xff09, 0xff0d, 0x20
        for _ in range(12):
            if (lambda f: f is not None and f.name == "无锁一键检测")(self.focused(app)):
                break
            self.key(TAB)
        self.assertEqual(self.focused(app).name, "无锁一键检测")
        self.key(RETURN)
        self.assertTrue(self.verdict(app)[0].startswith("结论："))
        for _ in range(16):
            if (lambda f: f is not None and f.name == "证书显示")(self.focused(app)):
                break
            self.key(TAB)
        self.assertEqual(self.focused(app).name, "证书显示")
        self.key(SPACE)
        wait_for("证书显示 by keyboard", lambda: showing(find(app, "panel", "证书显示")))

    def test_english_and_support(self):
        # English when the locale asks for it: the same window, the seed's words kept beside the
        # English; 客服 shows the profile's contact and what to send.
        self.rig.start_pcscd()
        button = "One-click check without the token (无锁一键检测)"
        app = self.launch(self.profile(self.fx.start_server()), language="en", check_button=button)
        self.press(app, button)
        lines = self.verdict_named(app, "Verdict")
        self.assertTrue(lines[0].startswith("Verdict: the check without the token (【无锁一键检测】) passed."), lines)
        self.press(app, "Support (客服)")
        dialog = wait_for("the 客服 message", lambda: find(pyatspi.Registry.getDesktop(0), "alert", None) or
                          find(pyatspi.Registry.getDesktop(0), "dialog", None))
        texts = [c.name for c in pyatspi.findAllDescendants(dialog, lambda a: a is not None and
                                                             a.getRoleName() == "label")]
        self.assertTrue(any("400-000-0000" in t and "tokendoctor check --json" in t for t in texts), texts)

    def open_page(self, app, title):
        tab = find(app, "radio button", title) or find(app, "toggle button", title)
        self.assertIsNotNone(tab, title)
        tab.queryAction().doAction(0)
        return wait_for(title, lambda: (lambda p: p if showing(p) else None)(find(app, "panel", title)))

    def sign_rows(self, page):
        results = find(page, "list box", "签名测试结果")
        return [row.name for row in results if row is not None and row.getRoleName() == "list item"]

    def test_signing_test_with_the_pin(self):
        # The PIN in a masked dialog, the signature made on the token and verified.
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        app = self.launch(self.profile(self.fx.start_server()))
        page = self.open_page(app, "签名测试")
        self.press(page, "开始签名测试")
        dialog = wait_for("the PIN dialog", lambda: find(pyatspi.Registry.getDesktop(0), "dialog", "输入 PIN 码"))
        entry = find(dialog, "password text", "PIN 码")
        self.assertIsNotNone(entry, "the PIN entry is masked")
        entry.queryEditableText().setTextContents("123456")
        self.shot("window-pin-dialog.png")
        find(dialog, "push button", "确定").queryAction().doAction(0)
        rows = wait_for("the signing test's result", lambda: (lambda rs: rs if any(
            r.startswith(("通过 签名测试", "需处理 签名测试", "无法检测 签名测试")) for r in rs) else None)(self.sign_rows(page)))
        self.assertTrue(any(r.startswith("通过 签名测试：") for r in rows), rows)
        self.assertTrue(any(c.name == "这个 CA 锁的密钥可以正常签名。" for c in page if c is not None), rows)
        self.shot("window-signing-test.png")
        # Nothing the window wrote in the user's home holds the PIN.
        for dirpath, _, names in os.walk(self.fx.path("home")):
            for name in names:
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as f:
                        self.assertNotIn(b"123456", f.read(), path)

    def test_signing_test_refuses_the_last_try(self):
        # One try left: the test stops before asking for the PIN, and says why.
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1], tries=1)
        app = self.launch(self.profile(self.fx.start_server()))
        page = self.open_page(app, "签名测试")
        self.press(page, "开始签名测试")
        rows = wait_for("the refusal", lambda: (lambda rs: rs if any(r.startswith("需处理 签名测试") for r in rs)
                                                else None)(self.sign_rows(page)))
        self.assertIsNone(find(pyatspi.Registry.getDesktop(0), "dialog", "输入 PIN 码"))
        row = next(r for r in rows if r.startswith("需处理 签名测试"))
        self.assertIn("最后一次", row)

    def token_line(self, app):
        panel = find(app, "panel", "CA 锁")
        return next((c.name for c in panel if c is not None and c.getRoleName() == "label"), None)

    def test_token_watched_live(self):
        # Plugging and pulling the token shows at once, and 插锁一键检测 waits for a token.
        self.rig.start(cert_9c=self.cert[0], key_9c=self.cert[1])
        tdrig.make_usb_root(self.root)
        app = self.launch(self.profile(self.fx.start_server()))
        with_token = find(app, "push button", "插锁一键检测")
        wait_for("the token seen", lambda: (self.token_line(app) or "").startswith("已插入 CA 锁"))
        self.assertTrue(with_token.getState().contains(pyatspi.STATE_ENABLED))
        self.rig.control("remove")
        wait_for("the token gone", lambda: (self.token_line(app) or "").startswith("没有插入 CA 锁"), timeout=15)
        wait_for("插锁一键检测 disabled", lambda: not with_token.getState().contains(pyatspi.STATE_ENABLED))
        self.shot("window-token-pulled.png")
        self.rig.control("insert")
        wait_for("the token back", lambda: (self.token_line(app) or "").startswith("已插入 CA 锁"), timeout=15)
        wait_for("插锁一键检测 enabled", lambda: with_token.getState().contains(pyatspi.STATE_ENABLED))
        # After a 插锁 run, pulling the token says its results are of the token as it was.
        self.press(app, "插锁一键检测")
        self.verdict(app)
        self.rig.control("remove")
        wait_for("the results marked as of the token that was there",
                 lambda: "请重新做【插锁一键检测】" in (self.token_line(app) or ""), timeout=15)

    def test_closing_the_window_ends_the_program(self):
        # After a run, the close button ends the program cleanly (under the sanitizer build:
        # no leak, no error of ours on the way out).
        self.rig.start_pcscd()
        app = self.launch(self.profile(self.fx.start_server()))
        self.press(app, "无锁一键检测")
        self.verdict(app)
        find(app, "push button", "关闭").queryAction().doAction(0)
        rc = self.app.wait(timeout=30)
        errors = self.app.stderr.read()
        self.assertEqual(rc, 0, errors[-6000:])
        self.assertNotIn("Sanitizer", errors)
        self.assertNotIn("CRITICAL", errors)

    def test_a_hanging_check_leaves_the_window_answering(self):
        self.rig.start_pcscd()
        app = self.launch(self.profile(self.fx.start_server("--hang")))
        self.press(app, "无锁一键检测")
        cancel = wait_for("the cancel button", lambda: (lambda b: b if showing(b) else None)(
            find(app, "push button", "取消")))
        # While the platform server hangs, the window answers every question at once: the main
        # loop is never the one waiting.
        slowest = 0.0
        for _ in range(20):
            start = time.monotonic()
            progress = find(app, "progress bar", "进度")
            self.assertIsNotNone(progress)
            self.assertTrue(cancel.getState().contains(pyatspi.STATE_ENABLED))
            slowest = max(slowest, time.monotonic() - start)
            time.sleep(0.1)
        self.assertLess(slowest, 1.0)
        self.assertFalse(showing(find(app, "panel", "结论")))  # still running: no verdict yet
        start = time.monotonic()
        cancel.queryAction().doAction(0)
        lines = self.verdict(app)
        self.assertLess(time.monotonic() - start, 5.0)
        self.assertEqual(lines[0], "结论：检测被中断，没有做完，请重新检测。", lines)


if __name__ == "__main__":
    unittest.main(verbosity=2)
