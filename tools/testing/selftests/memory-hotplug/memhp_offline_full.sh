#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# aj. An offline whose other nodes are full: node 1's only memory, a DIMM,
#     is filled by data bound to it up to MARGIN_MIB, less than the 64 MiB
#     of data a block probed on node 0 takes when it goes online Movable
#     (ZONE_MOVABLE comes first for user memory).  Offlining that block
#     must migrate the data to node 0's other memory, which has room,
#     once node 1 has none - not retry until interrupted - and say
#     nothing about the failed allocations on node 1.  Both data sets
#     read back intact.  (The margin is not smaller: pages a CPU keeps on
#     its per-cpu lists, up to a 2 MiB huge page each, are not counted
#     free and are not handed to an allocation on another CPU; an
#     allocation that finds nothing else free would call the OOM killer.)
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=8G -smp 2
# memhp-qemu: -object memory-backend-ram,id=r0,size=2G
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0-1 -numa node,nodeid=1
# memhp-append: mem=1G memhp_default_state=offline
# memhp-timeout: 300
# memhp-upstream: xfail stock never falls back to the block's own node: it retries until interrupted
# memhp-upstream-debug: xfail stock never falls back to the block's own node, and its
# memhp-upstream-debug: kmemleak oopses scanning the relocated initrd it freed (mem= guest)
. "$(dirname "$0")/lib_memhp.sh"

LIMIT=$((15 * TIME_SCALE))
MARGIN_MIB=16

# node_movable_used_kb NODE: kB in use in the node's ZONE_MOVABLE
node_movable_used_kb()
{
	awk -v n="Node $1," '/^Node/ {z = (index($0, n) == 1) ? $4 : ""}
	     z == "Movable" && $1 == "nr_free_pages" {f = $2}
	     z == "Movable" && $1 == "managed" {m = $2}
	     END {print (m - f) * 4}' /proc/zoneinfo
}
node_free_kb() { sed -n 's/^Node [0-9]* MemFree: *\([0-9]*\) kB/\1/p' $NODE/node$1/meminfo; }

ktap_print_header
ktap_set_plan 4

dimm=$(dimm_plug d1 128M 1) && online_blocks online_movable $dimm ||
	{ echo "Bail out! the node 1 DIMM did not come online"; exit 1; }
# node 1 full but for MARGIN_MIB
helper_start full fill $(($(node_free_kb 1) / 1024 - MARGIN_MIB)) anon 1
probed=$((1024 * 1024 * 1024 / BLOCK_SIZE))
try_write $MEM/probe $(printf '%#x' $((1 << 30))) >/dev/null
online_blocks online_movable $probed
helper_start data fill 64 anon 0
check "node 1 is full but for $(node_free_kb 1) kB, node 0's Movable block holds 64 MiB" \
	eval '[ "$(head -1 /tmp/full.out)" = READY ] && [ "$(head -1 /tmp/data.out)" = READY ] &&
	      [ $(node_free_kb 1) -lt $(((MARGIN_MIB + 4) * 1024)) ] &&
	      [ $(node_movable_used_kb 0) -ge 60000 ]'

kmsg_mark
res=$(memhp_helper write-with-sigint $MEM/memory$probed/state offline $LIMIT)
check "offlining the probed block moves the data to node 0's other memory ($res ms)" \
	eval '[ "${res% *}" = OK ] && [ "$(state_of $probed)" = offline ]'
check "without an allocation-failure report for node 1" \
	eval '! kmsg_since | grep -q "page allocation failure"'
helper_finish data
helper_finish full
check "both data sets read back intact ($(tail -1 /tmp/data.out), $(tail -1 /tmp/full.out))" \
	eval '[ "$(tail -1 /tmp/data.out)" = INTACT ] && [ "$(tail -1 /tmp/full.out)" = INTACT ]'
echo offline >$MEM/memory$dimm/state && dimm_unplug d1 60 ||
	ktap_print_msg "could not eject the DIMM: $REPLY"
ktap_finished
