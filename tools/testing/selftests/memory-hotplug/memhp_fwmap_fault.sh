#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A probe whose /sys/firmware/memmap entry cannot get its directory: the
# kernel's systematic fault injection (/proc/thread-self/fail-nth) fails
# the N-th allocation from kmalloc-8 (failslab's cache filter: the small
# names, such as the "%d" of a memmap directory) of a probe, N = 1, 2, ...,
# each probe of a new block of the RAM above mem=512M (a probed block
# cannot be removed).  A probe that fails changes nothing; one that
# succeeds although an allocation failed adds its block.  Once one
# succeeded without its memmap directory, a plain probe must still work
# and be listed there: the failed directory must not have freed the entry
# while it was still on the map's list (slub_debug=P poisons freed
# objects, and the list checks of CONFIG_DEBUG_LIST catch a list that
# runs through one).
#
# memhp-qemu: -m 4G
# memhp-append: mem=512M memhp_default_state=offline slub_debug=FZP
# memhp-timeout: 600
# memhp-upstream: xfail stock frees a memmap entry still listed when its directory cannot be made
. "$(dirname "$0")/lib_memhp.sh"

DBG=/sys/kernel/debug
FWMAP=/sys/firmware/memmap
MAX_N=400

ktap_print_header
ktap_set_plan 5

# kmalloc-8's allocations are the fault sites (slub_debug keeps kmalloc-8
# a cache of its own), page allocations are not (no order reaches
# min-order).  Each attribute is put back as it was, however the test ends.
CACHE=/sys/kernel/slab/kmalloc-8
test_cleanup()
{
	echo 0 >$CACHE/failslab 2>/dev/null
	fault_attrs_restore
}
fault_attrs_set $DBG/failslab probability=0 verbose=0 ignore-gfp-wait=N \
	cache-filter=Y
fault_attrs_set $DBG/fail_page_alloc probability=0 min-order=11
echo 1 >$CACHE/failslab || ktap_exit_fail_msg "cannot mark $CACHE for failslab"

# the blocks of RAM above mem= that can be probed, lowest first: with
# 4 GiB, QEMU's q35 has 2 GiB below 4 GiB, whose last block holds the
# firmware's reserved top, and 2 GiB above
CANDIDATES=
for ((a = 512 << 20; a < (2 << 30) - BLOCK_SIZE; a += BLOCK_SIZE)); do
	CANDIDATES="$CANDIDATES $a"
done
for ((a = 4 << 30; a < 6 << 30; a += BLOCK_SIZE)); do
	CANDIDATES="$CANDIDATES $a"
done
snap() { (blocks; grep -c 'System RAM' /proc/iomem) | md5sum; }
# listed ADDR: /sys/firmware/memmap has an entry of the block at ADDR
# (the boot-time entries, from before mem= cut the map, may start there)
listed()
{
	local d

	for d in "$FWMAP"/*; do
		[ "$(cat "$d/start")" = "$(printf 0x%x "$1")" ] &&
		[ "$(cat "$d/end")" = "$(printf 0x%x $(($1 + BLOCK_SIZE - 1)))" ] &&
			return 0
	done
	return 1
}

unchanged=1 unlisted='' swept='' n=0
kmsg_mark
while [ $n -lt $MAX_N ]; do
	n=$((n + 1))
	next_block || ktap_exit_fail_msg "no hidden block left to probe (N=$n)"
	before=$(snap)
	read -r err site < <(memhp_helper fail-nth $n $MEM/probe "$(printf 0x%x "$ADDR")")
	case $err in
	OK)
		if ! listed "$ADDR"; then
			unlisted=$(printf 0x%x "$ADDR")
			ktap_print_msg "N=$n: the probe of $unlisted succeeded" \
				"without its memmap directory"
		fi
		if [ "$site" != fired ]; then	# N passed every site
			swept=$n
			break
		fi
		;;
	"")
		ktap_exit_fail_msg "memhp_helper fail-nth could not run (N=$n)" ;;
	*)
		# an error no injected failure explains
		[ "$site" = fired ] || ktap_exit_fail_msg \
			"probing $(printf 0x%x "$ADDR") fails ($err) without a fault"
		if [ "$(snap)" != "$before" ]; then
			unchanged=
			ktap_print_msg "N=$n: the probe failed ($err) but changed the blocks"
		fi
		CANDIDATES=" $ADDR$CANDIDATES"	# not taken: try it again
		;;
	esac
done
test_cleanup

check "the sweep ended: probe N=$swept passed fewer than N sites" [ -n "$swept" ]
check "every probe that failed changed nothing (blocks, System RAM)" [ -n "$unchanged" ]
check "a probe succeeded without its memmap directory ($unlisted), its name not made" \
	eval '[ -n "$unlisted" ] && kmsg_since | grep "can not set name properly" >/dev/null'
next_block || ktap_exit_fail_msg "no hidden block left for the plain probe"
r=$(try_write $MEM/probe "$(printf 0x%x "$ADDR")")
check "then a plain probe succeeds ($r)" [ "$r" = OK ]
check "and is listed in $FWMAP" listed "$ADDR"

ktap_finished
