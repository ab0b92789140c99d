# SPDX-License-Identifier: GPL-3.0-or-later
"""Each verb of tokendoctor-helper for real, as root, and its restore.

Inside tests/rig/isolate over a sandbox (sandbox.py) of overlay mounts, so the real /etc, /var/lib,
/usr/lib/locale and /usr/share/p11-kit never change. For each verb: what it wrote, the journal entry
it left ("applied"), then `restore ID` and every touched file and directory compared before and
after, bytes, mode and owner ("undone"). A verb made to fail half way leaves nothing changed and its
entry "rolled-back". The systemd verbs, on this machine without a running systemd, say so (69) and
journal nothing.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402
from sandbox import run_helper, snapshot  # noqa: E402

JOURNAL = "/var/lib/tokendoctor/journal"


def entry(journal_id):
    with open(os.path.join(JOURNAL, journal_id, "entry.json")) as f:
        return json.load(f)


def applied(name, args):
    """Run a verb that must succeed; its journal id (or None)."""
    rc, out, err = run_helper(*args)
    ok = rc == 0 and out.startswith("journal ") and out.count("\n") == 1
    check(f"{name}: exit 0 and one line 'journal ID'", ok, f"exit {rc}: {out!r} {err!r}")
    if not ok:
        return None
    jid = out.split()[1]
    check(f"{name}: entry {jid} is applied", entry(jid)["state"] == "applied", entry(jid))
    return jid


def restored(name, jid, paths, before):
    rc, out, err = run_helper("restore", jid)
    check(f"{name}: restore exit 0", rc == 0 and out == f"journal {jid}\n", f"exit {rc}: {out!r} {err!r}")
    check(f"{name}: entry undone", entry(jid)["state"] == "undone", entry(jid))
    after = snapshot(paths)
    check(f"{name}: every file and directory as before (bytes, mode, owner)", after == before,
          diff(before, after))
    rc, out, err = run_helper("restore", jid)
    check(f"{name}: a second restore is refused", rc == 1 and out == "", f"exit {rc}: {err!r}")


def diff(a, b):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: {str(a.get(k))[:200]} -> {str(b.get(k))[:200]}")
    return "\n".join(lines)


def p11kit_modules():
    p = subprocess.run(["p11-kit", "list-modules"], capture_output=True, text=True)
    return {line.split(":")[0] for line in p.stdout.splitlines() if line and not line[0].isspace()}


def archive():
    return subprocess.run(["localedef", "--list-archive"], capture_output=True, text=True).stdout.split()


def write(path, text, mode=0o644, uid=0, gid=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    os.chown(path, uid, gid)


def write_profile():
    write("/etc/tokendoctor/profiles/test.ini",
          "[platform]\nurl = https://platform.example/\n[token.gm3000]\nusb_ids = 055c:*\n"
          "[token.epass]\nusb_ids = 096e:0807\n")


def test_allow_pcscd(sb):
    # polkitd 122 (Debian 12): the JavaScript rule. The dpkg database is the sandbox's own copy.
    write("/var/lib/dpkg/status", "Package: polkitd\nStatus: install ok installed\nVersion: 122-3\n\n"
          "Package: policykit-1\nStatus: install ok installed\nVersion: 122-3\n")
    paths = ["/etc/polkit-1"]
    before = snapshot(paths)
    rc, out, err = run_helper("--dry-run", "allow-pcscd")
    check("allow-pcscd --dry-run: the plan", rc == 0 and out == "write /etc/polkit-1/rules.d/60-tokendoctor-pcscd.rules\n",
          f"{rc} {out!r} {err!r}")
    check("allow-pcscd --dry-run: nothing written", sb.changes() == ["/var/lib/dpkg", "/var/lib/dpkg/status"],
          sb.changes())
    jid = applied("allow-pcscd (rules)", ["allow-pcscd"])
    rule = "/etc/polkit-1/rules.d/60-tokendoctor-pcscd.rules"
    st = os.stat(rule)
    text = open(rule).read()
    check("allow-pcscd: the JavaScript rule, 0644 root",
          "polkit.addRule(" in text and "org.debian.pcsc-lite.access_card" in text and
          "subject.local && subject.active" in text and (st.st_mode & 0o7777, st.st_uid) == (0o644, 0),
          f"{oct(st.st_mode)} {st.st_uid}\n{text}")
    check("allow-pcscd: the flavour noted", entry(jid)["facts"].get("polkit-flavour") == "rules", entry(jid))
    check("allow-pcscd: no temporary file left", os.listdir("/etc/polkit-1/rules.d") == ["60-tokendoctor-pcscd.rules"],
          os.listdir("/etc/polkit-1/rules.d"))
    restored("allow-pcscd (rules)", jid, paths, before)

    # policykit-1 0.105 (Debian 11, UOS, Kylin): a .pkla in directories made for it, gone again after.
    sb.reset()
    write("/var/lib/dpkg/status", "Package: policykit-1\nStatus: install ok installed\nVersion: 0.105-31+deb11u1\n\n"
          "Package: polkitd\nStatus: deinstall ok config-files\nVersion: 122-3\n")
    before = snapshot(paths)
    jid = applied("allow-pcscd (pkla)", ["allow-pcscd"])
    pkla = "/etc/polkit-1/localauthority/50-local.d/60-tokendoctor-pcscd.pkla"
    text = open(pkla).read() if os.path.exists(pkla) else ""
    check("allow-pcscd (pkla): the .pkla file", "ResultActive=yes" in text and "Identity=unix-user:*" in text, text)
    check("allow-pcscd (pkla): no JavaScript rule",
          not os.path.exists("/etc/polkit-1/rules.d/60-tokendoctor-pcscd.rules"))
    restored("allow-pcscd (pkla)", jid, paths, before)
    check("allow-pcscd (pkla): the directories it made are gone", not os.path.exists("/etc/polkit-1/localauthority"))

    # No polkit at all: nothing to do here, nothing journalled.
    sb.reset()
    write("/var/lib/dpkg/status", "Package: pcscd\nStatus: install ok installed\nVersion: 1.9.9-2\n")
    written = sb.changes()
    rc, out, err = run_helper("allow-pcscd")
    check("allow-pcscd without polkit: exit 69 with what to do", rc == 69 and "install polkitd" in err,
          f"{rc} {err!r}")
    check("allow-pcscd without polkit: nothing written", sb.changes() == written, sb.changes())


def test_udev(sb):
    sb.reset()
    write_profile()
    paths = ["/etc/udev"]
    before = snapshot(paths)
    rc, out, err = run_helper("--dry-run", "install-udev-rule", "055c:e000")
    check("install-udev-rule --dry-run: the plan",
          rc == 0 and "write /etc/udev/rules.d/70-tokendoctor-055c-e000.rules\n" in out, f"{rc} {out!r} {err!r}")
    rc, out, err = run_helper("install-udev-rule", "055c:e000")
    check("install-udev-rule: done, udevadm's absence only a warning",
          rc == 0 and out.startswith("journal ") and "warning:" in err, f"{rc} {out!r} {err!r}")
    jid = out.split()[1] if rc == 0 else None
    rule = "/etc/udev/rules.d/70-tokendoctor-055c-e000.rules"
    text = open(rule).read() if os.path.exists(rule) else ""
    check("install-udev-rule: td_udev_rule_make's rule",
          'SUBSYSTEMS=="usb", ATTRS{idVendor}=="055c", ATTRS{idProduct}=="e000", MODE="0660", TAG+="uaccess"\n'
          in text, text)
    if jid:
        restored("install-udev-rule", jid, paths, before)
    check("install-udev-rule: /etc/udev, which it made, is gone", not os.path.exists("/etc/udev"))

    # A rule file already there, of another mode: its bytes and mode come back.
    sb.reset()
    write_profile()
    write("/etc/udev/rules.d/70-tokendoctor-096e-0807.rules", "# mine\n", mode=0o600, gid=4)
    os.symlink("/dev/null", "/etc/udev/rules.d/80-masked.rules")
    before = snapshot(paths)
    jid = applied("install-udev-rule over a file", ["install-udev-rule", "096e:0807"])
    check("install-udev-rule over a file: replaced, 0644 root:root",
          (os.stat("/etc/udev/rules.d/70-tokendoctor-096e-0807.rules").st_mode & 0o777) == 0o644)
    if jid:
        restored("install-udev-rule over a file", jid, paths, before)

    # A link where the rule goes is replaced, never followed.
    sb.reset()
    write_profile()
    write("/etc/tdtest-target", "precious\n")
    os.makedirs("/etc/udev/rules.d")
    os.symlink("/etc/tdtest-target", "/etc/udev/rules.d/70-tokendoctor-055c-0001.rules")
    before = snapshot(paths + ["/etc/tdtest-target"])
    jid = applied("install-udev-rule over a link", ["install-udev-rule", "055c:0001"])
    check("install-udev-rule over a link: the link's target untouched", open("/etc/tdtest-target").read() == "precious\n")
    check("install-udev-rule over a link: a file now",
          not os.path.islink("/etc/udev/rules.d/70-tokendoctor-055c-0001.rules"))
    if jid:
        restored("install-udev-rule over a link", jid, paths + ["/etc/tdtest-target"], before)

    # A link on the way to the rule's directory: refused, nothing written through it.
    sb.reset()
    write_profile()
    os.makedirs("/etc/tdtest-elsewhere")
    os.symlink("/etc/tdtest-elsewhere", "/etc/udev")
    rc, out, err = run_helper("install-udev-rule", "055c:e000")
    check("install-udev-rule through a linked /etc/udev: fails (1), rolled back",
          rc == 1 and os.listdir("/etc/tdtest-elsewhere") == [], f"{rc} {err!r} {os.listdir('/etc/tdtest-elsewhere')}")
    ids = os.listdir(JOURNAL) if os.path.isdir(JOURNAL) else []
    check("install-udev-rule through a link: entry rolled-back",
          len(ids) == 1 and entry(ids[0])["state"] == "rolled-back", ids)

    # Half way: the journal entry made and the file kept, then the write fails (a read-only
    # directory): nothing changed, entry rolled-back.
    sb.reset()
    write_profile()
    os.makedirs("/etc/udev/rules.d")
    write("/etc/udev/rules.d/70-tokendoctor-055c-e000.rules", "# before\n")
    before = snapshot(paths)
    sb.bind_readonly("/etc/udev/rules.d")
    rc, out, err = run_helper("install-udev-rule", "055c:e000")
    check("install-udev-rule into a read-only directory: exit 1, nothing on stdout", rc == 1 and out == "",
          f"{rc} {out!r} {err!r}")
    ids = os.listdir(JOURNAL) if os.path.isdir(JOURNAL) else []
    check("install-udev-rule half way: entry rolled-back", len(ids) == 1 and entry(ids[0])["state"] == "rolled-back",
          ids and entry(ids[0]))
    check("install-udev-rule half way: nothing changed", snapshot(paths) == before, diff(before, snapshot(paths)))


def test_disable_module(sb):
    # A package's registration in /usr/share/p11-kit/modules: an /etc file of its name switches it off.
    sb.reset()
    paths = ["/etc/pkcs11", "/usr/share/p11-kit/modules"]
    before = snapshot(paths)
    check("disable-module: p11-kit loads softhsm2 at first", "softhsm2" in p11kit_modules(), p11kit_modules())
    rc, out, err = run_helper("--dry-run", "disable-module", "softhsm2.module")
    check("disable-module --dry-run: the plan", rc == 0 and out.endswith("write /etc/pkcs11/modules/softhsm2.module\n"),
          f"{rc} {out!r} {err!r}")
    check("disable-module --dry-run: nothing written", sb.changes() == [], sb.changes())
    jid = applied("disable-module (package)", ["disable-module", "softhsm2.module"])
    override = "/etc/pkcs11/modules/softhsm2.module"
    text = open(override).read() if os.path.exists(override) else ""
    check("disable-module (package): the override is an empty enable-in:", text.endswith("\nenable-in:\n"), text)
    check("disable-module (package): p11-kit no longer loads it", "softhsm2" not in p11kit_modules(), p11kit_modules())
    check("disable-module (package): the package's file untouched",
          snapshot(["/usr/share/p11-kit/modules"]) == {k: v for k, v in before.items()
                                                       if k.startswith("/usr/share/p11-kit/modules")})
    rc, out, err = run_helper("disable-module", "softhsm2.module")
    check("disable-module again: done, with a warning that it was off", rc == 0 and "already" in err, f"{rc} {err!r}")
    if jid:
        restored("disable-module (package)", jid, paths, before)
    check("disable-module (package): p11-kit loads it again", "softhsm2" in p11kit_modules(), p11kit_modules())

    # Why not rename it aside: p11-kit reads every file of the directory, whatever its name
    # (conf.c, load_configs_from_directory(); a name without ".module" only earns a message), so a
    # registration renamed X.module.tokendoctor-disabled is still loaded, under that name.
    sb.reset()
    os.rename("/usr/share/p11-kit/modules/softhsm2.module", "/usr/share/p11-kit/modules/softhsm2.module.tokendoctor-disabled")
    check("p11-kit still loads a registration renamed X.module.tokendoctor-disabled",
          "softhsm2.module.tokendoctor-disabled" in p11kit_modules(), p11kit_modules())

    # The administrator's own registration in /etc/pkcs11/modules: commented, switched off, all kept.
    sb.reset()
    library = [l.split(":", 1)[1].strip() for l in open("/usr/share/p11-kit/modules/softhsm2.module")
               if l.startswith("module:")][0]
    write("/etc/pkcs11/modules/tdtest.module", f"# a vendor's\nmodule: {library}\ndisable-in: firefox\n", mode=0o640,
          gid=4)
    before = snapshot(paths)
    check("disable-module (/etc): p11-kit loads tdtest at first", "tdtest" in p11kit_modules(), p11kit_modules())
    jid = applied("disable-module (/etc)", ["disable-module", "tdtest.module"])
    text = open("/etc/pkcs11/modules/tdtest.module").read()
    check("disable-module (/etc): the lines kept, disable-in commented, enable-in: empty",
          text.startswith(f"# a vendor's\nmodule: {library}\n# disabled by tokendoctor: disable-in: firefox\n") and
          text.endswith("\nenable-in:\n"), text)
    st = os.stat("/etc/pkcs11/modules/tdtest.module")
    check("disable-module (/etc): its mode kept", st.st_mode & 0o777 == 0o640, oct(st.st_mode))
    check("disable-module (/etc): p11-kit no longer loads it", "tdtest" not in p11kit_modules(), p11kit_modules())
    if jid:
        restored("disable-module (/etc)", jid, paths, before)
    check("disable-module (/etc): p11-kit loads it again", "tdtest" in p11kit_modules(), p11kit_modules())


def test_locale(sb):
    sb.reset()
    paths = ["/etc/locale.gen"]
    before = snapshot(paths)
    list_before = archive()
    # One of the helper's locales that this machine has not made.
    absent = [l for l in ("zh_SG.UTF-8", "en_US.UTF-8", "zh_CN.UTF-8")
              if l.replace("UTF-8", "utf8") not in list_before]
    check("generate-locale: a locale of the allow-list is not there at first", absent, list_before)
    if not absent:
        return
    loc = absent[0]
    rc, out, err = run_helper("--dry-run", "generate-locale", loc)
    check("generate-locale --dry-run: the plan", rc == 0 and out == "write /etc/locale.gen\nrun /usr/sbin/locale-gen\n",
          f"{rc} {out!r} {err!r}")
    check("generate-locale --dry-run: nothing written", sb.changes() == [], sb.changes())
    jid = applied(f"generate-locale {loc}", ["generate-locale", loc])
    check("generate-locale: in the archive", loc.replace("UTF-8", "utf8") in archive(), archive())
    check("generate-locale: enabled in /etc/locale.gen", f"\n{loc} UTF-8\n" in open("/etc/locale.gen").read())
    if jid:
        restored("generate-locale", jid, paths, before)
    check("generate-locale: the archive as before (localedef --list-archive)", archive() == list_before,
          f"{list_before} -> {archive()}")

    # Half way: /etc/locale.gen written, then no locale can be made (a read-only /usr/lib/locale).
    sb.reset()
    sb.bind_readonly("/usr/lib/locale")
    rc, out, err = run_helper("generate-locale", loc)
    check("generate-locale with a read-only archive: exit 1", rc == 1 and out == "", f"{rc} {out!r} {err!r}")
    ids = os.listdir(JOURNAL) if os.path.isdir(JOURNAL) else []
    check("generate-locale half way: entry rolled-back", len(ids) == 1 and entry(ids[0])["state"] == "rolled-back",
          ids and entry(ids[0]))
    check("generate-locale half way: /etc/locale.gen as before", snapshot(paths) == before,
          diff(before, snapshot(paths)))
    check("generate-locale half way: the archive as before", archive() == list_before, archive())


def test_systemd_verbs(sb):
    sb.reset()
    for verb, words in [("start-pcscd", "pcscd"), ("enable-ntp", "time synchronisation")]:
        for args in [[verb], ["--dry-run", verb]]:
            rc, out, err = run_helper(*args)
            check(f"{' '.join(args)} without systemd: exit 69 with what to do instead",
                  rc == 69 and "systemd is not running" in err and words in err and err.count("\n") == 1,
                  f"{rc} {out!r} {err!r}")
            check(f"{' '.join(args)}: nothing journalled, nothing written", sb.changes() == [], sb.changes())


FAKE = "/run/tdfake"
# systemctl and timedatectl as far as the verbs use them, with their state in files under /run
# (a private tmpfs): every call logged.
FAKE_SYSTEMCTL = f"""#!/bin/sh
S={FAKE}
echo "systemctl $*" >> $S/log
[ -e "$S/fail-$1" ] && {{ echo "Failed to $1 unit: simulated" >&2; exit 1; }}
case "$1" in
is-enabled) cat $S/enabled; [ "$(cat $S/enabled)" = enabled ];;
is-active) cat $S/active; [ "$(cat $S/active)" = active ];;
unmask) [ "$(cat $S/enabled)" = masked ] && echo disabled > $S/enabled; exit 0;;
mask) echo masked > $S/enabled;;
enable) [ "$(cat $S/enabled)" = masked ] && {{ echo "Unit file is masked." >&2; exit 1; }}
        echo enabled > $S/enabled; [ "$2" = --now ] && echo active > $S/active; exit 0;;
