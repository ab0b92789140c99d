# SPDX-License-Identifier: GPL-3.0-or-later
"""A private copy of the system for tokendoctor-helper's tests, inside tests/rig/isolate.

The helper runs as root and writes where it was compiled to write (/etc, /var/lib, /usr/lib/locale,
/usr/share/p11-kit ...), so each directory it may touch gets an overlay mount: the machine's own
directory below (read-only to the overlay, so verbs see the real contents, /usr/share/p11-kit/modules
included) and an upper layer on a private tmpfs above, where every write lands. An overlay, not a bare
tmpfs, because a tmpfs needs its mount point to exist, and /etc/pkcs11 or /var/lib/tokendoctor do not
on a clean machine: the overlay over /etc lets the helper make them without the machine ever seeing
them. What a run wrote, created or deleted anywhere is then exactly the upper layers' content
(changes()), which is how the tests see that a refused call did nothing at all.

/run/systemd, /run/udev and /sys/bus/usb are hidden behind empty tmpfs mounts, so no systemctl,
timedatectl or udevadm the helper starts can reach the machine's own services or devices.

Only usable in a private mount namespace (tests/rig/isolate): the constructor refuses otherwise.
"""
import os
import shutil
import subprocess
import tempfile

HELPER = os.environ["TD_HELPER"]
# The helper's compiled-in data directory (TD_DATADIR): its profiles are system profiles too.
DATADIR = os.environ["TD_HELPER_DATADIR"]

SYSTEM_DIRS = ["/etc", "/var/lib", "/var/cache", "/var/log", "/usr/share/p11-kit", "/usr/lib/locale"]
# udevadm would reach the machine's udevd through /run/udev, and `udevadm trigger` would write
# the machine's devices' uevent files under /sys/bus/usb.
HIDDEN_DIRS = ["/run/systemd", "/run/udev", "/sys/bus/usb"]


def _mountinfo():
    with open("/proc/self/mountinfo") as f:
        return [line.split() for line in f]


def _in_private_namespace():
    # isolate's unshare gives this process a mount namespace of its own (the process that ran
    # isolate stays in the machine's), with its tmpfs "tdrig" on /run/pcscd.
    try:
        if os.readlink("/proc/self/ns/mnt") == os.readlink(f"/proc/{os.getppid()}/ns/mnt"):
            return False
    except OSError:
        return False
    return any(m[m.index("-") + 2] == "tdrig" for m in _mountinfo())


def _nearest_existing(path):
    while not os.path.isdir(path):
        path = os.path.dirname(path)
    return path


class Sandbox:
    def __init__(self):
        if os.geteuid() != 0 or not _in_private_namespace():
            raise SystemExit("sandbox: run the test inside tests/rig/isolate, as root")
        self.base = tempfile.mkdtemp(prefix="td-helper-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tdhelper", self.base], check=True)
        data_top = _nearest_existing(DATADIR)
        if data_top in ("/", "/usr"):
            raise SystemExit(f"sandbox: cannot cover the data directory {DATADIR} safely")
        self.dirs = SYSTEM_DIRS + ([data_top] if data_top not in SYSTEM_DIRS else [])
        self.mounted = []
        self.mount()

    def upper(self, d):
        return os.path.join(self.base, d.strip("/").replace("/", "_"), "upper")

    def mount(self):
        for d in self.dirs:
            top = os.path.dirname(self.upper(d))
            os.makedirs(top + "/upper")
            os.makedirs(top + "/work")
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={d},upperdir={top}/upper,workdir={top}/work", d], check=True)
            self.mounted.append(d)
        for d in HIDDEN_DIRS:
            if os.path.isdir(d):
                subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tdhidden", d], check=True)
                self.mounted.append(d)
        # Never go on unless every write lands in our layers.
        points = {m[4]: m for m in _mountinfo()}
        for d in self.dirs:
            if d not in points or points[d][points[d].index("-") + 1] != "overlay":
                raise SystemExit(f"sandbox: {d} is not covered")

    def unmount(self):
        for d in reversed(self.mounted):
            subprocess.run(["umount", "-l", d], check=True)
        self.mounted = []
        for name in os.listdir(self.base):
            shutil.rmtree(os.path.join(self.base, name))

    def reset(self):
        """Start again from the machine's own state."""
        self.unmount()
        self.mount()

    def close(self):
        self.unmount()
        subprocess.run(["umount", "-l", self.base], check=False)
        os.rmdir(self.base)

    def changes(self):
        """Every path written, made or removed since the last reset, as seen from /."""
        found = []
        for d in self.dirs:
            up = self.upper(d)
            for dirpath, dirnames, filenames in os.walk(up):
                for n in dirnames + filenames:
                    full = os.path.join(dirpath, n)
                    found.append(os.path.join(d, os.path.relpath(full, up)))
        return sorted(found)

    def fake_systemd(self, programs):
        """
        A systemd that "runs" here, for the verbs that need one: a private tmpfs over /run with
        /run/systemd/system (what sd_booted() looks for), and @programs ({"/usr/bin/systemctl":
        script text}) written into an overlay over /usr/bin. Gone at the next reset().
        """
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tdrun", "/run"], check=True)
        self.mounted.append("/run")
        os.makedirs("/run/systemd/system")
        top = os.path.join(self.base, "usr_bin")
        os.makedirs(top + "/upper")
        os.makedirs(top + "/work")
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir=/usr/bin,upperdir={top}/upper,workdir={top}/work", "/usr/bin"], check=True)
        self.mounted.append("/usr/bin")
        for path, text in programs.items():
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)

    def bind_readonly(self, path):
        """A read-only bind mount of @path over itself: writes into it fail with EROFS."""
        subprocess.run(["mount", "--bind", path, path], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", path], check=True)
        self.mounted.append(path)


def snapshot(paths):
    """Bytes, mode and owner of files, and sorted listings of directories, at @paths (recursively)."""
    state = {}

    def one(p):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            state[p] = None
            return
        meta = (st.st_mode, st.st_uid, st.st_gid)
        if os.path.islink(p):
            state[p] = ("link", meta, os.readlink(p))
        elif os.path.isdir(p):
            names = sorted(os.listdir(p))
            state[p] = ("dir", meta, names)
            for n in names:
                one(os.path.join(p, n))
        else:
            with open(p, "rb") as f:
                state[p] = ("file", meta, f.read())

    for p in paths:
        one(p)
    return state


# A sanitizer build reads these before main(), before the helper clears its environment.
SANITIZER_ENV = {k: v for k, v in os.environ.items() if k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")}


def run_helper(*args, env=None, helper=None):
    """Run the helper as root (we are root) with @args (str or bytes); (status, stdout, stderr)."""
    argv = [os.fsencode(helper or HELPER)] + [a if isinstance(a, bytes) else a.encode() for a in args]
    full_env = {"PATH": "/usr/bin:/bin", **SANITIZER_ENV, **(env or {})}
    p = subprocess.run(argv, env=full_env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
