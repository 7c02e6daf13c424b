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
. /memhp/lib_memhp.sh

DIMM_BACKEND_EXTRA=', "reserve": false'
echo online_movable >$MEM/auto_online_blocks

# last_block_online ID: the DIMM's highest block exists and is online.
last_block_online() { [ "$(cat $MEM/memory$LAST/state 2>/dev/null)" = online ]; }
blocks_gone() { [ ! -e $MEM/memory$FIRST ] && [ ! -e $MEM/memory$LAST ]; }

for n in $(param sizes 1,4,16,64 | tr , ' '); do
	id=b$n
	t0=${EPOCHREALTIME/./}
	dimm_add $id ${n}G || { echo "Bail out! device_add ${n}G: $REPLY"; exit 1; }
	qmp query-memory-devices
	# one DIMM at a time, so the only "addr" is this one's
	addr=$(echo "$REPLY" | sed -n 's/.*"addr": \([0-9]*\).*/\1/p')
	FIRST=$((addr / BLOCK_SIZE))
	LAST=$(((addr + (n << 30)) / BLOCK_SIZE - 1))
	while ! last_block_online; do sleep 0.01; done
	t1=${EPOCHREALTIME/./}
	grep -q offline $(ls -d $MEM/memory*/state) && { echo "Bail out! blocks left offline"; exit 1; }
	echo "METRIC add_online_${n}G $((t1 - t0)) us"
	t0=${EPOCHREALTIME/./}
	qmp device_del "{\"id\": \"$id\"}" || { echo "Bail out! device_del: $REPLY"; exit 1; }
	while ! blocks_gone; do sleep 0.01; done
	t1=${EPOCHREALTIME/./}
	echo "METRIC offline_remove_${n}G $((t1 - t0)) us"
	wait_event DEVICE_DELETED 120 "{\"device\": \"$id\"}" && qmp object-del "{\"id\": \"mem-$id\"}"
done
