# SPDX-License-Identifier: GPL-3.0-or-later
"""install-package for real, offline, and its restore.

A tiny package with no files (a DEBIAN/control alone, built with dpkg-deb) in a local file:
repository (Packages from dpkg-scanpackages), trusted with [trusted=yes]. Inside tests/rig/isolate
over the sandbox (sandbox.py), where /etc/apt, /var/lib/apt/lists, /var/cache/apt, /var/lib/dpkg
and /var/log are private layers, apt's sources are replaced by that repository alone and
`apt-get update` reads it; then the helper installs the package (dpkg says installed), restore
removes it again (it was absent before), and a package that was there before is left there. The
name is allowed by a system profile's [drivers] packages glob, never by the built-in list.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402
from sandbox import run_helper  # noqa: E402

PACKAGE = "tdtest-driver-gm3000"
JOURNAL = "/var/lib/tokendoctor/journal"


def dpkg_state(name):
    p = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", name], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else "absent"


def entry(jid):
    with open(os.path.join(JOURNAL, jid, "entry.json")) as f:
        return json.load(f)


def make_repo(repo):
    build = os.path.join(repo, "build")
    os.makedirs(os.path.join(build, "DEBIAN"))
    with open(os.path.join(build, "DEBIAN/control"), "w") as f:
        f.write(f"Package: {PACKAGE}\nVersion: 1.0\nArchitecture: all\nMaintainer: tokendoctor tests "
                "<tests@tokendoctor.invalid>\nDescription: an empty package for tokendoctor-helper's tests\n")
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", build, os.path.join(repo, f"{PACKAGE}_1.0_all.deb")],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(build)
    packages = subprocess.run(["dpkg-scanpackages", "."], cwd=repo, check=True, capture_output=True).stdout
    with open(os.path.join(repo, "Packages"), "wb") as f:
        f.write(packages)


def point_apt_at(repo):
    """In the sandbox: the repository is apt's only source, read once."""
    for name in os.listdir("/etc/apt/sources.list.d"):
        os.unlink(os.path.join("/etc/apt/sources.list.d", name))
    if os.path.exists("/etc/apt/sources.list"):
        os.unlink("/etc/apt/sources.list")
    with open("/etc/apt/sources.list.d/tdtest.list", "w") as f:
        f.write(f"deb [trusted=yes] file:{repo} ./\n")
    p = subprocess.run(["apt-get", "update"], capture_output=True, text=True)
    check("apt-get update from the local repository", p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:])


def main():
    sb = sandbox.Sandbox()
    repo = tempfile.mkdtemp(prefix="td-helper-repo-")
    os.chmod(repo, 0o755)  # apt's _apt user reads it
    try:
        make_repo(repo)
        point_apt_at(repo)
        os.makedirs("/etc/tokendoctor/profiles")
        with open("/etc/tokendoctor/profiles/test.ini", "w") as f:
            f.write("[platform]\nurl = https://platform.example/\n[drivers]\npackages = tdtest-driver-*\n")
        check("the package is not installed at first", dpkg_state(PACKAGE) == "absent", dpkg_state(PACKAGE))
        before = sb.changes()

        rc, out, err = run_helper("--dry-run", "install-package", PACKAGE)
        lines = out.splitlines()
        check("--dry-run: the plan, then apt's own simulation",
              rc == 0 and lines and lines[0].startswith("run /usr/bin/apt-get install -y --no-install-recommends ") and
              lines[0].endswith(f" -- {PACKAGE}") and f"apt: Inst {PACKAGE} (1.0 " in out and
              all(l.startswith("apt: ") for l in lines[1:]), f"{rc} {out!r} {err!r}")
        check("--dry-run: nothing written, no lock taken", sb.changes() == before,
              "\n".join(sorted(set(sb.changes()) - set(before))))
        check("--dry-run: still not installed", dpkg_state(PACKAGE) == "absent")

        rc, out, err = run_helper("install-package", PACKAGE)
        check("install-package: exit 0 and 'journal ID'", rc == 0 and out.startswith("journal "),
              f"{rc} {out!r} {err!r}")
        jid = out.split()[1] if rc == 0 else None
        check("install-package: dpkg says installed", dpkg_state(PACKAGE) == "installed", dpkg_state(PACKAGE))
        if jid:
            facts = entry(jid)["facts"]
            check("install-package: the entry notes it was absent before",
                  entry(jid)["state"] == "applied" and facts.get("package") == PACKAGE and
                  facts.get("package-was-installed") == "no", entry(jid))

            # Installed again while it is there: that entry must never remove it.
            rc, out2, err = run_helper("install-package", PACKAGE)
            check("install-package again: exit 0", rc == 0, f"{rc} {err!r}")
            jid2 = out2.split()[1] if rc == 0 else None
            if jid2:
                check("install-package again: notes it was installed", entry(jid2)["facts"].get(
                    "package-was-installed") == "yes", entry(jid2))
                rc, out, err = run_helper("restore", jid2)
                check("restore of the second: exit 0, the package stays", rc == 0 and
                      dpkg_state(PACKAGE) == "installed", f"{rc} {err!r} {dpkg_state(PACKAGE)}")

            rc, out, err = run_helper("restore", jid)
            check("restore: exit 0", rc == 0 and out == f"journal {jid}\n", f"{rc} {out!r} {err!r}")
            check("restore: dpkg says not installed", dpkg_state(PACKAGE) in ("absent", "not-installed"),
                  dpkg_state(PACKAGE))
            check("restore: entry undone", entry(jid)["state"] == "undone", entry(jid))

        # A package apt does not know: apt-get fails, the entry is rolled back, dpkg unchanged.
        rc, out, err = run_helper("install-package", "tdtest-driver-nowhere")
        check("install-package of an unknown package: exit 1 with apt's reason", rc == 1 and out == "" and
              "apt-get" in err, f"{rc} {out!r} {err!r}")
        ids = sorted(os.listdir(JOURNAL))
        last = [i for i in ids if entry(i)["facts"].get("package") == "tdtest-driver-nowhere"]
        check("install-package of an unknown package: rolled-back", len(last) == 1 and
              entry(last[0])["state"] == "rolled-back", last)
    finally:
        sb.close()
        shutil.rmtree(repo, ignore_errors=True)
    return tap.summary()


if __name__ == "__main__":
    sys.exit(main())
