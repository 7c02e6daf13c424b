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
. /memhp/lib_memhp.sh

DIMM_BACKEND_EXTRA=', "reserve": false'
echo online_movable >$MEM/auto_online_blocks

last_block_online() { [ "$(cat $MEM/memory$LAST/state 2>/dev/null)" = online ]; }
blocks_gone() { [ ! -e $MEM/memory$FIRST ] && [ ! -e $MEM/memory$LAST ]; }

for n in $(param sizes 16,64 | tr , ' '); do
	id=p$n
	t0=${EPOCHREALTIME/./}
	dimm_add $id ${n}G || { echo "Bail out! device_add ${n}G: $REPLY"; exit 1; }
	qmp query-memory-devices
	addr=$(echo "$REPLY" | sed -n 's/.*"addr": \([0-9]*\).*/\1/p')
	FIRST=$((addr / BLOCK_SIZE))
	LAST=$(((addr + (n << 30)) / BLOCK_SIZE - 1))
	while ! last_block_online; do sleep 0.01; done
	t1=${EPOCHREALTIME/./}
	echo "METRIC add_online_${n}G $((t1 - t0)) us"
	t0=${EPOCHREALTIME/./}
	for ((b = FIRST; b <= LAST; b++)); do
		echo offline >$MEM/memory$b/state ||
			{ echo "Bail out! offline memory$b"; exit 1; }
	done
	t1=${EPOCHREALTIME/./}
	echo "METRIC offline_${n}G $((t1 - t0)) us"
	t0=${EPOCHREALTIME/./}
	qmp device_del "{\"id\": \"$id\"}" || { echo "Bail out! device_del: $REPLY"; exit 1; }
	while ! blocks_gone; do sleep 0.01; done
	t1=${EPOCHREALTIME/./}
	echo "METRIC remove_${n}G $((t1 - t0)) us"
	wait_event DEVICE_DELETED 120 "{\"device\": \"$id\"}" && qmp object-del "{\"id\": \"mem-$id\"}"
done
