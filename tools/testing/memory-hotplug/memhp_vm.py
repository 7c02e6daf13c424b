#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""memhp_vm.py - boot test guests under QEMU and drive real hot-plug events.

One QEMU boot per scenario.  A scenario is a kselftest of
tools/testing/selftests/memory-hotplug/, memhp_*.sh, which the guest runs
through the kselftest runner (guest-init.sh), and whose header lines say how
to start QEMU:

    # memhp-qemu: -m 1G,slots=4,maxmem=16G -numa ...   (extra QEMU arguments)
    # memhp-append: memhp_default_state=online          (kernel command line)
    # memhp-timeout: 300                                 (seconds; default 240)
    # memhp-needs: qmp                                   (for the guest only:
    #                       it talks to us; see lib_memhp.sh)
    # memhp-upstream: skip REASON                        (a feature stock lacks)
    # memhp-upstream: xfail REASON                       (a fix stock lacks)
    # memhp-upstream-debug: xfail REASON                 (the same, on the
    #                                                     debug profile only;
    #                                                     replaces the above)
    # memhp-soak: CYCLES SECONDS                         (a soak: see soak_plan())
    # memhp-alone: REASON         (no other guest may run beside this one:
    #                              races and stress that need both vCPUs
    #                              on host CPUs of their own; see Entries)
    # memhp-console-ok: REGEX     (console lines the scenario causes on purpose;
    #                              the first stack dump within 30 lines
    #                              after such a line is expected too)
    # (memhp-qemu, memhp-append and memhp-upstream-debug may repeat: the
    #  lines are joined)
    # (in memhp-qemu, @AML:NAME@ is NAME.asl compiled by iasl: -acpitable file=@AML:NAME@)

Every guest's command line also has memhp.impl=IMPL (which kernel this is,
for the scenario), slub_debug=FZ (slab sanity checks and red zones; the
config enables the other cheap detectors, see kernel/configs/memhp.config)
and whatever the environment's MEMHP_APPEND holds (make check FAULTS=all
puts memhp.faults=all there, and APPEND="..." its words).

The guest talks to us over its second serial port (see guest-init.sh): it
prints its KTAP output there and asks for QMP commands or QMP events.  We keep
the kernel console of each boot in build/IMPL/results/NAME.log and fail the
scenario when the console shows a kernel warning or any other report of
BAD_CONSOLE (a console line a scenario causes on purpose is named by its
memhp-console-ok header), when the guest does not finish in time, or when
it prints more or fewer results than its plan.  make check boots up to
one guest per host CPU at once (MEMHP_GUESTS, make check GUESTS=N) and
prints each scenario's results in order, as the scenarios before it have
ended.  Every wait has a timeout:
QEMU's start, each QMP reply (QMP_TIMEOUT), QEMU's exit and the console
reader's end (REAP_TIMEOUT).

A crashed guest is a result, not a traceback: a guest that oopses, panics,
hangs or closes the control channel, a QEMU that does not start, even a bug
of this script, make that one scenario "not ok" with a one-line reason and
the tail of its console as "#" notes; the run goes on with the next scenario
and always ends with its "N passed, N failed, N skipped" line.  The entry
"harness" (first in a full run, or by name) proves it: it boots one guest
that panics and one that hangs on purpose (guest-init.sh, memhp.crash=) and
passes when both came back as failures of their scenario.  Two more
entries follow it in a full run: "kselftest" runs the whole kselftest
collection in the guest `make shell` boots, without the host channel
(the tests that need it skip, and only those), and "kunit_py" runs the kernel's KUnit suites through
tools/testing/kunit/kunit.py exec.

