#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench.py - memhp against the stock kernel, side by side in one run.

Each benchmark is a guest script (guest/bench_*.sh) that
times itself with the guest's clock and prints "METRIC name value unit" or
"SAMPLES name v1 v2 ...".  Every round boots both kernels, interleaved
(ours, stock in even rounds, stock, ours in odd ones), same QEMU command line.
The report gives, per metric, ours, stock, ours/stock and the min-max of the
per-round ratios: a range that excludes 1.0 is a difference, one that
includes it is noise.

    bench.py [--quick] [--rounds N] [--only NAME,...] [--aa] [--replot]

--aa boots the stock kernel on both sides: the noise floor.  Its per-round
ratio ranges are kept in build/bench/aa-noise.json, and later ours-vs-stock
reports judge each ratio against them ("better", "worse", "within noise").
The min-max range of R rounds misses 1.0 by pure chance with probability
2^(1-R) per metric, so a lone A/A range that just misses 1.0 is expected.

Writes build/bench/report.md, build/bench/results.json and
build/bench/bulk.png (with Debian's python3-matplotlib).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memhp_vm  # noqa: E402

OUTDIR = os.path.join(memhp_vm.BUILD, "bench")
IMPLS = ("ours", "upstream")
# The kernel each side boots; --aa boots the stock kernel on both sides.
KERNEL = {"ours": "ours", "upstream": "upstream"}
COLD16 = ("-object memory-backend-ram,id=cold,size=16G,reserve=off "
          "-device pc-dimm,id=cold,memdev=cold")

# name, guest script, extra QEMU args, kernel args, in --quick, description
BENCHES = [
    ("latency", "bench_latency", "", "memhp.reps=10", True,
     "per-block online/offline latency, one 128 MiB block"),
    ("bulk", "bench_bulk", "", "memhp.sizes=1,4,16,64", False,
     "bulk hot-add + auto-online (online_movable), then eject"),
    ("bulk_quick", "bench_bulk", "", "memhp.sizes=1,4", True,
     "bulk hot-add + auto-online, small sizes"),
    ("phases", "bench_phases", "", "memhp.sizes=16,64", False,
     "64 GiB: add+online, offline block by block (sysfs), then removal"),
    ("migrate", "bench_migrate", "", "", True,
     "offline of 1 GiB Movable memory full of page cache + anon pages"),
    ("overhead", "bench_overhead", "", "", False,
     "memory cost per GiB added, memmap in boot memory"),
    ("overhead_mom", "bench_overhead", "",
     "memory_hotplug.memmap_on_memory=1", False,
     "memory cost per GiB added, memmap_on_memory=1"),
    ("boot", "bench_boot", "", "", True, "boot to init, no DIMMs"),
    ("boot_cold16", "bench_boot", COLD16, "", False,
     "boot to init with a 16 GiB DIMM present at boot"),
]

# For which metrics a larger value is better (everything else: smaller).
HIGHER_IS_BETTER = ("MiBps", "memfree", "memtotal")


def run_one(impl, bench, log_dir):
    name, script, qemu, append, _, _ = bench
    meta = memhp_vm.scenario_meta(
        os.path.join(memhp_vm.HARNESS_GUEST_DIR, script + ".sh"))
    log = os.path.join(log_dir, "%s-%s.log" % (name, impl))
    guest = memhp_vm.boot(KERNEL[impl], script,
                          (meta["qemu"] + " " + qemu).strip(),
                          (meta["append"] + " " + append).strip(), log,
                          meta["timeout"])
    values, samples = {}, {}
    for line in guest.out:
        parts = line.split()
        try:
            if len(parts) >= 3 and parts[0] == "METRIC":
                values[parts[1]] = (float(parts[2]),
                                    parts[3] if len(parts) > 3 else "")
            elif len(parts) >= 2 and parts[0] == "SAMPLES":
                samples[parts[1]] = [float(v) for v in parts[2:]]
        except ValueError:
            pass        # not a number: the guest script says why
    why = memhp_vm.boot_verdict(guest, "the guest script exited %s")
    if why:
        sys.stdout.write("\n")
        sys.stdout.flush()
        sys.stderr.write("memhp: %s (%s on %s, log %s)\n" %
                         (why, name, impl, os.path.relpath(log, memhp_vm.TOP)))
        sys.stderr.flush()
    return {"ok": why is None, "values": values, "samples": samples}


def pct(data, q):
    data = sorted(data)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summarize(runs):
    """runs[bench][round][impl] -> rows of metrics with ratios."""
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
            rows.append({"bench": bench, "metric": key, "unit": unit,
                         "ours": agg["ours"], "stock": agg["upstream"],
                         "ratio": ratio,
                         "ratio_min": min(ratios) if ratios else None,
                         "ratio_max": max(ratios) if ratios else None,
                         "per_round": per_impl})
    return rows


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


def growth(rows, bench):
    """Per-doubling growth factor of add_online time between sizes."""
    out = []
    pts = {}
    for r in rows:
        if r["bench"] == bench and r["metric"].startswith("add_online_"):
            n = int(r["metric"][len("add_online_"):-1])
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
    """Per-metric (min, max) of the per-round ratios of the last A/A run."""
    try:
        with open(AA_FILE) as f:
            return {(r["bench"], r["metric"]): (r["ratio_min"], r["ratio_max"])
                    for r in json.load(f)["metrics"]
                    if r["ratio_min"] is not None}
    except (OSError, ValueError, KeyError):
        return {}


def verdict(row, noise):
    """Compare ours/stock against the A/A spread of the same metric."""
    span = noise.get((row["bench"], row["metric"]))
    if not span or row["ratio"] != row["ratio"]:
        return "-"
    lo, hi = span
    if lo <= row["ratio"] <= hi:
        return "within noise"
    better_high = any(k in row["metric"] for k in HIGHER_IS_BETTER)
    faster = (row["ratio"] > hi) if better_high else (row["ratio"] < lo)
    return "better" if faster else "worse"


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
    for bench in dict.fromkeys(r["bench"] for r in rows):
        desc = next(b[5] for b in BENCHES if b[0] == bench)
        lines += ["## %s — %s" % (bench, desc), "",
                  "| metric | ours | stock | ours/stock | per-round range "
                  "| verdict |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            if r["bench"] != bench:
                continue
            rng = ("%.3f–%.3f" % (r["ratio_min"], r["ratio_max"])
                   if r["ratio_min"] is not None else "-")
            ratio = ("%.3f" % r["ratio"] if r["ratio"] == r["ratio"]
                     else "n/a (near 0)")
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                r["metric"], fmt(r["ours"], r["unit"]),
                fmt(r["stock"], r["unit"]), ratio, rng,
                "(A/A)" if args.aa else verdict(r, noise)))
        g = growth(rows, bench)
        if g:
            lines += ["", "Growth of add_online time per doubling of N:"]
            for impl, a, b, f in g:
                lines.append("- %s, %dG→%dG: ×%.2f" % (impl, a, b, f))
        lines.append("")
    spans = [(r["ratio_min"], r["ratio_max"]) for r in rows
             if r["ratio_min"] is not None]
    if spans:
        lines.append("Spread of per-round ratios (all metrics): %.3f–%.3f." %
                     (min(s[0] for s in spans), max(s[1] for s in spans)))
    lines += ["", "Failed runs: %s" % (", ".join(meta["failed"]) or "none")]
    return "\n".join(lines) + "\n"


