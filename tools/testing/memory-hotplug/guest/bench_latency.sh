#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: latency of onlining (online_movable, online_kernel) and offlining
# one 128 MiB block, timed in the guest around each sysfs write
# ($EPOCHREALTIME: clock_gettime, no fork).  Prints "SAMPLES <what> <us>...",
# and "METRIC block_MiB" (the block size, for the report's memmap limit).
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 600
. /kselftest/memory-hotplug/lib_memhp.sh

reps=$(param reps 10)
new=$(dimm_plug d1 1G) || { echo "Bail out! hot-add failed"; exit 1; }

declare -A S
sample() { S[$1]+=" $2"; }

for ((r = 0; r < reps; r++)); do
	for b in $new; do
		f=$MEM/memory$b/state
		t0=${EPOCHREALTIME/./}
		echo online_movable >"$f" || exit 1
		t1=${EPOCHREALTIME/./}
		echo offline >"$f" || exit 1
		t2=${EPOCHREALTIME/./}
		sample online_movable $((t1 - t0))
		sample offline_movable $((t2 - t1))
	done
done
# Kernel-zone blocks: the offline may fail when the kernel used the block.
for ((r = 0; r < reps; r++)); do
	for b in $new; do
		f=$MEM/memory$b/state
		[ "$(<"$f")" = offline ] || continue
		t0=${EPOCHREALTIME/./}
		echo online_kernel >"$f" || exit 1
		t1=${EPOCHREALTIME/./}
		sample online_kernel $((t1 - t0))
		echo offline >"$f" 2>/dev/null
	done
done
for k in "${!S[@]}"; do echo "SAMPLES $k${S[$k]}"; done
echo "METRIC block_MiB $((BLOCK_SIZE >> 20)) MiB"
