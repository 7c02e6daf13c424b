#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ag. Every allocation of a probe, an online and an offline fails in turn:
#     the kernel's systematic fault injection (/proc/thread-self/fail-nth,
#     as syzkaller uses it) with failslab and fail_page_alloc taking every
#     allocation, whatever its flags and order.  For N = 1, 2, ... the N-th
#     fault site the write passes fails.  The write then either fails with
#     an errno and changes nothing (blocks, states, valid_zones, System RAM,
#     zones, MemTotal, memmap pages, nodes), or succeeds whole, the
#     allocation having had a fallback - most of those are kmemleak's own
#     records, which fall back to its pool - and is undone before N + 1;
#     once the write passes fewer than N sites, every one of its
#     allocations has failed once.  The blocks are probed from the RAM
#     above 4G that mem=512M hides, each once (a probed block cannot be
#     removed); a Normal block stays online (kernel memory may be in it
#     at once).  The offline sweep, the long one, runs with
#     memhp.faults=all (make check FAULTS=all) only.  kmemleak scans at
#     the end.  Runs the same on both kernels.
#
#     A failed memmap allocation makes the kernel report it once ("vmemmap
#     alloc failure", with a stack dump): expected here, as are the
#     reports of a failed vmalloc in the writing task (KASAN's shadow of
#     the block on the debug kernel) and kmemleak's note that it could not
#     record a scan area.
#
# memhp-qemu: -m 16G
# memhp-append: mem=512M memhp_default_state=offline kmemleak=on
# memhp-timeout: 1200
# memhp-console-ok: vmemmap alloc failure
# memhp-console-ok: memhp_helper: vmalloc error:
# memhp-console-ok: kmemleak: Cannot allocate a scan area
# memhp-upstream: xfail stock warns in add_pages() and oopses on a freed firmware memmap entry
# memhp-upstream-debug: xfail stock warns in add_pages(), and its
# memhp-upstream-debug: kmemleak oopses scanning the relocated initrd it freed (mem= guest)
. "$(dirname "$0")/lib_memhp.sh"

DBG=/sys/kernel/debug
MAX_SITES=3000

# Every allocation is a fault site, none is reported on the console.
for d in failslab fail_page_alloc; do
	echo 0 >$DBG/$d/probability
	echo 0 >$DBG/$d/verbose
	echo N >$DBG/$d/ignore-gfp-wait
done
echo 0 >$DBG/fail_page_alloc/min-order
echo N >$DBG/fail_page_alloc/ignore-gfp-highmem

# nth_write N FILE VALUE: the errno name and "fired"/"unused" (see memhp_helper.c).
nth_write() { memhp_helper fail-nth "$@"; }

# sweep: N = 1, 2, ... as above, with the hooks of the operation:
#   before_try	puts the block where the write starts from
#   target	prints "FILE VALUE" of the write
#   after_ok	checks and puts back a write that succeeded
#   after_err	puts back what a failed write started from
# Sets SITES, FAILED (the errno of each failure) and ABSORBED; WHY on failure.
sweep()
{
	local n before after r how
	SITES=0 FAILED= ABSORBED=0 WHY=
	for ((n = 1; n <= MAX_SITES; n++)); do
		before_try || { WHY="site $n: cannot start the write"; return 1; }
		before=$(hotplug_state)
		set -- $(nth_write $n $(target))
		r=${1:-none} how=${2:-none}
		if [ "$r" = OK ]; then
			after_ok || { WHY="site $n: succeeded, but not done"; return 1; }
			[ "$how" = fired ] || { SITES=$((n - 1)); return 0; }
			ABSORBED=$((ABSORBED + 1))
			continue
		fi
		[ "$how" = fired ] || { WHY="failed ($r, $how) with no fault injected"; return 1; }
		after=$(hotplug_state)
		if [ "$after" != "$before" ]; then
			WHY="site $n: failed ($r) and left changes behind"
			state_diff "$before" "$after"
			return 1
		fi
		FAILED="$FAILED $r"
		after_err || { WHY="site $n: cannot put the block back"; return 1; }
	done
	WHY="more than $MAX_SITES fault sites"
	return 1
}

