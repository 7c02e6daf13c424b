#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# v. poisoned pages in memory that goes away: in a Movable DIMM holding
#    data, memory failure takes one free page (hard_offline_page) and one
#    page in use (soft_offline_page: its data moves first).  Both blocks
#    still offline - the data moves out intact - and the DIMM ejects; the
#    kernel then forgets the poisoned pages (HardwareCorrupted back to where
#    it was) and MemTotal is back.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 7

corrupt0=$(meminfo_kb HardwareCorrupted)
total0=$(memtotal_kb)
new=$(movable_dimm h1 256M) || { echo "Bail out! hot-add failed"; exit 1; }
set -- $new
a=$1 b=$2
helper_start hw fill 96
anon_mask=$((KPF_LRU | KPF_ANON | KPF_THP)) anon=$((KPF_LRU | KPF_ANON))
used=$(first_pfn $b $anon_mask $anon)
[ -n "$used" ] || used=$(first_pfn $a $anon_mask $anon)
free=$(first_pfn $b $KPF_BUDDY $KPF_BUDDY)
[ -n "$free" ] || free=$(first_pfn $a $KPF_BUDDY $KPF_BUDDY)
check "the DIMM holds data (anon pfn ${used:-none}, free pfn ${free:-none})" \
	eval '[ "$(cat /tmp/hw.out)" = READY ] && [ -n "$used" ] && [ -n "$free" ]'

echo $((used * 4096)) >$MEM/soft_offline_page
echo $((free * 4096)) >$MEM/hard_offline_page
corrupt=$(meminfo_kb HardwareCorrupted)
check "both pages are poisoned (HardwareCorrupted $corrupt0 -> $corrupt kB)" \
	eval '[ $((corrupt - corrupt0)) -eq 8 ] &&
	      [ $(( $(flags_of $used) & KPF_HWPOISON )) -ne 0 ] &&
	      [ $(( $(flags_of $free) & KPF_HWPOISON )) -ne 0 ]'

check "both blocks offline with the poisoned pages in them" online_blocks offline $new
helper_finish hw
check "the data moved out intact ($(tail -1 /tmp/hw.out))" \
	eval '[ "$(tail -1 /tmp/hw.out)" = INTACT ]'
check "the DIMM ejects" dimm_unplug h1
corrupt=$(meminfo_kb HardwareCorrupted)
check "the kernel forgot the poisoned pages (HardwareCorrupted $corrupt kB)" \
	eval '[ "$(meminfo_kb HardwareCorrupted)" -eq "$corrupt0" ]'
check "MemTotal is back ($(memtotal_kb) kB, was $total0)" memtotal_is "$total0"

ktap_finished
