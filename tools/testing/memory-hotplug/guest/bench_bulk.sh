#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: bulk hot-add of N GiB with auto_online_blocks=online_movable, timed
# from the QMP device_add to the guest seeing every block online; then the
# eject (device_del) until every block is gone.  Backends use reserve=off, so
# the host does not need the RAM.  Prints "METRIC <name> <value> us".
#
# memhp.sizes=LIST: the sizes in GiB, in order.  memhp.budget=S: no larger
# size once one step of a size took more than S seconds ("NOTE ..." says
# where it stopped: the kernel is no longer measurable there in the time
# a run has).  At the end, the plain-store bandwidth of the guest's CPUs
# (memhp_helper store-rate, best of 5 rounds over 512 MiB): "METRIC
# store_MiBps".
#
# memhp-qemu: -m 4G,slots=4,maxmem=132G
# memhp-timeout: 900
. /kselftest/memory-hotplug/lib_memhp.sh

DIMM_BACKEND_EXTRA=', "reserve": false'
BUDGET_US=$(($(param budget 300) * 1000000))
echo online_movable >$MEM/auto_online_blocks

# step NAME COMMAND...: timed (its METRIC line printed, a failure's own
# message kept); fails when it took longer than the budget (not in a
# pipeline: FIRST and LAST must stay set)
step()
{
	local t0=${EPOCHREALTIME/./}

	timed "$@" || exit 1
	[ $((${EPOCHREALTIME/./} - t0)) -le $BUDGET_US ]
}

for n in $(param sizes 1,4,16,64 | tr , ' '); do
	if [ -n "${stop-}" ]; then
		echo "NOTE ${n}G not run: $stop"
		continue
	fi
	step add_online_${n}G plug_range_online b$n ${n}G ||
		stop="add+online of ${n}G took more than $(param budget 300) s"
	if grep -q offline $(ls -d $MEM/memory*/state); then
		echo "Bail out! blocks left offline"
		exit 1
	fi
	step offline_remove_${n}G eject_range b$n ||
		stop="offline+remove of ${n}G took more than $(param budget 300) s"
	forget_dimm b$n
done

read -r what bytes ns < <(memhp_helper store-rate 512 5)
[ "$what" = STORE ] && [ "$ns" -gt 0 ] || { echo "Bail out! store-rate: $what"; exit 1; }
echo "METRIC store_MiBps $((bytes * 1000 / ns * 1000000 / 1048576)) MiBps"
