#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l. online_policy=auto-movable: plainly onlined memory goes to ZONE_MOVABLE
#    while MOVABLE stays within auto_movable_ratio percent of boot kernel
#    memory; a DIMM is judged whole, so one that would cross the limit goes
#    to a kernel zone entirely.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online memory_hotplug.online_policy=auto-movable
# memhp-append: memory_hotplug.auto_movable_ratio=100
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 7

P=/sys/module/memory_hotplug/parameters
zones_of_all() { local b; for b in "$@"; do zones_of $b; done | sort -u | tr '\n' ' '; }

check "online_policy reads auto-movable" [ "$(cat $P/online_policy)" = auto-movable ]
check "auto_movable_ratio reads 100" [ "$(cat $P/auto_movable_ratio)" = 100 ]
r=$(try_write $P/online_policy Auto-Movable)
check "online_policy refuses 'Auto-Movable' ($r) and keeps its value" \
	eval '[ "$r" = EINVAL ] && [ "$(cat $P/online_policy)" = auto-movable ]'

d1=$(dimm_plug d1 512M)
z=$(zones_of_all $d1)
check "512M with ~1G of boot memory at ratio 100: every block Movable ($z)" [ "$z" = "Movable " ]
d2=$(dimm_plug d2 1G)
z=$(zones_of_all $d2)
check "another 1G would pass the ratio: the whole DIMM goes Normal ($z)" [ "$z" = "Normal " ]

echo 1000 >$P/auto_movable_ratio
d3=$(dimm_plug d3 512M)
z=$(zones_of_all $d3)
check "with ratio 1000 a further DIMM is Movable again ($z)" [ "$z" = "Movable " ]

echo contig-zones >$P/online_policy
d4=$(dimm_plug d4 256M)
z=$(zones_of_all $d4)
check "back to contig-zones: plain online picks the kernel zone ($z)" [ "$z" = "Normal " ]

ktap_finished
