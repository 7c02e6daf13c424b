#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench.py - memhp against the stock kernel, side by side in one run.

Each benchmark is a guest script (guest/bench_*.sh) that
times itself with the guest's clock and prints "METRIC name value unit" or
"SAMPLES name v1 v2 ...".  Every round boots both kernels, interleaved
(ours, stock in even rounds, stock, ours in odd ones), same QEMU command line.
The report gives, per metric, ours, stock, ours/stock and the min-max of the
per-round ratios: a range that excludes 1.0 is a difference, one that
includes it is noise.  The cost curve (release section) runs in the first
round only, and a kernel's curve ends at the first size whose add or eject
took more than CURVE_BUDGET_S (a NOTE in the report says where).

Two sections, each with its own pair of kernels: the headline, "release"
(kernel/configs/memhp-release.config: no VM or lock debugging, no KUnit,
no fault injection, no slub_debug; make bench builds it in build/release),
and "debug" (the kernels every test scenario boots, in build/).  The bulk
hot-add rows and one block's online have a memmap-store limit: the time
the guest's CPUs take to write the memmap bytes of that much memory (64
bytes per 4 KiB page) with plain stores, all CPUs at once, at the best
bandwidth any boot of the section measured (memhp_helper store-rate); the
offline of 1 GiB full of data has a copy limit, the time one CPU takes to
memcpy() the bytes migrated (memhp_helper copy-rate).  The boot with a
16 GiB DIMM onlined as it is added also gives dimm_cost: its boot time
minus the same round's boot without DIMMs, same kernel.

    bench.py [--quick] [--rounds N] [--only NAME,...] [--section S] [--aa]
             [--replot]

--aa boots the stock kernel on both sides: the noise floor.  Its per-round
ratio ranges are kept in build/bench/aa-noise.json, and later ours-vs-stock
reports judge each ratio against them ("better", "worse", "within noise").
The min-max range of R rounds misses 1.0 by pure chance with probability
2^(1-R) per metric, so a lone A/A range that just misses 1.0 is expected.

