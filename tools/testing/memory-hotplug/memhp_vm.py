#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""memhp_vm.py - boot test guests under QEMU and drive real hot-plug events.

One QEMU boot per scenario.  A scenario is a guest script
tools/testing/selftests/memory-hotplug/memhp_*.sh whose header lines say how
to start QEMU:

    # memhp-qemu: -m 1G,slots=4,maxmem=16G -numa ...   (extra QEMU arguments)
    # memhp-append: memhp_default_state=online          (kernel command line)
    # memhp-timeout: 300                                 (seconds; default 240)
    # memhp-upstream: skip REASON                        (a feature stock lacks)
    # (memhp-qemu and memhp-append may repeat: the lines are joined)
    # (in memhp-qemu, @AML:NAME@ is NAME.asl compiled by iasl: -acpitable file=@AML:NAME@)

The guest talks to us over its second serial port (see guest-init.sh): it
prints its KTAP output there and asks for QMP commands or QMP events.  We keep
the kernel console of each boot in build/IMPL/results/NAME.log and fail the
scenario when the console shows a kernel warning, or when the guest does not
finish in time.

    memhp_vm.py check IMPL [NAME...]     run scenarios, print KTAP and totals
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

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
BUILD = os.environ.get("MEMHP_BUILD", os.path.join(TOP, "build"))
GUEST_DIR = os.path.join(TOP, "tools/testing/selftests/memory-hotplug")
DEFAULT_QEMU = "-m 1G,slots=4,maxmem=16G"
DEFAULT_TIMEOUT = 240

# Console lines that mean the kernel is unhealthy, whatever the test said.
BAD_CONSOLE = re.compile(
    r"WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|Kernel panic|"
    r"possible circular locking|inconsistent lock state|"
    r"INFO: task .* blocked|general protection fault|kernel BUG")

KTAP_RESULT = re.compile(r"^(not ok|ok) (\d+)\s*-?\s*(.*?)\s*(?:#\s*(\S+)(.*))?$")


