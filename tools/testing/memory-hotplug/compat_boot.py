#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""compat_boot.py IMAGE INITRD LOG - the arm64 hot-plug boot of make compat.

Boots IMAGE (an arm64 kernel built by compat.sh) on QEMU's virt machine
with ACPI: UEFI firmware (qemu-efi-aarch64) hands the tables over, and the
Generic Event Device (GED) signals memory hot-plug as a PNP0C80 device.
INITRD's /init is compat-init.sh; this is its host half: when the guest
prints "@@ plug" we add a 1 GiB pc-dimm through QMP, on "@@ unplug" we
ask QEMU to unplug it (the guest's kernel offlines and removes the memory
on the eject request) and wait for DEVICE_DELETED.

Prints one "ok DESC" or "not ok DESC" line per check, the guest's and
ours, in order, and "# ..." notes (compat.sh numbers them as KTAP); exits
1 when a check failed.  A guest that crashes, hangs or stops early, a
result the console garbled and a bug of this script are failed checks
(with the tail of the console), never a traceback; the whole console is
in LOG.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memhp_vm import BAD_CONSOLE, GuestError, Qmp  # noqa: E402

FIRMWARE = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
DIMM_MB = 1024
# TCG: firmware plus kernel boot take about a minute, the checks less
TIMEOUT = int(os.environ.get("COMPAT_BOOT_TIMEOUT", "600"))
QMP_WAIT = 60
TAIL = 25


class Boot:
    """One QEMU process, its console (self.lines) and QMP."""

    def __init__(self, image, initrd, log):
        # a short path: a socket's must fit in 108 bytes
        self.tmp = tempfile.mkdtemp(prefix="memhp-compat-")
        self.qmp_path = os.path.join(self.tmp, "qmp")
        self.cmd = [
            "qemu-system-aarch64", "-M", "virt,gic-version=3",
            "-cpu", "cortex-a57", "-smp", "2",
            "-m", "1G,slots=2,maxmem=4G", "-nodefaults", "-display", "none",
            "-no-reboot", "-bios", FIRMWARE, "-kernel", image,
            "-initrd", initrd, "-serial", "stdio",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-append", "console=ttyAMA0 acpi=force panic=-1 oops=panic "
            "loglevel=5 kunit.enable=0 DIMM_MB=%d" % DIMM_MB]
        self.log = open(log, "w")
        self.log.write("# " + " ".join(self.cmd) + "\n")
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        self.closed = False     # the log, under cond
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.qmp = None

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.cond:
                if not self.closed:
                    self.log.write(line + "\n")
                    self.log.flush()
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def connect(self, deadline):
        while True:
            if self.proc.poll() is not None:
                raise GuestError("QEMU exited (rc %s) at start" %
                                 self.proc.returncode)
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.connect(self.qmp_path)
                break
            except OSError:
                sock.close()
                if time.time() > deadline:
                    raise GuestError("QEMU opened no QMP socket")
                time.sleep(0.05)
        self.qmp = Qmp(sock, deadline)

    def next_line(self, pos, deadline):
        """Console line POS, waiting until DEADLINE; None at EOF or then."""
        with self.cond:
            while len(self.lines) <= pos:
                left = deadline - time.time()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(left)
            return self.lines[pos]

    def stop(self, grace):
        """Wait GRACE seconds for QEMU to end by itself, then kill it; the
        console is read to its end before the log closes."""
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass    # returncode stays None: a failed check below
        self.reader.join(10)
        if self.qmp:
            self.qmp.close()
        with self.cond:
            self.closed = True
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def qmp_ok(boot, execute, **args):
    """Run one QMP command; None, or its error text."""
    reply = boot.qmp.command(execute, args, timeout=QMP_WAIT)
    if "error" in reply:
        return "%s: %s" % (execute, reply["error"].get("desc", reply["error"]))
    return None


