#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# d. Auto-online: memhp_default_state= at boot, then each policy written to
#    auto_online_blocks at run time; hot-added blocks arrive in the right state
#    and zone with no help from user space.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 8

AUTO=$MEM/auto_online_blocks

# plug_and_zones ID: hot-add 256M, print "<states> <zones>" of its blocks.
plug_and_zones()
{
	local new b
	new=$(dimm_plug "$1" 256M) || return 1
	for b in $new; do state_of "$b"; done | sort -u | tr '\n' ' '
	for b in $new; do zones_of "$b"; done | sort -u | tr '\n' ' '
}

check "memhp_default_state=online shows in auto_online_blocks" [ "$(cat $AUTO)" = online ]
# Plain online leaves the zone to the online policy (the default,
# contig-zones, without movable_node): the first DIMM touches no zone, so it
# goes to the kernel zone, Normal.
r=$(plug_and_zones d1)
check "policy online: blocks arrive online in Normal, the policy's zone ($r)" \
	[ "$r" = "online Normal " ]

echo online_kernel >$AUTO
check "auto_online_blocks accepts online_kernel" [ "$(cat $AUTO)" = online_kernel ]
r=$(plug_and_zones d2)
check "policy online_kernel: blocks arrive online in Normal ($r)" [ "$r" = "online Normal " ]

echo online_movable >$AUTO
check "auto_online_blocks accepts online_movable" [ "$(cat $AUTO)" = online_movable ]
r=$(plug_and_zones d3)
check "policy online_movable: blocks arrive online in Movable ($r)" [ "$r" = "online Movable " ]

# d4 lies above d3 and touches neither zone: offline, it offers the kernel
# zone first
echo offline >$AUTO
r=$(plug_and_zones d4)
check "policy offline: blocks arrive offline, Normal first ($r)" \
	[ "$r" = "offline Normal Movable " ]
check "an online_movable DIMM still ejects cleanly" dimm_unplug d3

ktap_finished
