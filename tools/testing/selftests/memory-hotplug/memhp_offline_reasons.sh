#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Why an offline failed, in the kernel log: the admin guide ("Why
# offlining fails, and what to do") lists the reasons a failed offline
# logs, in one line with the block's range and the errno, and the
# failures that log nothing.  Each reason the code can log is a
# reason_case below (the host's lint matches the guide, the code and this
# file), except UNPROVOKED: only a bug reaches it, behind a warning.
#
# The machine is the one of memhp_errno.sh: mem=768M leaves a block to
# probe at 768M, a 2 MiB hole is reserved in boot block 2, block 0 spans
# ZONE_DMA and ZONE_DMA32, the top boot block holds memory the kernel
# allocated at boot.  Two reasons need a page in use and an error that
# real memory seldom gives on demand: fail_function makes the step that
# gives it fail once (with -EBUSY) while a pinned page keeps the offline
# in its loop.
#
# memhp-append: mem=768M memmap=2M$0x11000000 memhp_default_state=offline
# memhp-upstream: xfail stock logs why an offline failed only with pr_debug
. "$(dirname "$0")/lib_memhp.sh"

UNPROVOKED="it spans zones"
INJ=/sys/kernel/debug/notifier-error-inject/memory/actions
F=/sys/kernel/debug/fail_function
ADDR=$((768 << 20))
B=$((ADDR / BLOCK_SIZE))
HOLE=$((0x11000000 / BLOCK_SIZE))
TIMEOUT_MS=/sys/module/memory_hotplug/parameters/offline_timeout_ms
TOP=$(((ADDR - 1) / BLOCK_SIZE))

# the line a failed offline of block $1 logs, up to the reason
line_of()
{
	printf 'offline of [mem 0x%08x-0x%08x] failed: ' \
		$(($1 * BLOCK_SIZE)) $((($1 + 1) * BLOCK_SIZE - 1))
}

# reason_case BLOCK ERRNO REASON WHY VALUE [HOW]: writing VALUE to the
# block's state (HOW: see write_how) fails with ERRNO, the block stays in
# its state, and the log has exactly one offline line since: "REASON (-N)"
# for the block's range.  REASON "-": no offline line at all.
reason_case()
{
	local b=$1 want=$2 reason=$3 why=$4 value=$5 got lines n expect was

	shift 5
	was=$(state_of $b)
	kmsg_mark
	got=$(write_how $MEM/memory$b/state "$value" "$@")
	[ "$(state_of $b)" = "$was" ] || got="$got, then $(state_of $b)"
	lines=$(kmsg_since | grep -F 'offline of [mem ')
	n=$(printf '%s' "$lines" | grep -c .)
	if [ "$reason" = - ]; then
		expect="no line"
		[ "$n" = 0 ] && lines=ok
	else
		expect="'$reason ($(errno_number $want))'"
		[ "$n" = 1 ] && [[ $lines == *"$(line_of $b)$reason ($(errno_number $want))" ]] &&
			lines=ok
	fi
	if [ "$got" = "$want" ] && [ "$lines" = ok ]; then
		ktap_test_pass "memory$b, $why: $want, the log says $expect"
	else
		ktap_test_fail "memory$b, $why: want $want and $expect, got $got"
		[ "$lines" = ok ] ||
			printf '%s\n' "${lines:-(no offline line)}" | sed 's/^/# log: /'
	fi
}

# errno_number NAME: minus its number, as the kernel prints it
errno_number()
{
	case $1 in
	EPERM) echo -1 ;;
	EINTR) echo -4 ;;
	EBUSY) echo -16 ;;
	EINVAL) echo -22 ;;
	*) ktap_exit_fail_msg "errno_number: $1" ;;
	esac
}

# fail_once FUNC: the next call of FUNC returns -EBUSY instead of running;
# fails when fail_function cannot do that to FUNC.  disarm takes FUNC off
# and puts fail_function's attributes back.
fail_once()
{
	[ -d $F ] && fault_attrs_set $F probability=100 interval=1 times=1 verbose=0 space=0 &&
		echo "$1" >$F/inject && printf '%#x\n' -16 >$F/$1/retval
}
disarm()
{
	[ ! -d $F ] || echo >$F/inject
	fault_attrs_restore
	FAULT_SAVED=
}

test_cleanup()
{
	disarm
	[ ! -e $TIMEOUT_MS ] || echo 0 >$TIMEOUT_MS
	[ -d $INJ ] || return 0
	echo 0 >$INJ/MEM_GOING_OFFLINE/error
}

ktap_print_header
ktap_set_plan 10

[ ! -e $MEM/memory$B ] || ktap_exit_fail_msg "memory$B exists already"
modprobe memory-notifier-error-inject ||
	ktap_exit_fail_msg "cannot load memory-notifier-error-inject"
[ "$(try_write $MEM/probe $ADDR)" = OK ] &&
	[ "$(try_write $MEM/memory$B/state online_movable)" = OK ] ||
	ktap_exit_fail_msg "memory$B at $ADDR did not probe and online"

# ---- failures that log nothing ----------------------------------------------
[ "$(state_of 0)" = online ] && [ "$(zones_of 0)" = none ] ||
	ktap_exit_fail_msg "memory0 is $(state_of 0) in '$(zones_of 0)', not online across zones"
reason_case 0 EINVAL - "spans zones (valid_zones reads $(zones_of 0))" offline
check "memory$B offlines, and logs nothing" \
	eval 'kmsg_mark; [ "$(try_write $MEM/memory$B/state offline)" = OK ] &&
		! kmsg_since | grep -qF "offline of [mem "'
reason_case $B EINVAL - "already offline" offline
[ "$(try_write $MEM/memory$B/state online_movable)" = OK ] ||
	ktap_exit_fail_msg "memory$B did not online again"

# ---- boot blocks --------------------------------------------------------------
reason_case $HOLE EINVAL "it has holes" "a 2 MiB hole" offline sigint 20
reason_case $TOP EBUSY "pages could not be isolated" \
	"memory the kernel allocated at boot" offline sigint 20

# ---- the probed Movable block -------------------------------------------------
echo -1 >$INJ/MEM_GOING_OFFLINE/error
reason_case $B EPERM "a subscriber refused" "a notifier says -1" offline
echo 0 >$INJ/MEM_GOING_OFFLINE/error

lo=$((B * BLOCK_SIZE / 4096))
helper_start held pin $lo $((lo + BLOCK_SIZE / 4096)) 96
grep -q ^PINNED /tmp/held.out || ktap_exit_fail_msg "no page of memory$B pinned"
reason_case $B EINTR "interrupted by a signal" "a pinned page, then SIGINT" \
	offline sigint 1
if fail_once dissolve_free_huge; then
	reason_case $B EBUSY "a free hugetlb page cannot be dissolved" \
		"a pinned page, dissolve_free_huge() fails" offline sigint 20
else
	ktap_test_fail "memory$B: fail_function cannot fail dissolve_free_huge() here"
fi
disarm
if fail_once migrate_range; then
	reason_case $B EBUSY "a page cannot move" \
		"a pinned page, migrate_range() fails" offline sigint 20
else
	ktap_test_fail "memory$B: fail_function cannot fail migrate_range() here"
fi
disarm
[ ! -e $TIMEOUT_MS ] || echo 1000 >$TIMEOUT_MS
reason_case $B EBUSY "offline_timeout_ms passed" \
	"a pinned page, offline_timeout_ms=1000" offline sigint 20
[ ! -e $TIMEOUT_MS ] || echo 0 >$TIMEOUT_MS
helper_finish held

ktap_finished
