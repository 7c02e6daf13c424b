#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# c. pc-dimm over ACPI: hot-add, the three ways to online, MemTotal
#    accounting, offline, eject that succeeds and eject that must fail.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 18

KB=$((BLOCK_SIZE / 1024))
udevadm monitor --kernel --subsystem-match=memory >/tmp/uevents 2>&1 &
MON=$!
sleep 1

# uevents ACTION BLOCK...: the monitor saw ACTION for each block (within
# 10 s: it writes what it read a moment later).
uevents()
{
	local action=$1 b
	shift
	for b in "$@"; do
		wait_until 10 grep -q "KERNEL\[.*\] $action .*/memory$b (memory)" /tmp/uevents ||
			{ echo "# no '$action' uevent for memory$b"; return 1; }
	done
}

total0=$(memtotal_kb)
d1=$(dimm_plug d1 1G)
B=($d1)
M=("${B[@]:2}")
check "1G pc-dimm hot-add brings 8 new blocks (${B[*]})" [ ${#B[@]} -eq 8 ]
check "new blocks arrive offline" all_in_state offline ${B[@]}
check "an 'add' uevent for every new block" uevents add ${B[@]}
z=$(zones_of ${B[0]})
check "offline block's valid_zones is exactly 'Normal Movable' ('$z')" \
	[ "$z" = "Normal Movable" ]
check "MemTotal does not change before onlining" [ "$(memtotal_kb)" -eq "$total0" ]

# Plain 'online' leaves the zone to the policy: the default (contig-zones, no
# movable_node) gives a block that touches no zone yet the kernel zone,
# Normal - the first entry of its valid_zones.
check "'online' onlines a block into the policy's zone: Normal, the first of '$z'" \
	eval 'online_blocks online ${B[0]} && [ "$(state_of ${B[0]})" = online ] &&
	      [ "$(zones_of ${B[0]})" = Normal ]'
check "'online_kernel' onlines into Normal" \
	eval 'online_blocks online_kernel ${B[1]} && [ "$(zones_of ${B[1]})" = Normal ]'
check "'online_movable' onlines the other 6 blocks into Movable" \
	eval 'online_blocks online_movable ${M[@]} &&
	      [ "$(cat $(printf "$MEM/memory%s/valid_zones " ${M[@]}) | sort -u)" = Movable ]'
check "an 'online' uevent for every onlined block" uevents online $d1
check "MemTotal grew by exactly 8 blocks" [ "$(memtotal_kb)" -eq $((total0 + 8 * KB)) ]

online_blocks offline ${M[@]}
check "offlining the 6 Movable blocks shrinks MemTotal by exactly 6 blocks" \
	eval 'all_in_state offline ${M[@]} && [ "$(memtotal_kb)" -eq $((total0 + 2 * KB)) ]'

# A second DIMM, all Movable: the ACPI eject offlines and removes it.
MGROUPS=/sys/kernel/debug/memory_groups
span0=$(zone_spanned Movable)
groups0=$(cat $MGROUPS 2>/dev/null)
d2=$(dimm_plug d2 512M)
online_blocks online_movable $d2
span1=$(zone_spanned Movable)
groups1=$(cat $MGROUPS 2>/dev/null)
: >/tmp/uevents
check "device_del of an all-Movable DIMM: DEVICE_DELETED from QEMU" dimm_unplug d2
check "its blocks, node links and System RAM are gone, with 'offline' and 'remove' uevents" \
	eval 'removed $d2 && uevents offline $d2 && uevents remove $d2'
check "Movable spans $span0 pages again, as before the plug (with it: $span1)" \
	eval '[ "$(zone_spanned Movable)" -eq "$span0" ] && [ "$span1" -gt "$span0" ]'
# the DIMM's memory group: a static group of its size, online Movable
added=$(grep -vxF -f <(echo "$groups0") <<<"$groups1")
page_kb=$(sed -n 's/^KernelPageSize: *\([0-9]*\) kB/\1/p' /proc/self/smaps | head -1)
pages=$(($(bytes 512M) / (page_kb * 1024)))
want="node 0 static max $pages present kernel 0 movable $pages"
if [ ! -e $MGROUPS ]; then
	ktap_test_skip "the kernel lists no memory groups in debugfs"
else
	[ "${added#* }" = "$want" ] || echo "# groups before: $groups0 | with d2: $groups1"
	check "d2 had one memory group ('${added#* }'), gone after the eject" \
		eval '[ "${added#* }" = "$want" ] && [ "$(cat $MGROUPS)" = "$groups0" ]'
fi

# d1 keeps two kernel-zone blocks; ZONE_NORMAL exists only there (boot
# memory is all below 4G), so kernel allocations land in them.  Make some.
online_blocks online_movable ${M[@]}
mkdir -p /tmp/pin/{1..3000}
status=$(eject_answer d1)
check "device_del of a DIMM with pinned Normal blocks fails: _OST 130 (busy), got '$status'" \
	[ "$status" = 130 ]
check "the guest lives on with all 8 blocks of the busy DIMM present and online" \
	eval 'wait_until 10 all_in_state online $d1'
check "no DEVICE_DELETED for the busy DIMM" \
	eval '! wait_event DEVICE_DELETED 2 "{\"device\": \"d1\"}"'

kill $MON
ktap_finished
