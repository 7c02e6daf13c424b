#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sample.py - where a guest's kernel spends its time, without a tracer.

Boots one guest script (a bench script of guest/, or a scenario) the way
bench.py does, and while it runs asks QEMU for the instruction pointer of
every vCPU, every INTERVAL ms (the monitor's "info registers -a"), then
names each kernel address with the kernel's System.map.  Prints the
functions that took the most samples, per kernel-mode total, and how many
samples were idle or in user space.  Under TCG the pointer is the start of
the translated block a vCPU is in, so small functions can be missed; a
function that takes a good share of the time cannot.

    sample.py [--impl ours|upstream] [--profile release|""]
              [--interval MS] [--top N] SCRIPT [KERNEL ARGS...]

SCRIPT: a guest script name (bench_bulk) or a path; the kernel arguments
(memhp.sizes=64 ...) are added to the script's own.  Writes the guest log
to build/<profile dir>/sample/SCRIPT-IMPL.log.
"""

import argparse
import bisect
import collections
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memhp_vm  # noqa: E402

IDLE = ("default_idle", "pv_native_safe_halt", "acpi_safe_halt",
        "acpi_idle_do_entry", "native_safe_halt", "default_idle_call",
        "cpu_idle_poll", "mwait_idle")


def load_symbols(path):
    """Sorted (address, name) of the text symbols of a System.map."""
    syms = []
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in "tTwW":
                syms.append((int(addr, 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def sampler(qmp, interval, stop, out):
    """Append each vCPU's RIP to OUT until STOP is set."""
    while not stop.is_set():
        reply = qmp.command("human-monitor-command",
                            {"command-line": "info registers -a"},
                            timeout=5)
        text = reply.get("return", "")
        if not isinstance(text, str):
            break
        out.extend(int(m, 16) for m in re.findall(r"RIP=([0-9a-f]+)", text))
        stop.wait(interval / 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--impl", default="ours")
    ap.add_argument("--profile", default="release")
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("script")
    ap.add_argument("append", nargs="*")
    args = ap.parse_args()
    build = os.path.join(memhp_vm.BUILD, args.profile) if args.profile \
        else memhp_vm.BUILD
    memhp_vm.set_profile(args.profile, build)
    path = args.script if os.path.exists(args.script) else os.path.join(
        memhp_vm.HARNESS_GUEST_DIR, args.script + ".sh")
    name = os.path.basename(path)[:-3]
    meta = memhp_vm.scenario_meta(path)
    addrs, names = load_symbols(os.path.join(build, args.impl, "obj",
                                             "System.map"))
    logdir = os.path.join(build, "sample")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "%s-%s.log" % (name, args.impl))
    append = " ".join([meta["append"]] + args.append).strip()
    append = ("%s memhp.timeout=%d" % (append, meta["timeout"])).strip()
    guest = memhp_vm.Guest(args.impl, name, meta["qemu"], append, log)
    rips, stop = [], threading.Event()
    t0 = time.time()
    try:
        guest.start()
        th = threading.Thread(target=sampler, daemon=True,
                              args=(guest.qmp, args.interval, stop, rips))
        th.start()
        guest.serve(meta["timeout"])
    finally:
        stop.set()
        guest.finish(20)
    took = time.time() - t0
    counts = collections.Counter()
    idle = user = 0
    for rip in rips:
        if rip < 0xffffffff80000000:
            user += 1
            continue
        i = bisect.bisect_right(addrs, rip) - 1
        fn = names[i] if i >= 0 else "?"
        if fn in IDLE:
            idle += 1
        else:
            counts[fn] += 1
    kernel = sum(counts.values())
    print("%s on %s (%s): %d samples in %.0f s: %d kernel, %d idle, %d user"
          % (name, args.impl, args.profile or "debug", len(rips), took,
             kernel, idle, user))
    for line in guest.out:
        if line.startswith(("METRIC", "NOTE")):
            print("  " + line)
    for fn, n in counts.most_common(args.top):
        print("%6.1f%%  %6d  %s" % (100 * n / max(kernel, 1), n, fn))
    return 0 if guest.exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
