#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ac. auto-movable on two nodes of unequal size (768M + 256M), ratio 100:
#    with auto_movable_numa_aware=Y a DIMM may go Movable only if the ratio
#    holds both over the whole machine and on its own node; with N only the
#    whole machine counts.  The switch is flipped at run time, in one boot.
#    Every DIMM goes to node 1, where the two answers differ.
#
#    A DIMM of D pages goes Movable iff M + D <= K * ratio / 100, where K
#    counts the boot pages of the kernel zones and M the pages already in
#    ZONE_MOVABLE; numa-aware, the same must hold with node 1's own K1, M1.
#    Here K = 1G less the firmware holes (262014 pages) and K1 = 256M less
#    the 128K the BIOS keeps at the top of RAM (65504); the script reads
#    both from /proc/zoneinfo and checks the bounds the plan relies on:
#
#      DIMM  size  aware  M1 + D vs K1     M + D vs K       zone
#      d1    512M  Y      131072 > K1      131072 <= K      Normal
#      d2    128M  Y       32768 <= K1      32768 <= K      Movable
#      d3    512M  N      (163840 > K1)    163840 <= K      Movable
#      d4    128M  Y      196608 > K1      196608 <= K      Normal
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G -smp 2,sockets=2,cores=1,threads=1
# memhp-qemu: -object memory-backend-ram,id=r0,size=768M
# memhp-qemu: -object memory-backend-ram,id=r1,size=256M
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1
# memhp-append: memhp_default_state=online memory_hotplug.online_policy=auto-movable
# memhp-append: memory_hotplug.auto_movable_ratio=100
# memhp-timeout: 240
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 7

P=/sys/module/memory_hotplug/parameters
MB=256	# pages per MiB

# kernel_present [NODE]: present pages of the kernel zones (all but
# Movable) of NODE, or of every node.
kernel_present()
{
	awk -v node="${1:-any}," '$1 == "Node" {
		hit = (node == "any," || $2 == node) && $4 != "Movable"}
	     hit && $1 == "present" {n += $2} END {print n + 0}' /proc/zoneinfo
}
# zone_present ZONE NODE: present pages of one zone of one node.
zone_present()
{
	awk -v node="$2," -v zone="$1" '$1 == "Node" {hit = $2 == node && $4 == zone}
	     hit && $1 == "present" {print $2; exit}' /proc/zoneinfo
}
zones_all() { local b; for b in "$@"; do zones_of $b; done | sort -u | tr '\n' ' '; }
on_node()
{
	local n=$1 b
	shift
	for b in "$@"; do [ -e $MEM/memory$b/node$n ] || return 1; done
}
# plug ID SIZE ZONE WHY: a DIMM on node 1, auto-onlined; all its blocks must
# be in ZONE and under node 1.
plug()
{
	local new got want="$3 "
	new=$(dimm_plug $1 $2 1)
	wait_until 30 all_in_state online $new
	got=$(zones_all $new)
	check "$1 $2, numa_aware $(cat $P/auto_movable_numa_aware): $3, $4 (${got% })" \
		eval '[ -n "$new" ] && [ "$got" = "$want" ] && on_node 1 $new'
}

K=$(kernel_present)
K1=$(kernel_present 1)
check "ratio 100, numa_aware Y, K=$K K1=$K1: 128M <= K1 < 512M, 768M <= K" \
	eval '[ "$(cat $P/auto_movable_ratio)" = 100 ] &&
	      [ "$(cat $P/auto_movable_numa_aware)" = Y ] &&
	      [ $((128 * MB)) -le $K1 ] && [ $K1 -lt $((512 * MB)) ] &&
	      [ $((768 * MB)) -le $K ]'

plug d1 512M Normal "over node 1's ratio though the machine has room"
plug d2 128M Movable "within node 1's ratio"

echo N >$P/auto_movable_numa_aware
check "auto_movable_numa_aware is writable at run time ($(cat $P/auto_movable_numa_aware))" \
	[ "$(cat $P/auto_movable_numa_aware)" = N ]
plug d3 512M Movable "only the machine's ratio counts"

echo Y >$P/auto_movable_numa_aware
plug d4 128M Normal "node 1 is over its ratio again"

check "node 1 Movable/Normal: $(zone_present Movable 1)/$(zone_present Normal 1), node 0: none" \
	eval '[ "$(zone_present Movable 1)" = $((640 * MB)) ] &&
	      [ "$(zone_present Normal 1)" = $((640 * MB)) ] &&
	      [ "$(zone_present Movable 0)" = 0 ] && [ "$(zone_present Normal 0)" = 0 ]'

ktap_finished