# tally: "N x ERRNO, ..." of FAILED.
tally()
{
	printf '%s\n' $FAILED | sort | uniq -c |
		awk '{printf "%s%d x %s", s, $1, $2; s = ", "}'
}

# report NAME: one KTAP case for the sweep just run.
report()
{
	if [ -z "$WHY" ]; then
		local seen="${FAILED:+$(tally), }$ABSORBED absorbed"
		ktap_test_pass "$1: its $SITES fault sites each failed once ($seen), nothing left"
	else
		ktap_test_fail "$1: $WHY (after ${FAILED:+$(tally), }$ABSORBED absorbed)"
	fi
}

set_state() { echo "$2" >$MEM/memory$1/state && EXPECT[$1]=${2%%_*}; }
is_state() { [ "$(state_of $1 2>/dev/null)" = "$2" ]; }

# Probing adds a block for good (a probed block cannot be removed): each
# probe that succeeds takes the next hidden block.  EXPECT[block] is the
# state each block the scenario added should be in.
declare -A EXPECT
# q35 puts 2G of the 16G below 4G and the other 14G from 4G up: probe
# only there (probing an address with no RAM behind it "works", and
# onlining it hands out pages that do not exist).  The debug kernel
# absorbs more faults, each a probe or an online that took a block.
NEXT=$(((4 << 30) / BLOCK_SIZE))
END=$(((18 << 30) / BLOCK_SIZE))
BLK=
probe_new()
{
	[ $NEXT -lt $END ] || return 1
	printf '%#x\n' $((NEXT * BLOCK_SIZE)) >$MEM/probe || return 1
	BLK=$NEXT
	EXPECT[$BLK]=offline
	NEXT=$((NEXT + 1))
}

# the offline sweep (an online before each try) is the long one: it runs
# with memhp.faults=all (make check FAULTS=all) only
ALL=$([ "$(param faults subset)" = all ] && echo 1)

ktap_print_header
ktap_set_plan $((5 + ${ALL:-0}))

before_try() { [ $NEXT -lt $END ] && ! [ -e $MEM/memory$NEXT ]; }
target() { printf '%s %#x\n' $MEM/probe $((NEXT * BLOCK_SIZE)); }
after_ok() { is_state $NEXT offline && BLK=$NEXT && EXPECT[$BLK]=offline && NEXT=$((NEXT + 1)); }
after_err() { true; }
sweep
report "probe of a hidden block"

before_try() { is_state $BLK offline; }
target() { echo $MEM/memory$BLK/state online_movable; }
after_ok() { is_state $BLK online && set_state $BLK offline; }
sweep
report "online_movable of a probed block"

# offline: each try starts from a Movable block
if [ -n "$ALL" ]; then
	before_try() { set_state $BLK online_movable; }
	target() { echo $MEM/memory$BLK/state offline; }
	after_ok() { is_state $BLK offline && EXPECT[$BLK]=offline; }
	after_err() { set_state $BLK offline; }
	sweep
	report "offline of a probed Movable block"
fi

# online_kernel: kernel memory may land in the block at once, so a block
# that onlined stays online and the next try takes a new block
before_try() { is_state $BLK offline; }
target() { echo $MEM/memory$BLK/state online_kernel; }
after_ok() { is_state $BLK online && EXPECT[$BLK]=online && probe_new; }
after_err() { true; }
sweep
report "online_kernel of a probed block"

# as_expected: every block the scenario added is in the state it left it
as_expected()
{
	local b
	for b in "${!EXPECT[@]}"; do
		is_state $b ${EXPECT[$b]} ||
			{ echo "# memory$b: $(state_of $b 2>&1), not ${EXPECT[$b]}"; return 1; }
	done
	[ ! -e $MEM/memory$NEXT ] || { echo "# memory$NEXT exists"; return 1; }
}
check "the ${#EXPECT[@]} blocks added are there, in the states they were left in" as_expected
probe_and_online() { probe_new && set_state $BLK online_movable; }
check "without injection memory$NEXT probes and onlines" probe_and_online
ktap_finished