def plug(boot):
    return qmp_ok(boot, "object-add", **{"qom-type": "memory-backend-ram",
                                         "id": "mem1",
                                         "size": DIMM_MB << 20}) or \
        qmp_ok(boot, "device_add", driver="pc-dimm", id="dimm1",
               memdev="mem1")


def unplug(boot):
    err = qmp_ok(boot, "device_del", id="dimm1")
    if err:
        return err
    if not boot.qmp.wait_event("DEVICE_DELETED", QMP_WAIT,
                               {"device": "dimm1"}):
        return "no DEVICE_DELETED for dimm1 within %d s" % QMP_WAIT
    return None


FAILED = []


def result(ok, desc, why=None):
    """Print one check; WHY, a note on a failure."""
    if not ok:
        FAILED.append(desc)
    print("%s %s" % ("ok" if ok else "not ok", desc))
    if why and not ok:
        print("# " + why)
    sys.stdout.flush()


def serve(boot, deadline, bad):
    """Act on the guest's "@@" lines until its "@@ end N"; the N it gave
    (None when the console ended or DEADLINE passed first), the number of
    results it printed and the requests it made."""
    pos, got, asked = 0, 0, []
    while True:
        line = boot.next_line(pos, deadline)
        if line is None:
            return None, got, asked
        pos += 1
        if BAD_CONSOLE.search(line):
            bad.append(line)
        m = re.search(r"@@ (.*)$", line)
        if not m:
            continue
        word = m.group(1)
        if word in ("plug", "unplug"):
            asked.append(word)
        if word == "plug":
            err = plug(boot)
            result(not err, "QEMU plugs a %d MiB pc-dimm" % DIMM_MB, err)
        elif word == "unplug":
            err = unplug(boot)
            result(not err, "QEMU unplugs it: DEVICE_DELETED", err)
        elif re.fullmatch(r"end \d+", word):
            return int(word.split()[1]), got, asked
        elif word.startswith("ok "):
            got += 1
            print(word)
        elif word.startswith("not ok "):
            got += 1
            result(False, word[len("not ok "):])
        elif word.startswith("#"):
            print(word)
        else:
            result(False, "a guest line the host understands: " + word)
        sys.stdout.flush()


def run(image, initrd, log):
    deadline = time.time() + TIMEOUT
    bad, why = [], None
    try:
        boot = Boot(image, initrd, log)
    except OSError as err:
        result(False, "QEMU starts", str(err))
        return 1
    want = got = None
    asked = []
    try:
        boot.connect(time.time() + 30)
        want, got, asked = serve(boot, deadline, bad)
    except GuestError as err:
        why = str(err)
    except Exception:  # a bug of ours: a failed check, not a traceback
        why = "compat_boot.py: " + \
            traceback.format_exc().strip().splitlines()[-1]
    finally:
        # after its end the guest powers off; a hung one is killed at once
        boot.stop(20 if want is not None else 0)
    # what the kernel printed on its way down counts too
    bad += [line for line in boot.lines if BAD_CONSOLE.search(line)
            and line not in bad]
    if want is None and why is None:
        why = "QEMU exited" if boot.eof else "no end within %d s" % TIMEOUT
    result(want is not None, "the guest ran to its end", why)
    if want is not None:
        result(want == got, "the host got each of the guest's results",
               "the guest made %d checks, the host got %d" % (want, got))
        result(asked == ["plug", "unplug"],
               "the guest asked for the plug, then the unplug",
               "it asked for: %s" % (" ".join(asked) or "nothing"))
        result(boot.proc.returncode == 0, "QEMU exited cleanly after poweroff",
               "rc %s" % boot.proc.returncode)
    result(not bad, "the console reports no kernel problem",
           bad[0] if bad else None)
    if FAILED:
        for line in boot.lines[-TAIL:]:
            print("#   " + line)
    return 1 if FAILED else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.splitlines()[0])
    sys.exit(run(*sys.argv[1:]))