def plot(rows, path, aa=False):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6, 4))
    for bench in ("bulk", "bulk_quick"):
        pts = sorted((int(r["metric"][11:-1]), r) for r in rows
                     if r["bench"] == bench and
                     r["metric"].startswith("add_online_"))
        if not pts:
            continue
        xs = [p[0] for p in pts]
        names = (("A: stock", "B: stock") if aa
                 else ("memhp", "stock 6.12"))
        for col, label, style in (("ours", names[0], "o-"),
                                  ("stock", names[1], "s--")):
            ax.plot(xs, [p[1][col] / 1e6 for p in pts], style, label=label)
        break
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("hot-added GiB (auto-online movable)")
    ax.set_ylabel("seconds until every block is online")
    ax.set_title("Bulk hot-add + online")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def write_outputs(rows, args, took, failed, runs):
    text = report(rows, args, took, {"failed": failed})
    png = os.path.join(OUTDIR, "bulk.png")
    if plot(rows, png, args.aa):
        text += "\nPlot: %s\n" % os.path.relpath(png, memhp_vm.TOP)
    with open(os.path.join(OUTDIR, "report.md"), "w") as f:
        f.write(text)
    result = {"rounds": args.rounds, "quick": args.quick, "aa": args.aa,
              "seconds": took, "failed": failed, "metrics": rows,
              "raw": runs}
    for path in [os.path.join(OUTDIR, "results.json")] + \
            ([AA_FILE] if args.aa and not failed else []):
        with open(path, "w") as f:
            json.dump(result, f, indent=1, default=str)
    return text


def replot(args):
    with open(os.path.join(OUTDIR, "results.json")) as f:
        data = json.load(f)
    args.rounds, args.aa = data["rounds"], data.get("aa", False)
    text = write_outputs(summarize(data["raw"]), args, data["seconds"],
                         data["failed"], data["raw"])
    print(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--only")
    ap.add_argument("--replot", action="store_true",
                    help="redo report and plot from results.json")
    ap.add_argument("--aa", action="store_true",
                    help="A/A run: stock kernel on both sides (noise floor)")
    args = ap.parse_args()
    if args.aa:
        KERNEL["ours"] = "upstream"
    if args.replot:
        return replot(args)
    if args.rounds is None:
        # even, so each kernel boots first equally often
        args.rounds = 2 if args.quick else 4
    todo = [b for b in BENCHES if (b[4] if args.quick
                                   else b[0] != "bulk_quick")]
    if args.only:
        todo = [b for b in BENCHES if b[0] in args.only.split(",")]
    os.makedirs(os.path.join(OUTDIR, "logs"), exist_ok=True)
    runs = {b[0]: [] for b in todo}
    failed = []
    total = args.rounds * len(todo) * 2
    done = 0
    t0 = time.time()
    for rnd in range(args.rounds):
        order = IMPLS if rnd % 2 == 0 else IMPLS[::-1]
        for bench in todo:
            res = {}
            for impl in order:
                done += 1
                sys.stdout.write("\r  BENCH   [%d/%d] round %d %-12s %-8s "
                                 "(%.0f s)" % (done, total, rnd + 1,
                                               bench[0], impl,
                                               time.time() - t0))
                sys.stdout.flush()
                res[impl] = run_one(impl, bench,
                                    os.path.join(OUTDIR, "logs"))
                if not res[impl]["ok"]:
                    failed.append("%s/%s/round%d" % (bench[0], impl, rnd + 1))
            runs[bench[0]].append(res)
    took = time.time() - t0
    print()
    text = write_outputs(summarize(runs), args, took, failed, runs)
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
