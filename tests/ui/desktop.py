# SPDX-License-Identifier: GPL-3.0-or-later
"""A private desktop for the window's tests: Xvfb and a D-Bus session bus (on which the
accessibility bus is activated), started before the test process talks to either, stopped with
everything they started even when a test fails."""
import os
import signal
import subprocess
import time


class Desktop:
    def __init__(self, width=1024, height=768):
        read_fd, write_fd = os.pipe()
        # -noreset: by default the server resets when its last client leaves (a program that
        # asked it one thing), and a client connecting meanwhile is turned away.
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                                      "-nolisten", "tcp", "-noreset"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number
        # The services the bus starts (the accessibility registry, which types keys through
        # XTest) run on this display too.
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                    start_new_session=True, env={**os.environ, "DISPLAY": self.display})
        self.address = self.bus.stdout.readline().strip()
        if not self.address:
            self.stop()
            raise RuntimeError("dbus-daemon did not start")
        # The test process itself is a client of both (pyatspi, the screenshots).
        os.environ["DISPLAY"] = self.display
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.address
        os.environ.pop("NO_AT_BRIDGE", None)

    def env(self):
        return {"DISPLAY": self.display, "DBUS_SESSION_BUS_ADDRESS": self.address}

    def stop(self):
        # The bus's activated services (the accessibility bus and registry) are in its group.
        for proc in (getattr(self, "bus", None), self.xvfb):
            if proc and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        time.sleep(0.1)


def screenshot(path):
    """The whole screen as a PNG at @path."""
    import gi
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk
    root = Gdk.get_default_root_window()
    pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
    pixbuf.savev(path, "png", [], [])
