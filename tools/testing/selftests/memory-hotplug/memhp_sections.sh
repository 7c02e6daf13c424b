#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# r. the section layer under load: 64 cycles of plugging a 256 MiB DIMM,
#    onlining it, filling and verifying 64 MiB in it, and ejecting it; then
#    virtio-mem resizes in 2 MiB steps (sub-block: the device's blocks are
#    smaller than a memory block).  Afterwards MemTotal, the memmap page
#    counters and the block list are back to where they started, and
#    MemFree and slab are within a small bound; the numbers are printed.
#    memhp_sections_mom.sh runs the same with memmap_on_memory=1,
#    memhp_sections_race.sh with compaction racing the cycles.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,requested-size=0
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 600
. /memhp/lib_memhp.sh

ktap_print_header
ktap_set_plan 7

vmstat() { sed -n "s/^$1 //p" /proc/vmstat; }
slab_kb() { echo $(($(meminfo_kb SReclaimable) + $(meminfo_kb SUnreclaim))); }
snapshot()
{
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "$(memtotal_kb) $(meminfo_kb MemFree) $(slab_kb)" \
		"$(vmstat nr_memmap_pages) $(nr_blocks)"
}
read -r total0 free0 slab0 memmap0 blocks0 < <(snapshot)
ktap_print_msg "start: MemTotal $total0 kB, MemFree $free0 kB, slab $slab0 kB," \
	"memmap $memmap0 pages, $blocks0 blocks"

plugged_mb() { local b; b=$(vmem_plugged) && echo $((b >> 20)); }
plugged_is() { [ "$(plugged_mb)" -eq "$1" ]; }
cycle()
{
	local id=s$1 blocks vmem=$(($1 % 2 ? 0 : 128))
	# the racing virtio-mem (below) settles before the block count is used
	[ -z "${WALKERS:-}" ] || { wait_until 60 plugged_is $vmem &&
		wait_until 60 count_is $((blocks0 + (vmem << 20) / BLOCK_SIZE)); } ||
		return 1
	blocks=$(dimm_plug $id 256M) || return 1
	[ "$(cat /sys/devices/system/memory/auto_online_blocks)" = online_movable ] ||
		online_blocks online_movable $blocks
	wait_until 30 all_in_state online $blocks || return 1
	helper_start sec fill 64 || return 1
	[ "$(cat /tmp/sec.out)" = READY ] || return 1
	helper_finish sec || return 1
	# racing virtio-mem: 128 MiB in on odd cycles, out on even ones; the
	# driver works on while the DIMM ejects (nothing waits for it here)
	[ -z "${WALKERS:-}" ] || vmem_resize $(($1 % 2 ? 128 << 20 : 0)) || return 1
	dimm_unplug $id
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
[ -n "${WALKERS:-}" ] && { walkers & walker=$!; }
bad=
for i in $(seq 1 64); do
	cycle $i || { bad=$i; break; }
done
why=${WALKERS:+, pfn walkers racing}${bad:+ (cycle $bad failed: $(tail -1 /tmp/sec.out))}
check "64 plug / online / fill-and-verify / eject cycles succeed$why" \
	[ -z "$bad" ]

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

read -r total1 free1 slab1 memmap1 blocks1 < <(snapshot)
ktap_print_msg "end:   MemTotal $total1 kB, MemFree $free1 kB, slab $slab1 kB," \
	"memmap $memmap1 pages, $blocks1 blocks"
ktap_print_msg "delta: MemFree $((free1 - free0)) kB, slab $((slab1 - slab0)) kB," \
	"memmap $((memmap1 - memmap0)) pages"
check "MemTotal is back to the start" [ "$total1" -eq "$total0" ]
check "the block list is back to the start" [ "$blocks1" -eq "$blocks0" ]
check "the memmap page counter is back to the start" [ "$memmap1" -eq "$memmap0" ]
check "MemFree is within 4 MiB of the start ($((free1 - free0)) kB)" \
	[ $((free0 - free1)) -lt 4096 ]
check "slab is within 1 MiB of the start ($((slab1 - slab0)) kB)" \
	[ $((slab1 - slab0)) -lt 1024 ]

ktap_finished
