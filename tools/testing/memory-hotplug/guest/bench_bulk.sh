#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: bulk hot-add of N GiB with auto_online_blocks=online_movable, timed
# from the QMP device_add to the guest seeing every block online; then the
# eject (device_del) until every block is gone.  Backends use reserve=off, so
# the host does not need the RAM.  Prints "METRIC <name> <value> us".
#
# memhp-qemu: -m 4G,slots=4,maxmem=132G
# memhp-timeout: 900
. /kselftest/memory-hotplug/lib_memhp.sh

DIMM_BACKEND_EXTRA=', "reserve": false'
echo online_movable >$MEM/auto_online_blocks

for n in $(param sizes 1,4,16,64 | tr , ' '); do
	timed add_online_${n}G plug_range_online b$n ${n}G
	if grep -q offline $(ls -d $MEM/memory*/state); then
		echo "Bail out! blocks left offline"
		exit 1
	fi
	timed offline_remove_${n}G eject_range b$n
	forget_dimm b$n
done
