#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PIN's safety around the signing test, against a PKCS#11 module that misbehaves on purpose
(tests/p11/wrap-module.c over SoftHSM2) and tokensim:

- no core file holds the PIN: the probe that crashes in C_Login with `ulimit -c unlimited`
  leaves none (and the same crash before any PIN existed does, where the kernel writes core
  files to the working directory);
- a Ctrl-C, or tokendoctor killed outright, during a slow C_Login: the login never completes;
- a PIN with a NUL or a control character is refused before any try;
- count-low: a person at the terminal is told the risk and decides; a script never risks it;
- Ctrl-Z at the PIN prompt stops with echo back on, and the question comes back on `fg`;
- --pin-stdin on a terminal does not echo;
- a memory image of tokendoctor after the signing test holds no copy of the PIN tokensim saw.
"""
import glob
import os
import pty
import resource
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["TD_SRCDIR"], "tests", "rig"))
import tdrig  # noqa: E402

TOKENDOCTOR = os.environ["TD_BIN"]
WRAPPER = os.environ["TD_WRAPPER"]
PIN = "123456"  # SoftHSM2's, as tdrig.make_softhsm sets it
TOKEN_CHAIN = "token.module,cert.present,sign.test"


# A sanitizer build catches the crash itself and writes no core file: let it crash as a plain
# build does (the options are ignored without the sanitizers). Both variables: with UBSAN_OPTIONS
# set, as CI sets it, the combined runtime takes these common flags from it as well.
_AS_IS = ":handle_segv=0:disable_coredump=0"
CRASH_AS_IS = {name: os.environ.get(name, "") + _AS_IS for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS")}


def unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def core_files_land_in_cwd():
    """Whether the kernel writes core files as plain files (not to a handler such as
    systemd-coredump), relative to the crashing process's working directory."""
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    return not pattern.startswith("|") and not pattern.startswith("/")


