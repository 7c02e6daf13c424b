#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# p. firmware mistakes in a PNP0C80 _CRS (memhp_fwbug.asl, an extra SSDT):
#    a good 256 MiB range, a range overlapping it, a 192 MiB range starting
#    mid-block, a 64 MiB range and an empty one.  The kernel reports each
#    mistake (FW_BUG), uses what is sound - the good range and the one whole
#    block inside the misaligned range, offline, bound to the device - and
#    the device ejects cleanly through sysfs.  Nothing backs that memory, so
#    it is never onlined.
#
# memhp-qemu: -m 1G,slots=4,maxmem=8G -acpitable file=@AML:memhp_fwbug@
# memhp-timeout: 120
# memhp-upstream: skip stock leaves an overlapping range's memory behind, unbound
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 9

G=$((256 << 30))
block_at() { echo $(($1 / BLOCK_SIZE)); }
fw=$(dmesg | grep 'FW_BUG\|Firmware Bug' | grep -i 'memory range')
dev=$(acpi_memdev 19778)

check "the firmware's PNP0C80 device is there ($dev)" [ -n "$dev" ]
check "the overlapping range is reported and ignored" \
	eval 'grep -q "0x4008000000-0x4017ffffff\] overlaps" <<<"$fw"'
check "the misaligned range is trimmed to its whole block" \
	eval 'grep "0x4104000000-0x410fffffff\] not in whole blocks" <<<"$fw" |
	      grep -q "using \[0x4108000000-0x410fffffff\]"'
check "the range smaller than a block is reported and ignored" \
	eval 'grep -q "0x4300000000-0x4303ffffff\] holds no whole memory block" <<<"$fw"'
check "the empty range is reported" eval 'grep -q "empty memory range at 0x4400000000" <<<"$fw"'

want="$(block_at $G) $(block_at $((G + BLOCK_SIZE))) $(block_at 0x4108000000)"
check "exactly the sound blocks exist, offline ($want)" \
	eval 'all_in_state offline $want && [ ! -e $MEM/memory$(block_at 0x4100000000) ] &&
	      [ ! -e $MEM/memory$(block_at 0x4010000000) ] &&
	      [ ! -e $MEM/memory$(block_at 0x4300000000) ]'
check "each of them is bound to the device (firmware_node)" bound_to $dev $want

echo 1 >$dev/eject
check "an eject through sysfs removes every block" wait_until 30 all_gone $want
check "and the device reports itself absent (_STA $(cat $dev/status 2>/dev/null))" \
	wait_until 10 eval '[ "$(cat $dev/status)" = 0 ]'

ktap_finished