def subset(pattern, value):
    """True when every key of PATTERN (recursively) has its value in VALUE."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            k in value and subset(v, value[k]) for k, v in pattern.items())
    return pattern == value


class Qmp:
    """A QMP connection that keeps every asynchronous event it sees."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile("rw")
        self.events = []
        self.cond = threading.Condition()
        self.replies = []
        json.loads(self.file.readline())  # greeting
        threading.Thread(target=self._reader, daemon=True).start()
        self.command("qmp_capabilities")

    def _reader(self):
        for line in self.file:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                if "event" in msg:
                    self.events.append(msg)
                else:
                    self.replies.append(msg)
                self.cond.notify_all()
        with self.cond:
            self.replies.append({"error": {"class": "Disconnected",
                                           "desc": "QEMU closed QMP"}})
            self.cond.notify_all()

    def command(self, execute, arguments=None):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        return self.raw(msg)

    def raw(self, msg):
        with self.cond:
            self.file.write(json.dumps(msg) + "\n")
            self.file.flush()
            while not self.replies:
                self.cond.wait()
            return self.replies.pop(0)

    def wait_event(self, name, timeout, data=None):
        """Consume and return the first event NAME whose data has DATA."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for ev in self.events:
                    if ev["event"] == name and \
                            subset(data or {}, ev.get("data", {})):
                        self.events.remove(ev)
                        return ev
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)


def expand_aml(qemu_args):
    """Replace @AML:NAME@ by NAME.asl (next to the scenarios) compiled with
    iasl into build/aml/NAME.aml, for -acpitable file=@AML:NAME@."""
    def compile_one(m):
        src = os.path.join(GUEST_DIR, m.group(1) + ".asl")
        outdir = os.path.join(BUILD, "aml")
        out = os.path.join(outdir, m.group(1) + ".aml")
        os.makedirs(outdir, exist_ok=True)
        if not os.path.exists(out) or \
                os.path.getmtime(out) < os.path.getmtime(src):
            subprocess.run(["iasl", "-p", out[:-4], src], check=True,
                           stdout=subprocess.DEVNULL)
        return out
    return re.sub(r"@AML:(\w+)@", compile_one, qemu_args)


class Guest:
    """One QEMU process: console log, control channel and QMP."""

    def __init__(self, impl, name, qemu_args, append, log_path,
                 interactive=False, echo=None):
        self.impl = impl
        self.name = name
        self.echo = echo
        run = os.path.join(BUILD, impl, "run")
        os.makedirs(run, exist_ok=True)
        self.qmp_path = os.path.join(run, name + ".qmp")
        self.ctl_path = os.path.join(run, name + ".ctl")
        for p in (self.qmp_path, self.ctl_path):
            if os.path.exists(p):
                os.unlink(p)
        self.log = open(log_path, "w")
        self.log_lock = threading.Lock()
        self.console_bad = []
        self.console_tail = []
        self.out = []
        self.exit_code = None
        cmdline = ("console=ttyS0 panic=-1 oops=panic no_hash_pointers "
                   "kunit.enable=0 memhp.test=%s %s" % (name, append)).strip()
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-nodefaults",
               "-display", "none", "-no-reboot",
               "-kernel", os.path.join(BUILD, impl, "bzImage"),
               "-initrd", os.path.join(BUILD, impl, "initrd.cpio.gz"),
               "-append", cmdline,
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        cmd += accel_args() + ["-smp", "2"]
        cmd += ["-serial", "mon:stdio" if interactive else "stdio",
                "-serial", "unix:%s,server=on,wait=off" % self.ctl_path]
        cmd += shlex.split(expand_aml(qemu_args))
        self.cmd = cmd
        self.log.write("# " + " ".join(shlex.quote(c) for c in cmd) + "\n")
        self.proc = subprocess.Popen(
            cmd, stdin=None if interactive else subprocess.DEVNULL,
            stdout=None if interactive else subprocess.PIPE,
            stderr=None if interactive else subprocess.STDOUT)
        deadline = time.time() + 30
        self.qmp = Qmp(self.qmp_path, deadline)
        self.ctl = socket.socket(socket.AF_UNIX)
        while True:
            try:
                self.ctl.connect(self.ctl_path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        if not interactive:
            threading.Thread(target=self._console, daemon=True).start()

    def _logline(self, prefix, line):
        with self.log_lock:
            self.log.write(prefix + line + "\n")
            self.log.flush()

    def _console(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._logline("", line)
            self.console_tail = (self.console_tail + [line])[-40:]
            if BAD_CONSOLE.search(line):
                self.console_bad.append(line)

    def handle(self, req):
        """Answer one guest request (a JSON object) with a JSON object."""
        try:
            msg = json.loads(req)
        except ValueError as err:
            return {"error": {"class": "BadRequest", "desc": str(err)}}
        if "qmp" in msg:
            return self.qmp.raw(msg["qmp"])
        if "wait_event" in msg:
            ev = self.qmp.wait_event(msg["wait_event"],
                                     float(msg.get("timeout", 30)),
                                     msg.get("data"))
            return {"return": ev} if ev else {"error": {"class": "Timeout"}}
        if "log" in msg:
            self._logline("@ ", str(msg["log"]))
            return {"return": {}}
        return {"error": {"class": "BadRequest", "desc": "unknown request"}}

    def serve(self, timeout):
        """Serve the control channel until EXIT, QEMU's end or TIMEOUT."""
        deadline = time.time() + timeout
        buf = b""
        while self.exit_code is None:
            left = deadline - time.time()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.ctl], [], [], min(left, 1.0))
            if not ready:
                if self.proc.poll() is not None:
                    return False
                continue
            data = self.ctl.recv(65536)
            if not data:
                return False
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                self._ctl_line(raw.decode("utf-8", "replace").rstrip("\r"))
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
            self.ctl.sendall(reply.encode() + b"\n")
        elif kind == "EXIT":
            self.exit_code = int(rest or 1)

    def finish(self, timeout=20):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.1)
        self.log.close()


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
            "upstream": None}
    seen = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*memhp-(\w+):\s*(.*)", line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if key in ("qemu", "append") and key in seen:
                val = meta[key] + " " + val     # continuation line
            meta[key] = int(val) if key == "timeout" else val
            seen.add(key)
    return meta


def scenarios(names):
    found = sorted(f[:-3] for f in os.listdir(GUEST_DIR)
                   if f.startswith("memhp_") and f.endswith(".sh"))
    if not names:
        return found
    wanted = []
    for n in names:
        n = n if n.startswith("memhp_") else "memhp_" + n
        if n not in found:
            sys.exit("memhp_vm.py: no scenario %s (have: %s)" %
                     (n, " ".join(found)))
        wanted.append(n)
    return wanted