class PinSafetyTest(tdrig.RigTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert = cls.keys.make_user_cert("user", cls.ca, key="ec256")

    def profile(self):
        return tdrig.write_profile(self.rig.dir, WRAPPER)

    def wrapped(self, **wrap):
        return tdrig.softhsm_wrapped(self.rig, WRAPPER, self.cert, **wrap)

    def start(self, env, argv=("check", "--json", "--pin-stdin", "--only", TOKEN_CHAIN), pin=PIN, **kw):
        proc = subprocess.Popen([TOKENDOCTOR, *argv, "--profile", self.profile()],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**self.rig.env, "LANG": "C.UTF-8", **env}, start_new_session=True, **kw)
        if pin is not None:
            proc.stdin.write(pin if isinstance(pin, bytes) else pin.encode() + b"\n")
        proc.stdin.close()
        proc.stdin = None  # given: communicate() has nothing more to send
        return proc

    def results(self, proc, timeout=120):
        out, err = proc.communicate(timeout=timeout)
        return {r["id"]: r for r in tdrig.check_document(out)["results"]}, err

    @staticmethod
    def wait_for(predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    # --- core dumps --------------------------------------------------------------------
    def test_no_core_file_holds_the_pin(self):
        env, log = self.wrapped(TD_WRAP_CRASH_IN="C_Login", **CRASH_AS_IS)
        with tempfile.TemporaryDirectory(dir=self.rig.dir) as cwd:
            r, err = self.results(self.start(env, cwd=cwd, preexec_fn=unlimited_core))
            self.assertEqual(r["sign.test"]["cause"], "module.crash", r["sign.test"])
            self.assertEqual(glob.glob(os.path.join(cwd, "core*")), [], "a core file was written with the PIN")
        # The probe holding the PIN could not have dumped: told by the module itself at C_Login.
        state = tdrig.wrapper_log(log, "login-state")
        self.assertEqual(len(state), 1, state)
        self.assertEqual(state[0][2:], ["0", "0"], "dumpable and RLIMIT_CORE in the probe at C_Login")

    def test_a_crash_before_any_pin_still_dumps(self):
        # The other side of the test above: the protection comes with the PIN, and this machine
        # writes core files where the test looks for them.
        env, log = self.wrapped(TD_WRAP_CRASH_IN="C_Initialize", **CRASH_AS_IS)
        with tempfile.TemporaryDirectory(dir=self.rig.dir) as cwd:
            r, _ = self.results(self.start(env, cwd=cwd, preexec_fn=unlimited_core, pin=None))
            self.assertEqual(r["token.module"]["cause"], "module.crash", r["token.module"])
            if core_files_land_in_cwd():
                self.assertNotEqual(glob.glob(os.path.join(cwd, "core*")), [])

    # --- the probe's lifetime ------------------------------------------------------------
    def interrupt_slow_login(self, sig):
        env, log = self.wrapped(TD_WRAP_SLOW_LOGIN_MS="3000")
        proc = self.start(env)
        try:
            self.wait_for(lambda: tdrig.wrapper_log(log, "C_Login"), 60, "C_Login")
            probe = int(tdrig.wrapper_log(log, "C_Login")[0][1])
            proc.send_signal(sig)
            proc.communicate(timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        # The probe is gone at once (SIGINT: tokendoctor killed it; SIGKILL: it saw its parent go).
        self.wait_for(lambda: tdrig.process_state(probe) in (None, "Z"), 2, "the probe to die")
        time.sleep(3.5)  # past the slow login's end
        self.assertEqual(tdrig.wrapper_log(log, "login-returned"), [], "the login went on after the run ended")
        return proc.returncode

    def test_ctrl_c_during_login_stops_it(self):
        self.assertEqual(self.interrupt_slow_login(signal.SIGINT), 130)

    def test_killed_tokendoctor_takes_the_probe_along(self):
        self.assertEqual(self.interrupt_slow_login(signal.SIGKILL), -signal.SIGKILL)

    # --- what a PIN is ---------------------------------------------------------------------
    def test_control_characters_are_refused_before_any_try(self):
        for pin in (b"123\x00456\n", b"123456\x1b[2J\n", b"12\x7f3456\n"):
            with self.subTest(pin=pin):
                env, log = self.wrapped()
                r, _ = self.results(self.start(env, pin=pin))
                self.assertEqual(r["sign.test"]["cause"], "pin.wrong", r["sign.test"])
                self.assertIn("control character", r["sign.test"]["message"])
                self.assertEqual(tdrig.wrapper_log(log, "C_Login"), [])

    # --- on a terminal -------------------------------------------------------------------
    def on_terminal(self, env, argv, steps):
        """Run tokendoctor on a pty (its controlling terminal). @steps is a list of (marker,
        action): wait until the terminal shows @marker (bytes) after what the previous step saw,
        then call action(pid, fd). Returns (exit status, everything written to the terminal)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(TOKENDOCTOR, [TOKENDOCTOR, *argv, "--profile", self.profile()],
                      {**self.rig.env, "LANG": "C.UTF-8", **env})
        seen = b""
        try:
            start = 0
            for marker, action in steps:
                while marker not in seen[start:]:
                    seen += self.pty_read_some(fd)
                start = seen.index(marker, start) + len(marker)
                action(pid, fd)
            seen = tdrig.pty_read_to_end(fd, seen, 60)
        finally:
            status = tdrig.reap(pid)
            os.close(fd)
        return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")

    @staticmethod
    def pty_read_some(fd):
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            raise AssertionError("the terminal stayed silent for 60 s")
        return os.read(fd, 4096)

    @staticmethod
    def echo_on(fd):
        return bool(termios.tcgetattr(fd)[3] & termios.ECHO)

    @staticmethod
    def type_line(text):
        return lambda pid, fd: os.write(fd, text.encode() + b"\n")

    def test_count_low_asks_the_person_at_the_terminal(self):
        question = b"Test signing anyway?"
        with self.subTest(answer="no"):
            env, log = self.wrapped(TD_WRAP_PIN_FLAGS="count-low")
            status, text = self.on_terminal(env, ["sign-test"], [(question, self.type_line("n"))])
            self.assertEqual(status, 1, text)  # a warning
            self.assertIn("You chose not to risk a try", text)
            self.assertNotIn("PIN of the token", text)
            self.assertEqual(tdrig.wrapper_log(log, "C_Login"), [])
        with self.subTest(answer="yes"):
            env, log = self.wrapped(TD_WRAP_PIN_FLAGS="count-low")
            status, text = self.on_terminal(env, ["sign-test"], [(question, self.type_line("y")),
                                                                (b"PIN of the token", self.type_line(PIN))])
            self.assertEqual(status, 0, text)
            self.assertIn("signature verifies", text)
            self.assertEqual(len(tdrig.wrapper_log(log, "C_Login")), 1)

    def test_count_low_never_risked_for_a_script(self):
        # --pin-stdin on a terminal: still a PIN given in advance, nobody asked.
        env, log = self.wrapped(TD_WRAP_PIN_FLAGS="count-low")
        r, _ = self.results(self.start(env))
        self.assertEqual(r["sign.test"]["cause"], "pin.count-low", r["sign.test"])
        self.assertNotIn("count_low_confirmed", r["sign.test"]["details"])
        self.assertEqual(tdrig.wrapper_log(log, "C_Login"), [])

    def test_ctrl_z_at_the_prompt_restores_echo(self):
        env, log = self.wrapped()
        observed = {}

        def suspend(pid, fd):
            os.kill(pid, signal.SIGTSTP)
            self.wait_for(lambda: tdrig.process_state(pid) == "T", 10, "tokendoctor to stop")
            observed["echo while stopped"] = self.echo_on(fd)
            os.kill(pid, signal.SIGCONT)

        def answer(pid, fd):
            observed["echo when asked again"] = self.echo_on(fd)
            os.write(fd, PIN.encode() + b"\n")

        # The question shows, and after `fg` shows again.
        status, text = self.on_terminal(env, ["sign-test"], [(b"PIN of the token", suspend),
                                                            (b"PIN of the token", answer)])
        self.assertEqual(status, 0, text)
        self.assertTrue(observed["echo while stopped"], "stopped with the terminal's echo off")
        self.assertFalse(observed["echo when asked again"], "echo is not off again after fg")
        self.assertNotIn(PIN, text)
        self.assertIn("signature verifies", text)

    def test_pin_stdin_on_a_terminal_does_not_echo(self):
        env, log = self.wrapped()
        status, text = self.on_terminal(env, ["sign-test", "--pin-stdin"],
                                        [(b"PIN of the token", self.type_line(PIN))])
        self.assertEqual(status, 0, text)
        self.assertNotIn(PIN, text, "the PIN was echoed")
        self.assertIn("signature verifies", text)


class MemoryImageTest(tdrig.RigTestCase):
    """After the signing test, while the run goes on (a platform server that never answers),
    no copy of the PIN is left anywhere in tokendoctor's memory."""

    PIN = "73915486"  # nothing else in the process looks like it

    def test_no_copy_of_the_pin_after_signing(self):
        cert = self.keys.make_user_cert("rsa", self.ca, key="rsa2048")
        self.rig.start(cert_9a=cert[0], key_9a=cert[1], pin=self.PIN)
        import socket
        black_hole = socket.socket()
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(8)  # connections wait in the backlog: no TLS answer ever comes
        profile = tdrig.write_profile(self.rig.dir, tdrig.opensc_module(),
                                      url=f"https://127.0.0.1:{black_hole.getsockname()[1]}/")
        proc = subprocess.Popen([TOKENDOCTOR, "check", "--json", "--pin-stdin", "--profile", profile, "--only",
                                 "net.platform,sign.test", "--timeout", "60"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**self.rig.env, "LANG": "C.UTF-8"}, start_new_session=True)
        try:
            proc.stdin.write(self.PIN.encode() + b"\n")
            proc.stdin.close()
            proc.stdin = None
            # tokensim signed (GENERAL AUTHENTICATE): the probe had the PIN long before.
            PinSafetyTest.wait_for(lambda: any(line.replace(" ", "").startswith("0087")
                                               for line in self.rig.apdu_log()), 60, "the signature")
            self.assertTrue([line for line in self.rig.apdu_log()
                             if line.replace(" ", "").startswith("0020") and "redacted" in line],
                            "tokensim saw no VERIFY with the PIN")
            time.sleep(1.0)  # the check verifies the signature and ends
            self.assertIsNone(proc.poll(), "the run ended: the server was meant to hold it")
            # The image is the process's memory: what it was told is there.
            self.assertIsNotNone(memory_holds(proc.pid, profile.encode()))
            found = memory_holds(proc.pid, self.PIN.encode())
        finally:
            proc.kill()
            proc.communicate()
            black_hole.close()
        self.assertIsNone(found, "a copy of the PIN is left in tokendoctor's memory")


# AddressSanitizer's shadow: terabytes reserved, none of it our data, too big to read.
LARGEST_MAPPING = 4 << 30


def memory_holds(pid, needle):
    """Where @needle first shows in the readable memory of @pid, as /proc/PID/mem gives it (pages
    left out of core dumps included): (address, the bytes around it), or None."""
    chunk = 16 << 20
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or end - start > LARGEST_MAPPING or \
                    (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            tail = b""
            for at in range(start, end, chunk):
                try:
                    mem.seek(at)
                    data = tail + mem.read(min(chunk, end - at))
                except (OSError, OverflowError, ValueError):
                    break
                where = data.find(needle)
                if where >= 0:
                    return at - len(tail) + where, data[max(0, where - 32):where + len(needle) + 32]
                tail = data[-len(needle):]
    return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