Writes build/bench/report.md, build/bench/results.json and
build/bench/bulk.png (with Debian's python3-matplotlib): the cost curves
of the release section, log-log.
"""

import argparse
import json
import math
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memhp_vm  # noqa: E402

OUTDIR = os.path.join(memhp_vm.BUILD, "bench")
IMPLS = ("ours", "upstream")
# name, title, MEMHP_PROFILE, build directory, what the kernels are
SECTIONS = [
    ("release", "release config", "release",
     os.path.join(memhp_vm.BUILD, "release"),
     "kernels as a distribution ships them: memhp.config's hotplug options "
     "without DEBUG_VM, lockdep, list debugging, KUnit or fault injection, "
     "and no slub_debug on the command line "
     "(kernel/configs/memhp-release.config)"),
    ("debug", "debug config", "", memhp_vm.BUILD,
     "the kernels every test scenario boots: DEBUG_VM, PROVE_LOCKING, "
     "DEBUG_LIST, KUnit, fault injection, slub_debug=FZ"),
]
SECTION_NAMES = [sec[0] for sec in SECTIONS]
# The kernel each side boots; --aa boots the stock kernel on both sides.
KERNEL = {"ours": "ours", "upstream": "upstream"}
COLD16 = ("-object memory-backend-ram,id=cold,size=16G,reserve=off "
          "-device pc-dimm,id=cold,memdev=cold")
# the cost curve: sizes in GiB, each DIMM's memmap in itself
CURVE_SIZES = (1, 4, 16, 64, 256, 512)
CURVE_QEMU = "-m 4G,slots=4,maxmem=600G"
# A size whose add+online or eject took longer than this ends the kernel's
# curve: at x4 per doubling, stock's 512 GiB add alone takes 13 minutes.
CURVE_BUDGET_S = 120
CURVE_APPEND = ("memory_hotplug.memmap_on_memory=1 memhp.budget=%d" %
                CURVE_BUDGET_S)
# What the host must have free for the curve's largest DIMM: QEMU writes
# its memmap (64 bytes per 4 KiB page) into host memory, plus the guest's
# boot RAM and a margin.
CURVE_HOST_GIB = 4 + 2

# name, guest script, extra QEMU args, kernel args, in --quick, description
# (QEMU args with -m replace the script's -m)
BENCHES = [
    ("latency", "bench_latency", "", "memhp.reps=10", True,
     "per-block online/offline latency, one 128 MiB block"),
    ("bulk", "bench_bulk", "", "memhp.sizes=1,4,16,64", False,
     "bulk hot-add + auto-online (online_movable), then eject"),
    ("bulk_quick", "bench_bulk", "", "memhp.sizes=1,4", True,
     "bulk hot-add + auto-online, small sizes"),
    ("curve", "bench_bulk", CURVE_QEMU, CURVE_APPEND, False,
     "how cost grows: hot-add + auto-online and eject, 1 to 512 GiB, "
     "memmap_on_memory; one run (the first round)"),
    ("phases", "bench_phases", "", "memhp.sizes=16,64", False,
     "64 GiB: add+online, offline block by block (sysfs), then removal"),
    ("migrate", "bench_migrate", "", "", True,
     "offline of 1 GiB Movable memory full of page cache + anon pages"),
    ("overhead", "bench_overhead", "", "", False,
     "memory cost per GiB added, memmap in boot memory"),
    ("overhead_mom", "bench_overhead", "",
     "memory_hotplug.memmap_on_memory=1", False,
     "memory cost per GiB added, memmap_on_memory=1"),
    ("standby", "bench_standby", "", "", False,
     "kernel memory held by 16 GiB added offline and 1 GiB of boot memory "
     "offlined"),
    ("standby_free", "bench_standby", "",
     "memory_hotplug.free_memmap_on_offline=1", False,
     "same, free_memmap_on_offline=1 (stock ignores it)"),
    ("latency_free", "bench_latency", "",
     "memhp.reps=10 memory_hotplug.free_memmap_on_offline=1", True,
     "per-block online/offline latency, free_memmap_on_offline=1: each "
     "online rebuilds the block's memmap (stock ignores it)"),
    ("boot", "bench_boot", "", "", True, "boot to init, no DIMMs"),
    ("boot_cold16", "bench_boot", COLD16, "", False,
     "boot to init with a 16 GiB DIMM present at boot (left offline)"),
    ("boot_cold16_online", "bench_boot", COLD16,
     "memhp_default_state=online_movable", False,
     "boot to init with a 16 GiB DIMM present at boot, onlined as it is "
     "added"),
]

LIMITS_TEXT = (
    "Limits (the \"limit\" column): how long the bulk stores or copies of "
    "the work take on this VM, measured in the guest at the best rate any "
    "boot of the section saw.  Bulk hot-add rows: writing N GiB's memmap, "
    "N * 16 MiB (64 bytes of struct page per 4 KiB page), with memset() on "
    "every vCPU at once (store_MiBps: memhp_helper store-rate over 512 MiB, "
    "best of 5).  One block's online (latency): writing that block's memmap "
    "(block_MiB / 64) at the same all-vCPU rate, although stock onlines a "
    "block on one CPU and so little memmap may stay in cache.  "
    "offline_1G_full: copying each kernel's own migrated_kb with 4 KiB "
    "memcpy()s on one vCPU (which the compiler inlines as \"rep movsq\", "
    "as in the kernel's copy_page(); a migration's copy_mc_to_kernel() "
    "uses other instructions), as a migration copies each page on the CPU "
    "that offlines (copy_MiBps: memhp_helper copy-rate over 128 MiB, best "
    "of 5).  ours/limit and stock/limit say how far from it each kernel is.  "
    "The limits are user-space code, whose instructions an emulator can "
    "run at another speed than the kernel's own: they are reference "
    "points, not floors, and a kernel can come in under them.")
DIMM_COST_TEXT = (
    "dimm_cost (boot_cold16_online): its boot_to_init minus that of the "
    "same round's boot without DIMMs, same kernel: what onlining the "
    "cold-plugged 16 GiB DIMM as it is added costs the boot "
    "(boot_to_init is /proc/uptime, 10 ms resolution).  Left offline, "
    "compare boot_cold16 with boot directly.")

# For which metrics a larger value is better (everything else: smaller).
HIGHER_IS_BETTER = ("MiBps", "memfree", "memtotal")


def qemu_args(script_qemu, extra):
    """The script's QEMU arguments plus EXTRA; an -m in EXTRA replaces the
    script's."""
    if "-m " in " " + extra:
        script_qemu = re.sub(r"(^|\s)-m\s+\S+", " ", script_qemu)
    return (script_qemu + " " + extra).strip()


def curve_sizes(mem_available_kb=None):
    """CURVE_SIZES the host has the memory for, and a note on the rest."""
    if mem_available_kb is None:
        with open("/proc/meminfo") as f:
            mem_available_kb = int(re.search(r"MemAvailable:\s*(\d+)",
                                             f.read()).group(1))
    fits = [n for n in CURVE_SIZES
            if (n * 64 / 4096 + CURVE_HOST_GIB) * (1 << 20) <= mem_available_kb]
    note = None
    if len(fits) < len(CURVE_SIZES):
        note = ("curve: %s GiB skipped: the host has %.1f GiB available, "
                "each needs %s GiB" % (
                    ",".join(str(n) for n in CURVE_SIZES if n not in fits),
                    mem_available_kb / (1 << 20),
                    ", ".join("%g" % (n * 64 / 4096 + CURVE_HOST_GIB)
                              for n in CURVE_SIZES if n not in fits)))
    return fits, note


def run_one(impl, bench, log_dir):
    name, script, qemu, append, _, _ = bench
    meta = memhp_vm.scenario_meta(
        os.path.join(memhp_vm.HARNESS_GUEST_DIR, script + ".sh"))
    log = os.path.join(log_dir, "%s-%s.log" % (name, impl))
    timeout = meta["timeout"]
    if name == "curve":
        timeout = 3600
    guest = memhp_vm.boot(KERNEL[impl], script, qemu_args(meta["qemu"], qemu),
                          (meta["append"] + " " + append).strip(), log,
                          timeout)
    values, samples, notes = {}, {}, []
    for line in guest.out:
        parts = line.split()
        try:
            if len(parts) >= 3 and parts[0] == "METRIC":
                values[parts[1]] = (float(parts[2]),
                                    parts[3] if len(parts) > 3 else "")
            elif len(parts) >= 2 and parts[0] == "SAMPLES":
                samples[parts[1]] = [float(v) for v in parts[2:]]
            elif parts and parts[0] == "NOTE":
                notes.append(" ".join(parts[1:]))
        except ValueError:
            pass        # not a number: the guest script says why
    why = memhp_vm.boot_verdict(guest, "the guest script exited %s")
    if why:
        sys.stdout.write("\n")
        sys.stdout.flush()
        sys.stderr.write("memhp: %s (%s on %s, log %s)\n" %
                         (why, name, impl, os.path.relpath(log, memhp_vm.TOP)))
        sys.stderr.flush()
    return {"ok": why is None, "values": values, "samples": samples,
            "notes": notes}


def pct(data, q):
    data = sorted(data)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summarize(runs, section):
    """runs[bench][round][impl] of one section -> rows of metrics with
    ratios (and memmap-store limits, see add_limits())."""
    rows = []
    for bench, rounds in runs.items():
        keys = []
        for r in rounds:
            for impl in IMPLS:
                for k in list(r[impl]["values"]) + \
                        ["%s median" % s for s in r[impl]["samples"]] + \
                        ["%s p90" % s for s in r[impl]["samples"]]:
                    if k not in keys:
                        keys.append(k)
        for key in keys:
            per_impl = {i: [] for i in IMPLS}
            pooled = {i: [] for i in IMPLS}
            unit = "us"
            for r in rounds:
                for impl in IMPLS:
                    v = metric(r[impl], key)
                    per_impl[impl].append(v)
                    if key.endswith(" median") or key.endswith(" p90"):
                        pooled[impl] += r[impl]["samples"].get(
                            key.rsplit(" ", 1)[0], [])
                    elif key in r[impl]["values"]:
                        unit = r[impl]["values"][key][1]
            ratios = [o / s for o, s in zip(per_impl["ours"],
                                            per_impl["upstream"])
                      if o == o and s == s and s != 0]
            if tiny(per_impl, unit):
                ratios = []
            agg = {}
            for impl in IMPLS:
                if pooled[impl]:
                    q = 0.5 if key.endswith("median") else 0.9
                    agg[impl] = pct(pooled[impl], q)
                else:
                    vals = [v for v in per_impl[impl] if v == v]
                    agg[impl] = statistics.median(vals) if vals else \
                        float("nan")
            ratio = (agg["ours"] / agg["upstream"]
                     if agg["upstream"] and ratios else float("nan"))
            rows.append({"section": section, "bench": bench,
                         "metric": key, "unit": unit,
                         "ours": agg["ours"], "stock": agg["upstream"],
                         "ratio": ratio,
                         "ratio_min": min(ratios) if ratios else None,
                         "ratio_max": max(ratios) if ratios else None,
                         "per_round": per_impl})
    add_limits(rows, runs)
    return rows


def values_of(runs, name, impl):
    """Every value of metric NAME that kernel IMPL gave in the section."""
    return [r[impl]["values"][name][0]
            for rounds in runs.values() for r in rounds
            if name in r[impl]["values"]]


def best_rate(runs, name):
    """The best value of metric NAME any boot of the section measured."""
    rates = [v for impl in IMPLS for v in values_of(runs, name, impl)]
    return max(rates) if rates else None


def add_limits(rows, runs):
    """The limit of each row whose work has one (LIMITS_TEXT): the memmap
    stores of an add_online_NG row or of one block's online, the copy of
    the bytes each kernel migrated ("limit_by": per kernel, when they
    differ)."""
    store = best_rate(runs, "store_MiBps")
    copy = best_rate(runs, "copy_MiBps")
    block = best_rate(runs, "block_MiB")
    for row in rows:
        n = size_of(row["metric"], "add_online_")
        if store and n is not None:
            row["limit"] = n * 16 / store * 1e6     # us
        elif store and block and row["bench"] == "latency" and \
                row["metric"].startswith("online_"):
            row["limit"] = block / 64 / store * 1e6
        elif copy and row["metric"] == "offline_1G_full":
            by = {col: values_of(runs, "migrated_kb", impl)
                  for col, impl in (("ours", "ours"), ("stock", "upstream"))}
            if all(by.values()):
                row["limit_by"] = {col: statistics.median(kb) / 1024 / copy
                                   * 1e6 for col, kb in by.items()}
                row["limit"] = statistics.median(
                    list(row["limit_by"].values()))


def derive(runs):
    """RUNS with what a cold-plugged DIMM adds to the boot (DIMM_COST_TEXT):
    boot_to_init minus that of the boot without DIMMs, same round, same
    kernel ("dimm_cost")."""
    base, cold = runs.get("boot"), runs.get("boot_cold16_online")
    if not base or not cold:
        return runs
    out = dict(runs, boot_cold16_online=[])
    for rnd, r in enumerate(cold):
        new = {}
        for impl in IMPLS:
            new[impl] = dict(r[impl], values=dict(r[impl]["values"]))
            b = base[rnd][impl]["values"].get("boot_to_init") \
                if rnd < len(base) else None
            v = r[impl]["values"].get("boot_to_init")
            if b and v:
                new[impl]["values"]["dimm_cost"] = (v[0] - b[0], "us")
        out["boot_cold16_online"].append(new)
    return out


def size_of(metric_name, prefix):
    """N of PREFIX + "NG", else None."""
    m = re.match(re.escape(prefix) + r"(\d+)G$", metric_name)
    return int(m.group(1)) if m else None


def tiny(per_impl, unit):
    """Values too close to zero for a ratio to mean anything (< 1 MiB)."""
    vals = [abs(v) for vs in per_impl.values() for v in vs if v == v]
    return unit == "kB" and vals and max(vals) < 1024


def metric(run, key):
    if key in run["values"]:
        return run["values"][key][0]
    name, _, stat = key.rpartition(" ")
    data = run["samples"].get(name)
    if not data:
        return float("nan")
    return pct(data, 0.5 if stat == "median" else 0.9)


def fmt(v, unit):
    if v != v:
        return "-"
    if unit == "us" and v >= 10000:
        return "%.3f s" % (v / 1e6)
    if unit == "us":
        return "%.0f us" % v
    return "%.0f %s" % (v, unit)


def growth(rows, bench, prefix):
    """Per-doubling growth factor of PREFIX + "NG" times between sizes."""
    out = []
    pts = {}
    for r in rows:
        n = size_of(r["metric"], prefix)
        if r["bench"] == bench and n is not None:
            pts[n] = r
    sizes = sorted(pts)
    for a, b in zip(sizes, sizes[1:]):
        for impl, col in (("ours", "ours"), ("stock", "stock")):
            ta, tb = pts[a][col], pts[b][col]
            if ta and tb and ta == ta and tb == tb:
                f = (tb / ta) ** (1 / math.log2(b / a))
                out.append((impl, a, b, f))
    return out


AA_FILE = os.path.join(OUTDIR, "aa-noise.json")


def load_noise():
    """Per-metric (min, max) of the per-round ratios of the last A/A run,
    by (section, bench, metric)."""
    try:
        with open(AA_FILE) as f:
            return {(r.get("section", "debug"), r["bench"], r["metric"]):
                    (r["ratio_min"], r["ratio_max"])
                    for r in json.load(f)["metrics"]
                    if r["ratio_min"] is not None}
    except (OSError, ValueError, KeyError):
        return {}


def verdict(row, noise):
    """Compare ours/stock against the A/A spread of the same metric."""
    span = noise.get((row["section"], row["bench"], row["metric"]))
    if row["ratio"] != row["ratio"]:
        return "-"
    if row["bench"] == "curve":
        # one run, judged by its growth per doubling
        return "one run: see growth"
    if not span:
        return "no A/A of this metric"
    if not (row["ours"] * row["stock"] > 0):
        return "signs differ: see values"
    lo, hi = span
    if lo <= row["ratio"] <= hi:
        return "within noise"
    better_high = any(k in row["metric"] for k in HIGHER_IS_BETTER)
    if row["ours"] < 0 and row["stock"] < 0:
        # a loss (MemFree after an add): the smaller ratio loses less
        better_high = not better_high
    faster = (row["ratio"] > hi) if better_high else (row["ratio"] < lo)
    return "better" if faster else "worse"


def table(rows, aa, noise):
    """The markdown table of one bench's rows; limit columns when any row
    has a memmap-store limit."""
    lim = any("limit" in r for r in rows)
    head = ["metric", "ours", "stock", "ours/stock", "per-round range",
            "verdict"]
    if lim:
        head += ["limit", "ours/limit", "stock/limit"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        rng = ("%.3f–%.3f" % (r["ratio_min"], r["ratio_max"])
               if r["ratio_min"] is not None else "-")
        ratio = ("%.3f" % r["ratio"] if r["ratio"] == r["ratio"]
                 else "n/a (near 0)")
        cells = [r["metric"], fmt(r["ours"], r["unit"]),
                 fmt(r["stock"], r["unit"]), ratio, rng,
                 "(A/A)" if aa else verdict(r, noise)]
        if lim:
            if "limit" in r:
                by = r.get("limit_by", {})
                cells += [fmt(r["limit"], "us")] + [
                    "%.1f" % (r[c] / by.get(c, r["limit"]))
                    if r[c] == r[c] else "-" for c in ("ours", "stock")]
            else:
                cells += ["-", "-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def report(rows, args, took, meta):
    title = ("A/A noise run: stock vs stock" if args.aa
             else "memhp benchmark: ours vs stock 6.12")
    noise = {} if args.aa else load_noise()
    lines = ["# " + title, "",
             "Rounds: %d, interleaved; accel: %s; wall time %.0f s." %
             (args.rounds, " ".join(memhp_vm.accel_args()), took),
             "Ratio = ours/stock of the aggregate; range = min-max of the "
             "per-round ratios." + ("" if args.aa else
                                    " Verdict: the ratio against the A/A "
                                    "range of the last `make bench AA=1`."),
             ""]
    if any("limit" in r for r in rows):
        lines += [LIMITS_TEXT, ""]
    if any(r["metric"] == "dimm_cost" for r in rows):
        lines += [DIMM_COST_TEXT, ""]
    for sec, title_, _, _, what in SECTIONS:
        srows = [r for r in rows if r["section"] == sec]
        if not srows:
            continue
        lines += ["## %s" % title_.capitalize(), "",
                  what[0].upper() + what[1:] + ".", ""]
        for bench in dict.fromkeys(r["bench"] for r in srows):
            desc = next(b[5] for b in BENCHES if b[0] == bench)
            brows = [r for r in srows if r["bench"] == bench]
            lines += ["### %s — %s" % (bench, desc), ""]
            lines += table(brows, args.aa, noise)
            for prefix, what_ in (("add_online_", "add+online"),
                                  ("offline_remove_", "offline+remove")):
                g = growth(srows, bench, prefix)
                if g:
                    lines += ["", "Growth of %s time per doubling of the "
                              "size:" % what_, ""]
                    for impl in ("ours", "stock"):
                        lines.append("- %s: %s" % (impl, ", ".join(
                            "%dG→%dG ×%.2f" % x[1:] for x in g
                            if x[0] == impl)))
            for note in meta["notes"].get((sec, bench), []):
                lines += ["", "Note: " + note]
            lines.append("")
        spans = [(r["ratio_min"], r["ratio_max"]) for r in srows
                 if r["ratio_min"] is not None]
        if spans:
            lines.append("Spread of per-round ratios (all metrics of this "
                         "section): %.3f–%.3f." %
                         (min(x[0] for x in spans), max(x[1] for x in spans)))
            lines.append("")
    for note in meta["notes"].get(None, []):
        lines += ["Note: " + note, ""]
    lines += ["Failed runs: %s" % (", ".join(meta["failed"]) or "none")]
    return "\n".join(lines) + "\n"


def curve_points(rows, bench, prefix, col):
    pts = sorted((size_of(r["metric"], prefix), r[col]) for r in rows
                 if r["bench"] == bench and size_of(r["metric"], prefix)
                 and r[col] == r[col])
    return [p[0] for p in pts], [p[1] / 1e6 for p in pts]


def plot(rows, path, aa=False):
    """Log-log cost curves of the release section (the debug one's if that
    is all there is): add+online and offline+remove against GiB, ours and
    stock, with a line of slope 1 (linear cost) and the memmap-store limit."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sec = "release" if any(r["section"] == "release" for r in rows) \
        else "debug"
    rows = [r for r in rows if r["section"] == sec]
    bench = next((b for b in ("curve", "bulk", "bulk_quick")
                  if any(r["bench"] == b for r in rows)), None)
    if not bench:
        return False
    names = ("A: stock", "B: stock") if aa else ("memhp", "stock 6.12")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, prefix, what in ((axes[0], "add_online_", "hot-add + online"),
                             (axes[1], "offline_remove_",
                              "offline + remove (eject)")):
        for col, label, style in (("ours", names[0], "o-"),
                                  ("stock", names[1], "s--")):
            xs, ys = curve_points(rows, bench, prefix, col)
            if xs:
                ax.plot(xs, ys, style, label=label)
        xs, ys = curve_points(rows, bench, prefix, "ours")
        if xs:
            ax.plot(xs, [ys[0] * x / xs[0] for x in xs], ":", color="grey",
                    label="linear (from memhp's first point)")
        lim = sorted((size_of(r["metric"], prefix), r["limit"] / 1e6)
                     for r in rows if r["bench"] == bench and "limit" in r
                     and size_of(r["metric"], prefix))
        if lim:
            ax.plot([p[0] for p in lim], [p[1] for p in lim], "-.",
                    color="black", label="memmap-store limit")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("GiB (one DIMM, auto-online movable)")
        ax.set_ylabel("seconds")
        ax.set_title("%s, %s config" % (what, sec))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def write_outputs(rows, args, took, failed, runs, notes):
    text = report(rows, args, took, {"failed": failed, "notes": notes})
    png = os.path.join(OUTDIR, "bulk.png")
    if plot(rows, png, args.aa):
        text += "\nPlot: %s\n" % os.path.relpath(png, memhp_vm.TOP)
    with open(os.path.join(OUTDIR, "report.md"), "w") as f:
        f.write(text)
    result = {"rounds": args.rounds, "quick": args.quick, "aa": args.aa,
              "seconds": took, "failed": failed, "metrics": rows,
              "notes": [list(k or (None, None)) + [v]
                        for k, vs in notes.items() for v in vs],
              "raw": runs}
    for path in [os.path.join(OUTDIR, "results.json")] + \
            ([AA_FILE] if args.aa and not failed else []):
        with open(path, "w") as f:
            json.dump(result, f, indent=1, default=str)
    return text


def collect_notes(runs):
    """{(section, bench): [note, ...]} from the guests' NOTE lines."""
    notes = {}
    for sec, benches in runs.items():
        for bench, rounds in benches.items():
            for r in rounds:
                for impl in IMPLS:
                    for n in r[impl].get("notes", []):
                        text = "%s: %s" % (
                            "stock" if impl == "upstream" else impl, n)
                        lst = notes.setdefault((sec, bench), [])
                        if text not in lst:
                            lst.append(text)
    return notes


def summarize_all(runs):
    return [row for sec in runs for row in summarize(derive(runs[sec]), sec)]


def replot(args):
    with open(os.path.join(OUTDIR, "results.json")) as f:
        data = json.load(f)
    args.rounds, args.aa = data["rounds"], data.get("aa", False)
    notes = collect_notes(data["raw"])
    for sec, bench, text in data.get("notes", []):
        if sec is None:
            notes.setdefault(None, []).append(text)
    text = write_outputs(summarize_all(data["raw"]), args, data["seconds"],
                         data["failed"], data["raw"], notes)
    print(text)
    return 0


def plan(args):
    """[(section, [bench, ...])] to run, and notes on what was left out."""
    notes = {}
    todo = [b for b in BENCHES if (b[4] if args.quick
                                   else b[0] != "bulk_quick")]
    if args.only:
        todo = [b for b in BENCHES if b[0] in args.only.split(",")]
    fits, note = curve_sizes()
    if note and any(b[0] == "curve" for b in todo):
        notes[None] = [note]
    todo = [b if b[0] != "curve" else
            b[:3] + ("%s memhp.sizes=%s" % (b[3], ",".join(map(str, fits))),)
            + b[4:] for b in todo]
    sections = [sec for sec in SECTIONS
                if not args.section or sec[0] in args.section.split(",")]
    out = []
    for sec in sections:
        # the curve is the release kernels' alone: on the debug ones the
        # largest sizes would take most of the run; an A/A run has no use
        # for it (the curve is judged by its growth, not against noise)
        out.append((sec, [b for b in todo
                          if b[0] != "curve" or
                          (sec[0] == "release" and not args.aa)]))
    return out, notes


def rounds_of(bench, args):
    """The rounds BENCH runs in: the curve once (its largest sizes take
    most of a round; the issue asks for one run), the rest in every one."""
    return range(1) if bench[0] == "curve" else range(args.rounds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--only")
    ap.add_argument("--section", help="release, debug or both (default)")
    ap.add_argument("--replot", action="store_true",
                    help="redo report and plot from results.json")
    ap.add_argument("--aa", action="store_true",
                    help="A/A run: stock kernel on both sides (noise floor)")
    args = ap.parse_args()
    if args.aa:
        KERNEL["ours"] = "upstream"
    if args.replot:
        return replot(args)
    if args.section and not set(args.section.split(",")) <= set(SECTION_NAMES):
        ap.error("--section: one of %s" % ", ".join(SECTION_NAMES))
    if args.rounds is None:
        # even, so each kernel boots first equally often
        args.rounds = 2 if args.quick else 4
    todo, notes = plan(args)
    for sec, _ in todo:
        os.makedirs(os.path.join(OUTDIR, "logs", sec[0]), exist_ok=True)
    runs = {sec[0]: {b[0]: [] for b in benches} for sec, benches in todo}
    failed = []
    total = sum(len(rounds_of(b, args)) * 2 for _, benches in todo
                for b in benches)
    done = 0
    t0 = time.time()
    for sec, benches in todo:
        memhp_vm.set_profile(sec[2], sec[3])
        for rnd in range(args.rounds):
            order = IMPLS if rnd % 2 == 0 else IMPLS[::-1]
            for bench in benches:
                if rnd not in rounds_of(bench, args):
                    continue
                res = {}
                for impl in order:
                    done += 1
                    sys.stdout.write("\r  BENCH   [%d/%d] %-7s round %d "
                                     "%-12s %-8s (%.0f s) " %
                                     (done, total, sec[0], rnd + 1, bench[0],
                                      impl, time.time() - t0))
                    sys.stdout.flush()
                    res[impl] = run_one(impl, bench, os.path.join(
                        OUTDIR, "logs", sec[0]))
                    if not res[impl]["ok"]:
                        failed.append("%s/%s/%s/round%d" % (
                            sec[0], bench[0], impl, rnd + 1))
                runs[sec[0]][bench[0]].append(res)
    took = time.time() - t0
    print()
    notes.update(collect_notes(runs))
    text = write_outputs(summarize_all(runs), args, took, failed, runs,
                         notes)
    print(text)
    print("(%s)" % os.path.relpath(os.path.join(OUTDIR, "report.md"),
                                    memhp_vm.TOP))
    return 1 if failed else 0


def guarded_main():
    """main(), with an unexpected error as one line on stderr."""
    try:
        return main()
    except Exception as err:
        sys.stdout.write("\n")
        sys.stdout.flush()
        sys.stderr.write("memhp: bench: %s\n" % memhp_vm.harness_error(err))
        return 1


if __name__ == "__main__":
    sys.exit(guarded_main())
