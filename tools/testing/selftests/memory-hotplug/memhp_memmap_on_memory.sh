#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# m. memmap_on_memory: with memory_hotplug.memmap_on_memory=1 each hot-added
#    block carries its own memmap (2 MiB of a 128 MiB block on x86), so
#    onlining adds the rest to MemTotal and boot memory pays nothing; the
#    blocks still offline, and the DIMM ejects.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memory_hotplug.memmap_on_memory=1
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 6

memfree_kb() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
P=/sys/module/memory_hotplug/parameters
# struct page is 64 bytes: a block's memmap is block/4096*64 bytes
MEMMAP_KB=$((BLOCK_SIZE / 4096 * 64 / 1024))

check "memmap_on_memory reads Y" [ "$(cat $P/memmap_on_memory)" = Y ]
t0=$(memtotal_kb)
f0=$(memfree_kb)
new=$(dimm_plug d1 1G)
B=($new)
f1=$(memfree_kb)
# Without memmap_on_memory the 8 memmaps (8 * MEMMAP_KB) come out of boot
# memory. MemFree also moves with per-cpu lists, sysfs and ACPI objects
# (seen: -21 MiB .. +2.1 MiB on both kernels), so the bound is half of that.
check "adding 1G costs boot memory less than half its memmap ($((f0 - f1)) kB)" \
	[ $((f0 - f1)) -lt $((4 * MEMMAP_KB)) ]
online_blocks online_movable ${B[@]}
check "8 blocks online Movable" \
	eval 'all_in_state online ${B[@]} &&
	      [ "$(for b in ${B[@]}; do zones_of $b; done | sort -u)" = Movable ]'
check "MemTotal grew by 8 blocks minus their memmaps ($(( $(memtotal_kb) - t0 )) kB)" \
	[ "$(memtotal_kb)" -eq $((t0 + 8 * (BLOCK_SIZE / 1024 - MEMMAP_KB))) ]
online_blocks offline ${B[@]}
check "they offline again and MemTotal is back" \
	eval 'all_in_state offline ${B[@]} && [ "$(memtotal_kb)" -eq $t0 ]'
check "the DIMM ejects" dimm_unplug d1

ktap_finished
