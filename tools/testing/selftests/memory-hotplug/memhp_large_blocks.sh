#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory blocks of sixteen sections: what sysfs says of them.  x86 makes
# blocks of 2 GiB when the RAM it boots with ends at 64 GiB or above and
# is 2 GiB aligned; the machine has 64 GiB and the command line's exact
# map hands the kernel the first 2 GiB and the last 2 (the hidden rest
# can be probed).  A block's phys_index is its number N of memoryN, in 8
# hexadecimal digits: not its first section's number, which is 16 N.  A
# probe must be 2 GiB aligned; a probed block is one device of 16
# sections, linked from its node, and goes online and offline whole.
# QEMU maps the 64 GiB with MAP_NORESERVE (reserve=off), which a host
# with vm.overcommit_memory=2 refuses.
#
# memhp-qemu: -m 64G -object memory-backend-ram,id=ram0,size=64G,reserve=off
# memhp-qemu: -machine memory-backend=ram0
# memhp-append: memmap=exactmap memmap=0x9fc00@0 memmap=0x7fee0000@0x100000
# memhp-append: memmap=2G@64G memhp_default_state=offline
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

SECTION=$((128 << 20))
ADDR=$((4 << 30))
NR=$((ADDR / BLOCK_SIZE))

ktap_print_header
ktap_set_plan 8

[ "$BLOCK_SIZE" -eq $((2 << 30)) ] ||
	ktap_exit_fail_msg "the block size is $BLOCK_SIZE, not 2 GiB: check the memory map"

check "block_size_bytes reads 80000000 ($(cat $MEM/block_size_bytes))" \
	eval '[ "$(cat $MEM/block_size_bytes)" = 80000000 ]'

# every_index: each block's phys_index against its number; prints the
# blocks and what each read
every_index()
{
	local b i ok=0
	for b in $(blocks); do
		read -r i <$MEM/memory$b/phys_index
		echo "# memory$b: phys_index $i" >&2
		[ "$i" = "$(printf %08x "$b")" ] || ok=1
	done
	return $ok
}
check "each boot block's phys_index is its number, 8 hex digits ($(blocks | tr '\n' ' '))" \
	every_index
check "a probe that is section but not block aligned fails with EINVAL" \
	eval '[ "$(try_write $MEM/probe $((ADDR + SECTION)))" = EINVAL ]'
check "a probe at 4 GiB adds memory$NR, offline" \
	eval '[ "$(try_write $MEM/probe $ADDR)" = OK ] && [ "$(state_of $NR)" = offline ]'
check "its phys_index reads $(printf %08x $NR), not $(printf %08x $((ADDR / SECTION)))" \
	eval '[ "$(cat $MEM/memory$NR/phys_index)" = "$(printf %08x $NR)" ]'
check "node0 links to it (node0/memory$NR)" \
	eval '[ -e $NODE/node0/memory$NR ] && [ -e $MEM/memory$NR/node0 ]'
total=$(memtotal_kb)
check "it onlines to Movable whole: MemTotal grows by 2 GiB" \
	eval '[ "$(try_write $MEM/memory$NR/state online_movable)" = OK ] &&
	      [ "$(zones_of $NR)" = Movable ] &&
	      [ $(($(memtotal_kb) - total)) -eq $((2 << 20)) ]'
check "and offlines whole: MemTotal is back" \
	eval '[ "$(try_write $MEM/memory$NR/state offline)" = OK ] && memtotal_is $total'

ktap_finished
