#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# u. a PNP0C80 device whose memory the kernel partly has from boot
#    (memhp_bootpart.asl, an extra SSDT): its _CRS covers the last two
#    blocks of boot RAM and one block above, where nothing is.  The range
#    cannot be added (-EEXIST), so the kernel binds the boot blocks it has
#    under it to the device - an eject would offline them before _EJ0 -
#    adds nothing, and leaves them online.  Nothing is ejected.
#
# memhp-qemu: -m 1G -acpitable file=@AML:memhp_bootpart@
# memhp-timeout: 120
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 7

START=$((768 << 20))		# the device's range, as the SSDT says
END=$((1152 << 20))
RAM_END=$((1 << 30))		# -m 1G: all of it below 4 GiB
block_at() { echo $(($1 / BLOCK_SIZE)); }
boot=$(echo $(seq "$(block_at $START)" "$(block_at $((RAM_END - 1)))"))
above=$(echo $(seq "$(block_at $RAM_END)" "$(block_at $((END - 1)))"))

dev=$(acpi_memdev 16976)
# firmware_node_of BLOCK: where the block's firmware_node link leads.
firmware_node_of() { readlink -f $MEM/memory$1/firmware_node 2>/dev/null; }
# physical_nodes: the ids of the blocks the device lists as its physical nodes.
physical_nodes()
{
	local l
	echo $(for l in $dev/physical_node*; do
		[ -e "$l" ] && basename "$(readlink -f "$l")"
	done | sed -n 's/^memory//p' | sort -n)
}
# bound_elsewhere: blocks outside the range whose firmware_node is the device.
bound_elsewhere()
{
	local b
	for b in $(blocks); do
		case " $boot " in *" $b "*) continue ;; esac
		[ "$(firmware_node_of $b)" = "$(readlink -f $dev)" ] && echo $b
	done
}

check "128 MiB blocks, as the SSDT's range assumes ($BLOCK_SIZE bytes)" \
	[ "$BLOCK_SIZE" -eq $((128 << 20)) ]
check "the SSDT's PNP0C80 device is there ($dev)" [ -n "$dev" ]
check "the boot blocks under its range ($boot) link to it (firmware_node)" bound_to $dev $boot
check "and the device lists exactly them as its physical nodes ($(physical_nodes))" \
	eval '[ "$(physical_nodes)" = "$boot" ]'
check "no other block is bound to it" eval '[ -z "$(bound_elsewhere)" ]'
check "they stay online" all_in_state online $boot
check "nothing was added above boot RAM (no block $above)" all_gone $above

ktap_finished
