#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A probe whose direct map cannot get its page tables: the kernel's
# systematic fault injection (/proc/thread-self/fail-nth) fails the N-th
# page allocation that may not sleep (fail_page_alloc with
# ignore-gfp-wait: the direct map's tables are taken with GFP_ATOMIC after
# boot; the memmap and everything else a probe allocates may sleep, and
# slab allocations are left alone) of a probe of the block at 1 GiB,
# N = 1, 2, ..., until one passes every such allocation.  With mem=512M
# nothing of the GiB from 1 GiB up is mapped, so the block needs a new
# page table for its 2 MiB mappings.  A probe that fails must fail with
# ENOMEM and change nothing; the one that succeeds must leave memory the
# kernel can use: the block onlines, holds data through offline and
# online, and offlines again.  A direct map built through a NULL table
# oopses instead.
#
# memhp-qemu: -m 4G
# memhp-append: mem=512M memhp_default_state=offline
# memhp-upstream: xfail stock writes the direct map through the NULL of a failed page table allocation
. "$(dirname "$0")/lib_memhp.sh"

DBG=/sys/kernel/debug
MAX_N=50
ADDR=$((1 << 30))
nr=$((ADDR / BLOCK_SIZE))

ktap_print_header
ktap_set_plan 5

# only page allocations without __GFP_DIRECT_RECLAIM are fault sites:
# fail_page_alloc ignores the rest, failslab (cache-filter, no cache
# marked) ignores every slab allocation.  Each attribute is put back as it
# was, however the test ends.
test_cleanup() { fault_attrs_restore; }
fault_attrs_set $DBG/failslab probability=0 cache-filter=Y
fault_attrs_set $DBG/fail_page_alloc probability=0 verbose=0 \
	ignore-gfp-wait=Y ignore-gfp-highmem=N min-order=0

grep -qi "^ *0*$(printf %x $ADDR)-" /proc/iomem &&
	ktap_exit_fail_msg "$(printf 0x%x $ADDR) is in use already"
snap() { (blocks; grep -c 'System RAM' /proc/iomem) | md5sum; }
# data_through_block NR: 96 MiB of anonymous data, most of it in block NR
# (Movable, the one zone that prefers it, is that block alone), zeroed
# and later migrated by the kernel through the direct map; the block
# offlines (the data moves to boot memory), onlines and offlines again,
# and the data reads back intact
data_through_block()
{
	local used

	helper_start fill fill 96 anon || return 1
	grep -q READY /tmp/fill.out || { cat /tmp/fill.out >&2; return 1; }
	used=$(movable_used_kb)
	echo "# $used kB of the block in use" >&2
	[ "$used" -gt $((64 << 10)) ] &&
	[ "$(try_write $MEM/memory$1/state offline)" = OK ] &&
	[ "$(try_write $MEM/memory$1/state online_movable)" = OK ] &&
	[ "$(try_write $MEM/memory$1/state offline)" = OK ] &&
	helper_finish fill && grep -q INTACT /tmp/fill.out
}

unchanged=1 swept='' n=0 err=''
while [ $n -lt $MAX_N ]; do
	n=$((n + 1))
	before=$(snap)
	read -r err site < <(memhp_helper fail-nth $n $MEM/probe "$(printf 0x%x $ADDR)")
	case $err in
	OK)
		[ "$site" = fired ] && ktap_print_msg "N=$n: the probe succeeded" \
			"although its N-th allocation failed"
		swept=$n
		break
		;;
	"")
		ktap_exit_fail_msg "memhp_helper fail-nth could not run (N=$n)" ;;
	*)
		[ "$site" = fired ] || ktap_exit_fail_msg \
			"the probe fails ($err) without a fault (N=$n)"
		ktap_print_msg "N=$n: the probe failed ($err)"
		if [ "$err" != ENOMEM ] || [ "$(snap)" != "$before" ]; then
			unchanged=
			ktap_print_msg "N=$n: ... and changed the blocks or System RAM"
		fi
		;;
	esac
done
test_cleanup

check "the sweep ended: probe N=$swept passed every allocation that may not sleep" \
	[ -n "$swept" ]
check "the sweep failed at least one such allocation (N=$n)" [ "$n" -gt 1 ]
check "every probe that failed did so with ENOMEM and changed nothing" \
	[ -n "$unchanged" ]
check "the probed block onlines" eval \
	'[ "$(try_write $MEM/memory$nr/state online_movable)" = OK ]'
# the data goes where the block is: the rest of the Movable zone is full
check "its memory holds data through offline and online, and offlines again" \
	eval 'data_through_block $nr'

ktap_finished
