#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# q. ACPI memory devices (PNP0C80) through QEMU's firmware events: a DIMM
#    present at boot is recognised, bound and ejectable; three DIMMs plug and
#    unplug in a different order than they came, one of them again; 32
#    plug/use/unplug cycles of one DIMM keep the data intact and leave
#    MemTotal and the block list as they were; an eject that cannot offline
#    (kernel memory in the DIMM) fails and leaves the DIMM, its blocks and
#    MemTotal as they were.  (DIMMs on node 1 and 2: memhp_numa.sh.)
#
# memhp-qemu: -m 1G,slots=8,maxmem=16G -object memory-backend-ram,id=mem-cold,size=256M
# memhp-qemu: -device pc-dimm,id=cold,memdev=mem-cold
# memhp-timeout: 420
. /memhp/lib_memhp.sh

ktap_print_header
ktap_set_plan 13

# dimm_blocks ID: the block ids of a DIMM, from QEMU's address and size.
dimm_blocks()
{
	local entry addr size
	qmp query-memory-devices
	entry=$(echo "$REPLY" | sed 's/"data"/\n/g' | grep "\"id\": \"$1\"") || return 1
	addr=$(echo "$entry" | sed -n 's/.*"addr": \([0-9]*\).*/\1/p')
	size=$(echo "$entry" | sed -n 's/.*"size": \([0-9]*\).*/\1/p')
	[ -n "$addr" ] && [ -n "$size" ] || return 1
	seq $((addr / BLOCK_SIZE)) $(((addr + size) / BLOCK_SIZE - 1))
}
# firmware_bound BLOCK...: every block links to a PNP0C80 device.
firmware_bound()
{
	local b
	for b in "$@"; do
		grep -q PNP0C80 $MEM/memory$b/firmware_node/hid 2>/dev/null || return 1
	done
}

# ---- the DIMM present at boot -------------------------------------------------
cold=$(dimm_blocks cold | tr '\n' ' ')
check "the boot-time DIMM's 2 blocks exist, offline, bound to its PNP0C80 device ($cold)" \
	eval '[ "$(echo $cold | wc -w)" -eq 2 ] && all_in_state offline $cold &&
	      firmware_bound $cold'
online_blocks online_movable $cold
t0=$(memtotal_kb)
check "they online, and the DIMM ejects" dimm_unplug cold
check "its blocks are gone and MemTotal shrank by 256 MiB" \
	eval 'all_gone $cold && [ $((t0 - $(memtotal_kb))) -eq $((256 << 10)) ]'

# ---- several DIMMs, out of order ------------------------------------------------
base_total=$(memtotal_kb)
base_blocks=$(nr_blocks)
a=$(movable_dimm da 256M) && b=$(movable_dimm db 128M) && c=$(movable_dimm dc 512M) ||
	{ echo "Bail out! hot-add failed"; exit 1; }
check "three DIMMs (256M, 128M, 512M) add 7 online blocks, all bound" \
	eval '[ $(($(nr_blocks) - base_blocks)) -eq 7 ] && all_in_state online $a $b $c &&
	      firmware_bound $a $b $c'
dimm_unplug db && dimm_unplug dc
check "the middle and the last eject first; the first stays online" \
	eval 'all_gone $b $c && all_in_state online $a'
b=$(movable_dimm db 128M) || { echo "Bail out! hot-add failed"; exit 1; }
dimm_unplug da && dimm_unplug db
check "the middle one comes back and both eject; MemTotal and the block list are as before" \
	eval 'all_gone $a $b && [ "$(memtotal_kb)" -eq $base_total ] &&
	      [ "$(nr_blocks)" -eq $base_blocks ]'

# ---- half online ----------------------------------------------------------------
h=($(dimm_plug dh 256M)) || { echo "Bail out! hot-add failed"; exit 1; }
online_blocks online_movable ${h[0]}
check "a DIMM with one block online and one offline ejects, both blocks gone" \
	eval 'dimm_unplug dh && all_gone ${h[@]}'

# ---- 32 cycles with data --------------------------------------------------------
cycle()
{
	local id=cy$1 blocks
	blocks=$(movable_dimm $id 128M) || return 1
	helper_start cyc fill 48 || return 1
	[ "$(cat /tmp/cyc.out)" = READY ] || return 1
	helper_finish cyc || return 1
	dimm_unplug $id || return 1
	all_gone $blocks
}
bad=
for i in $(seq 1 32); do
	cycle $i || { bad=$i; break; }
done
why=${bad:+ (cycle $bad failed: $(tail -1 /tmp/cyc.out))}
check "32 plug / fill-and-verify / unplug cycles succeed$why" \
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
qmp device_del '{"id": "dk"}'
sleep 5
check "an eject of a DIMM holding kernel memory does not complete" \
	eval '! wait_event DEVICE_DELETED 5 "{\"device\": \"dk\"}"'
check "its blocks are online again, still bound, MemTotal unchanged" \
	eval 'all_in_state online $k && firmware_bound $k && [ "$(memtotal_kb)" -eq $t0 ]'
check "QEMU still lists the DIMM" eval 'dimm_blocks dk >/dev/null'
rm -rf /tmp/slab
check "the guest still works: a new DIMM plugs and ejects" \
	eval 'n=$(movable_dimm dn 128M) && dimm_unplug dn && all_gone $n'

ktap_finished
