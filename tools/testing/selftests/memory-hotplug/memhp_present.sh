#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Present memory, nothing plugged: any guest with memory hot-remove runs it.
# A pattern is written into anonymous memory; then up to OFFLINE_WANT boot
# blocks go offline, from the top (offline_boot_blocks: blocks inside a
# zone, 5 s each, at most 16 tried).  The pattern's pages that sat in them
# moved away on the way.  A block the kernel keeps (its own memory in it:
# EBUSY, or still retrying after 5 s: EINTR) is not a failure; a guest
# where none can go skips, and the harness counts that as a failure.  Then
# every block offlined comes back with a plain "online", and the pattern,
# every block's state and zone, and MemTotal must be what they were.
#
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

OFFLINE_WANT=4
FILL_MIB=96

ktap_print_header

# layout: "id state valid_zones" of every block, then MemTotal (with the
# boot memmap, which offline may give back to it: memtotal_boot_kb)
layout()
{
	local b
	for b in $(blocks); do echo "$b $(state_of "$b") $(zones_of "$b")"; done
	memtotal_boot_kb
}

before=$(layout)
helper_start pattern fill $FILL_MIB anon
if ! grep -q READY /tmp/pattern.out; then
	ktap_skip_all "memhp_helper could not map and fill $FILL_MIB MiB"
	kill "$PID_pattern" 2>/dev/null
	exit "$KSFT_SKIP"
fi

went=$(offline_boot_blocks $OFFLINE_WANT | tr '\n' ' ')
went=${went% }

if [ -z "$went" ]; then
	helper_finish pattern
	ktap_skip_all "no boot block inside a zone could go offline"
	exit "$KSFT_SKIP"
fi

ktap_set_plan 5
ktap_print_msg "offlined: $went"
check "the blocks that went read offline, with their memory out of MemTotal" \
	eval 'all_in_state offline $went &&
	      [ "$(memtotal_boot_kb)" -lt "$(echo "$before" | tail -1)" ]'
check "they online again with a plain online" online_blocks online $went
check "each is online in the zone it had" \
	eval '[ "$(layout)" = "$before" ]'
helper_finish pattern
check "the pattern that moved out of them is intact" \
	grep -q '^INTACT' /tmp/pattern.out
check "MemTotal (with the boot memmap) is back to $(echo "$before" | tail -1) kB" \
	eval '[ "$(memtotal_boot_kb)" -eq "$(echo "$before" | tail -1)" ]'
[ "$(layout)" = "$before" ] ||
	diff <(echo "$before") <(layout) | sed 's/^/# /'
ktap_finished
