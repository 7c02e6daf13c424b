#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node's memory behind an ACPI container (memhp_container.asl, an extra
# SSDT): an ACPI0004 device on proximity domain 1 - a node with no memory
# and no CPU at boot - holding two PNP0C80 devices of one block each, in
# guest RAM the exact map on the command line hides (mem= would not do:
# it also refuses memory the firmware offers before boot completes).
# Their memory is added offline on node 1, which comes up with it: a
# node device linking both blocks, and in has_memory once they are
# online.  The container asks for its memory to
# be offline before an eject (the ACPI container handler's
# demand_offline): an eject while a block is online is refused (a change
# uevent EVENT=offline on the container, nothing removed); once both
# blocks and the container device are offline, a sysfs eject removes
# both memory devices (the firmware reports them absent) and their
# memory, and node 1 goes offline again.
#
# memhp-qemu: -m 2G,slots=2,maxmem=4G -smp 2
# memhp-qemu: -object memory-backend-ram,id=r0,size=2G
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0-1 -numa node,nodeid=1
# memhp-qemu: -acpitable file=@AML:memhp_container@
# memhp-append: memmap=exactmap memmap=0x9fc00@0 memmap=0x3ff00000@0x100000
# memhp-append: memhp_default_state=offline
# memhp-timeout: 180
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 11

A=$((0x40000000 / BLOCK_SIZE))
B=$((0x48000000 / BLOCK_SIZE))
ACPI=/sys/bus/acpi/devices

# acpi_dev HID UID: the sysfs directory of that ACPI device
acpi_dev()
{
	local d
	for d in $ACPI/$1:*; do
		[ "$(cat $d/uid 2>/dev/null)" = "$2" ] && echo "$d"
	done
	return 0
}
cont=$(acpi_dev ACPI0004 17230)
mema=$(acpi_dev PNP0C80 4410689)
memb=$(acpi_dev PNP0C80 4410690)
# the container's device under /sys/devices/system/container/
cdev=$(readlink -f "$cont/physical_node" 2>/dev/null)
node1_kb() { sed -n 's/.*MemTotal: *\([0-9]*\).*/\1/p' $NODE/node1/meminfo; }
total0=$(memtotal_kb)

check "the container and its two memory devices are there (${cont##*/}: ${mema##*/} ${memb##*/})" \
	eval '[ -n "$cont" ] && [ -d "$cdev" ] &&
	      [ "$(readlink -f $mema/..)" = "$(readlink -f $cont)" ] &&
	      [ "$(readlink -f $memb/..)" = "$(readlink -f $cont)" ]'
check "each device added its block, offline (memory$A memory$B)" \
	eval 'bound_to $mema $A && bound_to $memb $B && all_in_state offline $A $B'
check "node 1 came up with them: a node device linking both, not yet in has_memory" \
	eval '[ -e $NODE/node1/memory$A ] && [ -e $NODE/node1/memory$B ] &&
	      [ -e $MEM/memory$A/node1 ] && [ "$(cat $NODE/has_memory)" = 0 ]'
online_blocks online_movable $A $B
check "both online: node 1 is in has_memory, with 256 MiB" \
	eval 'all_in_state online $A $B && [ "$(cat $NODE/has_memory)" = 0-1 ] &&
	      [ "$(node1_kb)" -eq $((256 << 10)) ]'

udevadm monitor --kernel --property --subsystem-match=container >/tmp/uevents 2>&1 &
mon=$!
# each refused eject sends the uevent: ask again, once a second, until the
# monitor (which may not be listening yet) has seen one
asked=0
refused()
{
	grep -q '^EVENT=offline' /tmp/uevents && return 0
	[ $((asked++ % 10)) -eq 0 ] && echo 1 2>/dev/null >$cont/eject
	return 1
}
check "an eject while the memory is online is refused: change uevent EVENT=offline" \
	wait_until 30 refused
kill $mon
check "and nothing is removed: the devices stay present (_STA 15), the blocks online" \
	eval '[ -e $cdev ] && [ "$(cat $cont/status)" = 15 ] &&
	      [ "$(cat $mema/status)" = 15 ] && [ "$(cat $memb/status)" = 15 ] &&
	      all_in_state online $A $B'

online_blocks offline $A $B
check "with both blocks offline the container device goes offline" \
	eval '[ "$(try_write $cdev/online 0)" = OK ] && [ "$(cat $cdev/online)" = 0 ]'
echo 1 >$cont/eject
check "a sysfs eject of the container detaches it and both memory devices (_STA 0)" \
	wait_until 60 eval '[ ! -e $cdev ] && [ "$(cat $cont/status)" = 0 ] &&
			    [ "$(cat $mema/status)" = 0 ] && [ "$(cat $memb/status)" = 0 ] &&
			    [ ! -e $mema/physical_node ] && [ ! -e $memb/physical_node ]'
check "and their memory: no memory$A or memory$B, no System RAM at 1 GiB" \
	eval '[ ! -e $MEM/memory$A ] && [ ! -e $MEM/memory$B ] &&
	      ! grep -qi "^ *0*40000000-" /proc/iomem'
check "node 1 went offline again: no node device, online nodes 0" \
	wait_until 10 eval '[ "$(cat $NODE/online)" = 0 ] && [ ! -e $NODE/node1 ]'
check "MemTotal is what it was at boot ($total0 kB)" memtotal_is $total0

ktap_finished
