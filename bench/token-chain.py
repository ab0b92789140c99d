#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: `tokendoctor check --json` (every check, a healthy token in the rig, the signing
test included) against the same facts gathered by the standard tools a support engineer would
run: pcsc_scan -r, opensc-tool -a, pkcs11-tool listing the token and reading the certificate,
openssl x509 -enddate, pkcs11-tool --sign plus openssl verification, curl to the platform URL
on loopback. Medians of several runs and their ratio.

Run from the source root after scripts/bootstrap, as root, inside the rig's namespaces:
    tests/rig/isolate python3 bench/token-chain.py [RUNS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(SRC, "build")
os.environ.setdefault("TD_BIN", os.path.join(BUILD, "src/cli/tokendoctor"))
os.environ.setdefault("TD_MKCERT", os.path.join(BUILD, "tests/rig/td-mkcert"))
os.environ.setdefault("TD_TOKENSIM", os.path.join(BUILD, "tests/tokensim/tokensim"))
os.environ.setdefault("TD_HTTPS_SERVER", os.path.join(BUILD, "tests/net/https-server"))
os.environ.setdefault("TD_SRCDIR", SRC)
# The uninstalled program finds its probe, profiles and translations only through these (as
# `meson devenv` sets them): nothing of the build tree is compiled in.
os.environ.setdefault("TOKENDOCTOR_P11PROBE", os.path.join(BUILD, "src/p11probe/tokendoctor-p11probe"))
os.environ.setdefault("TOKENDOCTOR_DATADIR", os.path.join(SRC, "data"))
os.environ.setdefault("TOKENDOCTOR_LOCALEDIR", os.path.join(BUILD, "po"))
sys.path.insert(0, os.path.join(SRC, "tests", "cli"))
sys.path.insert(0, os.path.join(SRC, "tests", "rig"))
import tdfixture  # noqa: E402
import tdrig  # noqa: E402

PIN = "123456"


def timed(argv, env, stdin=None, durations=None):
    """Wall time in ms and exit status; with @durations, each check's duration_ms is appended there."""
    start = time.perf_counter()
    p = subprocess.run(argv, env=env, input=stdin, stdout=subprocess.PIPE if durations is not None else subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, text=True)
    ms = (time.perf_counter() - start) * 1000
    if durations is not None:
        for r in json.loads(p.stdout)["results"]:
            durations.setdefault(r["id"], []).append(r["duration_ms"])
    return ms, p.returncode


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    fx = tdfixture.Fixture()
    rig = tdrig.TokenRig()
    work = tempfile.mkdtemp(prefix="td-bench-")
    try:
        url = fx.start_server()
        server_ca = fx.make_ca()[0]
        ca = rig.make_ca()
        cert, key = rig.make_user_cert("user", ca, key="rsa2048")
        rig.start(cert_9a=cert, key_9a=key)
        module = tdrig.opensc_module()
        profile = fx.make_profile("bench", url, f"[token]\nmodule = {module}\n[ca]\ncert = {ca}.pem\n")
        env = {**rig.env, "LANG": "C.UTF-8", "NO_PROXY": "*"}

        ours = [tdfixture.TOKENDOCTOR, "check", "--json", "--pin-stdin", "--profile", profile]
        data, sig, der = (os.path.join(work, n) for n in ("challenge", "sig", "cert.der"))
        with open(data, "wb") as f:
            f.write(os.urandom(32))
        p11 = ["pkcs11-tool", "--module", module]
        standard = [
            ["pcsc_scan", "-r"],
            ["opensc-tool", "-a"],
            [*p11, "--list-token-slots"],
            [*p11, "--list-objects", "--type", "cert"],
            [*p11, "--read-object", "--type", "cert", "--id", "01", "--output-file", der],
            ["openssl", "x509", "-inform", "DER", "-in", der, "-noout", "-enddate", "-issuer", "-subject", "-serial"],
            [*p11, "--login", "--pin", PIN, "--id", "01", "--sign", "--mechanism", "SHA256-RSA-PKCS",
             "--input-file", data, "--output-file", sig],
            ["openssl", "dgst", "-sha256", "-verify", "/dev/stdin", "-signature", sig, data],
            ["curl", "-sS", "-o", "/dev/null", "-D", "-", "--cacert", server_ca, url],
        ]

        def standard_run():
            total = 0.0
            for argv in standard:
                if argv[0] == "openssl" and argv[1] == "dgst":
                    # the public key, as a support engineer would pull it out of the certificate
                    pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", der, "-noout", "-pubkey"],
                                         capture_output=True, text=True).stdout
                    ms, rc = timed(argv, env, stdin=pub)
                else:
                    ms, rc = timed(argv, env)
                if rc != 0:
                    raise RuntimeError(f"{' '.join(argv)} failed ({rc})")
                total += ms
            return total

        # Warm-up, and proof the chain works: every token check must pass.
        warm = subprocess.run(ours, env=env, input=PIN + "\n", capture_output=True, text=True)
        rc = warm.returncode
        results = json.loads(warm.stdout)["results"]
        # The rig's token is on vpcd, not on the USB bus: token.usb reads the real sysfs.
        token = [r for r in results if r["category"] in ("token", "certificate") and r["id"] != "token.usb"]
        bad = [f"{r['id']}={r['status']}" for r in token if r["status"] != "pass"]
        if bad:
            raise RuntimeError("the token chain is not healthy: " + ", ".join(bad))
        others = [f"{r['id']}={r['status']}" for r in results if r not in token and r["status"] != "pass"]
        standard_run()
        durations = {}
        t_ours = [timed(ours, env, stdin=PIN + "\n", durations=durations)[0] for _ in range(runs)]
        t_std = [standard_run() for _ in range(runs)]
        m_ours, m_std = statistics.median(t_ours), statistics.median(t_std)
        print(f"runs: {runs}")
        print(f"tokendoctor check --json (every check, healthy token, signing test): median {m_ours:.0f} ms"
              f" (exit status {rc}; not passing on this machine, outside the token chain: {', '.join(others) or 'none'})")
        print(f"standard tools (pcsc_scan, opensc-tool, pkcs11-tool x4, openssl x2, curl): median {m_std:.0f} ms")
        print(f"ratio tokendoctor / standard tools: {m_ours / m_std:.2f}")
        # Checks run in parallel where they do not depend on each other: these overlap.
        print("checks over 5 ms (median duration_ms; net.platform and time.clock include TLS set-up):")
        for cid, ds in sorted(durations.items(), key=lambda kv: -statistics.median(kv[1])):
            if statistics.median(ds) > 5:
                print(f"  {cid:20s} {statistics.median(ds):8.0f}")
    finally:
        rig.stop()
        fx.close()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
