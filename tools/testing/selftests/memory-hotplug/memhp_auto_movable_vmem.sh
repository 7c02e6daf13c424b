#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# y. auto-movable with virtio-mem: dynamic memory groups, on two nodes of
#    unequal size (768M + 256M), ratio 100.  A dynamic group is judged one
#    memory block at a time (here a unit is one block), and its own kernel
#    memory lets more of it go Movable; another group's Movable memory
#    holds back the boot kernel memory it needs for the ratio, over the
#    machine and on its own node.  With auto_movable_numa_aware=Y the
#    ratio must also hold on the block's own node.
#
#    In memory blocks (b = 32768 pages): boot kernel memory K = 8b less
#    the firmware holes, K1 (node 1) = 2b less the top 128K, K0 = K - K1.
#    A block of group G goes Movable iff, over the machine,
#      M + 1 <= K - R + k(G)
#    where M is the Movable memory outside the other dynamic groups, k(G)
#    G's own kernel blocks, and R the sum over the other dynamic groups of
#    their Movable less their kernel blocks (when positive); numa-aware,
#    the same must hold with node 1's (or node 0's) own numbers.  With K
#    just under 8b, K1 just under 2b and K0 just under 6b (checked first):
#
#      step                     rule (m, k: G's Movable, kernel blocks)   zones
#      vB (node 1) 4 blocks, Y  node 1: m + 1 <= 1 + k                   M N M N
#      vB 4 more, N             machine: m + 1 <= 7 + k                  M M M M
#      vA (node 0) 6 blocks, Y  machine, vB holding R = 6 - 2:
#                               m + 1 <= 7 - 4 + k                       M M M N M N
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G -smp 2,sockets=2,cores=1,threads=1
# memhp-qemu: -object memory-backend-ram,id=r0,size=768M
# memhp-qemu: -object memory-backend-ram,id=r1,size=256M
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1
# memhp-qemu: -object memory-backend-ram,id=vmemA,size=1G
# memhp-qemu: -device virtio-mem-pci,id=vmA,memdev=vmemA,node=0,block-size=2M,requested-size=0
# memhp-qemu: -object memory-backend-ram,id=vmemB,size=1G
# memhp-qemu: -device virtio-mem-pci,id=vmB,memdev=vmemB,node=1,block-size=2M,requested-size=0
# memhp-append: memhp_default_state=online memory_hotplug.online_policy=auto-movable
# memhp-append: memory_hotplug.auto_movable_ratio=100
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 5

P=/sys/module/memory_hotplug/parameters
B=$((BLOCK_SIZE / 4096))	# pages per memory block
# the first block above 4G: hot-plugged memory starts there
FIRST_HOTPLUG=$(((4 << 30) / BLOCK_SIZE))

# kernel_present [NODE]: present pages of the kernel zones of NODE, or of
# every node.
kernel_present()
{
	awk -v node="${1:-any}," '$1 == "Node" {
		hit = (node == "any," || $2 == node) && $4 != "Movable"}
	     hit && $1 == "present" {n += $2} END {print n + 0}' /proc/zoneinfo
}
# hotplugged NODE: the hot-plugged blocks of NODE, in address order
hotplugged()
{
	local b
	for b in $(blocks); do
		[ $b -ge $FIRST_HOTPLUG ] && [ -e $MEM/memory$b/node$1 ] && echo $b
	done
}
# zone_letters BLOCK...: "M" or "N" per block, in order
zone_letters()
{
	local b
	for b in "$@"; do
		case $(zones_of $b) in
		Movable) echo -n "M " ;;
		Normal) echo -n "N " ;;
		*) echo -n "?$(zones_of $b) " ;;
		esac
	done
}
# nr_online BLOCK...: how many of them are online
nr_online()
{
	local n=0 b
	for b in "$@"; do [ "$(state_of $b)" = online ] && n=$((n + 1)); done
	echo $n
}
# grow DEVICE NODE BLOCKS: resize DEVICE to BLOCKS memory blocks and wait
# until NODE has that many hot-plugged blocks, all online; prints the new ones
grow()
{
	local before node=$2 want=$3
	before=$(hotplugged $node)
	VMEM=/machine/peripheral/$1 vmem_resize $((want * BLOCK_SIZE)) || return 1
	wait_until 60 eval '[ "$(nr_online $(hotplugged $node))" -eq $want ]' || return 1
	hotplugged $node | grep -vxF -e "${before:-none}"
}

K=$(kernel_present)
K1=$(kernel_present 1)
K0=$(kernel_present 0)
check "ratio 100, numa_aware Y; K=$K K1=$K1 K0=$K0 pages: 7b < K < 8b, 1b < K1 < 2b, 5b < K0 < 6b" \
	eval '[ "$(cat $P/auto_movable_ratio)" = 100 ] &&
	      [ "$(cat $P/auto_movable_numa_aware)" = Y ] &&
	      [ $K -gt $((7 * B)) ] && [ $K -lt $((8 * B)) ] &&
	      [ $K1 -gt $B ] && [ $K1 -lt $((2 * B)) ] &&
	      [ $K0 -gt $((5 * B)) ] && [ $K0 -lt $((6 * B)) ]'

new=$(grow vmB 1 4)
z=$(zone_letters $new)
check "vmB (node 1) +4 blocks, numa-aware, own kernel blocks allow more: M N M N (${z% })" \
	[ "$z" = "M N M N " ]

echo N >$P/auto_movable_numa_aware
new=$(grow vmB 1 8)
z=$(zone_letters $new)
check "vmB +4 more with numa_aware N: only the machine counts: M M M M (${z% })" \
	[ "$z" = "M M M M " ]
echo Y >$P/auto_movable_numa_aware

new=$(grow vmA 0 6)
z=$(zone_letters $new)
check "vmA (node 0) +6 blocks, vmB's Movable blocks hold 4 of K: M M M N M N (${z% })" \
	[ "$z" = "M M M N M N " ]

s=$(for n in 0 1; do echo "node$n: $(zone_letters $(hotplugged $n))"; done | xargs)
check "every hot-plugged block stayed where it went ($s)" \
	[ "$s" = "node0: M M M N M N node1: M N M N M M M M" ]

ktap_finished
