#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A probe of a block of sixteen sections whose Nth section cannot get its
# state: the kernel's systematic fault injection
# (/proc/thread-self/fail-nth) fails the N-th kmalloc-64 allocation of a
# probe (failslab's cache filter: a section's usage map is one, as are a
# few of the probe's other small objects), N = 1, 2, ..., until one
# passes every such allocation.  x86 makes memory blocks of 2 GiB when
# the RAM it boots with ends at 64 GiB or above and is 2 GiB aligned: the
# machine has 64 GiB, the command line's exact map hands the kernel the
# first 2 GiB and the last 2, and the rest is probed, one 2 GiB block at
# a time (a probed block cannot be removed, so a probe that succeeds
# although an allocation failed moves the sweep to the next block).
# Each failure's stack goes to the log (verbose=2): the sweep must fail
# the usage map of each section of the block in turn.  A probe that fails
# must give back its block, its resource and the sections it had added
# before the failed one, with their memmap (nr_memmap_pages), so that the
# next probe of the same block is not refused; the last probe must leave
# memory the kernel can use.  (x86's add_pages() warns when a section
# cannot be added, unless a fix of its own is applied: that warning is
# accepted here.)  QEMU
# maps the 64 GiB with MAP_NORESERVE (reserve=off), which a host with
# vm.overcommit_memory=2 refuses.
#
# memhp-qemu: -m 64G -object memory-backend-ram,id=ram0,size=64G,reserve=off
# memhp-qemu: -machine memory-backend=ram0
# memhp-append: memmap=exactmap memmap=0x9fc00@0 memmap=0x7fee0000@0x100000
# memhp-append: memmap=2G@64G memhp_default_state=offline slab_nomerge
# memhp-timeout: 900
# memhp-console-ok: FAULT_INJECTION: forcing a failure
# memhp-console-ok: WARNING: CPU: \d+ PID: \d+ at (\S*arch/x86/mm/init_64\.c:\d+ )?add_pages\+
# memhp-upstream: xfail stock keeps the sections a failed probe added before the one that failed
. "$(dirname "$0")/lib_memhp.sh"

DBG=/sys/kernel/debug
CACHE=/sys/kernel/slab/kmalloc-64
MAX_N=400
SECTIONS=16

ktap_print_header
ktap_set_plan 6

[ "$BLOCK_SIZE" -eq $((2 << 30)) ] ||
	ktap_exit_fail_msg "the block size is $BLOCK_SIZE, not 2 GiB: check the memory map"

# kmalloc-64's allocations are the fault sites, page allocations are not
# (no order reaches min-order).  A section's usage map is 56 bytes on
# x86-64 (an rcu_head, the subsection map and 4 bits per pageblock), and
# kmalloc-64 a cache of its own (slab_nomerge; with random kmalloc caches
# there are several).  Each attribute is put back as it was, however the
# test ends.
test_cleanup()
{
	echo 0 >$CACHE/failslab 2>/dev/null
	fault_attrs_restore
}
fault_attrs_set $DBG/failslab probability=0 verbose=2 ignore-gfp-wait=N \
	cache-filter=Y
fault_attrs_set $DBG/fail_page_alloc probability=0 min-order=11
[ ! -e /sys/kernel/slab/kmalloc-rnd-01-64 ] ||
	ktap_exit_fail_msg "kmalloc-64 is one of several (RANDOM_KMALLOC_CACHES)"
echo 1 >$CACHE/failslab || ktap_exit_fail_msg "cannot mark $CACHE for failslab"

# the blocks between 4 GiB and the 2 GiB of boot memory at 64 GiB, all of
# them RAM to QEMU and none to the kernel
CANDIDATES=
for ((a = 4 << 30; a < 64 << 30; a += BLOCK_SIZE)); do
	CANDIDATES="$CANDIDATES $a"
done
memmap_pages() { sed -n 's/^nr_memmap_pages //p' /proc/vmstat; }
snap() { (blocks; grep -c 'System RAM' /proc/iomem; memmap_pages) | md5sum; }
# the log of the last probe has a section's usage map in the stack of its
# failed allocation
SECTION='^ *(sparse_add_section|section_activate)(\.[a-z]+\.[0-9]+)*\+'

unchanged=1 swept='' refused='' n=0 sections=0
next_block || ktap_exit_fail_msg "no hidden block to probe"
while [ $n -lt $MAX_N ]; do
	n=$((n + 1))
	before=$(snap) memmap=$(memmap_pages)
	kmsg_mark
	read -r err site < <(memhp_helper fail-nth $n $MEM/probe "$(printf 0x%x "$ADDR")")
	! kmsg_since | grep -qE "$SECTION" || sections=$((sections + 1))
	case $err in
	OK)
		[ "$site" = fired ] || { swept=$n; break; }
		ktap_print_msg "N=$n: the probe of $(printf 0x%x "$ADDR") succeeded" \
			"although an allocation failed"
		next_block || ktap_exit_fail_msg "no hidden block left (N=$n)"
		;;
	"")
		ktap_exit_fail_msg "memhp_helper fail-nth could not run (N=$n)" ;;
	*)
		if [ "$site" != fired ]; then
			# what an earlier failure left behind
			refused="N=$n: $err"
			ktap_print_msg "N=$n: the probe was refused ($err) without a fault"
			break
		fi
		ktap_print_msg "N=$n: the probe failed ($err)"
		if [ "$(snap)" != "$before" ]; then
			unchanged=
			ktap_print_msg "N=$n: ... and kept some of it" \
				"(nr_memmap_pages $memmap -> $(memmap_pages))"
		fi
		;;
	esac
done
nr=$((ADDR / BLOCK_SIZE))
test_cleanup

# (and the sweep reached a second section: a sweep without failures
# proves nothing)
check "every probe that failed gave back all it took (blocks, System RAM, memmap)" \
	eval '[ -n "$unchanged" ] && [ "$sections" -gt 1 ]'
check "no probe was refused for what a failed one left (${refused:-none})" \
	[ -z "$refused" ]
check "the sweep ended: probe N=${swept:-none} passed every kmalloc-64 allocation" \
	[ -n "$swept" ]
check "the sweep failed the state of each section in turn ($sections of $SECTIONS)" \
	[ "$sections" -ge $SECTIONS ]
check "the probed block onlines" eval \
	'[ "$(try_write $MEM/memory$nr/state online_movable)" = OK ]'
# the data goes where the block is: the Movable zone is that block alone
check "its memory holds data through offline and online, and offlines again" \
	eval 'data_through_block $nr'

ktap_finished
