#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two PNP0C80 devices name the same memory: QEMU's device for a DIMM
# plugged at boot (128 MiB at 4 GiB) and a second device of an extra SSDT
# (memhp_shared.asl) with the same _CRS.  Whichever attaches second finds
# the range already added; it must not take the block's firmware_node link
# from the first.  The block goes online; QEMU's eject of the DIMM then
# offlines it through that link and removes it.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G -object memory-backend-ram,id=mem-cold,size=128M
# memhp-qemu: -device pc-dimm,id=cold,memdev=mem-cold,addr=0x100000000
# memhp-qemu: -acpitable file=@AML:memhp_shared@
# memhp-timeout: 180
# memhp-console-ok: PNP0C80:[0-9]+: memory range \[0x100000000-0x107ffffff\] not used: -17
# memhp-console-ok: PNP0C80:[0-9]+: (none of its memory could be added|memory device not attached)
# memhp-console-ok: PNP0C80:[0-9]+: acpi_memory_enable_device\(\) error
# memhp-upstream: xfail stock unbinds the DIMM's block, then BUG()s in __remove_memory()
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 5

first=$((0x100000000 / BLOCK_SIZE))
last=$(((0x108000000 - 1) / BLOCK_SIZE))
range=$(seq $first $last | tr '\n' ' ')
range=${range% }
shared=$(acpi_memdev 21320)
link=$(readlink -f $MEM/memory$first/firmware_node 2>/dev/null)
ktap_print_msg "the SSDT's device: ${shared:-none}; memory$first is bound to ${link:-nothing}"

check "the DIMM's blocks are there ($range)" eval '(for b in $range; do
	[ -e $MEM/memory$b ] || exit 1; done)'
check "each is still bound to a PNP0C80 device (firmware_node)" eval '(for b in $range; do
	l=$(readlink -f $MEM/memory$b/firmware_node) &&
	grep -qx PNP0C80 $l/hid || exit 1; done)'
online_blocks online_movable $(for b in $range; do
	[ "$(state_of $b)" = online ] || echo $b; done)
check "they go online" all_in_state online $range
total=$(memtotal_kb)
dimm_unplug cold 60
check "QEMU's eject of the DIMM offlines and removes them" wait_until 30 all_gone $range
check "MemTotal drops by the DIMM's 128 MiB" eval '[ $(memtotal_kb) -eq $((total - (128 << 10))) ]'

ktap_finished
