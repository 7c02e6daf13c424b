#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: what hot-added memory costs: MemTotal and MemFree change per GiB,
# after the add (offline) and after onlining.  bench.py boots it with and
# without memory_hotplug.memmap_on_memory=1.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. /kselftest/memory-hotplug/lib_memhp.sh

memfree_kb() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
GIB=4
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
t0=$(memtotal_kb) f0=$(memfree_kb)
new=$(dimm_plug d1 ${GIB}G) || { echo "Bail out! hot-add failed"; exit 1; }
sleep 1
t1=$(memtotal_kb) f1=$(memfree_kb)
online_blocks online_movable $new || { echo "Bail out! online failed"; exit 1; }
sleep 1
t2=$(memtotal_kb) f2=$(memfree_kb)
echo "METRIC added_memfree_per_gib $(((f1 - f0) / GIB)) kB"
echo "METRIC online_memtotal_per_gib $(((t2 - t0) / GIB)) kB"
echo "METRIC online_memfree_per_gib $(((f2 - f0) / GIB)) kB"
echo "METRIC memmap_cost_per_gib $(((1 << 20) - (f2 - f0) / GIB)) kB"
