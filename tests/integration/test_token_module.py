#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""token.module: PKCS#11 modules run out of process. A crashing or hanging module is a finding,
never the end of tokendoctor, and names the PKCS#11 function it died in (at load or looking for
its device, which the USB bus may explain); a missing or wrong-CPU module is named; real tokens
are seen through OpenSC (tokensim behind pcscd) and SoftHSM2; one run loads a module once."""
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
CRASH = os.environ["TD_CRASH_MODULE"]
HANG = os.environ["TD_HANG_MODULE"]
INIT_CRASH = os.environ["TD_INIT_CRASH_MODULE"]
INIT_HANG = os.environ["TD_INIT_HANG_MODULE"]
WRAPPER = os.environ["TD_WRAPPER"]
PROBE = os.environ["TD_PROBE"]
# A plain build reports the signal; a sanitizer build's probe reports and exits instead.
CRASHED_IN = r"(crashed|ended the probe abnormally) in "


class TokenModuleTest(unittest.TestCase):
    def setUp(self):
        self.rig = tdrig.TokenRig()

    def tearDown(self):
        self.rig.stop()

    def profile(self, *modules, usb_ids=None):
        path = os.path.join(self.rig.dir, f"p{len(os.listdir(self.rig.dir))}.ini")
        with open(path, "w") as f:
            f.write("[platform]\nurl = https://127.0.0.1:9/\n")
            for i, m in enumerate(modules):
                f.write(f"[token{'.m%d' % i if i else ''}]\nmodule = {m}\n")
                if usb_ids:
                    f.write(f"usb_ids = {usb_ids}\n")
        return path

    def check(self, profile, *extra, env=None, expect_rc=None):
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only",
                            "token.module,os.release", *extra], capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8", **(env or {})})
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}

    def no_probe_left(self, module):
        # Only this test's probes: other tests may run probes at the same time.
        left = subprocess.run(["pgrep", "-f", "tokendoctor-p11probe session " + module], capture_output=True,
                              text=True).stdout
        self.assertEqual(left, "", "a probe process outlived tokendoctor")

    def test_crashing_module_is_a_finding(self):
        r = self.check(self.profile(CRASH), expect_rc=2)
        self.assertEqual(r["token.module"]["status"], "fail")
        self.assertEqual(r["token.module"]["cause"], "module.crash")
        self.assertIn(CRASH, r["token.module"]["message"])
        # A plain build reports the signal; a sanitizer build's probe reports and exits instead.
        self.assertRegex(r["token.module"]["message"], r"Segmentation fault|abnormally")
        # What it means first; the probe's words last, in one parenthesis that holds no other.
        self.assertRegex(r["token.module"]["message"],
                         r"^The CA token driver \(PKCS#11 module\) crashed, .*\(Technical detail: [^()]+\)$")
        self.assertEqual(r["os.release"]["status"], "pass")  # the run went on
        self.no_probe_left(CRASH)

    def test_crash_at_load_is_told_apart_from_crash_looking_for_the_device(self):
        for module, call in ((INIT_CRASH, "C_Initialize"), (CRASH, "C_GetSlotList")):
            with self.subTest(call=call):
                r = self.check(self.profile(module), expect_rc=2)["token.module"]
                self.assertEqual(r["cause"], "module.crash")
                self.assertRegex(r["message"], CRASHED_IN + call)
                self.assertEqual(r["details"]["module_call"], call)
                self.assertNotIn("explained_by_usb", r["details"])
                self.no_probe_left(module)

    def test_hang_at_load_names_the_call(self):
        r = self.check(self.profile(INIT_HANG), "--timeout", "4", expect_rc=2)["token.module"]
        self.assertEqual(r["cause"], "module.hang")
        self.assertIn("hangs in C_Initialize", r["message"])
        self.no_probe_left(INIT_HANG)

    def usb_root_with_hid_token(self, vid, pid):
        """A --root whose USB bus shows a HID token VID:PID and no device node for it under /dev."""
        root = tdrig.make_usb_root(os.path.join(self.rig.dir, f"root-{vid}"), vid=vid, pid=pid, product="mToken")
        iface = os.path.join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/bInterfaceClass")
        with open(iface, "w") as f:
            f.write("03\n")
        return root

    def test_crash_in_slot_list_explained_by_the_usb_bus(self):
        # FIELD-NOTES: vendor modules die in C_GetSlotList when they cannot reach the USB device
        # (no /dev/bus/usb in a container). The token is on the bus and has no usable node.
        root = self.usb_root_with_hid_token("055c", "0001")
        r = self.check(self.profile(CRASH, usb_ids="055c:0001"), "--root", root, expect_rc=2)["token.module"]
        self.assertEqual(r["cause"], "module.crash")
        self.assertRegex(r["message"], CRASHED_IN + "C_GetSlotList")
        # The bus's explanation in plain words, then the token and the probe's words for support.
        self.assertIn("on the USB bus, but this computer shows no device for it", r["message"])
        self.assertRegex(r["message"], r"\(Technical detail: [^()]*C_GetSlotList[^()]*; "
                                       r"USB token 055c:0001, no device node under /dev\)$")
        self.assertEqual(r["details"]["explained_by_usb"]["cause"], "usb.permission")
        self.assertEqual(r["details"]["explained_by_usb"]["token"], "055c:0001")
        self.assertIsNone(r["details"]["explained_by_usb"]["node"])
        # A driver that dies at load is not looking for its device: nothing to explain.
        r = self.check(self.profile(INIT_CRASH, usb_ids="055c:0001"), "--root", root, expect_rc=2)["token.module"]
        self.assertNotIn("explained_by_usb", r["details"])
        # Another model's token on the bus explains nothing about this driver either.
        r = self.check(self.profile(CRASH, usb_ids="096e:0807"), "--root", root, expect_rc=2)["token.module"]
        self.assertNotIn("explained_by_usb", r["details"])

    def softhsm_behind_wrapper(self, **wrap):
        """SoftHSM2 with a signing key and certificate, reached through the wrapper module that logs
        each C_Initialize. Returns (profile, environment, log path)."""
        ca = self.rig.make_ca()
        cert = self.rig.make_user_cert("user", ca, key="ec256")
        log = os.path.join(self.rig.dir, "loads.log")
        env = {**tdrig.make_softhsm(self.rig.dir, cert=cert[0], key=cert[1]),
               "TD_WRAP_MODULE": tdrig.SOFTHSM_MODULE, "TD_WRAP_LOG": log, **wrap}
        # A copy of its own, so that no_probe_left() sees this test's probes only (cli-probe runs
        # the same wrapper at the same time).
        self.wrapper = os.path.join(self.rig.dir, "wrapper.so")
        shutil.copy(WRAPPER, self.wrapper)
        return self.profile(self.wrapper), env, log

    def run_token_chain(self, profile, env, pin="123456", expect_rc=None):
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--pin-stdin", "--profile", profile, "--only",
                            "token.module,cert.present,cert.expiry,cert.issuer,sign.test"],
                           input=pin + "\n", capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8", **env})
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}

    @staticmethod
    def wrapper_log(log, call):
        """The calls of @call the wrapper logged, one "NAME PID ARG" line each."""
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return [line for line in f.read().splitlines() if line.split()[0] == call]

    @classmethod
    def loads(cls, log):
        return cls.wrapper_log(log, "C_Initialize")

    def test_count_low_alone_is_never_logged_in(self):
        # The module knows wrong PINs were entered, not how many tries are left: logging in could
        # spend the last one. The check refuses before asking for a PIN, with a warning.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_PIN_FLAGS="count-low")
        r = self.run_token_chain(profile, env, expect_rc=1)
        self.assertEqual(r["sign.test"]["status"], "warn", r["sign.test"])
        self.assertEqual(r["sign.test"]["cause"], "pin.count-low")
        self.assertEqual(self.wrapper_log(log, "C_Login"), [])

    def token_serial(self, profile, env):
        """The serial of the token the profile's module sees (token.module's listing, no login)."""
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only", "token.module"],
                           capture_output=True, text=True, timeout=60, env={**self.rig.env, **env})
        listing = {r["id"]: r for r in tdrig.check_document(p.stdout)["results"]}
        return listing["token.module"]["details"]["token"]["serial"]

    def probe_answers(self, env, *requests, pin="123456"):
        """The probe's JSON answers to sign @requests (each followed by @pin), talked to directly:
        no check of tokendoctor's stands in front of its own guards."""
        lines = "".join(json.dumps({"op": "sign", "key_id": "01", "challenge": "00" * 32, "pin": True, **req})
                        + "\n" + pin + "\n" for req in requests)
        p = subprocess.run([PROBE, "session", WRAPPER], input=lines, capture_output=True, text=True,
                           timeout=60, env={**self.rig.env, **env})
        answers = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(answers[0], {"ready": True}, p.stdout + p.stderr)
        return answers[1:]

    def test_probe_refuses_count_low_on_its_own(self):
        # The probe's own guard, without the check's: asked to sign by a caller that did not say
        # the count is known, it does not log in to a count-low token, whatever PIN it is given.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_PIN_FLAGS="count-low")
        serial = self.token_serial(profile, env)
        answers = self.probe_answers(env, {"serial": serial}, {"serial": serial, "count_low_ok": True})
        self.assertEqual(answers[0]["result"], "pin-count-low", answers)
        # Told the count is known to be above one (a PIV card said so), it logs in and signs.
        self.assertEqual(answers[1]["result"], "signed", answers)
        self.assertEqual(len(self.wrapper_log(log, "C_Login")), 1)

    def test_probe_refuses_final_try_on_its_own(self):
        # The probe's guard alone: a caller that skipped tokendoctor's own look at the flags sends
        # the right PIN to a token on its last try. No login, even when the caller claims to know
        # more than one try is left (that claim answers "count low", never "final try").
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_PIN_FLAGS="final-try")
        serial = self.token_serial(profile, env)
        answers = self.probe_answers(env, {"serial": serial}, {"serial": serial, "count_low_ok": True})
        self.assertEqual([a["result"] for a in answers], ["pin-final-try", "pin-final-try"], answers)
        self.assertEqual(self.wrapper_log(log, "C_Login"), [])

    def test_probe_refuses_a_context_specific_login_on_the_final_try(self):
        # The probe's second look: the key demands the PIN once more right before use, and by then
        # the token is on its last try (another program spent the others). No second login.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_PIN_FLAGS="final-try-after-login")
        serial = self.token_serial(profile, env)
        answers = self.probe_answers(env, {"serial": serial})
        self.assertEqual([a["result"] for a in answers], ["pin-final-try"], answers)
        self.assertEqual([line.split()[2] for line in self.wrapper_log(log, "C_Login")], ["1"])  # CKU_USER

    def test_check_refuses_final_try_before_asking_for_a_pin(self):
        # The check's guard alone: with no PIN to give (no --pin-stdin, no terminal), a token on its
        # last try is pin.final-try, decided from its flags before a PIN is asked for. Were it left
        # to the probe, the run would end at "no PIN given" and never name the final try.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_PIN_FLAGS="final-try")
        p = subprocess.run([TOKENDOCTOR, "check", "--json", "--profile", profile, "--only", "sign.test"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
                           env={**self.rig.env, "LANG": "C.UTF-8", **env}, start_new_session=True)
        r = {x["id"]: x for x in tdrig.check_document(p.stdout)["results"]}["sign.test"]
        self.assertEqual((r["status"], r["cause"]), ("fail", "pin.final-try"), r)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(self.wrapper_log(log, "C_Login"), [])

    def test_already_logged_in_is_not_a_verified_pin(self):
        # A module that answers CKR_USER_ALREADY_LOGGED_IN has not looked at the PIN: it must not
        # pass for a verified one. The probe logs out and in again, so the PIN is checked.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_ALREADY_LOGGED_IN="1")
        r = self.run_token_chain(profile, env, expect_rc=0)
        self.assertEqual(r["sign.test"]["status"], "pass", r["sign.test"])
        self.assertEqual(len(self.wrapper_log(log, "C_Login")), 2)
        env["TD_WRAP_ALREADY_LOGGED_IN"] = "1"  # the next probe is a new process: answered again
        r = self.run_token_chain(profile, env, pin="999999", expect_rc=2)
        self.assertEqual(r["sign.test"]["cause"], "pin.wrong", r["sign.test"])
        self.assertEqual(len(self.wrapper_log(log, "C_Login")), 4)
        # SoftHSM2 itself now says "count low" (a wrong PIN since the last success) and nothing
        # more: the next run does not log in, whatever PIN it is given.
        r = self.run_token_chain(profile, env, expect_rc=1)
        self.assertEqual(r["sign.test"]["cause"], "pin.count-low", r["sign.test"])
        self.assertEqual(len(self.wrapper_log(log, "C_Login")), 4)

    def test_module_loaded_once_per_run(self):
        # token.module lists, cert.* read that listing, sign.test reads the PIN flags and signs:
        # one probe, one C_Initialize.
        profile, env, log = self.softhsm_behind_wrapper()
        r = self.run_token_chain(profile, env)
        for cid in ("token.module", "cert.present", "sign.test"):
            self.assertEqual(r[cid]["status"], "pass", r[cid])
        self.assertEqual(len(self.loads(log)), 1, self.loads(log))

    def test_crash_in_the_middle_of_the_session(self):
        # Listing went well; the module dies at the login: sign.test's finding, named.
        profile, env, log = self.softhsm_behind_wrapper(TD_WRAP_CRASH_IN="C_Login")
        r = self.run_token_chain(profile, env)
        self.assertEqual(r["token.module"]["status"], "pass", r["token.module"])
        self.assertEqual(r["cert.present"]["status"], "pass", r["cert.present"])
        self.assertEqual(r["sign.test"]["cause"], "module.crash", r["sign.test"])
        self.assertRegex(r["sign.test"]["message"], CRASHED_IN + "C_Login")
        self.assertRegex(r["sign.test"]["message"], r"^The CA token driver .*\(Technical detail: [^()]+\)$")
        self.assertEqual(r["sign.test"]["details"]["module_call"], "C_Login")
        self.assertEqual(len(self.loads(log)), 1)
        self.no_probe_left(self.wrapper)

    def test_hanging_module_is_stopped_in_time(self):
        start = time.monotonic()
        r = self.check(self.profile(HANG), "--timeout", "4", expect_rc=2)
        self.assertLess(time.monotonic() - start, 6)
        self.assertEqual(r["token.module"]["cause"], "module.hang")
        self.assertIn(HANG, r["token.module"]["message"])
        self.assertEqual(r["os.release"]["status"], "pass")
        self.no_probe_left(HANG)

    def foreign_module(self):
        """A copy of a real module with its ELF machine set to another CPU, and that CPU's name."""
        foreign = os.path.join(self.rig.dir, "foreign.so")
        shutil.copy(CRASH, foreign)
        own = "aarch64" if os.uname().machine != "aarch64" else "x86_64"
        with open(foreign, "r+b") as f:
            f.seek(18)
            f.write(struct.pack("<H", 183 if own == "aarch64" else 62))
        return foreign, own

    def test_missing_and_wrong_arch(self):
        r = self.check(self.profile(os.path.join(self.rig.dir, "nope.so")), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.missing")
        foreign, own = self.foreign_module()
        r = self.check(self.profile(foreign), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.wrong-arch")
        self.assertIn(own, r["token.module"]["message"])
        self.assertIn(os.uname().machine, r["token.module"]["message"])

    def test_crash_outranks_every_lesser_finding_in_either_order(self):
        # One module per token model in the profile, and none sees a token: the driver that
        # crashed is the finding, whether it is named first or last, next to one that is not
        # installed, one built for another CPU (the finding ranked next below a crash's) or one
        # that loads and sees no token (SoftHSM2 with no initialised token).
        tokens = os.path.join(self.rig.dir, "no-tokens")
        os.makedirs(tokens)
        conf = os.path.join(self.rig.dir, "no-tokens.conf")
        with open(conf, "w") as f:
            f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
        env = {"SOFTHSM2_CONF": conf, "TD_WRAP_MODULE": tdrig.SOFTHSM_MODULE, "TD_WRAP_CRASH_IN": "C_Initialize"}
        # The other module's finding as its entry in details.modules tells it (one that sees no
        # token has no cause of its own there: it loaded well).
        lesser = {"module.missing": ("/opt/none/libvendor.so", "module.missing"),
                  "module.wrong-arch": (self.foreign_module()[0], "module.wrong-arch"),
                  "module.no-token": (tdrig.SOFTHSM_MODULE, None)}
        for finding, (module, cause) in lesser.items():
            self.assertEqual(self.check(self.profile(module), env=env)["token.module"]["cause"], finding)
            for first, second in ((module, WRAPPER), (WRAPPER, module)):
                with self.subTest(other=finding, crash_first=first == WRAPPER):
                    r = self.check(self.profile(first, second), env=env, expect_rc=2)["token.module"]
                    self.assertEqual(r["cause"], "module.crash", r)
                    self.assertRegex(r["message"], CRASHED_IN + "C_Initialize")
                    causes = [m["cause"] for m in r["details"]["modules"]]
                    self.assertEqual(causes, [cause, "module.crash"] if second == WRAPPER
                                     else ["module.crash", cause])

    def test_tokensim_through_opensc(self):
        keys = self.rig.make_ca()
        cert = self.rig.make_user_cert("user", keys)
        self.rig.start(cert_9a=cert[0], key_9a=cert[1])
        r = self.check(self.profile(tdrig.opensc_module()), expect_rc=0)
        self.assertEqual(r["token.module"]["status"], "pass", r["token.module"])
        self.assertEqual(r["token.module"]["details"]["token"]["serial"], "8899aabbccddeeff")
        self.rig.control("remove")
        self.rig.wait_card(False)
        r = self.check(self.profile(tdrig.opensc_module()), expect_rc=2)
        self.assertEqual(r["token.module"]["cause"], "module.no-token")

    def test_softhsm_token(self):
        env = tdrig.make_softhsm(self.rig.dir, label="td-soft")
        r = self.check(self.profile(tdrig.SOFTHSM_MODULE), env=env, expect_rc=0)
        self.assertEqual(r["token.module"]["status"], "pass", r["token.module"])
        self.assertEqual(r["token.module"]["details"]["token"]["label"], "td-soft")


if __name__ == "__main__":
    unittest.main(verbosity=2)
