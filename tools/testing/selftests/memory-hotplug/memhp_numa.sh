#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# h. NUMA: a two-node guest plus a memory-less, CPU-less node 2.  A DIMM on
#    node 1 lands under node1 (links both ways); a DIMM on node 2 brings that
#    node online (pgdat, sysfs node device, memory); its eject takes the
#    node offline again, and a second DIMM brings it back.
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=16G -smp 2,sockets=2,cores=1,threads=1
# memhp-qemu: -object memory-backend-ram,id=r0,size=1G -object memory-backend-ram,id=r1,size=1G
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1
# memhp-qemu: -numa node,nodeid=2
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 14

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
	for b in "$@"; do
		linked "$b" "$n" || { echo "# memory$b not linked to node$n"; return 1; }
	done
}

check "boot memory spans nodes 0 and 1 (has_memory: $(cat $NODE/has_memory))" \
	eval '[ "$(cat $NODE/has_memory)" = 0-1 ]'
check "node 2 is possible but has no memory (possible: $(cat $NODE/possible))" \
	eval '[ "$(cat $NODE/possible)" = 0-2 ]'

# node_memtotal_kb NODE: MemTotal of one node, in kB.
node_memtotal_kb() { sed -n "s/.*MemTotal: *\([0-9]*\).*/\1/p" $NODE/node$1/meminfo; }
node2_memtotal_kb() { node_memtotal_kb 2; }

n1_kb=$(node_memtotal_kb 1)
new=$(dimm_plug d1 512M 1)
check "a DIMM on node 1 adds 4 blocks ($(echo $new))" [ "$(echo $new | wc -w)" -eq 4 ]
check "its blocks link to node1 and node1 links back" all_linked 1 $new
check "they are not linked under node0" eval '! ls $NODE/node0/ | grep -qx "memory${new%% *}"'
online_blocks online_movable $new
check "they online; node1 MemTotal grew by 512 MiB ($n1_kb -> $(node_memtotal_kb 1) kB)" \
	eval 'all_in_state online $new &&
	      [ $(($(node_memtotal_kb 1) - n1_kb)) -eq $((512 << 10)) ]'

check "node 2 starts offline, without a node device (online: $(cat $NODE/online))" \
	eval '[ "$(cat $NODE/online)" = 0-1 ] && [ ! -e $NODE/node2 ]'

new2=$(dimm_plug d2 512M 2)
online_blocks online_movable $new2
check "a DIMM on node 2 links its blocks under node2" all_linked 2 $new2
nodes="online: $(cat $NODE/online), has_memory: $(cat $NODE/has_memory)"
check "node 2 is now online with memory ($nodes)" \
	eval '[ "$(cat $NODE/online)" = 0-2 ] && [ "$(cat $NODE/has_memory)" = 0-2 ] &&
	      [ "$(node2_memtotal_kb)" -eq $((512 << 10)) ]'

# Fill some of node 2 (a tmpfs bound to it), so its eject has to migrate
# those pages to nodes 0 and 1.  Random data, its checksum taken from the
# stream as it goes in: a page lost, left behind or copied to the wrong
# place shows in the checksum of the file read back.
node2_used_kb() { sed -n "s/.*MemUsed: *\([0-9]*\).*/\1/p" $NODE/node2/meminfo; }
mkdir -p /mnt/n2 && mount -t tmpfs -o size=128M,mpol=bind:2 n2 /mnt/n2
sum=$(dd if=/dev/urandom bs=1M count=64 iflag=fullblock 2>/dev/null |
	tee /mnt/n2/fill | sha256sum)
check "a tmpfs bound to node 2 holds 64 MiB there (node 2 MemUsed $(node2_used_kb) kB)" \
	eval '[ "$(node2_used_kb)" -ge $((64 << 10)) ]'
check "an eject of node 2's only DIMM succeeds" dimm_unplug d2 120
check "node 2 went offline again: no node device, not in has_memory (online: $(cat $NODE/online))" \
	wait_until 10 eval '[ "$(cat $NODE/online)" = 0-1 ] && [ ! -e $NODE/node2 ] &&
			    [ "$(cat $NODE/has_memory)" = 0-1 ]'
check "the tmpfs file moved off node 2 intact (sha256 ${sum%% *})" \
	eval '[ "$(sha256sum </mnt/n2/fill)" = "$sum" ] &&
	      [ "$(stat -c %s /mnt/n2/fill)" -eq $((64 << 20)) ]'
umount /mnt/n2

new3=$(dimm_plug d3 256M 2)
online_blocks online_kernel $new3
check "a new DIMM on node 2 brings the node back, its blocks linked ($(echo $new3))" \
	eval '[ "$(cat $NODE/online)" = 0-2 ] && all_linked 2 $new3 &&
	      [ "$(node2_memtotal_kb)" -eq $((256 << 10)) ]'

ktap_finished