def parse_ktap(lines):
    """Top-level results of a kselftest-style KTAP stream, and its plan."""
    plan, results = None, []
    for line in lines:
        m = re.match(r"^1\.\.(\d+)", line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = KTAP_RESULT.match(line)
        if m:
            directive = (m.group(4) or "").upper()
            status = ("skip" if directive == "SKIP" else
                      "pass" if m.group(1) == "ok" else "fail")
            results.append((status, m.group(3), (m.group(5) or "").strip()))
    return plan, results


def run_scenario(impl, name):
    path = os.path.join(GUEST_DIR, name + ".sh")
    meta = scenario_meta(path)
    short = name[len("memhp_"):]
    if impl == "upstream" and meta["upstream"] and \
            meta["upstream"].startswith("skip"):
        return [("skip", short, meta["upstream"][4:].strip())], [], 0.0
    resdir = os.path.join(BUILD, impl, "results")
    os.makedirs(resdir, exist_ok=True)
    log = os.path.join(resdir, short + ".log")
    start = time.time()
    guest = Guest(impl, name, meta["qemu"], meta["append"], log)
    finished = guest.serve(meta["timeout"])
    guest.finish()
    took = time.time() - start
    plan, results = parse_ktap(guest.out)
    notes = []
    if not finished:
        why = ("timed out after %ds" % meta["timeout"]
               if guest.proc.returncode in (None, -9) else
               "guest stopped before finishing (QEMU rc %s)"
               % guest.proc.returncode)
        results.append(("fail", "guest finished (%s)" % why, ""))
        notes += ["console tail:"] + guest.console_tail[-25:]
    if plan is not None and len(results) < plan + (0 if finished else 1):
        results.append(("fail", "ran all %d planned cases (ran %d)" %
                        (plan, len(results)), ""))
    if plan is None and finished:
        results.append(("fail", "printed a KTAP plan", ""))
    if finished and guest.exit_code not in (0, 4) and \
            not any(r[0] == "fail" for r in results):
        results.append(("fail", "exited 0 (exit %s)" % guest.exit_code, ""))
    clean = not guest.console_bad
    results.append(("pass" if clean else "fail",
                    "kernel console free of warnings", ""))
    if not clean:
        notes += ["bad console lines:"] + guest.console_bad[:20]
    notes.append("log: %s (%.0f s)" % (os.path.relpath(log, TOP), took))
    return results, notes, took


def cmd_check(impl, names):
    todo = scenarios(names)
    totals = {"pass": 0, "fail": 0, "skip": 0}
    print("KTAP version 1")
    print("# memhp scenarios, IMPL=%s" % impl)
    print("1..%d" % len(todo))
    t0 = time.time()
    for i, name in enumerate(todo, 1):
        short = name[len("memhp_"):]
        print("    KTAP version 1\n    # Subtest: %s" % short, flush=True)
        results, notes, _ = run_scenario(impl, name)
        print("    1..%d" % len(results))
        for j, (status, desc, extra) in enumerate(results, 1):
            totals[status] += 1
            tag = " # SKIP " + extra if status == "skip" else ""
            print("    %s %d %s%s" % ("not ok" if status == "fail" else "ok",
                                      j, desc, tag))
        for n in notes:
            print("    # " + n)
        ok = all(r[0] != "fail" for r in results)
        print("%s %d %s" % ("ok" if ok else "not ok", i, short), flush=True)
    print("# IMPL=%s: %d scenarios in %.0f s" % (impl, len(todo),
                                                  time.time() - t0))
    print("%d passed, %d failed, %d skipped" %
          (totals["pass"], totals["fail"], totals["skip"]))
    return 1 if totals["fail"] else 0


def cmd_demo(impl):
    path = os.path.join(GUEST_DIR, "demo.sh")
    meta = scenario_meta(path)
    log = os.path.join(BUILD, impl, "demo.log")
    print("booting the %s kernel under QEMU (%s) ..." %
          (impl, " ".join(accel_args())), flush=True)
    guest = Guest(impl, "demo", meta["qemu"], meta["append"], log,
                  echo=lambda line: print(line, flush=True))
    finished = guest.serve(meta["timeout"])
    guest.finish()
    if guest.console_bad:
        print("kernel console showed:\n  " + "\n  ".join(guest.console_bad))
    print("(full guest log: %s)" % os.path.relpath(log, TOP))
    return 0 if finished and guest.exit_code == 0 and \
        not guest.console_bad else 1


def cmd_shell(impl, extra):
    args = " ".join(extra) or DEFAULT_QEMU
    guest = Guest(impl, "shell", args, "", os.path.join(BUILD, impl,
                                                       "shell.log"),
                  interactive=True)
    sys.stderr.write("memhp: QMP socket for your own client: %s\n"
                     "memhp: leave the guest with 'reboot -f' "
                     "(or Ctrl-a x)\n" % guest.qmp_path)
    t = threading.Thread(target=guest.serve, args=(24 * 3600,), daemon=True)
    t.start()
    guest.proc.wait()
    return 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "demo", "shell"):
        sys.exit(__doc__)
    cmd, impl = argv[1], argv[2]
    if cmd == "check":
        return cmd_check(impl, argv[3:])
    if cmd == "demo":
        return cmd_demo(impl)
    return cmd_shell(impl, argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
