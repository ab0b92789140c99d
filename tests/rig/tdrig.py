# SPDX-License-Identifier: GPL-3.0-or-later
"""The token rig: a private pcscd with only the vpcd reader, and tokensim plugged into it.

Run tests that use it through tests/rig/isolate (private mount and network namespaces), so
the rig's pcscd binds /run/pcscd/pcscd.comm without meeting a system pcscd. Everything the rig
starts is stopped by stop(), which tests call from tearDown and which also runs at exit.

Environment: TD_MKCERT (tests/rig/td-mkcert), TD_TOKENSIM (tests/tokensim/tokensim).
"""
import atexit
import select
import json
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

MKCERT = os.environ.get("TD_MKCERT", "")
TOKENSIM = os.environ.get("TD_TOKENSIM", "")
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
# The seed's CA, as the platform shows it (证书颁发机构).
SEED_ISSUER = "C=CN,O=华润守正招标有限公司,OU=电子商务部,CN=华润守正招标有限公司CA"


def opensc_module():
    """Path of OpenSC's PKCS#11 module on this machine (multiarch)."""
    found = sorted(glob.glob("/usr/lib/*/opensc-pkcs11.so")) or sorted(glob.glob("/usr/lib*/opensc-pkcs11.so"))
    if not found:
        raise RuntimeError("opensc-pkcs11.so not found (Debian package opensc)")
    return found[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TokenRig:
    def __init__(self, tmpdir=None):
        self.dir = tmpdir or tempfile.mkdtemp(prefix="td-rig-")
        self.own_dir = tmpdir is None
        self.pcscd = None
        self.tokensim = None
        self.port = None
        self.control_path = os.path.join(self.dir, "tokensim.sock")
        self.log_path = os.path.join(self.dir, "apdu.log")
        self.env = dict(os.environ)
        # Only OpenSC's PIV driver: the other drivers' probes are noise in the APDU log.
        conf = os.path.join(self.dir, "opensc.conf")
        with open(conf, "w") as f:
            f.write("app default {\n  card_drivers = PIV-II;\n}\n")
        self.env["OPENSC_CONF"] = conf
        atexit.register(self.stop)

    # --- certificates ------------------------------------------------------------------
    def mkcert(self, *args):
        subprocess.run([MKCERT, *args], check=True, stdout=subprocess.DEVNULL)

    def make_ca(self, name="ca", subject=SEED_ISSUER, key="rsa2048"):
        prefix = os.path.join(self.dir, name)
        self.mkcert("ca", "--subject", subject, "--key", key, "--out", prefix)
        return prefix

    def make_user_cert(self, name, ca, key="rsa2048", not_before="-1d", not_after="+365d",
                       subject="C=CN,O=四号投标公司,CN=四号投标公司", key_usage="digitalSignature,nonRepudiation"):
        """Returns (cert.pem, key.pem)."""
        prefix = os.path.join(self.dir, name)
        self.mkcert("leaf", "--ca", ca, "--subject", subject, "--key", key, "--not-before", not_before,
                    "--not-after", not_after, "--key-usage", key_usage, "--ext-key-usage", "none",
                    "--out", prefix)
        return prefix + ".pem", prefix + ".key"

    # --- pcscd -------------------------------------------------------------------------------
    def start_pcscd(self):
        if self.port is None:
            self.port = free_port()
        readers = os.path.join(self.dir, "readers")
        os.makedirs(readers, exist_ok=True)
        with open(os.path.join(readers, "vpcd"), "w") as f:
            f.write(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{self.port:X}\n'
                    f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:X}\n")
        log = open(os.path.join(self.dir, "pcscd.log"), "ab")
        self.pcscd = subprocess.Popen(["pcscd", "-f", "-c", readers], stdout=log, stderr=log,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while not os.path.exists("/run/pcscd/pcscd.comm"):
            if self.pcscd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pcscd did not start; see " + os.path.join(self.dir, "pcscd.log"))
            time.sleep(0.05)

    def stop_pcscd(self):
        if self.pcscd and self.pcscd.poll() is None:
            self.pcscd.terminate()
            try:
                self.pcscd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.pcscd.kill()
                self.pcscd.wait()
        self.pcscd = None
        # pcscd leaves its socket behind when killed; a stale one must not look alive.
        for leftover in ("/run/pcscd/pcscd.comm", "/run/pcscd/pcscd.pid"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass

    # --- tokensim ----------------------------------------------------------------------------
    def start_tokensim(self, cert_9a=None, key_9a=None, cert_9c=None, key_9c=None, pin="123456",
                       max_tries=3, tries=None, removed=False, extra_args=()):
        args = [TOKENSIM, "--port", str(self.port), "--pin", pin, "--max-tries", str(max_tries),
                "--control", self.control_path, "--log", self.log_path]
        if cert_9a:
            args += ["--cert-9a", cert_9a, "--key-9a", key_9a]
        if cert_9c:
            args += ["--cert-9c", cert_9c, "--key-9c", key_9c]
        if tries is not None:
            args += ["--tries", str(tries)]
        if removed:
            args.append("--removed")
        self.tokensim = subprocess.Popen([*args, *extra_args], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.control_path):
            if self.tokensim.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("tokensim did not start")
            time.sleep(0.02)

    def control(self, command):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.control_path)
            s.sendall(command.encode() + b"\n")
            return s.recv(256).decode().strip()

    def apdu_log(self):
        with open(self.log_path) as f:
            return f.read().splitlines()

    def wait_card(self, present=True, timeout=10):
        """Wait until pcscd sees the card inserted (or removed), asked through pcsc_scan-free
        means: opensc-tool lists readers with a card marker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = subprocess.run(["opensc-tool", "--list-readers"], capture_output=True, text=True,
                                 env=self.env).stdout
            lines = [line for line in out.splitlines() if "Virtual PCD" in line]
            if lines and (any(" Yes " in line for line in lines) == present):
                return
            time.sleep(0.1)
        raise RuntimeError(f"card {'not seen' if present else 'still seen'} by pcscd after {timeout} s")

    def start(self, **tokensim_args):
        self.start_pcscd()
        self.start_tokensim(**tokensim_args)
        if not tokensim_args.get("removed"):
            self.wait_card(True)

    def stop(self):
        if self.tokensim and self.tokensim.poll() is None:
            self.tokensim.terminate()
            try:
                self.tokensim.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.tokensim.kill()
                self.tokensim.wait()
        self.tokensim = None
        self.stop_pcscd()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.own_dir = False


def kill_group(proc):
    """Stop a process started with start_new_session=True, children included."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def make_softhsm(directory, label="td-soft", pin="123456", cert=None, key=None, key_id="01"):
    """A SoftHSM2 token in its own token dir under @directory, optionally holding @key (PKCS#8
    PEM) and @cert (PEM) under CKA_ID @key_id. Returns the environment (SOFTHSM2_CONF) to use it."""
    conf = os.path.join(directory, "softhsm2.conf")
    tokens = os.path.join(directory, "softhsm-tokens")
    os.makedirs(tokens, exist_ok=True)
    with open(conf, "w") as f:
        f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": conf}
    quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                    "--so-pin", "12345678"], **quiet)
    if key:
        subprocess.run(["softhsm2-util", "--import", key, "--token", label, "--label", "key", "--id", key_id,
                        "--pin", pin], **quiet)
    if cert:
        der = os.path.join(directory, "softhsm-cert.der")
        subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER", "-out", der], check=True)
        subprocess.run(["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", label, "--login", "--pin", pin,
                        "--write-object", der, "--type", "cert", "--id", key_id, "--label", "cert"],
                       **quiet, stderr=subprocess.DEVNULL)
    return {"SOFTHSM2_CONF": conf}


