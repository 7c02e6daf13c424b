#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# q. ACPI memory devices (PNP0C80) through QEMU's firmware events: a DIMM
#    present at boot is recognised, bound and ejectable; three DIMMs plug and
#    unplug in a different order than they came, one of them again; 32
#    cycles of plugging one DIMM, filling it with data and ejecting it while
#    the data is still there: the data moves out intact, and MemTotal and
#    the block list end as they were; an eject that cannot offline (kernel
#    memory in the DIMM) fails with _OST "busy" and leaves the DIMM, its
#    blocks and MemTotal as they were.  Every eject that completes leaves
#    nothing behind: no memoryN, no node link, no System RAM in /proc/iomem,
#    and the Movable zone spans what it spanned before.  (DIMMs on node 1
#    and 2: memhp_numa.sh.)
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=8,maxmem=16G -object memory-backend-ram,id=mem-cold,size=256M
# memhp-qemu: -device pc-dimm,id=cold,memdev=mem-cold
# memhp-timeout: 420
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 14

# firmware_bound BLOCK...: every block links to a PNP0C80 device.
firmware_bound()
{
	local b
	for b in "$@"; do
		grep -q PNP0C80 $MEM/memory$b/firmware_node/hid 2>/dev/null || return 1
	done
}
# span_is PAGES: the Movable zone of node 0 spans PAGES pages.
span_is()
{
	local now
	now=$(zone_spanned Movable)
	[ "$now" -eq "$1" ] || { echo "# Movable spans $now pages, not $1"; return 1; }
}

# ---- the DIMM present at boot -------------------------------------------------
cold=$(dimm_blocks cold | tr '\n' ' ')
check "the boot-time DIMM's 2 blocks exist, offline, bound to its PNP0C80 device ($cold)" \
	eval '[ "$(echo $cold | wc -w)" -eq 2 ] && all_in_state offline $cold &&
	      firmware_bound $cold'
span0=$(zone_spanned Movable)
online_blocks online_movable $cold
t0=$(memtotal_kb)
check "they online, and the DIMM ejects" dimm_unplug cold
check "its blocks are gone, MemTotal shrank by 256 MiB, Movable spans $span0 pages again" \
	eval 'removed $cold && [ $((t0 - $(memtotal_kb))) -eq $((256 << 10)) ] &&
	      span_is $span0'

# ---- several DIMMs, out of order ------------------------------------------------
base_total=$(memtotal_kb)
base_blocks=$(nr_blocks)
base_span=$(zone_spanned Movable)
a=$(movable_dimm da 256M) && b=$(movable_dimm db 128M) && c=$(movable_dimm dc 512M) ||
	{ echo "Bail out! hot-add failed"; exit 1; }
check "three DIMMs (256M, 128M, 512M) add 7 online blocks, all bound" \
	eval '[ $(($(nr_blocks) - base_blocks)) -eq 7 ] && all_in_state online $a $b $c &&
	      firmware_bound $a $b $c'
dimm_unplug db && dimm_unplug dc
# Movable held nothing before: now it spans exactly the first DIMM
check "the middle and the last eject first; the first stays online, Movable spans only it" \
	eval 'removed $b $c && all_in_state online $a && [ "$base_span" -eq 0 ] &&
	      span_is $((2 * BLOCK_SIZE / 4096))'
b=$(movable_dimm db 128M) || { echo "Bail out! hot-add failed"; exit 1; }
dimm_unplug da && dimm_unplug db
check "the middle one comes back and both eject; MemTotal, blocks, Movable span as before" \
	eval 'removed $a $b && [ "$(memtotal_kb)" -eq $base_total ] &&
	      [ "$(nr_blocks)" -eq $base_blocks ] && span_is $base_span'

# ---- half online ----------------------------------------------------------------
h=($(dimm_plug dh 256M)) || { echo "Bail out! hot-add failed"; exit 1; }
online_blocks online_movable ${h[0]}
check "a DIMM with one block online and one offline ejects, both blocks gone" \
	eval 'dimm_unplug dh && removed ${h[@]} && span_is $base_span'

# ---- 32 cycles with data --------------------------------------------------------
# The DIMM is onlined Movable and is then the only Movable memory, so the 48
# MiB of user memory filled next land in it; the eject has to move them out
# while the helper still holds them, and the helper checks them afterwards.
cycle()
{
	local id=cy$1 blocks used rc
	blocks=$(movable_dimm $id 128M) || { why="hot-add"; return 1; }
	helper_start cyc fill 48 || { why="no helper"; return 1; }
	[ "$(cat /tmp/cyc.out)" = READY ] || { why=$(cat /tmp/cyc.out); return 1; }
	used=$(movable_used_kb)
	dimm_unplug $id
	rc=$?
	helper_finish cyc
	why="$(tail -1 /tmp/cyc.out), $used kB of Movable used before the eject"
	[ "$used" -ge $((48 << 10)) ] && [ $rc -eq 0 ] &&
		[ "$(tail -1 /tmp/cyc.out)" = INTACT ] || return 1
	removed $blocks && span_is $base_span
}
bad=
why=
for i in $(seq 1 32); do
	cycle $i || { bad=$i; break; }
done
why=${bad:+ (cycle $bad failed: $why)}
check "32 plug / fill / eject-with-the-data / verify cycles succeed$why" \
	[ -z "$bad" ]
check "afterwards MemTotal ($(memtotal_kb) kB) and the block count are as before" \
	eval '[ "$(memtotal_kb)" -eq $base_total ] && [ "$(nr_blocks)" -eq $base_blocks ]'

# ---- an eject that cannot offline ---------------------------------------------
# The guest's boot memory is all below 4 GiB (DMA32): a DIMM onlined as kernel
# memory is its only ZONE_NORMAL, so kernel allocations go there first.
k=$(dimm_plug dk 256M) || { echo "Bail out! hot-add failed"; exit 1; }
online_blocks online_kernel $k
mkdir -p /tmp/slab && for i in $(seq 1 3000); do : >/tmp/slab/f$i; done
t0=$(memtotal_kb)
status=$(eject_answer dk)
check "an eject of a DIMM holding kernel memory fails: _OST 130 (busy), got '$status'" \
	[ "$status" = 130 ]
check "no DEVICE_DELETED for it" \
	eval '! wait_event DEVICE_DELETED 2 "{\"device\": \"dk\"}"'
check "its blocks are online again, still bound, MemTotal unchanged" \
	eval 'wait_until 10 all_in_state online $k && firmware_bound $k &&
	      [ "$(memtotal_kb)" -eq $t0 ]'
check "QEMU still lists the DIMM" eval 'dimm_blocks dk >/dev/null'
rm -rf /tmp/slab
check "the guest still works: a new DIMM plugs and ejects" \
	eval 'n=$(movable_dimm dn 128M) && dimm_unplug dn && removed $n && span_is $base_span'

ktap_finished
