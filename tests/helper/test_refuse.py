# SPDX-License-Identifier: GPL-3.0-or-later
"""tokendoctor-helper refuses what it must refuse, before anything runs.

Run as root inside tests/rig/isolate, over a sandbox (sandbox.py) where every directory the helper
could write is a private overlay. For each hostile call: exit status 64 and one line on stderr,
and nothing at all written anywhere (no journal, no /var/lib/tokendoctor, no file, and no apt or
dpkg lock touched, which any apt-get or dpkg run would open for writing). The same calls are then
made allowed (a root-owned system profile, a well-formed argument) to show that the table would
see a refusal that is missing.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402
from sandbox import run_helper  # noqa: E402

PROFILE = """[platform]
url = https://platform.example/
[drivers]
packages = {packages}
[token.test]
usb_ids = {usb_ids}
"""

LONG = "a" * 10240


def write_profile(path, packages="tdtest-driver-*", usb_ids="1d99:0001", mode=0o644, uid=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(PROFILE.format(packages=packages, usb_ids=usb_ids))
    os.chmod(path, mode)
    os.chown(path, uid, 0)


def refused(sb, name, args, env=None, status=64, changed_ok=False):
    """@changed_ok: the sandbox holds a profile the test wrote; compare with that."""
    before = sb.changes() if changed_ok else []
    rc, out, err = run_helper(*args, env=env)
    changed = [c for c in sb.changes() if c not in before]
    check(f"{name}: exit {status}", rc == status, f"exit {rc}, stdout {out!r}, stderr {err!r}")
    lines = [l for l in err.splitlines() if not l.startswith("tokendoctor-helper: warning:")]
    check(f"{name}: one line on stderr", len(lines) == 1 and err.endswith("\n"), repr(err))
    check(f"{name}: nothing on stdout", out == "", repr(out))
    check(f"{name}: nothing written", changed == [], "\n".join(changed))
    check(f"{name}: no journal", not os.path.exists("/var/lib/tokendoctor"))
    return err


# Each verb with arguments its grammar refuses, whatever a profile allows (the table runs twice:
# with no system profile, and with one that allows every package and these vendors' every
# product). Bytes where the point is the bytes.
GRAMMAR = {
    "install-package": [
        "/etc/passwd", "../pcscd", "pcscd/../x", "pcscd;id", "$(id)", "`id`", "pcscd|id", "pcscd&", "pcscd\nid",
        "--", "-o", "--force-all", "-oAPT::Get::AllowUnauthenticated=1", "-y", "Pcscd", "pcscd ", " pcscd",
        "p", "", "pcscd:amd64", "pcscd=1.0", "pcscd*", LONG, "a" * 101, b"pcscd\xff", b"\xe4\xb8\xad\xe6\x96\x87",
        "pcscd\x1b[2J", "pcscd\x07", "pcscd\t", "pcscd\r",
    ],
    "generate-locale": [
        "zh_TW.UTF-8", "C.UTF-8", "zh_CN.utf8", "zh_CN", "zh_CN.UTF-8 ", "zh_CN.UTF-8\n", "zh_CN.UTF-8;id",
        "../zh_CN.UTF-8", "/usr/share/i18n/locales/zh_CN", "--", "-i", "$(id)", LONG, b"zh_CN.UTF-8\xff", "",
    ],
    "install-udev-rule": [
        "055C:E000", "055c:E000", "055c:e000 ", "0x55c:e000", "055c:*", "055c", "055c:e0001", "055c:e000:1",
        "055c-e000", "../055c:e000", "/etc/passwd", "055c;e000", "$(id)", "--", "-v", LONG, b"055c:e00\xff", "",
    ],
    "disable-module": [
        "/etc/passwd", "../x.module", "a/b.module", "../../etc/shadow", "-x.module", ".x.module", "..module",
        ".module", "x.modules", "x.module/", "x.module\n", "x;id.module", "$(id).module", "`id`.module",
        "x|y.module", "x&.module", "x y.module", "--", "-o", "--force-all", "a" * 194 + ".module", LONG + ".module",
        b"x\xff.module", "x\x1b.module", "",
    ],
    "restore": [
        "/etc/passwd", "../x", "20261203T052233Z-allow-pcscd-a1b2c3/../../x", "20261203T052233Z-allow-pcscd-A1B2C3",
        "20261203T052233Z-allow-pcscd-a1b2c", "x", "--", "-o", "$(id)", LONG, b"20261203T052233Z-\xff-a1b2c3", "",
    ],
}

# Well-formed, and refused when no system profile allows them (or there is no such thing).
NOT_ALLOWED = {
    "install-package": ["tdtest-driver-1", "bash", "sudo"],
    "install-udev-rule": ["1d99:0001", "ffff:ffff"],
    "disable-module": ["tdtest-nothing-here.module"],
    "restore": ["20261203T052233Z-allow-pcscd-a1b2c3"],
}

# A good argument for each verb, to show that an extra one is refused for its own sake.
GOOD = {"install-package": "pcscd", "generate-locale": "zh_CN.UTF-8", "install-udev-rule": "055c:e000",
        "disable-module": "softhsm2.module"}

PERMISSIVE = dict(packages="*", usb_ids="055c:*, 1d99:*, 0000:*")

NO_ARG_VERBS = ["start-pcscd", "enable-ntp", "allow-pcscd"]


def main():
    sb = sandbox.Sandbox()
    user = tempfile.mkdtemp(prefix="td-helper-user-")
    try:
        # --- verbs ---------------------------------------------------------------------------
        for args in [[], ["--dry-run"], ["frobnicate"], ["START-PCSCD"], ["start-pcscd\n"], ["start_pcscd"],
                     [" allow-pcscd"], ["allow-pcscd;id"], ["$(id)"], ["--force"], ["-h"], ["--help", "x"],
                     ["--version", "x"], ["--dry-run", "--dry-run", "allow-pcscd"], ["allow-pcscd", "--dry-run"],
                     ["--profile", "x.ini", "install-package", "pcscd"], [LONG], [b"\xff\xfe"], ["shell"], ["sh"],
                     ["/bin/sh"], ["restore"], ["install-package"], ["install-udev-rule"], ["disable-module"],
                     ["generate-locale"]]:
            refused(sb, f"argv {[a[:40] for a in args]!r}", args)

        for verb in NO_ARG_VERBS:
            for extra in ["x", "--", "--now", "$(id)", ""]:
                refused(sb, f"{verb} {extra!r}", [verb, extra])

        for permissive in (False, True):
            sb.reset()
            if permissive:
                write_profile("/etc/tokendoctor/profiles/all.ini", **PERMISSIVE)
            how = " (a profile allows all)" if permissive else ""
            for verb, bad in GRAMMAR.items():
                for arg in bad:
                    err = refused(sb, f"{verb} {arg[:40]!r}{how}", [verb, arg], changed_ok=permissive)
                    # Refused by the grammar itself: nothing was looked up for it.
                    check(f"{verb} {arg[:40]!r}{how}: refused by its grammar", " is not " in err, repr(err))
                    check(f"{verb} {arg[:40]!r}{how}: the message escapes what it quotes",
                          "\x1b" not in err and "\x07" not in err and err.count("\n") == 1, repr(err))
                refused(sb, f"{verb} --dry-run {str(bad[-1])[:40]!r}{how}", ["--dry-run", verb, bad[-1]],
                        changed_ok=permissive)
            for verb, good in GOOD.items():
                refused(sb, f"{verb} {good} extra{how}", [verb, good, "extra"], changed_ok=permissive)
                refused(sb, f"{verb} {good} --{how}", [verb, good, "--"], changed_ok=permissive)
                refused(sb, f"{verb} -- {good}{how}", [verb, "--", good], changed_ok=permissive)
        sb.reset()
        for verb, bad in NOT_ALLOWED.items():
            for arg in bad:
                refused(sb, f"{verb} {arg!r} (allowed by nothing)", [verb, arg])

        # --- names only the caller's own profiles allow ----------------------------------------
        allows = dict(packages="tdtest-driver-*", usb_ids="1d99:0001")
        write_profile(os.path.join(user, "tokendoctor/profiles/mine.ini"), uid=0, **allows)
        write_profile(os.path.join(user, "data/profiles/mine.ini"), uid=0, **allows)
        hostile_env = {"XDG_CONFIG_HOME": user, "HOME": user, "TOKENDOCTOR_DATADIR": os.path.join(user, "data"),
                       "LANG": "zh_TW.UTF-8", "APT_CONFIG": "/nonexistent", "DEBIAN_FRONTEND": "readline"}
        for verb, arg in [("install-package", "tdtest-driver-1"), ("install-udev-rule", "1d99:0001")]:
            refused(sb, f"{verb} {arg} allowed only by $XDG_CONFIG_HOME and $TOKENDOCTOR_DATADIR", [verb, arg],
                    env=hostile_env)
            refused(sb, f"{verb} {arg} with --profile", ["--profile", os.path.join(user, "tokendoctor/profiles/mine.ini"),
                                                         verb, arg])
            refused(sb, f"{verb} {arg} with a trailing --profile", [verb, arg, "--profile=mine"])

        # --- system profiles that are not root's own ------------------------------------------
        etc_profile = "/etc/tokendoctor/profiles/test.ini"
        bad_profiles = {
            "group-writable": lambda: write_profile(etc_profile, mode=0o664, **allows),
            "world-writable": lambda: write_profile(etc_profile, mode=0o646, **allows),
            "owned by uid 1000": lambda: write_profile(etc_profile, uid=1000, **allows),
            # The targets are root's own, in root's own directories: only the link is wrong.
            "a symbolic link to a root-owned file": lambda: (
                write_profile("/etc/tdtest-real/test.ini", **allows),
                os.makedirs(os.path.dirname(etc_profile), exist_ok=True),
                os.symlink("/etc/tdtest-real/test.ini", etc_profile)),
            "in a directory writable by others": lambda: (
                write_profile(etc_profile, **allows), os.chmod(os.path.dirname(etc_profile), 0o777)),
            "in a directory owned by uid 1000": lambda: (
                write_profile(etc_profile, **allows), os.chown(os.path.dirname(etc_profile), 1000, 0)),
            "in a directory that is a symbolic link": lambda: (
                write_profile("/etc/tdtest-real/test.ini", **allows),
                os.makedirs("/etc/tokendoctor", exist_ok=True),
                os.symlink("/etc/tdtest-real", "/etc/tokendoctor/profiles")),
            "a FIFO": lambda: (os.makedirs(os.path.dirname(etc_profile), exist_ok=True), os.mkfifo(etc_profile)),
        }
        for what, make in bad_profiles.items():
            for verb, arg in [("install-package", "tdtest-driver-1"), ("install-udev-rule", "1d99:0001")]:
                sb.reset()
                make()
                sb_before = sb.changes()
                rc, out, err = run_helper(verb, arg)
                check(f"profile {what}: {verb} {arg} exit 64", rc == 64, f"exit {rc}: {err!r}")
                check(f"profile {what}: {verb} warns about it", "warning:" in err, repr(err))
                check(f"profile {what}: {verb} wrote nothing", sb.changes() == sb_before,
                      "\n".join(sorted(set(sb.changes()) - set(sb_before))))
                check(f"profile {what}: no journal", not os.path.exists("/var/lib/tokendoctor"))

        # --- the controls: the same calls, allowed, get past validation ------------------------
        sb.reset()
        write_profile(etc_profile, **allows)
        for args in [["--dry-run", "install-udev-rule", "1d99:0001"], ["--dry-run", "allow-pcscd"],
                     ["--dry-run", "generate-locale", "zh_CN.UTF-8"], ["--dry-run", "disable-module", "softhsm2.module"],
                     ["--dry-run", "install-package", "pcscd"]]:
            before = sb.changes()
            rc, out, err = run_helper(*args)
            check(f"control {args}: exit 0 with a plan", rc == 0 and out, f"exit {rc}: {out!r} {err!r}")
            check(f"control {args}: a dry run writes nothing", sb.changes() == before,
                  "\n".join(sorted(set(sb.changes()) - set(before))))
        rc, out, err = run_helper("--dry-run", "install-package", "tdtest-driver-1")
        check("control: a root-owned system profile's glob allows tdtest-driver-1", rc != 64, f"exit {rc}: {err!r}")
        rc, out, err = run_helper("install-udev-rule", "1d99:0001")
        check("control: install-udev-rule 1d99:0001 writes the rule and a journal",
              rc == 0 and out.startswith("journal ") and os.path.exists("/etc/udev/rules.d/70-tokendoctor-1d99-0001.rules"),
              f"exit {rc}: {out!r} {err!r}")
        check("control: the change detector sees a real run", sb.changes() != [])
        # The data directory's profiles count as the system's too.
        sb.reset()
        write_profile(os.path.join(sandbox.DATADIR, "profiles/data.ini"), usb_ids="1d99:*", packages="x")
        rc, out, err = run_helper("--dry-run", "install-udev-rule", "1d99:00ff")
        check("control: a profile in the data directory allows a vendor's every product (1d99:*)", rc == 0,
              f"exit {rc}: {err!r}")

        # --- not root ---------------------------------------------------------------------------
        sb.reset()
        import subprocess
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sandbox.HELPER,
                            "allow-pcscd"], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", **sandbox.SANITIZER_ENV})
        check("not root: exit 77", p.returncode == 77, f"exit {p.returncode}: {p.stderr!r}")
        check("not root: nothing written", sb.changes() == [])
    finally:
        sb.close()
        shutil.rmtree(user, ignore_errors=True)

    return tap.summary()


if __name__ == "__main__":
    sys.exit(main())
