#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tokendoctor program as users and scripts meet it: JSON, exit codes, text output,
bad arguments and bad profiles, the --timeout promise."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tdfixture  # noqa: E402
from tdfixture import run_tokendoctor  # noqa: E402

SYSTEM_CHECKS = ["os.release", "os.locale", "os.fonts", "net.platform", "time.clock"]
# The system checks alone: the PC/SC and token checks have their own tests on the token rig.
SYSTEM_ONLY = ",".join(SYSTEM_CHECKS)
SCHEMA_FILE = os.path.join(os.environ.get("TD_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."),
                           "data", "report.schema.json")
with open(SCHEMA_FILE, encoding="utf-8") as f:
    SCHEMA = json.load(f)
jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def kind_validator(kind):
    """The schema narrowed to one kind of document, so errors point into it."""
    narrowed = {k: v for k, v in SCHEMA.items() if k != "oneOf"}
    narrowed["$ref"] = f"#/$defs/{kind}_document"
    return jsonschema.Draft202012Validator(narrowed)


KIND_VALIDATORS = {kind: kind_validator(kind) for kind in ("check", "list", "error")}
RESULT_KEYS = {"id", "category", "status", "title", "message", "cause", "fix", "details", "duration_ms"}


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = tdfixture.Fixture()
        cls.healthy_root = cls.fx.make_root("healthy")
        cls.url = cls.fx.start_server()
        cls.profile = cls.fx.make_profile("healthy", cls.url)

    @classmethod
    def tearDownClass(cls):
        cls.fx.close()

    def check_json(self, *args, root=None, profile=None, env=None, expect_rc=None, only=SYSTEM_ONLY):
        argv = ["check", "--json", "--profile", profile or self.profile, "--root", root or self.healthy_root,
                *(["--only", only] if only else []), *args]
        p = run_tokendoctor(*argv, env=env)
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError as e:
            self.fail(f"no JSON on stdout ({e}); rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}")
        # Every check document this file makes must follow data/report.schema.json.
        self.assertSchema(doc)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, f"stdout={p.stdout}\nstderr={p.stderr}")
        return p, doc

    def assertSchema(self, doc):
        kind = "error" if "error" in doc else "list" if "checks" in doc else "check"
        errors = sorted(KIND_VALIDATORS[kind].iter_errors(doc), key=lambda e: list(e.absolute_path))
        if not errors and not VALIDATOR.is_valid(doc):
            self.fail(f"a {kind} document that the schema's oneOf refuses: {doc}")
        if errors:
            self.fail("document does not follow report.schema.json:\n" + "\n".join(
                f"  at {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]))

    @staticmethod
    def by_id(doc):
        return {r["id"]: r for r in doc["results"]}

    # --- the contract's JSON object ---------------------------------------------------
    def test_libraries_loaded_only_for_the_checks_that_need_them(self):
        # libcurl (and its thirty libraries) and fontconfig (freetype, libpng...) cost
        # milliseconds at every start: a run without a network or font check must not map them;
        # the checks that use them must, and work.
        def loaded(*args):
            env = dict(os.environ, LD_DEBUG="files")
            p = run_tokendoctor(*args, env=env)
            return p, "libcurl.so" in p.stderr, "libfontconfig.so" in p.stderr
        p, curl, fc = loaded("list", "--json")
        self.assertEqual(p.returncode, 0)
        self.assertFalse(curl, "tokendoctor list loaded libcurl")
        self.assertFalse(fc, "tokendoctor list loaded fontconfig")
        for check, lib in (("net.platform", 1), ("os.fonts", 2)):
            p, *libs = loaded("check", "--json", "--root", self.healthy_root, "--only", check, "--profile", self.profile)
            self.assertTrue(libs[lib - 1], f"{check} ran without its library?")
            self.assertFalse(libs[2 - lib], f"{check} loaded the other library")
            results = {r["id"]: r for r in json.loads(p.stdout)["results"]}
            self.assertEqual(results[check]["status"], "pass", p.stdout)

    def test_runs_straight_from_the_build_tree(self):
        # No TOKENDOCTOR_* variables, another working directory: the program finds the build's
        # profile and translations from where it runs, as the installed one finds its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENDOCTOR_")}
        env["LANG"] = "zh_CN.UTF-8"
        p = subprocess.run([tdfixture.TOKENDOCTOR, "check", "--no-token", "--json", "--only", "os.release"],
                           env=env, cwd="/", capture_output=True, text=True, timeout=60)
        self.assertIn(p.returncode, (0, 1, 2), p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["profile"], "shouzheng")
        release = next(r for r in doc["results"] if r["id"] == "os.release")
        self.assertEqual(release["title"], "操作系统和处理器")  # the build's zh_CN catalogue

    def test_list_json(self):
        p = run_tokendoctor("list", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["schema"], 1)
        checks = doc["checks"]
        ids = [c["id"] for c in checks]
        for cid in SYSTEM_CHECKS:
            self.assertIn(cid, ids)
        self.assertEqual(len(ids), len(set(ids)))
        for c in checks:
            self.assertIsInstance(c["needs_token"], bool)
            self.assertIsInstance(c["can_fix"], bool)
            self.assertTrue(c["title"])
        self.assertTrue(next(c for c in checks if c["id"] == "os.locale")["can_fix"])

    def test_healthy_system_passes(self):
        p, doc = self.check_json("--no-token", expect_rc=0)
        self.assertEqual(doc["tool"], "tokendoctor")
        self.assertEqual(doc["profile"], "healthy")
        self.assertRegex(doc["started"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsInstance(doc["duration_ms"], int)
        list_ids = [c["id"] for c in json.loads(run_tokendoctor("list", "--json").stdout)["checks"]]
        self.assertEqual([r["id"] for r in doc["results"]], list_ids)  # every check, once
        for r in doc["results"]:
            self.assertTrue(RESULT_KEYS <= set(r), r)
            self.assertIn(r["status"], ("pass", "skip"), r)
            self.assertIsNone(r["cause"])
            self.assertIsNone(r["fix"])
        results = self.by_id(doc)
        for cid in SYSTEM_CHECKS:
            self.assertEqual(results[cid]["status"], "pass", results[cid])
        self.assertEqual(doc["summary"]["pass"], len(SYSTEM_CHECKS))
        for cid, r in results.items():
            if cid not in SYSTEM_CHECKS:
                self.assertEqual(r["details"].get("skip_reason"), "not-selected", r)
        self.assertEqual(sum(doc["summary"].values()), len(doc["results"]))
        self.assertIsInstance(results["net.platform"]["details"]["urls"][0]["tls_ms"], int)

    def test_broken_system_names_every_problem(self):
        fx = self.fx
        old = 'ID=debian\nVERSION_ID="9"\nPRETTY_NAME="Debian GNU/Linux 9 (stretch)"\n'
        root = fx.make_root("broken", os_release=old, locales=("zh_TW.UTF-8",), font=tdfixture.LATIN_FONT)
        skewed = fx.start_server("--date-offset", "7200")
        profile = fx.make_profile("skewed", skewed)
        p, doc = self.check_json("--no-token", root=root, profile=profile, env={"LANG": "zh_TW.UTF-8"},
                                 expect_rc=2)
        results = self.by_id(doc)
        self.assertEqual(results["os.release"]["cause"], "os.unsupported")
        self.assertEqual(results["os.locale"]["cause"], "locale.traditional")
        self.assertEqual(results["os.fonts"]["cause"], "fonts.no-cjk")
        self.assertEqual(results["time.clock"]["cause"], "time.skew")
        self.assertEqual(results["net.platform"]["status"], "pass")
        for cid in ("os.release", "os.locale", "os.fonts", "time.clock"):
            self.assertEqual(results[cid]["status"], "fail")
            self.assertTrue(results[cid]["message"])
            self.assertTrue(results[cid]["advice"])
        # An offer is made only where `fix` performs it: a Traditional Chinese locale is the user's
        # choice (advice only), and a package or a service of a copy under --root is not ours to change.
        for cid in ("os.release", "os.locale", "os.fonts", "time.clock"):
            self.assertIsNone(results[cid]["fix"], cid)
        self.assertEqual(doc["summary"]["fail"], 4)

    # --- the verdict: the last lines say whether to renew, what next, whom to ask -------------
    def test_verdict_lines(self):
        profile = self.fx.make_profile("verdict", self.url, "[support]\ncontact = 400-000-0000（工作日）\n")
        # Healthy, the named checks only: passed, but not the whole check.
        p = run_tokendoctor("check", "--profile", profile, "--root", self.healthy_root, "--only", "os.release,os.fonts")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(tdfixture.verdict_tail(p.stdout), ["结论：这次只检测了部分项目，都已通过；办理【CA 续期】前请做"
                                                             "完整的检测（“tokendoctor check”）。"])
        _, doc = self.check_json(profile=profile, only="os.release,os.fonts", expect_rc=0)
        self.assertEqual(doc["verdict"]["code"], "partial")
        self.assertEqual(doc["verdict"]["contact"], "400-000-0000（工作日）")

        # Broken, nothing tokendoctor repairs: not yet, follow the advice, and 客服's contact with
        # what to send, as the last three lines, in Chinese and in English.
        old = 'ID=debian\nVERSION_ID="9"\nPRETTY_NAME="Debian GNU/Linux 9 (stretch)"\n'
        root = self.fx.make_root("verdict-broken", os_release=old, font=tdfixture.LATIN_FONT)
        for lang, expected in (
                ("zh_CN.UTF-8", ["结论：有 2 项需要处理，处理好之前请不要办理【CA 续期】。",
                                 "下一步：操作系统和处理器、中文字体请按上面的【建议修复项】处理。",
                                 "平台客服：400-000-0000（工作日）。找客服帮忙时，请把“tokendoctor check --json > "
                                 "tokendoctor.json”保存的 tokendoctor.json 文件发给客服。"]),
                ("C.UTF-8", ["Verdict: 2 problems need attention; do not start 【CA 续期】 (CA renewal) before "
                             "they are dealt with.",
                             "Next: for Operating system and processor, Chinese fonts, do what 【建议修复项】 says "
                             "above.",
                             "Platform 客服: 400-000-0000（工作日）; when you ask them for help, send the file "
                             "tokendoctor.json that “tokendoctor check --json > tokendoctor.json” saves."])):
            p = run_tokendoctor("check", "--profile", profile, "--root", root, "--only", "os.release,os.fonts",
                                env={"LANG": lang})
            self.assertEqual(p.returncode, 2)
            self.assertEqual(tdfixture.verdict_tail(p.stdout), expected)
        _, doc = self.check_json(root=root, profile=profile, only="os.release,os.fonts", expect_rc=2)
        self.assertEqual(doc["verdict"]["code"], "problems")
        self.assertEqual([(x["id"], x["next"]) for x in doc["verdict"]["problems"]],
                         [("os.release", "support"), ("os.fonts", "support")])

    def test_traditional_chinese_system_reads_simplified_chinese(self):
        # A Traditional Chinese system (one of the ways a renewal fails) is told so in the words
        # the platform uses, not in English: gettext falls back from zh_TW to the "zh" catalogue.
        locales = self.fx.path("locales")
        os.makedirs(locales)
        subprocess.run(["localedef", "-i", "zh_TW", "-f", "UTF-8", os.path.join(locales, "zh_TW.UTF-8")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = run_tokendoctor("check", "--profile", self.profile, "--root", self.healthy_root, "--only", "os.locale",
                            env={"LANG": "zh_TW.UTF-8", "LOCPATH": locales})
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("✘ 需处理   系统语言：", p.stdout)
        self.assertIn("问题代码：locale.traditional（检测项 os.locale，供客服参考）", p.stdout)
        self.assertTrue(tdfixture.verdict_tail(p.stdout)[0].startswith("结论：有 1 项需要处理"))

    def test_only_summary_counts_what_ran(self):
        # Checks --only left out are neither shown nor counted as not checked.
        p = run_tokendoctor("check", "--profile", self.profile, "--root", self.healthy_root, "--only", "os.fonts",
                            env={"LANG": "C.UTF-8"})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("Summary: passed 1, notes 0, fix needed 0, can't check 0, not checked 0", p.stdout)
        self.assertEqual(list(tdfixture.result_lines(p.stdout, env={"LANG": "C.UTF-8"})), ["os.fonts"])

    def test_contact_under_every_result_that_needs_help(self):
        # Each problem 客服 must help with carries their contact: in the advice where it sends the
        # user to them (os.unsupported), on a line of its own otherwise (fonts.no-cjk).
        profile = self.fx.make_profile("contact", self.url, "[support]\ncontact = 400-000-0000（工作日）\n")
        old = 'ID=debian\nVERSION_ID="9"\nPRETTY_NAME="Debian GNU/Linux 9 (stretch)"\n'
        root = self.fx.make_root("contact-broken", os_release=old, font=tdfixture.LATIN_FONT)
        p = run_tokendoctor("check", "--profile", profile, "--root", root, "--only", "os.release,os.fonts")
        blocks = p.stdout.split("\n✘ ")[1:]
        self.assertEqual(len(blocks), 2, p.stdout)
        for block in blocks:
            body = block.split("\n\n")[0]
            self.assertIn("400-000-0000（工作日）", body)
            # The code for 客服 comes last.
            self.assertRegex(body.strip().splitlines()[-1], r"^ +问题代码：[a-z.-]+（检测项 [a-z.]+，供客服参考）$")
        self.assertIn("或询问平台客服这个系统能否使用：400-000-0000（工作日）。", blocks[0])
        # No contact in the profile: the platform home page's 【客服】 icon.
        p = run_tokendoctor("check", "--profile", self.profile, "--root", root, "--only", "os.release")
        self.assertIn("平台首页的【客服】图标", p.stdout.split("\n\n")[1])

    def test_warning_only_exits_1(self):
        derivative = 'ID=mintlike\nID_LIKE="ubuntu debian"\nVERSION_ID="21"\nNAME="Mint-like"\n'
        root = self.fx.make_root("derivative", os_release=derivative)
        p, doc = self.check_json("--no-token", root=root, expect_rc=1)
        results = self.by_id(doc)
        self.assertEqual(results["os.release"]["status"], "warn")
        self.assertEqual(results["os.release"]["cause"], "os.unsupported")

    def test_only_runs_named_checks(self):
        p, doc = self.check_json("--only", "os.locale", expect_rc=0, only=None)
        results = self.by_id(doc)
        self.assertEqual(results["os.locale"]["status"], "pass")
        for cid in ("os.release", "os.fonts", "net.platform", "time.clock"):
            self.assertEqual(results[cid]["status"], "skip")
            self.assertEqual(results[cid]["details"].get("skip_reason"), "not-selected")

    def test_timeout_bounds_the_run(self):
        hanging = self.fx.start_server("--hang")
        profile = self.fx.make_profile("hanging", hanging)
        start = time.monotonic()
        p, doc = self.check_json("--no-token", "--timeout", "2", profile=profile, expect_rc=2)
        took = time.monotonic() - start
        self.assertLess(took, 5.0, "check did not finish by --timeout")
        results = self.by_id(doc)
        for cid in ("net.platform", "time.clock"):
            self.assertIn(results[cid]["status"], ("error", "fail"))
            self.assertRegex(results[cid]["cause"], r"\.timeout$|^time\.no-reference$")
        self.assertEqual(results["net.platform"]["cause"], "net.timeout")
        self.assertLessEqual(doc["duration_ms"], 3000)

    def test_platform_helper(self):
        # The local signing service: skipped when the profile names none; on a live service the
        # details follow the schema, the certificate included; a refused certificate still shows
        # whose it is.
        p, doc = self.check_json(only="platform.helper", expect_rc=0)
        r = self.by_id(doc)["platform.helper"]
        self.assertEqual((r["status"], r["details"].get("skip_reason")), ("skip", "not-configured"), r)

        ca, _, _ = self.fx.make_ca()
        profile = self.fx.make_profile("helper", self.url, f"[helper]\nurl = {self.url}\ntls_ca = {ca}\n")
        p, doc = self.check_json(profile=profile, only="platform.helper", expect_rc=0)
        r = self.by_id(doc)["platform.helper"]
        self.assertEqual(r["status"], "pass", r)
        self.assertEqual(r["details"]["http_status"], 200)
        self.assertEqual(r["details"]["trust_store"], "system+tls_ca")
        self.assertIn("tokendoctor test CA", r["details"]["certificate"]["issuer"])

        profile = self.fx.make_profile("helper-untrusted", self.url, f"[helper]\nurl = {self.url}\n")
        p, doc = self.check_json(profile=profile, only="platform.helper", expect_rc=2)
        r = self.by_id(doc)["platform.helper"]
        self.assertEqual((r["status"], r["cause"]), ("fail", "helper.untrusted"), r)
        self.assertTrue(r["advice"])
        self.assertIsInstance(r["details"]["verify_result"], int)
        self.assertIs(r["details"]["certificate"]["self_signed"], False)

    # --- text output --------------------------------------------------------------------
    def test_platform_driver_package(self):
        # The root's dpkg database, read whole: the driver too old, a second package of it half
        # installed. The details follow the schema; the message names both versions.
        root = self.fx.make_root("dpkg")
        stanza = "Package: {}\nStatus: {}\nArchitecture: amd64\nVersion: {}\nDescription: x\n y\n\n"
        os.makedirs(os.path.join(root, "var/lib/dpkg"))
        with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
            f.write(stanza.format("libc6", "install ok installed", "2.36-9+deb12u4") +
                    stanza.format("vendor-driver", "install ok installed", "1:0.9-2") +
                    stanza.format("vendor-driver-gm", "install reinstreq half-installed", "2.0"))
        profile = self.fx.make_profile("driver", self.url, "[drivers]\npackages = vendor-driver*\n"
                                                           "min_version = 1:1.0\n")
        p, doc = self.check_json(root=root, profile=profile, only="drivers.platform", expect_rc=2)
        r = self.by_id(doc)["drivers.platform"]
        self.assertEqual(r["status"], "fail", r)
        self.assertEqual(r["cause"], "driver.old", r)
        self.assertIn("1:0.9-2", r["message"])
        self.assertIn("1:1.0", r["message"])
        self.assertTrue(r["advice"])
        self.assertEqual([(x["name"], x["state"], x["installed"]) for x in r["details"]["packages"]],
                         [("vendor-driver", "installed", True), ("vendor-driver-gm", "half-installed", False)])
        self.assertIs(r["details"]["packages"][0]["too_old"], True)

        p = run_tokendoctor("check", "--profile", profile, "--root", root, "--only", "drivers.platform",
                            env={"LANG": "zh_CN.UTF-8", "NO_COLOR": "1"})
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("平台驱动程序版本过旧：软件包 vendor-driver 的版本为 1:0.9-2，低于平台要求的版本 1:1.0", p.stdout)

        # A profile without [drivers] packages: nothing to look for.
        p, doc = self.check_json(root=root, only="drivers.platform", expect_rc=0)
        r = self.by_id(doc)["drivers.platform"]
        self.assertEqual(r["status"], "skip", r)
        self.assertEqual(r["details"], {"skip_reason": "not-configured"})

    def test_text_output_chinese(self):
        p = run_tokendoctor("check", "--no-token", "--profile", self.profile, "--root", self.healthy_root,
                            "--only", SYSTEM_ONLY)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("\033[", p.stdout)  # not a terminal: no colour
        self.assertIn("通过", p.stdout)
        self.assertIn("✔ 通过     系统语言：", p.stdout)  # padded by display width: titles in one column
        self.assertIn("通过 5 项", p.stdout)

    def test_text_output_english_with_advice(self):
        root = self.fx.make_root("english", locales=())
        p = run_tokendoctor("check", "--no-token", "--profile", self.profile, "--root", root,
                            "--only", SYSTEM_ONLY, env={"LANG": "C.UTF-8", "NO_COLOR": "1"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("Fix needed", tdfixture.result_lines(p.stdout, env={"LANG": "C.UTF-8"})["os.locale"])
        self.assertIn("Problem code: locale.not-chinese (check os.locale, for 客服)", p.stdout)
        self.assertIn("建议修复项", p.stdout)  # the seed's word, kept in English output too
        self.assertIn("Summary: passed 4, notes 0, fix needed 1, can't check 0, not checked 0", p.stdout)

    def test_one_request_for_net_platform_and_time_clock(self):
        # Both ask the platform's first URL the same verified question: one request answers both.
        log = self.fx.path("requests.log")
        url = self.fx.start_server("--log", log)
        profile = self.fx.make_profile("counted", url)
        _, doc = self.check_json(profile=profile, only="net.platform,time.clock", expect_rc=0)
        results = {r["id"]: r for r in doc["results"]}
        self.assertEqual(results["net.platform"]["status"], "pass")
        self.assertEqual(results["time.clock"]["status"], "pass")
        self.assertTrue(results["time.clock"]["details"]["reference_authenticated"])
        with open(log) as f:
            self.assertEqual(len(f.read().splitlines()), 1)

    def test_terminal_shows_text_never_commands(self):
        # A customer's os-release (or a token label, a server's answer) that holds terminal
        # commands: clear the screen, reverse the text that follows. The text output shows them
        # escaped; the JSON keeps the exact text.
        hostile = "Evil\x1b[2J\x1b]0;owned\x07 \u202eLinux"
        root = self.fx.make_root("hostile", os_release=f'PRETTY_NAME="{hostile}"\nID=debian\nVERSION_ID="12"\n')
        p = run_tokendoctor("check", "--no-token", "--profile", self.profile, "--root", root, "--only", "os.release",
                            env={"LANG": "C.UTF-8", "NO_COLOR": "1"})
        self.assertIn("Evil\\x1b[2J", p.stdout)
        self.assertNotIn("\x1b", p.stdout + p.stderr)
        self.assertNotIn("\x07", p.stdout)
        self.assertNotIn("\u202e", p.stdout)
        self.assertIn("\\u202eLinux", p.stdout)
        _, doc = self.check_json(root=root, only="os.release")
        results = {r["id"]: r for r in doc["results"]}
        self.assertEqual(results["os.release"]["details"]["pretty_name"], hostile)

    # --- the schema file ------------------------------------------------------------------
    def test_schema_list_and_error_documents(self):
        p = run_tokendoctor("list", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertSchema(json.loads(p.stdout))
        for argv, rc in ((["check", "--json", "--timeout", "soon"], 64),
                         (["check", "--json", "--profile", self.fx.path("no-such.ini")], 78)):
            p = run_tokendoctor(*argv)
            self.assertEqual(p.returncode, rc, f"{argv}: {p.stderr}")
            doc = json.loads(p.stdout)
            self.assertIn("error", doc)
            self.assertSchema(doc)

    def test_schema_rejects_untyped_details(self):
        # The schema is not a rubber stamp: the old flat, stringly-typed details fail it.
        _, doc = self.check_json(expect_rc=0)
        results = self.by_id(doc)
        bad = json.loads(json.dumps(doc))
        for r in bad["results"]:
            if r["id"] == "os.fonts":
                r["details"]["count"] = str(r["details"]["count"])
            if r["id"] == "net.platform":
                r["details"]["url1"] = results["net.platform"]["details"]["urls"][0]["url"]
            if r["id"] == "os.locale":
                r["details"]["installed"] = "yes"
        self.assertFalse(VALIDATOR.is_valid(bad))
        paths = {tuple(e.absolute_path)[:4] for e in KIND_VALIDATORS["check"].iter_errors(bad)}
        ids = {bad["results"][p[1]]["id"] for p in paths if len(p) >= 2 and p[0] == "results"}
        self.assertEqual(ids, {"os.fonts", "net.platform", "os.locale"}, paths)
        self.assertFalse(VALIDATOR.is_valid({**doc, "summary": {**doc["summary"], "pass": "5"}}))

    # --- bad input -------------------------------------------------------------------------
    def test_usage_errors(self):
        cases = [
            ["frobnicate"],
            ["check", "--bogus"],
            ["check", "--timeout", "soon"],
            ["check", "--timeout", "-3"],
            ["check", "--timeout"],
            ["check", "--only", "no.such"],
            ["check", "--only", ","],
            ["check", "--root", self.fx.path("does-not-exist")],
            ["check", "extra-argument"],
            ["list", "--bogus"],
            [],
        ]
        for argv in cases:
            p = run_tokendoctor(*argv)
            self.assertEqual(p.returncode, 64, f"{argv}: {p.stdout} {p.stderr}")
            self.assertTrue(p.stderr.startswith("tokendoctor: "), f"{argv}: {p.stderr}")
            self.assertEqual(p.stdout, "")

    def test_bad_profiles_exit_78(self):
        fx = self.fx
        cases = {
            "no-platform.ini": ("[ca]\nexpiry_warn_days = 30\n", "[platform]"),
            "bad-url.ini": ("[platform]\nurl = ftp://example\n", "url"),
            "bad-number.ini": (f"[platform]\nurl = {self.url}\n[ca]\nexpiry_warn_days = soon\n",
                               "expiry_warn_days"),
            "typo.ini": (f"[platfrom]\nurl = {self.url}\n", "platfrom"),
            # platform.helper must never talk to another machine.
            "helper-off-host.ini": (f"[platform]\nurl = {self.url}\n[helper]\nurl = https://192.0.2.1:51245/\n",
                                    "[helper] url"),
        }
        for name, (text, needle) in cases.items():
            path = fx.write(name, text)
            p = run_tokendoctor("check", "--no-token", "--profile", path)
            self.assertEqual(p.returncode, 78, f"{name}: {p.stderr}")
            self.assertIn(path, p.stderr)
            self.assertIn(needle, p.stderr)
            self.assertEqual(p.stdout, "")
        p = run_tokendoctor("check", "--profile", "no-such-profile", env={"XDG_CONFIG_HOME": fx.dir})
        self.assertEqual(p.returncode, 78)
        self.assertIn("no-such-profile", p.stderr)

    def test_shipped_profile_loads(self):
        # The default profile is found without any option (the README's first line relies on it).
        p = run_tokendoctor("check", "--only", "os.locale", "--json", "--root", self.healthy_root)
        self.assertIn(p.returncode, (0, 1, 2), p.stderr)
        self.assertEqual(json.loads(p.stdout)["profile"], "shouzheng")

    def test_help(self):
        p = run_tokendoctor("--help", env={"LANG": "C.UTF-8"})
        self.assertEqual(p.returncode, 0)
        self.assertIn("check", p.stdout)
        p = run_tokendoctor("check", "--help", env={"LANG": "C.UTF-8"})
        self.assertEqual(p.returncode, 0)
        self.assertIn("--no-token", p.stdout)
        self.assertTrue(re.search(r"\d+\.\d+\.\d+", run_tokendoctor("--version").stdout))


if __name__ == "__main__":
    unittest.main(verbosity=2)
