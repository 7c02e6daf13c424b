#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: the phases of a big DIMM's life timed one by one: hot-add with
# auto-online (online_movable), offlining every block through sysfs (one
# write per block, what an admin or chmem does), then the eject of the now
# offline memory (device_del: removal only).  Prints "METRIC <name> <us> us".
#
# memhp-qemu: -m 4G,slots=4,maxmem=132G
# memhp-timeout: 1200
. /kselftest/memory-hotplug/lib_memhp.sh

DIMM_BACKEND_EXTRA=', "reserve": false'
echo online_movable >$MEM/auto_online_blocks

# offline_range: every block of the range, one sysfs write each.
offline_range()
{
	local b
	for ((b = FIRST; b <= LAST; b++)); do
		echo offline >$MEM/memory$b/state ||
			{ echo "Bail out! offline memory$b"; exit 1; }
	done
}

for n in $(param sizes 16,64 | tr , ' '); do
	timed add_online_${n}G plug_range_online p$n ${n}G
	timed offline_${n}G offline_range
	timed remove_${n}G eject_range p$n
	forget_dimm p$n
done
