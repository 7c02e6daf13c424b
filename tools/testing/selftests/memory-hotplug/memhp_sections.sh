#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# r. the section layer under load: 40 cycles (CYCLES) of plugging a
#    256 MiB DIMM, onlining it Movable, filling 64 MiB of it with data and
#    ejecting it with the data still in use (the eject moves it out; the
#    data is checked afterwards); then virtio-mem resizes in 2 MiB steps
#    (sub-block: the device's blocks are smaller than a memory block).
#    Afterwards MemTotal, the memmap page counters and the block list are
#    back to where they started, and free memory and slab are within a
#    small bound of where they were after the first cycle; the numbers are
#    printed.  kmemleak scans once it is over.
#    memhp_sections_mom.sh runs 32 cycles with memmap_on_memory=1,
#    memhp_sections_race.sh 32 with compaction racing them; those two boot
#    without kmemleak.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,requested-size=0
# memhp-append: memhp_default_state=online_movable kmemleak=on
# memhp-timeout: 600
. "$(dirname "$0")/lib_memhp.sh"
CYCLES=${CYCLES:-40}

ktap_print_header
ktap_set_plan 7

vmstat() { sed -n "s/^$1 //p" /proc/vmstat; }
slab_kb() { echo $(($(meminfo_kb SReclaimable) + $(meminfo_kb SUnreclaim))); }
# pcp_kb: free pages parked in the per-cpu lists, which MemFree leaves out
pcp_kb() { awk '$1 == "count:" {n += $2} END {print n * 4}' /proc/zoneinfo; }
# snapshot: MemTotal, free memory (MemFree and the per-cpu lists), slab,
# memmap pages, blocks; caches dropped, every slab cache shrunk (empty slabs
# on per-CPU lists, and on a KASAN kernel the freed objects it holds in
# quarantine) and the per-cpu counter deltas folded in first, so the
# numbers are exact
snapshot()
{
	sync
	drain_caches
	echo 1 >/proc/sys/vm/stat_refresh
	echo "$(memtotal_kb) $(($(meminfo_kb MemFree) + $(pcp_kb))) $(slab_kb)" \
		"$(vmstat nr_memmap_pages) $(nr_blocks)"
}
# show NAME SNAPSHOT...
show()
{
	ktap_print_msg "$1: MemTotal $2 kB, free $3 kB, slab $4 kB, memmap $5 pages, $6 blocks"
}
read -r total0 free0 slab0 memmap0 blocks0 < <(snapshot)
show start $total0 $free0 $slab0 $memmap0 $blocks0

plugged_mb() { local b; b=$(vmem_plugged) && echo $((b >> 20)); }
plugged_is() { [ "$(plugged_mb)" -eq "$1" ]; }
cycle()
{
	local id=s$1 blocks vmem=$(($1 % 2 ? 0 : 128)) alone=1 used rc
	# the racing virtio-mem (below) settles before the block count is used
	[ -z "${WALKERS:-}" ] || { wait_until 60 plugged_is $vmem &&
		wait_until 60 count_is $((blocks0 + (vmem << 20) / BLOCK_SIZE)); } ||
		{ why="virtio-mem did not settle at $vmem MiB"; return 1; }
	[ -z "${WALKERS:-}" ] || [ $vmem -eq 0 ] || alone=
	blocks=$(dimm_plug $id 256M) || { why="hot-add"; return 1; }
	[ "$(cat /sys/devices/system/memory/auto_online_blocks)" = online_movable ] ||
		online_blocks online_movable $blocks
	wait_until 30 all_in_state online $blocks || { why="online"; return 1; }
	# user memory goes to Movable first; with the DIMM the only Movable
	# memory, the 64 MiB are in it
	helper_start sec fill 64 || { why="no helper"; return 1; }
	[ "$(cat /tmp/sec.out)" = READY ] || { why=$(cat /tmp/sec.out); return 1; }
	used=$(movable_used_kb)
	# racing virtio-mem: 128 MiB in on odd cycles, out on even ones; the
	# driver works on while the DIMM ejects (nothing waits for it here)
	[ -z "${WALKERS:-}" ] || vmem_resize $(($1 % 2 ? 128 << 20 : 0)) ||
		{ why="virtio-mem resize"; return 1; }
	dimm_unplug $id
	rc=$?
	helper_finish sec
	why="eject $rc, data $(tail -1 /tmp/sec.out), Movable used $used kB before"
	[ $rc -eq 0 ] && [ "$(tail -1 /tmp/sec.out)" = INTACT ] &&
		{ [ -z "$alone" ] || [ "$used" -ge $((64 << 10)) ]; }
}
# With WALKERS set (memhp_sections_race.sh): pfn walkers racing with the
# section changes - compaction (pfn_to_online_page over every zone) and
# valid_zones (pfn_valid over each block), nonstop, through the DIMM cycles
# (with virtio-mem growing and shrinking beside them) and the virtio-mem
# steps.  Proactive compaction (kcompactd) keeps its default.
walkers()
{
	while :; do
		echo 1 >/proc/sys/vm/compact_memory
		cat $MEM/memory*/valid_zones >/dev/null 2>&1
	done
}
# One cycle first, before anything races: it brings the caches and the
# first-use allocations of a hot-plug up, so what the cycles and the
# virtio-mem steps leave behind is measured from after it.
why=
WALKERS='' cycle 0 || { echo "Bail out! the first cycle failed: $why"; exit 1; }
read -r _ free1 slab1 _ < <(snapshot)
ktap_print_msg "after a first cycle: free $free1 kB, slab $slab1 kB"