disable) echo disabled > $S/enabled;;
stop) echo inactive > $S/active;;
*) exit 1;;
esac
"""
FAKE_TIMEDATECTL = f"""#!/bin/sh
S={FAKE}
echo "timedatectl $*" >> $S/log
case "$1" in
show) cat $S/ntp;;
set-ntp) [ -e "$S/fail-set-ntp" ] && {{ echo "Failed to set ntp: NTP not supported" >&2; exit 1; }}
         if [ "$2" = true ]; then echo yes > $S/ntp; else echo no > $S/ntp; fi;;
*) exit 1;;
esac
"""


def fake_state(**files):
    os.makedirs(FAKE, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(FAKE, name.replace("_", "-")), "w") as f:
            f.write(text + "\n")
    open(os.path.join(FAKE, "log"), "w").close()


def fake_read(name):
    with open(os.path.join(FAKE, name)) as f:
        return f.read()


def test_systemd_fake(sb):
    """start-pcscd and enable-ntp against a stand-in systemd: what they run, and what undo runs."""
    systemctl = "/usr/bin/systemctl"
    start = [("masked", "inactive"), ("disabled", "inactive"), ("enabled", "inactive"), ("enabled", "active")]
    for enabled, active in start:
        name = f"start-pcscd ({enabled}, {active})"
        sb.reset()
        sb.fake_systemd({systemctl: FAKE_SYSTEMCTL, "/usr/bin/timedatectl": FAKE_TIMEDATECTL})
        fake_state(enabled=enabled, active=active)
        rc, out, err = run_helper("--dry-run", "start-pcscd")
        plan = (["run /usr/bin/systemctl unmask pcscd.socket"] if enabled == "masked" else []) + \
            ["run /usr/bin/systemctl enable --now pcscd.socket"]
        check(f"{name} --dry-run: the plan", rc == 0 and out.splitlines() == plan, f"{rc} {out!r} {err!r}")
        check(f"{name} --dry-run: only asked", fake_read("log").split("\n")[:-1] ==
              ["systemctl is-enabled pcscd.socket", "systemctl is-active pcscd.socket"], fake_read("log"))
        fake_state(enabled=enabled, active=active)
        jid = applied(name, ["start-pcscd"])
        ran = fake_read("log").splitlines()[2:]
        check(f"{name}: ran {plan}", ran == [p[len("run /usr/bin/"):] for p in plan], ran)
        check(f"{name}: enabled and active", (fake_read("enabled"), fake_read("active")) == ("enabled\n", "active\n"))
        if jid:
            facts = entry(jid)["facts"]
            check(f"{name}: the state before noted", (facts.get("pcscd-socket-enabled"),
                                                      facts.get("pcscd-socket-active")) == (enabled, active), facts)
            fake_state(enabled="enabled", active="active")
            rc, out, err = run_helper("restore", jid)
            check(f"{name}: restore exit 0", rc == 0, f"{rc} {err!r}")
            check(f"{name}: restore puts back {enabled}, {active}",
                  (fake_read("enabled"), fake_read("active")) == (enabled + "\n", active + "\n"), fake_read("log"))
            check(f"{name}: restore entry undone", entry(jid)["state"] == "undone")

    # Half way: unmasked, then enable fails: masked again, rolled back.
    sb.reset()
    sb.fake_systemd({systemctl: FAKE_SYSTEMCTL})
    fake_state(enabled="masked", active="inactive", fail_enable="")
    rc, out, err = run_helper("start-pcscd")
    check("start-pcscd, enable failing: exit 1 with systemctl's reason", rc == 1 and "simulated" in err,
          f"{rc} {out!r} {err!r}")
    check("start-pcscd, enable failing: masked again", fake_read("enabled") == "masked\n", fake_read("log"))
    ids = os.listdir(JOURNAL)
    check("start-pcscd, enable failing: rolled-back", len(ids) == 1 and entry(ids[0])["state"] == "rolled-back")

    # No pcscd.socket at all: 69, nothing journalled.
    sb.reset()
    sb.fake_systemd({systemctl: FAKE_SYSTEMCTL})
    fake_state(enabled="not-found", active="inactive")
    before = sb.changes()
    rc, out, err = run_helper("start-pcscd")
    check("start-pcscd without pcscd.socket: 69, install pcscd", rc == 69 and "install-package pcscd" in err,
          f"{rc} {err!r}")
    check("start-pcscd without pcscd.socket: no journal", not os.path.exists("/var/lib/tokendoctor"))

    for ntp in ["no", "yes"]:
        sb.reset()
        sb.fake_systemd({"/usr/bin/timedatectl": FAKE_TIMEDATECTL, systemctl: FAKE_SYSTEMCTL})
        fake_state(ntp=ntp)
        rc, out, err = run_helper("--dry-run", "enable-ntp")
        check(f"enable-ntp (NTP {ntp}) --dry-run: the plan", rc == 0 and out == "run /usr/bin/timedatectl set-ntp true\n",
              f"{rc} {out!r} {err!r}")
        jid = applied(f"enable-ntp (NTP {ntp})", ["enable-ntp"])
        check(f"enable-ntp (NTP {ntp}): on", fake_read("ntp") == "yes\n", fake_read("log"))
        if jid:
            check(f"enable-ntp (NTP {ntp}): noted", entry(jid)["facts"].get("ntp") == ntp, entry(jid))
            rc, out, err = run_helper("restore", jid)
            check(f"enable-ntp (NTP {ntp}): restore puts back {ntp}", rc == 0 and fake_read("ntp") == ntp + "\n",
                  f"{rc} {err!r} {fake_read('log')}")
    sb.reset()
    sb.fake_systemd({"/usr/bin/timedatectl": FAKE_TIMEDATECTL, systemctl: FAKE_SYSTEMCTL})
    fake_state(ntp="no", fail_set_ntp="")
    rc, out, err = run_helper("enable-ntp")
    check("enable-ntp without a time service: exit 1, says what to install",
          rc == 1 and "install-package systemd-timesyncd" in err and fake_read("ntp") == "no\n", f"{rc} {err!r}")


def main():
    sb = sandbox.Sandbox()
    try:
        test_allow_pcscd(sb)
        test_udev(sb)
        test_disable_module(sb)
        test_systemd_verbs(sb)
        test_systemd_fake(sb)
        test_locale(sb)
    finally:
        sb.close()
    return tap.summary()


if __name__ == "__main__":
    sys.exit(main())
