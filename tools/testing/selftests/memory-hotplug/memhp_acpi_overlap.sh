#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A PNP0C80 device whose _CRS lists a 256 MiB range and a second range
# overlapping its upper half (memhp_overlap.asl, an extra SSDT of the host
# side).  The first range's two blocks are added, offline and bound to the
# device; the overlap is a firmware mistake that costs nothing but itself:
# the device attaches, and ejecting it through sysfs removes both blocks.
#
# memhp-qemu: -m 1G,slots=4,maxmem=8G -acpitable file=@AML:memhp_overlap@
# memhp-timeout: 120
# memhp-upstream: xfail stock fails the device and unbinds the first range's block
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 5

G=$((256 << 30))
B0=$((G / BLOCK_SIZE))
B1=$((B0 + 1))
B2=$((B0 + 2))
dev=$(acpi_memdev 19791)

check "the firmware's PNP0C80 device is there ($dev)" [ -n "$dev" ]
check "the first range's blocks $B0 $B1 are there, offline; $B2 is not" \
	eval 'all_in_state offline $B0 $B1 && [ ! -e $MEM/memory$B2 ]'
check "both are bound to the device (firmware_node)" bound_to $dev $B0 $B1
echo 1 >$dev/eject
check "an eject through sysfs removes both blocks" wait_until 30 all_gone $B0 $B1
check "and the device reports itself absent" \
	wait_until 10 eval '[ "$(cat $dev/status)" = 0 ]'

ktap_finished
