#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: `tokendoctor check --json` of the system checks against the standard tools a
support engineer would run for the same facts (cat /etc/os-release, uname -m, locale -a,
fc-list :lang=zh-cn, curl -v to the platform URL). Medians of several runs and their ratio.

Run from the source root after scripts/bootstrap, inside tests/rig/netns-run (loopback only):
    tests/rig/netns-run python3 bench/system-check.py [RUNS]
"""
import os
import statistics
import subprocess
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(SRC, "build")
os.environ.setdefault("TD_BIN", os.path.join(BUILD, "src/cli/tokendoctor"))
os.environ.setdefault("TD_MKCERT", os.path.join(BUILD, "tests/rig/td-mkcert"))
os.environ.setdefault("TD_HTTPS_SERVER", os.path.join(BUILD, "tests/net/https-server"))
os.environ.setdefault("TD_SRCDIR", SRC)
# The uninstalled program finds its probe, profiles and translations only through these (as
# `meson devenv` sets them): nothing of the build tree is compiled in.
os.environ.setdefault("TOKENDOCTOR_P11PROBE", os.path.join(BUILD, "src/p11probe/tokendoctor-p11probe"))
os.environ.setdefault("TOKENDOCTOR_DATADIR", os.path.join(SRC, "data"))
os.environ.setdefault("TOKENDOCTOR_LOCALEDIR", os.path.join(BUILD, "po"))
sys.path.insert(0, os.path.join(SRC, "tests", "cli"))
import tdfixture  # noqa: E402

SYSTEM = "os.release,os.locale,os.fonts,net.platform,time.clock"


def timed(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    fx = tdfixture.Fixture()
    try:
        root = fx.make_root("root")
        url = fx.start_server()
        profile = fx.make_profile("bench", url)
        ca = fx.make_ca()[0]
        env = {"PATH": os.environ["PATH"], "LANG": "zh_CN.UTF-8", "HOME": os.environ.get("HOME", "/root"),
               "FONTCONFIG_FILE": os.path.join(root, "etc/fonts/fonts.conf"), **tdfixture.UNINSTALLED}
        ours = [tdfixture.TOKENDOCTOR, "check", "--json", "--no-token", "--only", SYSTEM, "--profile", profile,
                "--root", root]
        standard = [
            ["cat", os.path.join(root, "etc/os-release")],
            ["uname", "-m"],
            ["locale", "-a"],
            ["fc-list", ":lang=zh-cn", "family"],
            ["curl", "-sS", "-o", "/dev/null", "-D", "-", "--cacert", ca, url],
        ]
        timed(ours, env)  # warm caches (fontconfig) for both sides
        for argv in standard:
            timed(argv, env)
        t_ours = [timed(ours, env) for _ in range(runs)]
        t_std = [sum(timed(argv, env) for argv in standard) for _ in range(runs)]
        m_ours, m_std = statistics.median(t_ours), statistics.median(t_std)
        print(f"runs: {runs}")
        print(f"tokendoctor check (5 system checks): median {m_ours:.1f} ms")
        print(f"standard tools (cat, uname, locale, fc-list, curl): median {m_std:.1f} ms")
        print(f"ratio tokendoctor / standard tools: {m_ours / m_std:.2f}")
    finally:
        fx.close()


if __name__ == "__main__":
    main()
