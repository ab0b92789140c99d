#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the token checks against the physical floor. On the tokensim rig (OpenSC → pcscd →
vpcd → tokensim) and on SoftHSM2, time

    tokendoctor check --pin-stdin --only token.module,cert.present,cert.expiry,cert.issuer,sign.test

against one `pkcs11-tool --login --sign` on the same token and key: any signing test must load
the module, log in and sign once, so that is the floor. Medians of RUNS runs and their ratio
(goal: at most 1.3). Where tokendoctor's time goes comes from the probe's own per-call timings
($TOKENDOCTOR_P11PROBE_TIMING): loading the module, C_Initialize, listing and lookups, C_Login,
signing, C_Finalize; the rest is tokendoctor itself (start, engine, X.509, verification) and the
probe's start.

Run from the source root after scripts/bootstrap, as root, inside the rig's namespaces:
    tests/rig/isolate python3 bench/token-session.py [RUNS]
"""
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("TD_BUILD", os.path.join(SRC, "build"))
os.environ.setdefault("TD_MKCERT", os.path.join(BUILD, "tests/rig/td-mkcert"))
os.environ.setdefault("TD_TOKENSIM", os.path.join(BUILD, "tests/tokensim/tokensim"))
TOKENDOCTOR = os.environ.get("TD_BIN", os.path.join(BUILD, "src/cli/tokendoctor"))
# The uninstalled program finds its probe, profiles and translations only through these (as
# `meson devenv` sets them): nothing of the build tree is compiled in.
os.environ.setdefault("TOKENDOCTOR_P11PROBE", os.path.join(BUILD, "src/p11probe/tokendoctor-p11probe"))
os.environ.setdefault("TOKENDOCTOR_DATADIR", os.path.join(SRC, "data"))
os.environ.setdefault("TOKENDOCTOR_LOCALEDIR", os.path.join(BUILD, "po"))
sys.path.insert(0, os.path.join(SRC, "tests", "rig"))
import tdrig  # noqa: E402

PIN = "123456"
CHECKS = "token.module,cert.present,cert.expiry,cert.issuer,sign.test"


def phase(call, after_login):
    if call == "C_GetFunctionList":
        return "load (dlopen, C_GetFunctionList)"
    if call in ("C_Initialize", "C_Finalize"):
        return call
    if call == "C_Login":
        return "C_Login"
    if call in ("C_SignInit", "C_Sign"):
        return "sign (C_SignInit, C_Sign)"
    return "key lookup after login" if after_login else "listing, PIN flags, slot lookup"


def probe_phases(timing_file):
    """Milliseconds per phase from one run's probe timings (pid name ms lines)."""
    out = collections.Counter()
    after_login = False
    with open(timing_file) as f:
        for line in f:
            _, call, ms = line.split()
            after_login = after_login or call == "C_Login"
            out[phase(call, after_login)] += float(ms)
    return out


def timed(argv, env, stdin=None):
    start = time.perf_counter()
    p = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, check=False)
    return (time.perf_counter() - start) * 1000, p


def bench(name, module, env, profile, key_id, runs, work):
    data, sig = os.path.join(work, "challenge"), os.path.join(work, "sig")
    with open(data, "wb") as f:
        f.write(os.urandom(32))
    floor = ["pkcs11-tool", "--module", module, "--login", "--pin", PIN, "--id", key_id, "--sign",
             "--mechanism", "SHA256-RSA-PKCS", "--input-file", data, "--output-file", sig]
    ours = [TOKENDOCTOR, "check", "--json", "--pin-stdin", "--profile", profile, "--only", CHECKS]
    timing = os.path.join(work, f"timing-{name}")

    # Warm-up, and proof that the chain works: every check asked for passes.
    _, p = timed(ours, env, PIN + "\n")
    bad = [f"{r['id']}={r['status']}" for r in json.loads(p.stdout)["results"]
           if r["id"] in CHECKS.split(",") and r["status"] != "pass"]
    if bad:
        raise RuntimeError(f"{name}: the token chain is not healthy: {', '.join(bad)}")
    _, p = timed(floor, env)
    if p.returncode != 0:
        raise RuntimeError(f"{name}: pkcs11-tool failed: {p.stderr}")

    t_ours, t_floor, phases, checks = [], [], collections.defaultdict(list), collections.defaultdict(list)
    for _ in range(runs):
        # Interleaved, so drift on a shared machine hits both alike.
        if os.path.exists(timing):
            os.unlink(timing)
        ms, p = timed(ours, {**env, "TOKENDOCTOR_P11PROBE_TIMING": timing}, PIN + "\n")
        t_ours.append(ms)
        for k, v in probe_phases(timing).items():
            phases[k].append(v)
        for r in json.loads(p.stdout)["results"]:
            if r["id"] in CHECKS.split(","):
                checks[r["id"]].append(r["duration_ms"])
        t_floor.append(timed(floor, env)[0])
    m_ours, m_floor = statistics.median(t_ours), statistics.median(t_floor)
    print(f"\n== {name} ({module}), {runs} runs")
    print(f"tokendoctor check --only {CHECKS}: median {m_ours:.0f} ms "
          f"(min {min(t_ours):.0f}, max {max(t_ours):.0f})")
    print(f"pkcs11-tool --login --sign (the floor): median {m_floor:.0f} ms "
          f"(min {min(t_floor):.0f}, max {max(t_floor):.0f})")
    print(f"ratio: {m_ours / m_floor:.2f}")
    print("inside the probe (median ms per run):")
    total = 0.0
    for k in sorted(phases, key=lambda k: -statistics.median(phases[k])):
        total += statistics.median(phases[k])
        print(f"  {k:36s} {statistics.median(phases[k]):8.1f}")
    print(f"  {'(sum)':36s} {total:8.1f}")
    print("per check, as the engine measured it (median ms; checks overlap nothing here, they chain):")
    for cid in CHECKS.split(","):
        print(f"  {cid:36s} {statistics.median(checks[cid]):8.1f}")
    return m_ours / m_floor


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    rig = tdrig.TokenRig()
    work = tempfile.mkdtemp(prefix="td-bench-")
    try:
        ca = rig.make_ca()
        cert, key = rig.make_user_cert("user", ca, key="rsa2048")

        def profile(module):
            path = os.path.join(work, f"{os.path.basename(module)}.ini")
            with open(path, "w") as f:
                f.write(f"[platform]\nurl = https://127.0.0.1:9/\n[token]\nmodule = {module}\n[ca]\ncert = {ca}.pem\n")
            return path

        base = {**rig.env, "LANG": "C.UTF-8"}
        rig.start(cert_9a=cert, key_9a=key)
        opensc = tdrig.opensc_module()
        ratios = {"tokensim": bench("tokensim", opensc, base, profile(opensc), "01", runs, work)}
        softhsm = {**base, **tdrig.make_softhsm(work, cert=cert, key=key)}
        ratios["softhsm2"] = bench("softhsm2", tdrig.SOFTHSM_MODULE, softhsm, profile(tdrig.SOFTHSM_MODULE), "01",
                                   runs, work)
        print("\nratios (goal <= 1.3): " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    finally:
        rig.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
