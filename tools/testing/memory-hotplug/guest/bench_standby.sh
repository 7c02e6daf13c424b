#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: what offline memory costs the kernel.  A 16 GiB DIMM is added and
# left offline; then 1 GiB of boot memory (Movable, movablecore=) goes
# offline.  For each: the memmap the kernel holds for it (nr_memmap_pages
# and nr_memmap_boot_pages of /proc/vmstat) and the memory the kernel
# loses to it (MemFree for the add, MemTotal for the offline).  bench.py
# boots it with and without memory_hotplug.free_memmap_on_offline=1.
#
# memhp-qemu: -m 2G,slots=4,maxmem=24G
# memhp-append: memhp_default_state=offline movablecore=1152M
# memhp-timeout: 600
. /kselftest/memory-hotplug/lib_memhp.sh

vmstat() { sed -n "s/^$1 //p" /proc/vmstat; }
memmap_kb() { echo $((($(vmstat nr_memmap_pages) + $(vmstat nr_memmap_boot_pages)) * 4)); }
settle() { sync; drain_caches; echo 1 >/proc/sys/vm/stat_refresh; }

settle
m0=$(memmap_kb) f0=$(meminfo_kb MemFree)
new=$(dimm_plug d1 16G) || { echo "Bail out! hot-add failed"; exit 1; }
settle
m1=$(memmap_kb) f1=$(meminfo_kb MemFree)
echo "METRIC standby16_memmap_kb $((m1 - m0)) kB"
echo "METRIC standby16_kernel_kb $((f0 - f1)) kB"

# 1 GiB of boot memory, Movable, from the top down (movablecore= is a
# block more: the zone's first block may start in the kernel zone)
want=$(((1 << 30) / BLOCK_SIZE)) done=0 t0=$(memtotal_kb)
for b in $(blocks | sort -rn); do
	[ $done -lt $want ] || break
	case " $new " in *" $b "*) continue ;; esac
	[ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Movable ] || continue
	[ "$(try_write $MEM/memory$b/state offline)" = OK ] && done=$((done + 1))
done
[ $done -eq $want ] || { echo "Bail out! offlined $done of $want boot blocks"; exit 1; }
settle
m2=$(memmap_kb) t2=$(memtotal_kb)
echo "METRIC boot1g_memmap_held_kb $((want * BLOCK_SIZE / 64 / 1024 - (m1 - m2))) kB"
echo "METRIC boot1g_ram_lost_kb $((t0 - t2)) kB"