[ -n "${WALKERS:-}" ] && { walkers & walker=$!; }
bad=
for i in $(seq 1 $CYCLES); do
	cycle $i || { bad=$i; break; }
done
why=${WALKERS:+, pfn walkers racing}${bad:+ (cycle $bad failed: $why)}
check "$CYCLES plug / online / fill / eject-with-the-data / verify cycles succeed$why" \
	[ -z "$bad" ]
read -r _ freeN slabN _ < <(snapshot)
ktap_print_msg "after $CYCLES cycles: free $freeN kB, slab $slabN kB"

# virtio-mem in 2 MiB steps
ok=1
if [ -n "${WALKERS:-}" ]; then
	# the racing virtio-mem of the cycles: back to nothing first
	vmem_resize 0 && wait_until 60 plugged_is 0 && wait_until 30 memtotal_is "$total0" ||
		{ ok=; ktap_print_msg "virtio-mem stuck at $(plugged_mb) MiB after the cycles"; }
fi
t=$(memtotal_kb)
for mb in 2 130 66 258 6 0; do
	vmem_resize $((mb << 20))
	if ! wait_until 60 plugged_is $mb || ! wait_until 30 memtotal_is $((t + (mb << 10))); then
		ok=
		ktap_print_msg "virtio-mem stuck at $(plugged_mb) MiB for $mb MiB," \
			"MemTotal $(memtotal_kb) kB"
		break
	fi
done
check "virtio-mem follows 2, 130, 66, 258, 6, 0 MiB and MemTotal with it" [ -n "$ok" ]
[ -n "${WALKERS:-}" ] && { kill $walker; wait $walker 2>/dev/null; }

read -r total9 free9 slab9 memmap9 blocks9 < <(snapshot)
show end $total9 $free9 $slab9 $memmap9 $blocks9
ktap_print_msg "delta: $CYCLES cycles: free $((freeN - free1)) kB, slab $((slabN - slab1)) kB;" \
	"virtio-mem: free $((free9 - freeN)) kB, slab $((slab9 - slabN)) kB;" \
	"from the start: free $((free9 - free0)) kB, slab $((slab9 - slab0)) kB"
check "MemTotal is back to the start" [ "$total9" -eq "$total0" ]
check "the block list is back to the start" [ "$blocks9" -eq "$blocks0" ]
check "the memmap page counter is back to the start" [ "$memmap9" -eq "$memmap0" ]
# From after the first cycle to the end, ten runs (both kernels; plain,
# memmap_on_memory, walkers) moved free memory by -20..-368 kB and slab by
# -48..+220 kB (new kworkers, the shell's own memory).  The bounds are
# about 2.5 times the worst: 1 MiB of free memory, 512 kB of slab; a leak
# of 16 KiB of pages or 8 KiB of slab per cycle fails over 64 cycles, of
# 32 KiB or 16 KiB over 32.
check "free memory is within 1 MiB of where it was after the first cycle ($((free9 - free1)) kB)" \
	[ $((free1 - free9)) -lt 1024 ]
check "slab is within 512 kB of where it was after the first cycle ($((slab9 - slab1)) kB)" \
	[ $((slab9 - slab1)) -lt 512 ]

ktap_finished
