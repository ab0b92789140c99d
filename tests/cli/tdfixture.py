# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the CLI tests: system roots, a test CA, HTTPS servers on 127.0.0.1, profiles.

Everything lives under one temporary directory and every server is stopped on close(),
even when a test fails.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile

TOKENDOCTOR = os.environ["TD_BIN"]
MKCERT = os.environ["TD_MKCERT"]
HTTPS_SERVER = os.environ.get("TD_HTTPS_SERVER")  # the tests that start servers have it
SRCDIR = os.environ["TD_SRCDIR"]
# Where the uninstalled program finds its probe, profiles and translations (meson.build's
# td_uninstalled): nothing of the build tree is compiled in, so every clean environment carries these.
UNINSTALLED = {name: os.environ[name] for name in ("TOKENDOCTOR_P11PROBE", "TOKENDOCTOR_DATADIR",
                                                   "TOKENDOCTOR_LOCALEDIR") if name in os.environ}

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

DEBIAN_12 = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
"""

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <cachedir>/var/cache/fontconfig</cachedir>
</fontconfig>
"""


class Fixture:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="td-cli-")
        self.servers = []
        self.ca = None

    def close(self):
        for proc in self.servers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, relpath, text, mode="w"):
        full = self.path(relpath)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, mode) as f:
            f.write(text)
        return full

    # --- system roots -----------------------------------------------------------
    def make_root(self, name, os_release=DEBIAN_12, locales=("zh_CN.UTF-8",), font=CJK_FONT,
                  default_locale=None):
        """A root with os-release, generated locales, fontconfig and one font."""
        root = self.path(name)
        os.makedirs(root)
        if os_release is not None:
            self.write(os.path.join(name, "etc/os-release"), os_release)
        os.makedirs(os.path.join(root, "usr/lib/locale"), exist_ok=True)
        for loc in locales:
            lang, _, charset = loc.partition(".")
            subprocess.run(["localedef", "--prefix=" + root, "-i", lang, "-f", charset or "UTF-8", loc],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if default_locale:
            self.write(os.path.join(name, "etc/default/locale"), f"LANG={default_locale}\n")
        if font:
            self.write(os.path.join(name, "etc/fonts/fonts.conf"), FONTS_CONF)
            fonts = os.path.join(root, "usr/share/fonts")
            os.makedirs(fonts, exist_ok=True)
            shutil.copy(font, fonts)
        return root

    # --- TLS and servers -----------------------------------------------------------
    def make_ca(self):
        if self.ca:
            return self.ca
        ca = self.path("ca")
        subprocess.run([MKCERT, "ca", "--subject", "C=CN,O=tokendoctor test,CN=tokendoctor test CA",
                        "--key", "ec256", "--out", ca], check=True)
        leaf = self.path("server")
        subprocess.run([MKCERT, "leaf", "--ca", ca, "--subject", "CN=127.0.0.1", "--key", "ec256",
                        "--san", "IP:127.0.0.1,DNS:localhost", "--out", leaf], check=True)
        self.ca = (ca + ".pem", leaf + ".pem", leaf + ".key")
        return self.ca

    def start_server(self, *extra):
        ca, cert, key = self.make_ca()
        proc = subprocess.Popen([HTTPS_SERVER, "--cert", cert, "--key", key, "--port", "0", *extra],
                                stdout=subprocess.PIPE, text=True)
        self.servers.append(proc)
        line = proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError(f"https-server did not report its port: {line!r}")
        return f"https://127.0.0.1:{line[1]}/"

    def make_profile(self, name, url, extra=""):
        ca, _, _ = self.make_ca()
        return self.write(f"{name}.ini", f"""[platform]
name = 测试平台
url = {url}
tls_ca = {ca}
{extra}
""")


def run_tokendoctor(*args, env=None, input=None, timeout=120):
    """Run the built CLI with a clean, explicit environment."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "zh_CN.UTF-8",
        "NO_PROXY": "*",
        **UNINSTALLED,
    }
    if env:
        base.update(env)
    base = {k: v for k, v in base.items() if v is not None}
    return subprocess.run([TOKENDOCTOR, *args], env=base, input=input, capture_output=True,
                          text=True, timeout=timeout)


def result_lines(text, env=None):
    """The text output's line of each check, by id: a line starts with a status mark and word,
    then the check's title (in the output's language, as `list --json` gives it) and a colon."""
    listed = json.loads(run_tokendoctor("list", "--json", env=env).stdout)["checks"]
    lines = {}
    for line in text.splitlines():
        if line[:1] in "✔⚠✘–‼+!x-?" and len(line.split()) > 2:
            # mark, status word (one or two words in English), then "Title: message"
            for check in listed:
                for colon in ("：", ": "):
                    if f" {check['title']}{colon}" in line or line.endswith(f" {check['title']}"):
                        lines.setdefault(check["id"], line)
    return lines


def verdict_tail(text):
    """The text output's last lines, from the verdict on (结论/Verdict)."""
    lines = text.strip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith(("结论：", "Verdict: ")))
    return lines[start:]
