#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# h. NUMA: a two-node guest plus a memory-less, CPU-less node 2.  A DIMM on
#    node 1 lands under node1 (links both ways); a DIMM on node 2 brings that
#    node's memory online.
#
# memhp-qemu: -m 2G,slots=4,maxmem=16G -smp 2,sockets=2,cores=1,threads=1 -object memory-backend-ram,id=r0,size=1G -object memory-backend-ram,id=r1,size=1G -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1 -numa node,nodeid=2
# memhp-timeout: 300
. /memhp/lib_memhp.sh

ktap_print_header
ktap_set_plan 8

# linked BLOCK NODE: memoryB -> nodeN and nodeN/memoryB -> memoryB.
linked()
{
	[ "$(readlink -f $MEM/memory$1/node$2)" = "$(readlink -f $NODE/node$2)" ] &&
		[ "$(readlink -f $NODE/node$2/memory$1)" = "$(readlink -f $MEM/memory$1)" ]
}
all_linked()
{
	local n=$1 b
	shift
	for b in "$@"; do linked "$b" "$n" || { echo "# memory$b not linked to node$n"; return 1; }; done
}

check "boot memory spans nodes 0 and 1 (has_memory: $(cat $NODE/has_memory))" \
	eval '[ "$(cat $NODE/has_memory)" = 0-1 ]'
check "node 2 is possible but has no memory (possible: $(cat $NODE/possible))" \
	eval '[ "$(cat $NODE/possible)" = 0-2 ]'

new=$(dimm_plug d1 512M 1)
check "a DIMM on node 1 adds 4 blocks ($(echo $new))" [ "$(echo $new | wc -w)" -eq 4 ]
check "its blocks link to node1 and node1 links back" all_linked 1 $new
check "they are not linked under node0" eval '! ls $NODE/node0/ | grep -qx "memory${new%% *}"'
online_blocks online_movable $new
check "they online; node1 MemTotal grew" \
	eval 'all_in_state online $new && grep -q "Node 1 MemTotal" $NODE/node1/meminfo'

new2=$(dimm_plug d2 512M 2)
online_blocks online_movable $new2
check "a DIMM on node 2 links its blocks under node2" all_linked 2 $new2
check "node 2 now has memory (has_memory: $(cat $NODE/has_memory))" \
	eval '[ "$(cat $NODE/has_memory)" = 0-2 ] && [ "$(sed -n "s/.*MemTotal: *\([0-9]*\).*/\1/p" $NODE/node2/meminfo)" -eq $((512 << 10)) ]'

ktap_finished