def make_usb_root(root, vid="096e", pid="0807", product="ePass2003"):
    """A --root that shows the rig's token on the USB bus as a CCID device VID:PID, with a reader
    driver bundle listing it: tokensim is reached through vpcd, so the USB side of the token
    (token.usb, drivers.ccid) is a fixture while everything else is real."""
    device = os.path.join(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1")
    os.makedirs(os.path.join(device, "1-1:1.0"))
    for name, value in (("idVendor", vid), ("idProduct", pid), ("manufacturer", "tokendoctor"),
                        ("product", product), ("busnum", "1"), ("devnum", "4")):
        with open(os.path.join(device, name), "w") as f:
            f.write(value + "\n")
    with open(os.path.join(device, "1-1:1.0", "bInterfaceClass"), "w") as f:
        f.write("0b\n")
    links = os.path.join(root, "sys/bus/usb/devices")
    os.makedirs(links)
    for name in ("1-1", "1-1:1.0"):
        target = "../../../devices/pci0000:00/0000:00:14.0/usb1/1-1" + ("/1-1:1.0" if ":" in name else "")
        os.symlink(target, os.path.join(links, name))
    bundle = os.path.join(root, "usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents")
    os.makedirs(os.path.join(bundle, "Linux"))
    open(os.path.join(bundle, "Linux", "libccid.so"), "w").close()
    with open(os.path.join(bundle, "Info.plist"), "w") as f:
        f.write("<plist><dict>\n<key>CFBundleExecutable</key><string>libccid.so</string>\n"
                f"<key>ifdVendorID</key><array><string>0x{vid.upper()}</string></array>\n"
                f"<key>ifdProductID</key><array><string>0x{pid.upper()}</string></array>\n"
                f"<key>ifdFriendlyName</key><array><string>{product}</string></array>\n"
                "</dict></plist>\n")
    return root


class RigTestCase(unittest.TestCase):
    """A test class on the rig: cls.keys holds certificates made once for the class (cls.ca is
    a CA with the seed's issuer); each test gets a fresh self.rig, stopped even when it fails."""

    @classmethod
    def setUpClass(cls):
        cls.keys = TokenRig()
        cls.ca = cls.keys.make_ca()

    @classmethod
    def tearDownClass(cls):
        cls.keys.stop()

    def setUp(self):
        self.rig = TokenRig()

    def tearDown(self):
        self.rig.stop()


_CHECK_VALIDATOR = None


def check_document(text):
    """A `check --json` document, parsed and validated against data/report.schema.json: the
    token checks' details keep the documented, typed shape."""
    global _CHECK_VALIDATOR
    import jsonschema  # only the tests that read check documents need it
    if _CHECK_VALIDATOR is None:
        with open(os.path.join(os.environ["TD_SRCDIR"], "data", "report.schema.json"), encoding="utf-8") as f:
            schema = json.load(f)
        narrowed = {k: v for k, v in schema.items() if k != "oneOf"}
        narrowed["$ref"] = "#/$defs/check_document"
        _CHECK_VALIDATOR = jsonschema.Draft202012Validator(narrowed)
    doc = json.loads(text)
    errors = sorted(_CHECK_VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError("check document does not follow data/report.schema.json:\n" +
                             "\n".join(f"  {list(e.absolute_path)}: {e.message}" for e in errors[:10]))
    return doc


def pty_read_until(fd, seen, marker, timeout):
    """Read the terminal @fd until @marker shows (what was read so far is @seen). Returns all of
    it; raises AssertionError when nothing more comes within @timeout seconds."""
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"no {marker!r}: " + seen.decode(errors="replace"))
        seen += os.read(fd, 4096)
    return seen


def pty_read_to_end(fd, seen, timeout):
    """Read the terminal @fd until the program on it closes it (EIO or end of file)."""
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError("no end: " + seen.decode(errors="replace"))
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return seen
        if not chunk:
            return seen
        seen += chunk


def write_profile(directory, module, url="https://127.0.0.1:9/"):
    """A profile at DIRECTORY/p.ini naming the PKCS#11 @module (the platform @url: by default
    nothing listens there). Returns its path."""
    path = os.path.join(directory, "p.ini")
    with open(path, "w") as f:
        f.write(f"[platform]\nurl = {url}\n[token]\nmodule = {module}\n")
    return path


def softhsm_wrapped(rig, wrapper, cert, **wrap):
    """SoftHSM2 holding @cert (certificate, key), reached through the test wrapper module
    @wrapper (tests/p11/wrap-module.c) in the mode @wrap (TD_WRAP_* variables). Returns the
    environment to run with and the wrapper's log path."""
    directory = tempfile.mkdtemp(dir=rig.dir)  # a token of its own each time
    log = os.path.join(directory, "wrapper.log")
    env = {**make_softhsm(directory, cert=cert[0], key=cert[1]),
           "TD_WRAP_MODULE": SOFTHSM_MODULE, "TD_WRAP_LOG": log, **wrap}
    return env, log


def wrapper_log(log, call):
    """The lines of @call ("C_Login", "login-state"...) the wrapper module logged, split."""
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [line.split() for line in f.read().splitlines() if line.split()[0] == call]


def process_state(pid):
    """The state letter of /proc/@pid/stat ('T' stopped), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def reap(pid, timeout=30):
    """Wait up to @timeout seconds for the child @pid to end, then kill it (a program still
    waiting for something: the test's assertions say what was missing). Its wait status."""
    deadline = time.monotonic() + timeout
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return status
