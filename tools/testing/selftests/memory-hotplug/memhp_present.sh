#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Present memory, nothing plugged: any guest with memory hot-remove runs it.
# A pattern is written into anonymous memory; then the boot blocks go offline
# one by one, from the top, each given 5 s (an offline retries until it is
# interrupted), until OFFLINE_WANT of them went.  The pattern's pages that sat
# in them moved away on the way.  A block the kernel keeps (its own memory
# in it: EBUSY, or still retrying after 5 s: EINTR) is counted, not a
# failure; a guest where no block can go skips.  Then every block offlined
# comes back with a plain "online", and the pattern, every block's state and
# zone, and MemTotal must be what they were.
#
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

OFFLINE_WANT=4
FILL_MIB=96

ktap_print_header

# layout: "id state valid_zones" of every block, then MemTotal
layout()
{
	local b
	for b in $(blocks); do echo "$b $(state_of "$b") $(zones_of "$b")"; done
	memtotal_kb
}

before=$(layout)
helper_start pattern fill $FILL_MIB anon
if ! grep -q READY /tmp/pattern.out; then
	ktap_skip_all "memhp_helper could not map and fill $FILL_MIB MiB"
	kill "$PID_pattern" 2>/dev/null
	exit "$KSFT_SKIP"
fi

went=
kept=0
for b in $(blocks | sort -rn); do
	[ "$(state_of "$b")" = online ] || continue
	res=$(memhp_helper write-with-sigint $MEM/memory$b/state offline 5)
	case $res in
	OK*) went="$went $b" ;;
	*) kept=$((kept + 1)) ;;
	esac
	[ "$(echo $went | wc -w)" -lt $OFFLINE_WANT ] || break
done

if [ -z "$went" ]; then
	helper_finish pattern
	ktap_skip_all "no boot block could go offline ($kept tried)"
	exit "$KSFT_SKIP"
fi

ktap_set_plan 5
ktap_print_msg "offlined:$went; kept by the kernel: $kept"
check "the blocks that went read offline, with their memory out of MemTotal" \
	eval 'all_in_state offline $went &&
	      [ "$(memtotal_kb)" -lt "$(echo "$before" | tail -1)" ]'
check "they online again with a plain online" online_blocks online $went
check "each is online in the zone it had" \
	eval '[ "$(layout)" = "$before" ]'
helper_finish pattern
check "the pattern that moved out of them is intact" \
	grep -q '^INTACT' /tmp/pattern.out
check "MemTotal is back to $(echo "$before" | tail -1) kB" \
	memtotal_is "$(echo "$before" | tail -1)"
[ "$(layout)" = "$before" ] ||
	diff <(echo "$before") <(layout) | sed 's/^/# /'
ktap_finished
