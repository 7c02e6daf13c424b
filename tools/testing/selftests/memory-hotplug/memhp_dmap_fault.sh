#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A probe whose direct map cannot get its page tables: the kernel's
# systematic fault injection (/proc/thread-self/fail-nth) fails the N-th
# page allocation that may not sleep (fail_page_alloc with
# ignore-gfp-wait: after boot the direct map's tables are taken with
# GFP_ATOMIC, while the memmap and nearly everything else a probe
# allocates may sleep; failslab is kept out) of a probe of the block at
# the start of a GiB of which nothing is mapped (1 GiB, then 4 and 5 GiB:
# mem=512M hides them), N = 1, 2, ..., until one passes every such
# allocation.  The block's 2 MiB mappings need a new page table there.
# Each failure's stack goes to the log (verbose=2; one failure per
# probe): one of them must be a direct-map table's (phys_pud_init() or a
# neighbour in its stack), and a probe that succeeds must not be one whose
# table failed (its memory would be added unmapped).  A probe that fails
# must fail with ENOMEM and change nothing, the direct map's size
# included (here a failed table means nothing was mapped: the block needs
# one); the one that succeeds must leave memory the kernel can use: the
# block onlines, holds data through offline and online, and offlines
# again.  A direct map built through a NULL table oopses instead.
#
# memhp-qemu: -m 4G
# memhp-append: mem=512M memhp_default_state=offline
# memhp-console-ok: FAULT_INJECTION: forcing a failure
# memhp-upstream: xfail stock builds the direct map through a page table it failed to get
. "$(dirname "$0")/lib_memhp.sh"

DBG=/sys/kernel/debug
MAX_N=200	# 65 tables where the direct map uses 4 KiB pages (DEBUG_PAGEALLOC)
# a block at the start of each GiB that has no mapping: 1 GiB (q35 puts
# 2 GiB of a 4 GiB machine below 4 GiB), 4 and 5 GiB
CANDIDATES="$((1 << 30)) $((4 << 30)) $((5 << 30))"

ktap_print_header
ktap_set_plan 6

# only page allocations without __GFP_DIRECT_RECLAIM are fault sites:
# fail_page_alloc ignores the rest, failslab (cache-filter, no cache
# marked) fails no slab allocation (the page of a new slab, which SLUB
# first tries to get without reclaim, can still be a site: a probe that
# gets over its failure moves the sweep on to the next GiB).  Each
# attribute is put back as it was, however the test ends.
test_cleanup() { fault_attrs_restore; }
fault_attrs_set $DBG/failslab probability=0 cache-filter=Y
fault_attrs_set $DBG/fail_page_alloc probability=0 verbose=2 \
	ignore-gfp-wait=Y ignore-gfp-highmem=N min-order=0

for a in $CANDIDATES; do
	! grep -qi "^ *0*$(printf %x "$a")-" /proc/iomem ||
		ktap_exit_fail_msg "$(printf 0x%x "$a") is in use already"
done
snap() { (blocks; grep -c 'System RAM' /proc/iomem; grep ^DirectMap /proc/meminfo) | md5sum; }
# table_failed: the log of the last probe has a direct-map builder in
# the stack of its failed allocation
TABLE='^ *(phys_p(te|md|ud|4d)_init|__kernel_physical_mapping_init)(\.[a-z]+\.[0-9]+)*\+'
table_failed() { grep -qE "$TABLE" <<<"$log"; }
unchanged=1 swept='' n=0 err='' tables=0 unmapped=''
read -r ADDR CANDIDATES <<<"$CANDIDATES"
while [ $n -lt $MAX_N ]; do
	n=$((n + 1))
	before=$(snap)
	kmsg_mark
	read -r err site < <(memhp_helper fail-nth $n $MEM/probe "$(printf 0x%x "$ADDR")")
	log=$(kmsg_since)
	! table_failed || tables=$((tables + 1))
	case $err in
	OK)
		[ "$site" = fired ] || { swept=$n; break; }
		# a failure the probe got over: its tables were built (unless
		# the failure was one of them), so the sweep goes on at the
		# next GiB
		ktap_print_msg "N=$n: the probe of $(printf 0x%x "$ADDR") succeeded" \
			"although an allocation failed"
		! table_failed || unmapped="$unmapped $(printf 0x%x "$ADDR")"
		read -r ADDR CANDIDATES <<<"$CANDIDATES"
		[ -n "$ADDR" ] || ktap_exit_fail_msg "no unmapped GiB left (N=$n)"
		;;
	"")
		ktap_exit_fail_msg "memhp_helper fail-nth could not run (N=$n)" ;;
	*)
		[ "$site" = fired ] || ktap_exit_fail_msg \
			"the probe fails ($err) without a fault (N=$n)"
		ktap_print_msg "N=$n: the probe failed ($err)"
		if [ "$err" != ENOMEM ] || [ "$(snap)" != "$before" ]; then
			unchanged=
			ktap_print_msg "N=$n: ... and changed the blocks, System RAM or DirectMap"
		fi
		;;
	esac
done
nr=$((ADDR / BLOCK_SIZE))
test_cleanup

check "the sweep ended: probe N=$swept passed every allocation that may not sleep" \
	[ -n "$swept" ]
check "the sweep failed direct-map page tables ($tables of the $((n - 1)) failures)" \
	[ "$tables" -gt 0 ]
check "no probe succeeded whose page table failed (${unmapped:-none})" \
	[ -z "$unmapped" ]
check "every probe that failed did so with ENOMEM and changed nothing" \
	[ -n "$unchanged" ]
check "the probed block onlines" eval \
	'[ "$(try_write $MEM/memory$nr/state online_movable)" = OK ]'
# the data goes where the block is: the Movable zone is that block alone
check "its memory holds data through offline and online, and offlines again" \
	eval 'data_through_block $nr'

ktap_finished
