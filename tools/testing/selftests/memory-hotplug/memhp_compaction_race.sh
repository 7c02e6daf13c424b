#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compaction racing offline, nothing plugged: boot-time ZONE_MOVABLE
# (movablecore=512M), 160 MiB of anonymous memory with a pattern in it, and
# two shells compacting every zone nonstop, while each Movable block goes
# offline (its data migrating out) and comes back online, 30 rounds.  An
# offline poisons the block's memmap (CONFIG_DEBUG_VM) and a removal frees
# it; a compaction scanner that checked a pageblock before the offline must
# not read its struct pages afterwards.  The kernel must survive without an
# oops, BUG or warning; every offline succeeds or is EBUSY/EINTR, every
# block ends online in Movable, and the pattern is intact.  The reproducer
# of fix 04 (patches/fixes/): stock oopses within seconds in most runs.
#
# memhp-append: movablecore=512M
# memhp-timeout: 600
# memhp-alone: two compacting shells race offline on both vCPUs
# memhp-upstream: xfail stock's compaction reads a memmap offline poisoned (oops in its scanner)
. "$(dirname "$0")/lib_memhp.sh"

ROUNDS=${ROUNDS:-30}
FILL_MIB=160

ktap_print_header

# the Movable blocks, each offlined and onlined once while nothing races;
# one with a hole (the top of boot memory) cannot go offline (EINVAL)
movable=
for b in $(blocks); do
	[ "$(state_of "$b")" = online ] && [ "$(zones_of "$b")" = Movable ] || continue
	if [ "$(offline_within "$b" 20)" = "Invalid argument" ]; then
		ktap_print_msg "memory$b has a hole (its offline is EINVAL): left out"
		continue
	fi
	[ "$(state_of "$b")" = online ] || online_blocks online_movable "$b"
	movable="$movable $b"
done
movable=${movable# }
if [ -z "$movable" ]; then
	ktap_skip_all "no online block in ZONE_MOVABLE (boot with movablecore=)"
	exit "$KSFT_SKIP"
fi
helper_start pattern fill $FILL_MIB anon
if ! grep -q READY /tmp/pattern.out; then
	ktap_skip_all "memhp_helper could not map and fill $FILL_MIB MiB"
	kill "$PID_pattern" 2>/dev/null
	exit "$KSFT_SKIP"
fi

ktap_set_plan 5
ktap_print_msg "Movable blocks: $movable; $ROUNDS rounds"

compactor()
{
	while :; do echo 1 >/proc/sys/vm/compact_memory; done
}
test_cleanup() { kill $COMPACTORS 2>/dev/null; }

kmsg_mark
COMPACTORS=
for i in 1 2; do
	compactor &
	COMPACTORS="$COMPACTORS $!"
done
ok=0 busy=0 other= lost=
for r in $(seq 1 "$ROUNDS"); do
	for b in $movable; do
		res=$(offline_within "$b" 20)
		case $res in
		OK) ok=$((ok + 1)) ;;
		EINTR | "Device or resource busy") busy=$((busy + 1)) ;;
		*) other="$other memory$b:$res" ;;
		esac
		[ "$(state_of "$b")" = online ] || online_blocks online_movable "$b" ||
			lost="$lost memory$b"
	done
done
kill $COMPACTORS
wait $COMPACTORS 2>/dev/null
ktap_print_msg "offlines: $ok succeeded, $busy EBUSY or EINTR"

check "every offline with compaction racing succeeds or is EBUSY/EINTR${other:+ (not:$other)}" \
	[ -z "$other" ]
check "offline succeeds with compaction racing ($ok times)" [ "$ok" -gt 0 ]
check "every block is back online in Movable${lost:+ (not:$lost)}" \
	eval '[ -z "$lost" ] && (for b in $movable; do
	       [ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Movable ] ||
	       exit 1; done)'
helper_finish pattern
check "the pattern survived the migrations ($(tail -1 /tmp/pattern.out))" \
	grep -qx INTACT <(tail -1 /tmp/pattern.out)
bad=$(kmsg_since | grep -E 'BUG|Oops|WARNING|general protection' | head -3)
check "the kernel log has no oops, BUG or warning${bad:+ ($bad)}" [ -z "$bad" ]

ktap_finished