On IMPL=upstream, "skip" does not boot the scenario.  "xfail" runs it: its
top-level line carries "# TODO expected failure on stock: REASON" (or "...,
passed this run: REASON"), and its failed cases are expected failures: they
count as neither passed nor failed but in the skipped number of the last
line (so the three numbers still add up to every case), after a line
"# N expected failures (stock lacks the fix)".  On IMPL=ours both marks are
ignored.

    memhp_vm.py check IMPL [NAME...]     run scenarios, print KTAP and totals
    memhp_vm.py selftest IMPL            the same as: check IMPL harness
    memhp_vm.py demo IMPL                narrate the demo cycle
    memhp_vm.py shell IMPL [QEMU ARGS]   interactive guest + host QMP bridge
"""

import json
import os
import re
import select
import shlex
import socket
import subprocess
import sys
import threading
import time
import traceback

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
BUILD = os.environ.get("MEMHP_BUILD", os.path.join(TOP, "build"))
# the kselftest directory (the tests), and the guest halves of the harness
# (bench, demo) with the ACPI tables some tests boot with
GUEST_DIR = os.path.join(TOP, "tools/testing/selftests/memory-hotplug")
HARNESS_GUEST_DIR = os.path.join(TOP, "tools/testing/memory-hotplug/guest")
def lib_default_qemu():
    """The machine of a test whose header names none: the one lib_memhp.sh
    (MEMHP_DEFAULT_QEMU) takes for a test that needs no other."""
    with open(os.path.join(GUEST_DIR, "lib_memhp.sh")) as f:
        m = re.search(r'^MEMHP_DEFAULT_QEMU="([^"]*)"', f.read(), re.M)
    return m.group(1)


DEFAULT_QEMU = lib_default_qemu()
DEFAULT_TIMEOUT = 240
# make check PROFILE=debug: the sanitizer kernel (kernel/configs/
# memhp-debug.config) is this many times slower, so every time limit, the
# host's and the guest's (memhp.time_scale=, read by lib_memhp.sh), is
# that much longer; and every scenario scans for leaks at its end.
# PROFILE=release (make bench's headline kernels, kernel/configs/
# memhp-release.config): no slab debugging on the command line either.
PROFILE = TIME_SCALE = PROFILE_APPEND = None


def set_profile(profile, build=None):
    """Boot the kernels of PROFILE ("", "debug" or "release") from BUILD
    from now on (bench.py measures two profiles in one run)."""
    global PROFILE, TIME_SCALE, PROFILE_APPEND, BUILD
    PROFILE = profile
    TIME_SCALE = 4 if profile == "debug" else 1
    PROFILE_APPEND = ("memhp.time_scale=%d kmemleak=on page_poison=1" %
                      TIME_SCALE if profile == "debug" else "")
    if build:
        BUILD = build


set_profile(os.environ.get("MEMHP_PROFILE", ""))
# How long QEMU gets to open its QMP and control sockets.
START_TIMEOUT = 30
# How long a QMP command a guest sends may take (device_del returns at once;
# its DEVICE_DELETED event is waited for separately).
QMP_TIMEOUT = 120
# How long a killed QEMU and the console reader get to go away.
REAP_TIMEOUT = 10
# Console lines kept per boot, and how many of them a failure shows.
TAIL_KEEP = 40
TAIL_SHOW = 25

# Console lines that mean the kernel is unhealthy, whatever the test said.
# a report's stack dump, and how a report (WARN(), dump_stack()) ends;
# the dump comes within OK_REPORT_LINES lines of the report's first line
CALL_TRACE = re.compile(r"^(\[[^]]*\] )*Call Trace:$")
OK_REPORT_LINES = 30
END_OF_REPORT = re.compile(r"</TASK>|---\[ end trace ")
BAD_CONSOLE = re.compile(
    r"WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|Kernel panic|"
    r"possible circular locking|inconsistent lock state|"
    r"INFO: task .* blocked|general protection fault|kernel BUG|"
    r"rcu: INFO: .*detected stall|soft lockup|hung_task|"
    r"blocked for more than|list_add corruption|list_del corruption|"
    r"^(\[[^]]*\] )?BUG \S+ \(|Bad page state|"
    # a page dump, except an offline's report of a page that kept it from
    # completing (kernel memory in the block, a pinned page): the expected
    # outcome of a refused or retried offline
    r"page dumped because: (?!unmovable page$|migration failure$|"
    r"isolation failed$|offline: page could not be isolated$)|"
    # kmemleak reports, not its start-up lines
    r"kmemleak: (?!Kernel memory leak detector (initialized|disabled)|"
    r"Automatic memory scanning thread started)|"
    # memory a driver was given but could not add: the ACPI memory device
    # (stock and ours), virtio-mem
    r"add_memory failed|acpi_memory_enable_device\(\) error|"
    r"memory range \[[^]]*\] not used|none of its memory could be added|"
    r"no usable memory range|adding memory failed")

# What dump_stack() prints about the CPU and task before "Call Trace:".
DUMP_PREAMBLE = re.compile(r"^(\[[^]]*\] )*(CPU: |Hardware name: |Workqueue: |Tainted: )")


def report_header(before, lines=2):
    """The last LINES console lines in BEFORE that are not dump_stack()'s
    preamble: what a report printed before its stack dump."""
    return [l for l in before[-8:] if not DUMP_PREAMBLE.search(l)][-lines:]


KTAP_RESULT = re.compile(r"^(not ok|ok) (\d+)\s*-?\s*(.*?)\s*(?:#\s*(\S+)(.*))?$")

# The entry of `check` that tests this script itself (see check_harness()).
HARNESS = "harness"
# The entry that runs the whole memory-hotplug kselftest collection in the
# kselftest guest through the kselftest runner, without the host channel,
# as in a guest of anyone's (guest-init.sh, memhp.test=kselftest): the
# tests that need the host skip, the others pass.
KSELFTEST = "kselftest"
# The entry that runs the KUnit suites with the kernel's own tool:
# `kunit.py exec` boots the kernel the scenarios boot (its suites are built
# in) in kunit.py's QEMU, and parses and sums up their KTAP itself.  Each
# suite it reports is a case here; the suites the kernel must have are the
# ones memhp_kunit.sh declares.
KUNIT_PY = "kunit_py"
KUNIT_PY_TIMEOUT = 600
# The kselftest guest (that entry's and `make shell`'s): the default
# machine, with the command line the tests that need one of their own can
# share - KUnit on (memhp_kunit.sh), RAM above 768 MiB hidden for probe
# (memhp_probe.sh), a boot-time Movable zone (memhp_boot_zones.sh,
# memhp_compaction_race.sh) - so that only the tests that need the host
# skip in it.  On the debug profile stock's leaves mem= out: stock's
# kmemleak oopses there on the initrd it freed (patch 0011).
KSELFTEST_APPEND = "kunit.enable=1 mem=768M movablecore=512M"


def kselftest_append(impl):
    words = KSELFTEST_APPEND.split()
    if impl == "upstream" and PROFILE == "debug":
        words.remove("mem=768M")
    return " ".join(words)


def kselftest_left_out(impl):
    """The tests the kselftest entry leaves out of the collection: on
    stock, the ones marked to be skipped there or expected to fail (an
    oops or a warning of theirs would end or spoil the shared guest; their
    own guests show stock's failure)."""
    if impl != "upstream":
        return []
    return [f for f in kselftest_programs() if upstream_mark(
        impl, scenario_meta(os.path.join(GUEST_DIR, f)))[0]]


def kselftest_meta(impl):
    """The kselftest entry's guest: its command line, and the console
    lines the tests that run in it expect ("# memhp-console-ok:")."""
    left_out = kselftest_left_out(impl)
    append = kselftest_append(impl)
    ok = [scenario_meta(os.path.join(GUEST_DIR, f)).get("console-ok")
          for f in kselftest_programs() if f not in left_out and
          not missing_in(os.path.join(GUEST_DIR, f), append)]
    meta = {"qemu": DEFAULT_QEMU, "append": append, "timeout": 900,
            "upstream": None}
    if any(ok):
        meta["console-ok"] = "|".join(p for p in ok if p)
    if left_out:
        meta["append"] += " memhp.leave_out=" + ",".join(left_out)
    return meta


class GuestError(Exception):
    """QEMU or the guest failed in a way that ends this boot."""


def subset(pattern, value):
    """True when every key of PATTERN (recursively) has its value in VALUE."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            k in value and subset(v, value[k]) for k, v in pattern.items())
    return pattern == value


def disconnected(desc):
    return {"error": {"class": "Disconnected", "desc": desc}}


class Qmp:
    """A QMP connection that keeps every asynchronous event it sees.

    Each command carries an id and waits for the reply with that id, at
    most a timeout; once QEMU has closed the connection every command
    answers at once with a "Disconnected" error."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.file = sock.makefile("rw")
        self.events = []
        self.replies = {}
        self.closed = False
        self.next_id = 0
        self.cond = threading.Condition()
        self.send_lock = threading.Lock()
        try:
            sock.settimeout(max(deadline - time.time(), 1.0))
            greeting = self.file.readline()
            sock.settimeout(None)
        except OSError as err:
            raise GuestError("no QMP greeting from QEMU (%s)" % err)
        if not greeting.startswith("{"):
            raise GuestError("QEMU closed QMP before its greeting")
        threading.Thread(target=self._reader, daemon=True).start()
        reply = self.command("qmp_capabilities",
                             timeout=max(deadline - time.time(), 1.0))
        if "error" in reply:
            raise GuestError("QMP qmp_capabilities: %s" %
                             reply["error"].get("desc", reply["error"]))

    def _reader(self):
        try:
            for line in self.file:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                with self.cond:
                    if "event" in msg:
                        self.events.append(msg)
                    else:
                        self.replies[msg.get("id")] = msg
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass        # the socket was closed under us: QEMU is gone
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def command(self, execute, arguments=None, timeout=60):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        return self.raw(msg, timeout)

    def raw(self, msg, timeout=60):
        """Send one QMP command (a dict); its reply, or an error reply when
        QEMU is gone or does not answer within TIMEOUT seconds."""
        with self.cond:
            if self.closed:
                return disconnected("QEMU closed QMP")
            self.next_id += 1
            ident = "memhp-%d" % self.next_id
        deadline = time.time() + timeout
        # not under cond: the reader must go on taking QEMU's output
        with self.send_lock:
            err = self._send(json.dumps(dict(msg, id=ident)) + "\n",
                             deadline)
        if err:
            return disconnected("writing to QMP: %s" % err)
        with self.cond:
            while True:
                # a reply without id answers a command QEMU could not parse
                reply = self.replies.pop(ident, None) or \
                    self.replies.pop(None, None)
                if reply is not None:
                    reply.pop("id", None)
                    if "id" in msg:
                        reply["id"] = msg["id"]
                    return reply
                if self.closed:
                    return disconnected("QEMU closed QMP")
                left = deadline - time.time()
                if left <= 0:
                    return {"error": {"class": "Timeout",
                                      "desc": "no QMP reply within %d s"
                                      % timeout}}
                self.cond.wait(left)

    def _send(self, text, deadline):
        """Write TEXT to QEMU by DEADLINE; None, or why it could not.  The
        socket stays blocking for the reader: wait until it takes data."""
        data = text.encode()
        while data:
            left = deadline - time.time()
            try:
                _, ready, _ = select.select([], [self.sock], [],
                                            max(left, 0))
                if not ready:
                    return "QEMU took no input for the whole timeout"
                # never more than the socket takes now: a blocking send
                # of the rest could outlast the deadline
                data = data[self.sock.send(data, socket.MSG_DONTWAIT):]
            except BlockingIOError:
                continue
            except (OSError, ValueError) as err:
                return str(err)
        return None

    def wait_event(self, name, timeout, data=None):
        """Consume and return the first event NAME whose data has DATA;
        None after TIMEOUT seconds or once QEMU is gone."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for ev in self.events:
                    if ev["event"] == name and \
                            subset(data or {}, ev.get("data", {})):
                        self.events.remove(ev)
                        return ev
                left = deadline - time.time()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def close(self):
        for f in (self.file, self.sock):
            try:
                f.close()
            except OSError:
                pass


def expand_aml(qemu_args):
    """Replace @AML:NAME@ by NAME.asl (next to the scenarios) compiled with
    iasl into build/aml/NAME.aml, for -acpitable file=@AML:NAME@."""
    def compile_one(m):
        src = os.path.join(HARNESS_GUEST_DIR, m.group(1) + ".asl")
        outdir = os.path.join(BUILD, "aml")
        out = os.path.join(outdir, m.group(1) + ".aml")
        os.makedirs(outdir, exist_ok=True)
        if not os.path.exists(out) or \
                os.path.getmtime(out) < os.path.getmtime(src):
            # (what iasl says goes into the reason, not into the output
            # of another scenario running beside this one)
            try:
                res = subprocess.run(["iasl", "-p", out[:-4], src],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     timeout=120)
                said = (res.stderr.strip().splitlines() or [""])[-1]
                if res.returncode:
                    raise GuestError("iasl could not compile %s (exit %d%s)"
                                     % (os.path.relpath(src, TOP),
                                        res.returncode,
                                        ": " + said if said else ""))
            except (OSError, subprocess.SubprocessError) as err:
                raise GuestError("iasl could not compile %s (%s)" %
                                 (os.path.relpath(src, TOP), err))
        return out
    return re.sub(r"@AML:(\w+)@", compile_one, qemu_args)


class Guest:
    """One QEMU process: console log, control channel and QMP.

    Guest() only prepares the boot; start() starts QEMU, serve() runs the
    guest to its end and finish() stops QEMU.  boot() does all three and
    never raises; failure() then says, in one line, why the guest did not
    finish (None when it did)."""

    def __init__(self, impl, name, qemu_args, append, log_path,
                 interactive=False, echo=None):
        self.impl = impl
        self.name = name
        self.echo = echo
        self.interactive = interactive
        run = os.path.join(BUILD, impl, "run")
        os.makedirs(run, exist_ok=True)
        self.qmp_path = os.path.join(run, name + ".qmp")
        self.ctl_path = os.path.join(run, name + ".ctl")
        for p in (self.qmp_path, self.ctl_path):
            if os.path.exists(p):
                os.unlink(p)
        self.log = open(log_path, "w")
        self.log_lock = threading.Lock()
        self.console_ok = None
        self.ok_lines_left = 0
        self.console_bad = []
        self.console_tail = []
        self.out = []
        self.exit_code = None
        self.proc = self.qmp = self.ctl = self.console = None
        # how serving ended: "exit" (the guest's EXIT line), "timeout",
        # "qemu" (QEMU exited), "channel" (the control channel closed) or
        # "error" (self.error says what)
        self.ended = None
        self.error = None
        # set by finish() when QEMU or its console could not be reaped
        self.reap_failed = None
        self.timeout = None
        self.deadline = None
        # slub_debug=FZ: slab sanity checks and red zones on every cache
        # (not on the release profile: no distribution boots with them)
        cmdline = ("console=ttyS0 panic=-1 oops=panic no_hash_pointers "
                   "%s%smemhp.impl=%s memhp.test=%s %s %s %s" %
                   ("" if PROFILE == "release" else "slub_debug=FZ ",
                    # KUnit's suites run at boot only where a guest asks
                    "" if "kunit.enable=" in append else "kunit.enable=0 ",
                    impl, name, append, PROFILE_APPEND,
                    os.environ.get("MEMHP_APPEND", ""))).strip()
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-nodefaults",
               "-display", "none", "-no-reboot",
               "-kernel", os.path.join(BUILD, impl, "bzImage"),
               "-initrd", os.path.join(BUILD, impl, "initrd.cpio.gz"),
               "-append", cmdline,
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        cmd += accel_args() + ["-smp", "2"]
        cmd += ["-serial", "mon:stdio" if interactive else "stdio",
                "-serial", "unix:%s,server=on,wait=off" % self.ctl_path]
        self.cmd = cmd
        self.qemu_args = qemu_args

    def start(self):
        """Start QEMU and connect to it; GuestError when that fails."""
        self.cmd += shlex.split(expand_aml(self.qemu_args))
        self._logline("# ", " ".join(shlex.quote(c) for c in self.cmd))
        quiet = not self.interactive
        try:
            self.proc = subprocess.Popen(
                self.cmd, stdin=subprocess.DEVNULL if quiet else None,
                stdout=subprocess.PIPE if quiet else None,
                stderr=subprocess.STDOUT if quiet else None)
        except OSError as err:
            raise GuestError("QEMU did not start (%s)" % err)
        if quiet:
            # first, so that QEMU's own complaints land in the console tail
            self.console = threading.Thread(target=self._console,
                                            daemon=True)
            self.console.start()
        deadline = time.time() + START_TIMEOUT
        sock = self._connect(self.qmp_path, deadline)
        try:
            self.qmp = Qmp(sock, deadline)
        except GuestError:
            sock.close()
            raise
        self.ctl = self._connect(self.ctl_path, deadline)
        # a guest that stops reading must not block a reply forever
        self.ctl.settimeout(30)

    def _connect(self, path, deadline):
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise GuestError("QEMU exited (rc %s) before it opened %s" %
                                 (rc, os.path.basename(path)))
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.connect(path)
                return sock
            except OSError:
                sock.close()
                if time.time() > deadline:
                    raise GuestError("QEMU did not open %s within %d s" %
                                     (os.path.basename(path), START_TIMEOUT))
                time.sleep(0.05)

    def _logline(self, prefix, line):
        with self.log_lock:
            if not self.log.closed:
                self.log.write(prefix + line + "\n")
                self.log.flush()

    def _console(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._logline("", line)
            self.console_tail = (self.console_tail + [line])[-TAIL_KEEP:]
            self._judge(line)

    def _judge(self, line):
        """Note LINE in console_bad if it reports a kernel problem.  A line
        the scenario expects (console_ok) may open a report: the first
        "Call Trace:" within OK_REPORT_LINES lines after it is expected
        too; any other report line still counts."""
        if self.console_ok and self.console_ok.search(line):
            self.ok_lines_left = OK_REPORT_LINES
            return
        if self.ok_lines_left:
            self.ok_lines_left -= 1
        if END_OF_REPORT.search(line):
            self.ok_lines_left = 0
        if not BAD_CONSOLE.search(line):
            return
        if self.ok_lines_left and CALL_TRACE.search(line):
            self.ok_lines_left = 0
            return
        if CALL_TRACE.search(line):
            # a stack dump alone names nothing: add the lines that opened
            # the report (an OOM kill, an allocation failure...)
            line += " (after: " + " | ".join(report_header(self.console_tail[:-1])) + ")"
        self.console_bad.append(line)

    def _left(self, wanted):
        """WANTED seconds, but no more than serve() has left."""
        if self.deadline is None:
            return wanted
        return max(min(wanted, self.deadline - time.time()), 0.1)

    def handle(self, req):
        """Answer one guest request (a JSON object) with a JSON object."""
        try:
            msg = json.loads(req)
        except ValueError as err:
            return {"error": {"class": "BadRequest", "desc": str(err)}}
        if not isinstance(msg, dict):
            msg = {}
        if isinstance(msg.get("qmp"), dict):
            return self.qmp.raw(msg["qmp"], self._left(QMP_TIMEOUT))
        if "wait_event" in msg:
            try:
                timeout = float(msg.get("timeout", 30))
            except (TypeError, ValueError):
                timeout = 30
            ev = self.qmp.wait_event(msg["wait_event"], self._left(timeout),
                                     msg.get("data"))
            return {"return": ev} if ev else {"error": {"class": "Timeout"}}
        if "log" in msg:
            self._logline("@ ", str(msg["log"]))
            return {"return": {}}
        return {"error": {"class": "BadRequest", "desc": "unknown request"}}

    def serve(self, timeout):
        """Serve the control channel until the guest's EXIT line (True), or
        until QEMU ends, the channel closes or TIMEOUT seconds pass (False);
        self.ended says which."""
        self.timeout = timeout
        self.deadline = time.time() + timeout
        buf = b""
        while self.exit_code is None:
            left = self.deadline - time.time()
            if left <= 0:
                self.ended = "timeout"
                return False
            ready, _, _ = select.select([self.ctl], [], [], min(left, 1.0))
            if not ready:
                if self.proc.poll() is not None:
                    self.ended = "qemu"
                    return False
                continue
            try:
                data = self.ctl.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.ended = "channel"
                return False
            buf += data
            while b"\n" in buf and self.ended is None:
                raw, buf = buf.split(b"\n", 1)
                self._ctl_line(raw.decode("utf-8", "replace").rstrip("\r"))
            if self.ended:
                return False
        self.ended = "exit"
        return True

    def _ctl_line(self, line):
        kind, _, rest = line.partition(" ")
        if kind == "OUT":
            self._logline("| ", rest)
            self.out.append(rest)
            if self.echo:
                self.echo(rest)
        elif kind == "REQ":
            self._logline("> ", rest)
            reply = json.dumps(self.handle(rest))
            self._logline("< ", reply)
            try:
                self.ctl.sendall(reply.encode() + b"\n")
            except OSError:
                self.ended = "channel"
        elif kind == "EXIT":
            try:
                self.exit_code = int(rest or 1)
            except ValueError:
                self.exit_code = 1

    def finish(self, grace=20):
        """Stop QEMU (after GRACE seconds to end by itself), then wait for
        the console reader, so that a splat printed on the way down is in
        console_bad before anyone judges the boot."""
        if self.proc:
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(REAP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.reap_failed = "QEMU did not exit when killed"
        if self.console:
            self.console.join(REAP_TIMEOUT)
            if self.console.is_alive():
                # its last lines are unknown: that is a failure, not clean
                self.reap_failed = self.reap_failed or \
                    "the console of QEMU stayed open after it was stopped"
        for conn in (self.qmp, self.ctl):
            if conn:
                conn.close()
        with self.log_lock:
            self.log.close()

    def failure(self):
        """Why the guest did not finish, in one line; None when it did."""
        if self.ended == "exit":
            return None
        if self.ended == "timeout":
            return "the guest did not finish within %d s" % self.timeout
        if self.ended == "error":
            return self.error
        if self.console_bad:
            return "the guest kernel crashed: " + self.console_bad[0].strip()
        rc = self.proc.returncode if self.proc else None
        if self.ended == "channel":
            return "the guest closed the control channel (QEMU rc %s)" % rc
        return "QEMU exited (rc %s) before the guest finished" % rc


# The guests booted and not yet stopped (boot()), for an interrupted
# make check to stop them, and whether it was: no guest starts after.
# Both guarded by LIVE_LOCK.
LIVE = set()
LIVE_STOPPED = [False]
LIVE_LOCK = threading.Lock()


def kill_live_guests():
    """Kill the QEMU of every guest still running (make check was
    interrupted) and start no more; the boots end as their QEMU exited."""
    with LIVE_LOCK:
        LIVE_STOPPED[0] = True
        for guest in LIVE:
            if guest.proc and guest.proc.poll() is None:
                guest.proc.kill()


def boot(impl, name, qemu_args, append, log_path, timeout, echo=None,
         console_ok=None):
    """Boot one guest and serve it to its end; the stopped Guest.  Once its
    log is open it never raises: what went wrong is in guest.failure() (a
    log that cannot be opened raises OSError, which run_scenario() turns
    into a failed case).  CONSOLE_OK: a regular expression of console lines
    that are not a problem in this boot."""
    # the guest's kselftest runner gets the same limit (guest-init.sh)
    append = ("%s memhp.timeout=%d" % (append, timeout)).strip()
    guest = Guest(impl, name, qemu_args, append, log_path, echo=echo)
    # how long QEMU may take to end by itself: a guest that finished
    # reboots, one that is going down gets time to print its last words,
    # a hung one (or a Ctrl-C) is stopped at once
    grace = 0
    with LIVE_LOCK:
        LIVE.add(guest)
        stopped = LIVE_STOPPED[0]
    try:
        if console_ok:
            guest.console_ok = re.compile(console_ok)
        if stopped:
            raise GuestError("make check was interrupted before this boot")
        guest.start()
        if guest.serve(timeout):
            grace = 20
        elif guest.ended != "timeout":
            grace = 10
    except GuestError as err:
        guest.ended, guest.error = "error", str(err)
    except Exception as err:  # a bug of ours: this boot fails, QEMU stops
        guest.ended, guest.error = "error", harness_error(err)
    finally:
        if guest.ended == "error":
            guest._logline("# memhp: ", guest.error)
        guest.finish(grace)
        with LIVE_LOCK:
            LIVE.discard(guest)
    return guest


def harness_error(err):
    """One line for an unexpected exception: what, and where it came from."""
    where = traceback.extract_tb(err.__traceback__)[-1]
    text = (str(err).splitlines() or [""])[0]
    return "harness error: %s: %s (%s:%d in %s)" % (
        type(err).__name__, text, os.path.basename(where.filename),
        where.lineno, where.name)


_ACCEL = None


def accel_args():
    """TCG unless a short trial boot shows KVM really works (cached)."""
    global _ACCEL
    if _ACCEL is None:
        choice = os.environ.get("MEMHP_ACCEL", "auto")
        if choice == "auto":
            choice = probe_kvm()
        _ACCEL = (["-accel", "kvm", "-cpu", "host"] if choice == "kvm"
                  else ["-accel", "tcg", "-cpu", "max"])
    return _ACCEL


def probe_kvm():
    cache = os.path.join(BUILD, "accel")
    if os.path.exists(cache):
        return open(cache).read().strip()
    result = "tcg"
    kernel = os.path.join(BUILD, "upstream", "bzImage")
    if not os.path.exists(kernel):
        kernel = os.path.join(BUILD, "ours", "bzImage")
    if os.access("/dev/kvm", os.W_OK) and os.path.exists(kernel):
        try:
            out = subprocess.run(
                ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host",
                 "-m", "256M", "-nodefaults", "-display", "none",
                 "-no-reboot", "-serial", "stdio", "-kernel", kernel,
                 "-append", "console=ttyS0 panic=-1"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, timeout=20).stdout
        except subprocess.TimeoutExpired as err:
            out = err.stdout or b""
        if b"Kernel panic" in out or b"Unable to mount root" in out:
            result = "kvm"
    with open(cache, "w") as f:
        f.write(result + "\n")
    return result


def scenario_meta(path):
    meta = {"qemu": DEFAULT_QEMU, "append": "", "timeout": DEFAULT_TIMEOUT,
            "needs": "", "upstream": None, "upstream-debug": None, "console-ok": None, "soak": None}
    seen = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*memhp-([\w-]+):\s*(.*)", line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if key in ("qemu", "append", "upstream-debug") and key in seen:
                val = meta[key] + " " + val     # continuation line
            if key == "console-ok" and key in seen:
                val = meta[key] + "|" + val     # one more pattern
            meta[key] = int(val) if key == "timeout" else val
            seen.add(key)
    return meta


def scenarios(names):
    """The entries to run: every scenario after the harness's own check
    when NAMES is empty, else the named ones (memhp_ may be left out)."""
    found = sorted(f[:-3] for f in os.listdir(GUEST_DIR)
                   if f.startswith("memhp_") and f.endswith(".sh"))
    if not names:
        return [HARNESS, KSELFTEST, KUNIT_PY] + found
    wanted = []
    for n in names:
        if n in (HARNESS, KSELFTEST, KUNIT_PY):
            wanted.append(n)
            continue
        n = n if n.startswith("memhp_") else "memhp_" + n
        if n not in found:
            sys.exit("memhp_vm.py: no scenario %s (have: %s %s %s %s)" %
                     (n, HARNESS, KSELFTEST, KUNIT_PY, " ".join(found)))
        wanted.append(n)
    return wanted


# Progress lines a soak prints ("# cycle N/M, ..."): shown as they come.
PROGRESS = re.compile(r"^# cycle \d+/\d+")


def soak_plan(meta):
    """A soak's header "# memhp-soak: CYCLES SECONDS" gives how many cycles
    it runs by default and how long one may take; MEMHP_SOAK_CYCLES (make
    soak) overrides the count.  Returns what to add to the kernel command
    line and to the time limit: ("memhp.soak_cycles=N", N * SECONDS), or
    ("", 0) for a scenario without the header."""
    if not meta.get("soak"):
        return "", 0
    cycles, seconds = (int(w) for w in meta["soak"].split())
    cycles = int(os.environ.get("MEMHP_SOAK_CYCLES") or cycles)
    return "memhp.soak_cycles=%d" % cycles, cycles * seconds


def show_progress(line):
    if PROGRESS.match(line):
        print("    " + line, flush=True)


def upstream_mark(impl, meta):
    """("skip" or "xfail", REASON) from "# memhp-upstream:" when IMPL is
    upstream (from "# memhp-upstream-debug:" instead, when the scenario has
    one and this is the debug profile); (None, "") otherwise."""
    mark = meta.get("upstream")
    if PROFILE == "debug" and meta.get("upstream-debug"):
        mark = meta["upstream-debug"]
    words = (mark or "").split(None, 1)
    if impl != "upstream" or not words or words[0] not in ("skip", "xfail"):
        return None, ""
    return words[0], (words[1] if len(words) > 1 else "").strip()


def parse_ktap(lines):
    """Top-level results of a kselftest-style KTAP stream, and its plan."""
    plan, results = None, []
    nested_skip = ""    # the reason a nested test (kselftest runner) gave
    for line in lines:
        m = re.match(r"^1\.\.(\d+)", line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r"^# 1\.\.0 # SKIP (.*)", line)
        if m:
            nested_skip = m.group(1).strip()
            continue
        m = KTAP_RESULT.match(line)
        if m:
            directive = (m.group(4) or "").upper()
            status = ("skip" if directive == "SKIP" else
                      "pass" if m.group(1) == "ok" else "fail")
            extra = (m.group(5) or "").strip()
            if status == "skip" and not extra:
                extra = nested_skip
            nested_skip = ""
            results.append((status, m.group(3), extra))
    return plan, results


def missing_in(path, append):
    """What the test at PATH needs that a guest of the default machine
    booted with APPEND lacks (lib_memhp.sh's rule): "qmp" for the host
    channel, "machine" for another machine, "cmdline" for command line
    words; None when it runs in that guest."""
    meta = scenario_meta(path)
    words = set(meta["append"].split()) - {"kmemleak=on"}
    if meta.get("needs"):
        return "qmp"
    if meta["qemu"] != DEFAULT_QEMU:
        return "machine"
    return "cmdline" if words - set(append.split()) else None


def kselftest_programs():
    """The memhp_*.sh tests run_tests runs (TEST_PROGS): all but the ones
    the Makefile names in TEST_PROGS_EXTENDED."""
    with open(os.path.join(GUEST_DIR, "Makefile")) as f:
        text = f.read().replace("\\\n", " ")
    m = re.search(r"^TEST_PROGS_EXTENDED\s*:=(.*)$", text, re.M)
    if not m and "TEST_PROGS_EXTENDED" in text:
        raise ValueError("the kselftest Makefile's TEST_PROGS_EXTENDED is "
                         "not one ':=' assignment this script can read")
    extended = set(m.group(1).split()) if m else set()
    return sorted(f for f in os.listdir(GUEST_DIR)
                  if f.startswith("memhp_") and f.endswith(".sh") and
                  f not in extended)


def kselftest_must_pass(impl, results):
    """The kselftest entry's own cases: every test it runs that needs
    nothing the kselftest guest lacks (and the base tree's
    mem-on-off-test.sh) passed, and every test that skipped needs the host
    channel (on stock, or command line words stock's guest leaves out)."""
    append = kselftest_append(impl)
    left_out = kselftest_left_out(impl)
    lacks = {f: missing_in(os.path.join(GUEST_DIR, f), append)
             for f in kselftest_programs() if f not in left_out}
    want = ["mem-on-off-test.sh"] + [f for f, why in lacks.items() if not why]
    passed = {r[1].rsplit(" ", 1)[-1] for r in results if r[0] == "pass"}
    missing = [t for t in want if t not in passed]
    # stock's debug guest leaves mem= out (kselftest_append())
    allowed = {"qmp"}
    if append != KSELFTEST_APPEND:
        allowed.add("cmdline")
    skipped = [r[1].rsplit(" ", 1)[-1] for r in results if r[0] == "skip"]
    odd = [t for t in skipped if lacks.get(t) not in allowed]
    return [("pass" if not missing else "fail",
             "the tests that run in this guest pass: %s%s" %
             (" ".join(want),
              "; not: " + " ".join(missing) if missing else ""), ""),
            ("pass" if not odd else "fail",
             "only tests that need %s skip%s" %
             (" or ".join(sorted(allowed)),
              "; not so: " + " ".join(odd) if odd else ""), "")]


def short_name(name):
    """NAME without its memhp_ prefix: the scenario's name in KTAP and in
    its log's file name."""
    return name[len("memhp_"):] if name.startswith("memhp_") else name


def run_scenario(impl, name, meta=None, echo=show_progress):
    """Boot scenario NAME (its header lines, or META) and judge it:
    (results, notes, seconds), results being (status, description, extra)
    cases; ECHO gets each line of the guest's output as it comes.  Never
    raises: an unexpected error is a failed case."""
    start = time.time()
    try:
        return judge_scenario(impl, name, meta, echo)
    except Exception as err:
        return ([("fail", harness_error(err), "")], [],
                time.time() - start)


def judge_scenario(impl, name, meta, echo):
    if meta is None:
        meta = scenario_meta(os.path.join(GUEST_DIR, name + ".sh"))
    short = short_name(name)
    mark, reason = upstream_mark(impl, meta)
    if mark == "skip":
        return [("skip", short, reason)], [], 0.0
    resdir = os.path.join(BUILD, impl, "results")
    os.makedirs(resdir, exist_ok=True)
    log = os.path.join(resdir, short + ".log")
    start = time.time()
    soak_append, soak_seconds = soak_plan(meta)
    guest = boot(impl, name, meta["qemu"],
                 (meta["append"] + " " + soak_append).strip(), log,
                 (meta["timeout"] + soak_seconds) * TIME_SCALE,
                 echo=echo, console_ok=meta.get("console-ok"))
    took = time.time() - start
    plan, results = parse_ktap(guest.out)
    notes = []
    why = guest.failure()
    finished = why is None
    if not finished:
        results.append(("fail", why, ""))
        if guest.console_tail:
            notes += ["console tail (last %d lines):" % TAIL_SHOW] + \
                guest.console_tail[-TAIL_SHOW:]
    ran = len(results) - (0 if finished else 1)
    if plan is not None and ran != plan:
        results.append(("fail", "ran the %d planned cases (ran %d)" %
                        (plan, ran), ""))
    if plan is None and finished:
        results.append(("fail", "printed a KTAP plan", ""))
    if plan == 0 and finished:
        why = [l for l in guest.out if l.startswith("1..0")]
        results.append(("fail", "ran, booted with all it needs (it skipped: %s)"
                        % (why[0] if why else "no reason"), ""))
    if name == KSELFTEST and finished:
        results += kselftest_must_pass(impl, results)
    if finished and guest.exit_code not in (0, 4) and \
            not any(r[0] == "fail" for r in results):
        results.append(("fail", "exited 0 (exit %s)" % guest.exit_code, ""))
    if guest.reap_failed:
        results.append(("fail", guest.reap_failed, ""))
    clean = not guest.console_bad
    results.append(("pass" if clean else "fail",
                    "kernel console free of warnings", ""))
    if not clean:
        notes += ["bad console lines:"] + guest.console_bad[:20]
    notes.append("log: %s (%.0f s)" % (os.path.relpath(log, TOP), took))
    return results, notes, took


# The guests check_harness() boots: memhp.crash= for guest-init.sh, and the
# scenario timeout (the hang case waits for all of it).
CRASH_BOOTS = (("panic", 120), ("hang", 20), ("quit", 120),
               ("overplan", 120), ("lastwords", 120))
# Boots that cannot start: QEMU refusing its arguments, and an ACPI table
# iasl cannot compile (as when iasl is missing); extra QEMU arguments.
NOSTART_BOOTS = (("badqemu", "--memhp-no-such-option"),
                 ("badaml", "-acpitable file=@AML:memhp_no_such_table@"))


def check_harness(impl):
    """The harness entry: boot guests that fail on purpose (a panic, a hang,
    QEMU quitting under the guest, more results than planned, a warning
    printed after a clean exit, a QEMU that does not start, an ACPI table
    that does not compile) through run_scenario(), like any scenario.
    Its cases pass when each came back as a failed scenario with the right
    reason, and none as a pass or as an error of this script; (results,
    notes)."""
    runs = {}
    for kind, timeout in CRASH_BOOTS:
        meta = {"qemu": DEFAULT_QEMU, "append": "memhp.crash=" + kind,
                "timeout": timeout, "upstream": None}
        runs[kind] = run_scenario(impl, "memhp_harness_" + kind, meta)
    for kind, extra in NOSTART_BOOTS:
        meta = {"qemu": DEFAULT_QEMU + " " + extra, "append": "",
                "timeout": 60, "upstream": None}
        runs[kind] = run_scenario(impl, "memhp_harness_" + kind, meta)

    def failed(kind):
        return [r[1] for r in runs[kind][0] if r[0] == "fail"]

    panic_notes = runs["panic"][1]
    hang_timeout = dict(CRASH_BOOTS)["hang"] * TIME_SCALE  # as run_scenario()
    hang_took = runs["hang"][2]
    checks = [
        ("a guest that panics is reported not ok", failed("panic")),
        ("its reason is the crash",
         [d for d in failed("panic")
          if d.startswith("the guest kernel crashed: ")]),
        ("its console tail shows the panic",
         [n for n in panic_notes if "Kernel panic" in n]),
        ("a guest that hangs is reported not ok", failed("hang")),
        ("its reason is the %d s timeout" % hang_timeout,
         [d for d in failed("hang")
          if d == "the guest did not finish within %d s" % hang_timeout]),
        ("the hung guest was stopped at its timeout (%.0f s)" % hang_took,
         hang_took < hang_timeout + START_TIMEOUT),
        ("a guest whose QEMU quits mid-scenario is reported not ok, "
         "as QEMU or the channel gone",
         [d for d in failed("quit")
          if d.startswith("QEMU exited") or
          d.startswith("the guest closed the control channel")]),
        ("more results than the plan fail the scenario",
         "ran the 1 planned cases (ran 2)" in failed("overplan")),
        ("a warning printed after a clean exit fails the scenario",
         "kernel console free of warnings" in failed("lastwords")),
        ("a QEMU that refuses its arguments is reported not ok, "
         "as QEMU exited",
         [d for d in failed("badqemu") if d.startswith("QEMU exited")]),
        ("an ACPI table iasl cannot compile is reported not ok, as iasl",
         [d for d in failed("badaml") if d.startswith("iasl could not")]),
        ("no harness error in any boot",
         not [d for kind, _ in CRASH_BOOTS + NOSTART_BOOTS
              for d in failed(kind) if d.startswith("harness error")]),
    ]
    results = [("pass" if good else "fail", desc, "")
               for desc, good in checks]
    notes = []
    for kind, _ in CRASH_BOOTS + NOSTART_BOOTS:
        if not failed(kind):
            notes.append("%s boot: passed (it must not)" % kind)
        for d in failed(kind):
            notes.append("%s boot: not ok: %s" % (kind, d))
        shown = [n for n in runs[kind][1] if n.startswith("log: ") or
                 (kind == "panic" and "Kernel panic" in n)]
        notes += ["%s boot: %s" % (kind, n) for n in dict.fromkeys(shown)]
    return results, notes


def declared_suites(impl):
    """The built-in KUnit suites memhp_kunit.sh says kernel IMPL must run
    (the ones built as modules run when memhp_kunit.sh loads them, which
    kunit.py exec does not do)."""
    text = open(os.path.join(GUEST_DIR, "memhp_kunit.sh")).read()
    found = {}
    for var in ("STOCK_SUITES", "OUR_SUITES"):
        m = re.search(r'^%s="([^"]*)"' % var, text, re.M)
        found[var] = m.group(1).split() if m else []
    return found["STOCK_SUITES"] + (found["OUR_SUITES"] if impl == "ours"
                                    else [])


def kunit_suites(group):
    """(suite, [case statuses]) for every suite of kunit.py's JSON."""
    for sub in group.get("sub_groups", []):
        cases = [c.get("status") for c in sub.get("test_cases", [])]
        for inner in sub.get("sub_groups", []):   # parameterised cases
            cases += [c.get("status") for c in inner.get("test_cases", [])]
        yield sub.get("name", "?"), cases


def check_kunit_py(impl):
    """The kunit_py entry: (results, notes)."""
    src, obj = os.path.join(BUILD, impl, "src"), os.path.join(BUILD, impl, "obj")
    resdir = os.path.join(BUILD, impl, "results")
    os.makedirs(resdir, exist_ok=True)
    log, js = (os.path.join(resdir, "kunit_py" + ext) for ext in (".log", ".json"))
    timeout = KUNIT_PY_TIMEOUT * TIME_SCALE
    cmd = [sys.executable, "tools/testing/kunit/kunit.py", "exec",
           "--arch=x86_64", "--build_dir=" + obj, "--timeout=%d" % timeout,
           "--json=" + js,
           # exec builds nothing; naming a kunitconfig only keeps kunit.py
           # from writing its default one into the build directory
           "--kunitconfig=tools/testing/kunit/configs/default.config"]
    if os.path.exists(js):
        os.unlink(js)
    start = time.time()
    try:
        with open(log, "w") as f:
            rc = subprocess.run(cmd, cwd=src, stdout=f, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                timeout=timeout + 60).returncode
    except subprocess.TimeoutExpired:
        rc = "killed after %d s" % (timeout + 60)
    except OSError as err:
        rc = "could not start (%s)" % err
    took = time.time() - start
    with open(log, errors="replace") as f:
        out = f.read().splitlines()
    summary = [l for l in out if re.search(r"Testing complete\.|^\[.*\] (Ran|Elapsed)", l)]
    results = [("pass" if rc == 0 else "fail",
                "kunit.py exec exits 0 (exit %s)" % rc, "")]
    try:
        with open(js) as f:
            suites = dict(kunit_suites(json.load(f)))
    except (OSError, ValueError) as err:
        suites = {}
        results.append(("fail", "kunit.py wrote its JSON (%s)" % err, ""))
    for name in sorted(suites):
        cases = suites[name]
        bad = [c for c in cases if c not in ("PASS", "SKIP")]
        status = ("fail" if bad or not cases else
                  "skip" if all(c == "SKIP" for c in cases) else "pass")
        results.append((status, "suite %s: %d cases, %d not passed or skipped"
                        % (name, len(cases), len(bad)), ""))
    for name in declared_suites(impl):
        if "PASS" not in suites.get(name, []):
            results.append(("fail", "suite %s ran and passed a case" % name, ""))
    notes = ["kunit.py: " + l.strip() for l in summary[-3:]]
    if rc != 0:
        notes += ["kunit.py output (last %d lines):" % TAIL_SHOW] + out[-TAIL_SHOW:]
    notes.append("log: %s (%.0f s)" % (os.path.relpath(log, TOP), took))
    return results, notes


def ktap_text(desc):
    """DESC fit for a KTAP result line: one line, no "#" (a directive)."""
    return " ".join(desc.replace("#", "").split())


def guest_slots():
    """How many guests make check runs at once: MEMHP_GUESTS (make check
    GUESTS=N), else one per CPU we may run on, no more than the host's
    free memory holds (GUEST_GIB each).  A scenario's guest mostly keeps one
    of its vCPUs busy at a time, so two guests share two host CPUs well;
    the scenarios that need both vCPUs running at once say so in their
    header ("# memhp-alone: REASON") and run with no other guest beside
    them."""
    try:
        slots = int(os.environ.get("MEMHP_GUESTS") or 0)
    except ValueError:
        slots = 0
    if slots > 0:
        return slots
    cpus = len(os.sched_getaffinity(0))
    return max(1, min(cpus, host_free_gib() // GUEST_GIB))


# What one scenario's guest may take of host memory: its largest -m and the
# hot-plugged memory it touches (a default-sized make check keeps the
# number of guests within what the host has free).
GUEST_GIB = 4


def host_free_gib():
    """The host's MemAvailable in GiB (1 when it cannot be read)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) >> 20
    except (OSError, ValueError, IndexError):
        pass
    return 1


def entry_alone(name):
    """Whether entry NAME must have the host to itself (memhp-alone).  The
    harness's own entries share it: kselftest's copies of the race
    scenarios check that the collection runs in one guest; their own
    entries are the races."""
    if name in (HARNESS, KSELFTEST, KUNIT_PY):
        return False
    try:
        return "alone" in scenario_meta(os.path.join(GUEST_DIR,
                                                     name + ".sh"))
    except (OSError, ValueError):
        return False    # run_entry() reports the unreadable header


def run_entry(impl, name, echo):
    """Run one entry of make check and never raise: (results, notes, mark,
    reason, remarks), MARK and REASON being the scenario's upstream mark
    and REMARKS notes for before its plan line."""
    mark, reason, remarks = None, "", []
    try:
        if name == HARNESS:
            results, notes = check_harness(impl)
        elif name == KUNIT_PY:
            results, notes = check_kunit_py(impl)
        elif name == KSELFTEST:
            results, notes, _ = run_scenario(impl, name,
                                             kselftest_meta(impl), echo)
        else:
            try:
                meta = scenario_meta(os.path.join(GUEST_DIR, name + ".sh"))
                mark, reason = upstream_mark(impl, meta)
            except (OSError, ValueError) as err:
                meta = None     # run_scenario() reports it
                remarks.append(str(err))
            results, notes, _ = run_scenario(impl, name, meta, echo)
    except Exception as err:    # a bug of ours: this entry fails, not the run
        results, notes = [("fail", harness_error(err), "")], []
    return results, notes, mark, reason, remarks


class Entries:
    """The entries of one make check, run up to SLOTS at a time, reported
    in their own order: an entry's KTAP block is printed once it and every
    entry before it have ended.  The memhp-alone entries run first, one
    by one, so that no slot idles while the others drain before one of
    them; then the rest in order.  An entry that starts when every entry
    before it has been reported prints its subtest header at once and
    shows its progress lines (a soak's cycles) as they come; the others
    keep them for their log."""

    def __init__(self, impl, todo, slots):
        self.impl, self.todo, self.slots = impl, todo, slots
        self.alone = [entry_alone(n) for n in todo]
        # the order they start in
        self.order = sorted(range(len(todo)), key=lambda i: not self.alone[i])
        self.lock = threading.Condition()
        self.running = {}       # index -> name, of the entries running
        self.ended = {}         # index -> run_entry() result, not reported
        self.headed = set()     # indices whose subtest header is printed
        self.started = self.reported = 0     # counts, of order and todo

    def header(self, i):
        name = self.todo[i]
        short = short_name(name)
        print("    KTAP version 1\n    # Subtest: %s" % short, flush=True)
        self.headed.add(i)

    def can_start(self, i):
        """Under the lock: whether entry I may start now."""
        if len(self.running) >= self.slots:
            return False
        if self.running and (self.alone[i] or
                             any(self.alone[j] for j in self.running)):
            return False
        # the same scenario twice at once would share its sockets and log
        return self.todo[i] not in self.running.values()

    def work(self, i, echo):
        out = ([("fail", "harness error: the entry's thread ended early",
                 "")], [], None, "", [])
        try:
            out = run_entry(self.impl, self.todo[i], echo)
        finally:
            with self.lock:
                del self.running[i]
                self.ended[i] = out
                self.lock.notify_all()

    def run(self, report):
        """Run every entry; REPORT(index, outcome) prints each in order."""
        with self.lock:
            while self.reported < len(self.todo):
                while self.reported in self.ended:
                    i = self.reported
                    if i not in self.headed:
                        self.header(i)
                    report(i, self.ended.pop(i))
                    self.reported += 1
                while (self.started < len(self.todo) and
                       self.can_start(self.order[self.started])):
                    i = self.order[self.started]
                    echo = None
                    if i == self.reported:
                        self.header(i)
                        echo = show_progress
                    self.running[i] = self.todo[i]
                    threading.Thread(target=self.work, args=(i, echo),
                                     daemon=True).start()
                    self.started += 1
                if self.reported < len(self.todo):
                    self.lock.wait()


def cmd_check(impl, names):
    todo = scenarios(names)
    totals = {"pass": 0, "fail": 0, "skip": 0}
    xfailed = 0
    xfail_ran = False
    slots = guest_slots()
    try:
        accel_args()    # probed once, before guests start side by side
    except Exception:   # each boot then fails with the reason
        pass
    print("KTAP version 1")
    print("# memhp scenarios, IMPL=%s, up to %d guest%s at once" %
          (impl, slots, "" if slots == 1 else "s"))
    print("1..%d" % len(todo))
    t0 = time.time()

    def report(i, outcome):
        nonlocal xfailed, xfail_ran
        name = todo[i]
        short = short_name(name)
        results, notes, mark, reason, remarks = outcome
        for r in remarks:
            print("    # " + r)
        xfail = mark == "xfail"
        xfail_ran = xfail_ran or xfail
        print("    1..%d" % len(results))
        for j, (status, desc, extra) in enumerate(results, 1):
            if status == "fail" and xfail:
                xfailed += 1
                totals["skip"] += 1
            else:
                totals[status] += 1
            tag = " # SKIP " + ktap_text(extra) if status == "skip" else ""
            print("    %s %d %s%s" % ("not ok" if status == "fail" else "ok",
                                      j, ktap_text(desc), tag))
        for n in notes:
            print("    # " + n)
        ok = all(r[0] != "fail" for r in results)
        line = "%s %d %s" % ("ok" if ok else "not ok", i + 1, short)
        if xfail:
            line += (" # TODO expected failure on stock%s: %s" %
                     (", passed this run" if ok else "", reason))
        print(line, flush=True)

    entries = Entries(impl, todo, slots)
    try:
        entries.run(report)
    except KeyboardInterrupt:
        # the guests must not outlive the run; what has not been reported
        # counts as one failure
        kill_live_guests()
        print("# interrupted: %d of %d entries reported" %
              (entries.reported, len(todo)))
        totals["fail"] += 1
    print("# IMPL=%s: %d scenarios in %.0f s" % (impl, len(todo),
                                                  time.time() - t0))
    if xfail_ran:
        print("# %d expected failures (stock lacks the fix)" % xfailed)
    print("%d passed, %d failed, %d skipped" %
          (totals["pass"], totals["fail"], totals["skip"]), flush=True)
    return 1 if totals["fail"] else 0


def cmd_demo(impl):
    path = os.path.join(HARNESS_GUEST_DIR, "demo.sh")
    meta = scenario_meta(path)
    log = os.path.join(BUILD, impl, "demo.log")
    print("booting the %s kernel under QEMU (%s) ..." %
          (impl, " ".join(accel_args())), flush=True)
    guest = boot(impl, "demo", meta["qemu"], meta["append"], log,
                 meta["timeout"], echo=lambda line: print(line, flush=True))
    if guest.console_bad:
        print("kernel console showed:\n  " + "\n  ".join(guest.console_bad))
    print("(full guest log: %s)" % os.path.relpath(log, TOP), flush=True)
    why = boot_verdict(guest, "the demo failed (exit %s)")
    if why:
        sys.stderr.write("memhp: %s\n" % why)
        return 1
    return 0


def boot_verdict(guest, script_failed):
    """Why a boot that had to succeed did not (a crash, a hang, the guest
    script's exit status - SCRIPT_FAILED % status - or a bad console line),
    or None."""
    why = guest.failure()
    if why is None and guest.exit_code != 0:
        why = script_failed % guest.exit_code
    if why is None and guest.console_bad:
        why = "the kernel console showed: " + guest.console_bad[0].strip()
    return why


def cmd_shell(impl, extra):
    args = " ".join(extra) or DEFAULT_QEMU
    # the kselftest guest's command line goes with its machine only
    guest = Guest(impl, "shell", args,
                  "" if extra else kselftest_append(impl),
                  os.path.join(BUILD, impl, "shell.log"), interactive=True)
    try:
        guest.start()
    except GuestError as err:
        guest.finish(0)
        sys.stderr.write("memhp: %s\n" % err)
        return 1
    sys.stderr.write("memhp: QMP socket for your own client: %s\n"
                     "memhp: leave the guest with 'reboot -f' "
                     "(or Ctrl-a x)\n" % guest.qmp_path)
    t = threading.Thread(target=guest.serve, args=(24 * 3600,), daemon=True)
    t.start()
    guest.proc.wait()
    return 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "selftest", "demo",
                                         "shell"):
        sys.exit(__doc__)
    cmd, impl = argv[1], argv[2]
    if cmd == "check":
        return cmd_check(impl, argv[3:])
    if cmd == "selftest":
        return cmd_check(impl, [HARNESS])
    try:
        if cmd == "demo":
            return cmd_demo(impl)
        return cmd_shell(impl, argv[3:])
    except Exception as err:
        sys.stderr.write("memhp: %s\n" % harness_error(err))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
