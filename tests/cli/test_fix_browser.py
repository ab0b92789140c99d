#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`tokendoctor fix` and `undo` for the two unprivileged browser repairs, on fixture homes:

- browser.default: the user's mimeapps.list (or the desktop's own file that overrides it) made to
  name a supported browser;
- browser.trust: the platform's CA imported with the real certutil into real NSS databases
  (Chromium's made first where there is none).

Each repair: the check fails; --dry-run shows the plan and changes nothing; without --yes and
without a terminal nothing changes (exit 64); --yes makes the check pass with the files changed
as planned; undo puts the whole home back byte for byte (contents, modes, no new directories); a
second undo has nothing to undo. A repair that fails half way leaves everything as it was.
"""
import fcntl
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import unittest

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tdfixture  # noqa: E402

CERTUTIL = "/usr/bin/certutil"
SCHEMA_FILE = os.path.join(os.environ.get("TD_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."),
                           "data", "report.schema.json")
with open(SCHEMA_FILE, encoding="utf-8") as f:
    SCHEMA = json.load(f)
# The results a fix document carries (before, after) are check results: the same schema.
RESULT_VALIDATOR = jsonschema.Draft202012Validator({"$ref": "#/$defs/result", "$defs": SCHEMA["$defs"]})
CHECK_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
JOURNAL_ID = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9.-]+-[0-9a-f]{6}$")

WEB = "MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;\n"


def entry(name, extra=""):
    return f"[Desktop Entry]\nType=Application\nName={name}\nExec=/usr/bin/true %U\n{extra}{WEB}"


def snapshot(top):
    """Every directory, file and link under @top: type, mode, and the bytes or link target."""
    tree = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                with open(path, "rb") as f:
                    tree[rel] = ("file", stat.S_IMODE(st.st_mode), f.read())
    return tree


class FixBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CERTUTIL, os.X_OK):
            raise unittest.SkipTest(f"{CERTUTIL} missing: install libnss3-tools (scripts/bootstrap does)")
        cls.fx = tdfixture.Fixture()
        ca = cls.fx.path("platform-ca")
        subprocess.run([tdfixture.MKCERT, "ca", "--subject", "C=CN, O=测试平台, CN=测试平台根证书",
                        "--out", ca], check=True)
        cls.ca = ca + ".pem"

    @classmethod
    def tearDownClass(cls):
        cls.fx.close()

    def setUp(self):
        name = self.id().rsplit(".", 1)[-1]
        self.base = self.fx.path(name)
        self.root = os.path.join(self.base, "root")
        self.home = os.path.join(self.base, "home")
        self.state = os.path.join(self.base, "state")
        os.makedirs(os.path.join(self.root, "usr/share/applications"))
        os.makedirs(self.home)
        self.profile = os.path.join(self.base, "platform.ini")
        with open(self.profile, "w", encoding="utf-8") as f:
            f.write(f"[platform]\nname = 测试平台\nurl = https://127.0.0.1:1/\n[ca]\ncert = {self.ca}\n"
                    "[browsers]\nsupported = google-chrome:90, chromium:90, firefox:100\n"
                    "unsupported = 360browser, qqbrowser\n")
        self.extra_env = {}

    # --- helpers ------------------------------------------------------------------------------
    def env(self):
        return {"HOME": self.home, "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
                "XDG_DATA_HOME": os.path.join(self.home, ".local/share"), "XDG_STATE_HOME": self.state,
                "LANG": "C.UTF-8", **self.extra_env}

    def install(self, desktop_id, text):
        with open(os.path.join(self.root, "usr/share/applications", desktop_id), "w", encoding="utf-8") as f:
            f.write(text)

    def write(self, rel, text, mode=None):
        path = os.path.join(self.home, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def td(self, *args, tty_less=False):
        """tokendoctor with the fixture's environment; tty_less: in a new session, stdin /dev/null."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "*", **tdfixture.UNINSTALLED,
               **self.env()}
        return subprocess.run([tdfixture.TOKENDOCTOR, *args], env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL, start_new_session=tty_less)

    def common(self, check_id):
        return ["--root", self.root, "--profile", self.profile] if check_id else []

    def check(self, check_id, expect_rc):
        p = self.td("check", "--json", "--only", check_id, *self.common(check_id))
        doc = json.loads(p.stdout)
        CHECK_VALIDATOR.validate(doc)
        self.assertEqual(p.returncode, expect_rc, f"{p.stdout}\n{p.stderr}")
        return next(r for r in doc["results"] if r["id"] == check_id)

    def fix_json(self, check_id, *extra, expect_rc):
        p = self.td("fix", check_id, "--json", *extra, *self.common(check_id))
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            self.fail(f"no JSON from fix: rc={p.returncode}\n{p.stdout}\n{p.stderr}")
        self.assertEqual(p.returncode, expect_rc, f"{p.stdout}\n{p.stderr}")
        self.assertEqual(len(doc["fixes"]), 1)
        item = doc["fixes"][0]
        self.assertEqual(item["id"], check_id)
        for key in ("before", "after"):
            if item[key] is not None:
                RESULT_VALIDATOR.validate(item[key])
        return doc, item

    def assertSameTree(self, before, after):
        if before != after:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            self.fail("the home differs: " + ", ".join(
                f"{k}: {before.get(k, 'absent')!r:.120} -> {after.get(k, 'absent')!r:.120}" for k in changed))

    def assert_dry_run_and_refusals(self, check_id):
        """--dry-run and a run without --yes nor a terminal: the plan, and no change at all."""
        before = snapshot(self.home)
        p = self.td("fix", check_id, "--dry-run", *self.common(check_id))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(f"Repair {check_id}", p.stdout)
        self.assertSameTree(before, snapshot(self.home))
        doc, item = self.fix_json(check_id, "--dry-run", expect_rc=0)
        self.assertTrue(doc["dry_run"])
        self.assertEqual(item["status"], "planned")
        self.assertIsNone(item["outcome"])
        self.assertSameTree(before, snapshot(self.home))
        p = self.td("fix", check_id, *self.common(check_id), tty_less=True)
        self.assertEqual(p.returncode, 64, p.stdout + p.stderr)
        self.assertIn("--yes", p.stderr)
        self.assertSameTree(before, snapshot(self.home))
        self.assertFalse(os.path.exists(os.path.join(self.state, "tokendoctor/journal")) and
                         os.listdir(os.path.join(self.state, "tokendoctor/journal")))
        return doc["fixes"][0]["plan"]

    def assert_undo(self, before, journal):
        p = self.td("undo", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        undo = json.loads(p.stdout)["undo"]
        self.assertEqual(undo["status"], "undone")
        self.assertEqual(undo["journal"], journal)
        self.assertSameTree(before, snapshot(self.home))
        p = self.td("undo")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no repair to undo", p.stderr)
        self.assertSameTree(before, snapshot(self.home))

    # --- browser.default ----------------------------------------------------------------------------
    def browsers(self):
        self.install("google-chrome.desktop", entry("Google Chrome", "Name[zh_CN]=谷歌浏览器\n"))
        self.install("360browser.desktop", entry("360 Browser"))

    def test_default_fix_cycle(self):
        self.browsers()
        before_text = ("# mine\r\n[Added Associations]\r\nx-scheme-handler/https=360browser.desktop;\r\n\r\n"
                       "[Default Applications]\r\nx-scheme-handler/https=360browser.desktop\r\n"
                       "text/plain=org.gnome.gedit.desktop\r\n")
        path = self.write(".config/mimeapps.list", before_text, mode=0o600)
        self.write(".config/other.conf", "left alone\n")
        result = self.check("browser.default", 2)
        self.assertEqual(result["cause"], "browser.unsupported")
        self.assertEqual(result["fix"], {"id": "browser.default", "privileged": False,
                                         "summary": "Make a browser the platform supports the default browser"})
        self.assertEqual(result["details"]["candidate"], {"id": "google-chrome.desktop", "name": "Google Chrome"})
        # The last three lines: not yet, the command that repairs it (for this copy and profile), 客服.
        for lang, verdict, step, contact in (
                ("zh_CN.UTF-8", "结论：有 1 项需要处理", "下一步：请运行“tokendoctor fix browser.default",
                 "平台客服：平台首页的【客服】图标。"),
                ("C.UTF-8", "Verdict: 1 problem needs attention", "Next: run “tokendoctor fix browser.default",
                 "Platform 客服: the 【客服】 icon on the platform's home page;")):
            self.extra_env = {"LANG": lang}
            p = self.td("check", "--only", "browser.default", *self.common("browser.default"))
            tail = tdfixture.verdict_tail(p.stdout)
            self.assertEqual(len(tail), 3, p.stdout)
            self.assertTrue(tail[0].startswith(verdict), tail)
            self.assertTrue(tail[1].startswith(step), tail)
            self.assertIn(f" --root {self.root} --profile {self.profile}”", tail[1])
            self.assertTrue(tail[2].startswith(contact), tail)
        self.extra_env = {}
        before = snapshot(self.home)

        plan = self.assert_dry_run_and_refusals("browser.default")
        self.assertFalse(plan["privileged"])
        self.assertEqual(len(plan["changes"]), 1)
        change = plan["changes"][0]
        expected = ("# mine\r\n[Added Associations]\r\nx-scheme-handler/https=360browser.desktop;\r\n\r\n"
                    "[Default Applications]\r\nx-scheme-handler/https=google-chrome.desktop\r\n"
                    "text/plain=org.gnome.gedit.desktop\r\nx-scheme-handler/http=google-chrome.desktop\r\n"
                    "text/html=google-chrome.desktop\r\n")
        self.assertEqual(change["kind"], "write-file")
        self.assertEqual(change["path"], path)
        self.assertEqual(change["mode"], 0o600)
        self.assertEqual(change["content"], expected)

        doc, item = self.fix_json("browser.default", "--yes", expect_rc=0)
        self.assertEqual(item["status"], "repaired")
        self.assertEqual(item["plan"]["changes"], plan["changes"])
        journal = item["outcome"]["journal"]
        self.assertRegex(journal, JOURNAL_ID)
        self.assertEqual(item["outcome"]["changes_made"], 1)
        self.assertEqual(item["after"]["status"], "pass")
        self.assertTrue(os.path.isdir(os.path.join(self.state, "tokendoctor/journal", journal)))
        # Exactly the planned change: that file, its bytes as planned, its mode kept.
        after = snapshot(self.home)
        self.assertEqual(after[".config/mimeapps.list"], ("file", 0o600, expected.encode()))
        del after[".config/mimeapps.list"], before[".config/mimeapps.list"]
        self.assertSameTree(before, after)
        before[".config/mimeapps.list"] = ("file", 0o600, before_text.encode())
        result = self.check("browser.default", 0)
        self.assertEqual(result["details"]["default"]["id"], "google-chrome.desktop")
        self.assertIsNone(result["fix"])

        self.assert_undo(before, journal)
        self.check("browser.default", 2)

    def test_default_fix_new_file_and_directory(self):
        """No ~/.config at all: the file and its directory are made, and undo takes both away."""
        self.browsers()
        os.makedirs(os.path.join(self.root, "etc/xdg"))
        with open(os.path.join(self.root, "etc/xdg/mimeapps.list"), "w") as f:
            f.write("[Default Applications]\nx-scheme-handler/https=360browser.desktop\n")
        self.check("browser.default", 2)
        before = snapshot(self.home)
        p = self.td("fix", "browser.default", "--yes", *self.common("browser.default"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("The check passes now.", p.stdout)
        journal = re.search(r"journal (\S+);", p.stdout).group(1)
        after = snapshot(self.home)
        self.assertEqual(after[".config/mimeapps.list"][:2], ("file", 0o644))
        self.assertEqual(set(after) - set(before), {".config", ".config/mimeapps.list"})
        self.check("browser.default", 0)
        self.assert_undo(before, journal)

    def test_default_fix_desktop_file(self):
        """A desktop's own file (UOS, deepin, GNOME) overrides mimeapps.list: it is the one changed."""
        self.browsers()
        self.extra_env["XDG_CURRENT_DESKTOP"] = "Deepin"
        self.write(".config/mimeapps.list", "[Default Applications]\nx-scheme-handler/https=google-chrome.desktop\n")
        desktop = self.write(".config/deepin-mimeapps.list",
                             "[Default Applications]\nx-scheme-handler/https=360browser.desktop\n")
        result = self.check("browser.default", 2)
        self.assertEqual(result["details"]["default"]["file"], desktop)
        before = snapshot(self.home)
        doc, item = self.fix_json("browser.default", "--yes", expect_rc=0)
        self.assertEqual(item["plan"]["changes"][0]["path"], desktop)
        self.assertEqual(item["status"], "repaired")
        after = snapshot(self.home)
        self.assertEqual(after[".config/mimeapps.list"], before[".config/mimeapps.list"])
        self.assertNotEqual(after[".config/deepin-mimeapps.list"], before[".config/deepin-mimeapps.list"])
        self.assertEqual(self.check("browser.default", 0)["details"]["default"]["file"], desktop)
        self.assert_undo(before, item["outcome"]["journal"])

    def test_default_no_supported_browser(self):
        """Nothing the platform supports is installed: no repair is offered, the advice says to install one."""
        self.install("360browser.desktop", entry("360 Browser"))
        self.write(".config/mimeapps.list", "[Default Applications]\nx-scheme-handler/https=360browser.desktop\n")
        result = self.check("browser.default", 2)
        self.assertIsNone(result["fix"])
        self.assertNotIn("candidate", result["details"])
        before = snapshot(self.home)
        doc, item = self.fix_json("browser.default", "--yes", expect_rc=2)
        self.assertEqual(item["status"], "no-repair")
        self.assertIsNone(item["plan"])
        self.assertSameTree(before, snapshot(self.home))

    # --- browser.trust ---------------------------------------------------------------------------------
    def make_db(self, rel):
        path = os.path.join(self.home, rel)
        os.makedirs(path, exist_ok=True)
        subprocess.run([CERTUTIL, "-N", "--empty-password", "-d", "sql:" + path], check=True)
        return path

    def firefox_profiles(self, *names):
        self.install("firefox.desktop", entry("Firefox"))
        self.write(".mozilla/firefox/profiles.ini", "[General]\nStartWithLastProfile=1\n\n" + "".join(
            f"[Profile{i}]\nName={n}\nIsRelative=1\nPath={n}.default\n\n" for i, n in enumerate(names)))
        return [self.make_db(f".mozilla/firefox/{n}.default") for n in names]

    def listing(self, db):
        return subprocess.run([CERTUTIL, "-L", "-d", "sql:" + db], capture_output=True, text=True,
                              check=True).stdout

    def test_trust_fix_cycle_new_chromium_db(self):
        """Chrome never started: its database is made (0700), the CA trusted in it; undo removes it all."""
        self.install("google-chrome.desktop", entry("Google Chrome"))
        self.write(".config/keep", "x\n")
        result = self.check("browser.trust", 2)
        self.assertEqual(result["cause"], "trust.missing")
        self.assertFalse(result["fix"]["privileged"])
        self.assertEqual(result["details"]["certutil"], CERTUTIL)
        self.assertEqual(result["details"]["readers"], ["chromium"])
        before = snapshot(self.home)

        plan = self.assert_dry_run_and_refusals("browser.trust")
        nssdb = os.path.join(self.home, ".pki/nssdb")
        files = [f"{nssdb}/cert9.db", f"{nssdb}/key4.db", f"{nssdb}/pkcs11.txt"]
        self.assertEqual([c["kind"] for c in plan["changes"]], ["run", "run"])
        self.assertEqual(plan["changes"][0]["argv"], [CERTUTIL, "-N", "--empty-password", "-d", "sql:" + nssdb])
        self.assertEqual(plan["changes"][1]["argv"], [CERTUTIL, "-A", "-d", "sql:" + nssdb, "-n",
                                                      "测试平台根证书 (tokendoctor)", "-t", "C,,", "-i",
                                                      os.path.realpath(self.ca)])
        for c in plan["changes"]:
            self.assertEqual(c["paths"], files)
            self.assertFalse(c["privileged"])
        self.assertIsNotNone(plan["afterwards"])

        doc, item = self.fix_json("browser.trust", "--yes", expect_rc=0)
        self.assertEqual(item["status"], "repaired")
        self.assertEqual(item["outcome"]["changes_made"], 2)
        journal = item["outcome"]["journal"]
        self.assertRegex(journal, JOURNAL_ID)
        after = snapshot(self.home)
        self.assertEqual(after[".pki"], ("dir", 0o700))
        self.assertEqual(after[".pki/nssdb"], ("dir", 0o700))
        self.assertEqual(set(after) - set(before),
                         {".pki", ".pki/nssdb", ".pki/nssdb/cert9.db", ".pki/nssdb/key4.db", ".pki/nssdb/pkcs11.txt"})
        self.assertRegex(self.listing(nssdb), r"测试平台根证书 \(tokendoctor\) +C,,")
        result = self.check("browser.trust", 0)
        self.assertEqual(result["details"]["databases"][0]["state"], "trusted")

        self.assert_undo(before, journal)
        self.assertFalse(os.path.exists(os.path.join(self.home, ".pki")))
        self.check("browser.trust", 2)

    def test_trust_fix_existing_dbs(self):
        """Existing databases: each one lacking the CA gets it, other trust kept; undo restores the bytes."""
        self.install("google-chrome.desktop", entry("Google Chrome"))
        chromium = self.make_db(".local/share/pki/nssdb")
        subprocess.run([CERTUTIL, "-A", "-d", "sql:" + chromium, "-n", "platform mail", "-t", ",C,", "-i",
                        self.ca], check=True)
        firefox, = self.firefox_profiles("default")
        self.assertEqual(self.check("browser.trust", 2)["details"]["readers"], ["chromium", "firefox"])
        before = snapshot(self.home)
        doc, item = self.fix_json("browser.trust", "--yes", expect_rc=0)
        self.assertEqual(item["status"], "repaired")
        argvs = [c["argv"] for c in item["plan"]["changes"]]
        self.assertEqual([a[3] for a in argvs], ["sql:" + chromium, "sql:" + firefox])
        self.assertEqual([a[7] for a in argvs], ["C,C,", "C,,"])
        self.assertIn("Firefox must be closed", item["plan"]["changes"][1]["summary"])
        self.assertRegex(self.listing(chromium), r"platform mail +C,C,")
        self.assertRegex(self.listing(firefox), r"\(tokendoctor\) +C,,")
        now = snapshot(self.home)
        changed = {k for k in before if now.get(k) != before[k]}
        self.assertTrue(changed <= {f"{d}/{n}" for d in (".local/share/pki/nssdb", ".mozilla/firefox/default.default")
                                    for n in ("cert9.db", "key4.db", "pkcs11.txt")}, changed)
        self.assertIn(".mozilla/firefox/default.default/cert9.db", changed)
        self.check("browser.trust", 0)
        self.assert_undo(before, item["outcome"]["journal"])

    def test_trust_fix_fails_half_way(self):
        """Chrome never started and two Firefox profiles, the second's database locked by a writer (as a
        running Firefox does): Chromium's database is made, the CA goes into it and the first profile,
        the second import fails, and all of it is taken back: nothing changed, no directory left."""
        self.install("google-chrome.desktop", entry("Google Chrome"))
        first, second = self.firefox_profiles("one", "two")
        self.check("browser.trust", 2)
        before = snapshot(self.home)
        db = sqlite3.connect(os.path.join(second, "cert9.db"), isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")  # a write lock: readers go on, certutil cannot write
            doc, item = self.fix_json("browser.trust", "--yes", expect_rc=2)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(item["status"], "failed")
        outcome = item["outcome"]
        self.assertEqual(outcome["changes_made"], 3)
        self.assertEqual(outcome["failed_change"], 3)
        self.assertEqual(item["plan"]["changes"][3]["argv"][3], "sql:" + second)
        self.assertTrue(outcome["rolled_back"])
        self.assertFalse(outcome["rollback_failed"])
        self.assertIn("certutil", outcome["error"])
        self.assertIn("Firefox must be closed", item["plan"]["changes"][3]["summary"])
        # The error names the step that failed, and with it what to do: close Firefox.
        self.assertIn("Step 4 (", outcome["error"])
        self.assertIn("Firefox must be closed", outcome["error"])
        self.assertFalse(os.path.exists(os.path.join(self.home, ".pki")))
        self.assertIsNone(item["after"])
        self.assertSameTree(before, snapshot(self.home))
        self.assertNotIn("tokendoctor", self.listing(first))
        # Rolled back, not in force: there is nothing to undo.
        p = self.td("undo")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.check("browser.trust", 2)
        # In text, the same failure says that nothing was changed.
        db = sqlite3.connect(os.path.join(second, "cert9.db"), isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            p = self.td("fix", "browser.trust", "--yes", *self.common("browser.trust"))
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("Nothing was changed", p.stdout)
        self.assertRegex(p.stdout, r"the repair failed: Step 4 \(.*Firefox must be closed\)")
        self.assertSameTree(before, snapshot(self.home))

    def test_trust_fix_firefox_open(self):
        """A running Firefox holds .parentlock: the repair is refused before anything, saying to close it."""
        profile, = self.firefox_profiles("default")
        lock_path = os.path.join(profile, ".parentlock")
        open(lock_path, "w").close()
        self.check("browser.trust", 2)
        before = snapshot(self.home)
        with open(lock_path, "r+") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            doc, item = self.fix_json("browser.trust", "--yes", expect_rc=2)
            p = self.td("fix", "browser.trust", "--yes", *self.common("browser.trust"))
        self.assertEqual(item["status"], "cannot")
        self.assertIn("close every Firefox window", item["why"])
        self.assertIsNone(item["outcome"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("close every Firefox window", p.stdout)
        self.assertSameTree(before, snapshot(self.home))
        # Closed: the repair goes through.
        doc, item = self.fix_json("browser.trust", "--yes", expect_rc=0)
        self.assertEqual(item["status"], "repaired")

    def test_trust_not_offered_without_certutil_target(self):
        """Firefox alone and never started: no database to import into, so no repair is offered."""
        self.install("firefox.desktop", entry("Firefox"))
        result = self.check("browser.trust", 2)
        self.assertIsNone(result["fix"])
        doc, item = self.fix_json("browser.trust", "--yes", expect_rc=2)
        self.assertEqual(item["status"], "no-repair")


if __name__ == "__main__":
    unittest.main(verbosity=2)
