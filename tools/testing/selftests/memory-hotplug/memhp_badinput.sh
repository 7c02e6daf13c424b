#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# k. Bad input: every writable file (state, online, auto_online_blocks, probe)
#    fed empty, garbage, wrong case, trailing junk and overflowing numbers
#    fails with the errno stock Linux gives and leaves every block, zone and
#    policy exactly as it was.  (No kernel warning: the runner checks the
#    console.)  The blocks written to are a DIMM's, one offline and one
#    online Movable; in a guest not booted for it, two boot blocks: one that
#    could go offline (the test skips when none can) and one online.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header

snapshot()
{
	local b s z
	for b in $(blocks); do
		read -r s <$MEM/memory$b/state
		read -r z <$MEM/memory$b/valid_zones
		echo "$b $s $z"
	done
	cat $MEM/auto_online_blocks
}

if [ -n "$BOOTED_FOR_TEST" ]; then
	new=$(dimm_plug d1 256M)
	B=($new)
	OFF=${B[0]}
	ON=${B[1]}
	online_blocks online_movable $ON
elif OFF=$(offline_boot_blocks 1) && [ -n "$OFF" ]; then
	ON=$(blocks | head -1)
else
	ktap_skip_all "no host channel to plug a DIMM, and no boot block could go offline"
	exit "$KSFT_SKIP"
fi

HUGE=99999999999999999999999
# file|value|expected errno
CASES="
memory$OFF/state||EINVAL
memory$OFF/state|garbage|EINVAL
memory$OFF/state|ONLINE|EINVAL
memory$OFF/state|Online_Movable|EINVAL
memory$OFF/state|online junk|EINVAL
memory$OFF/state|onlinex|EINVAL
memory$OFF/state| online|EINVAL
memory$OFF/state|$HUGE|EINVAL
memory$OFF/state|offline|EINVAL
memory$ON/state|online|EINVAL
memory$ON/state|online_kernel|EINVAL
memory$ON/state|OFFLINE|EINVAL
memory$OFF/online||EINVAL
memory$OFF/online|garbage|EINVAL
memory$OFF/online|2|EINVAL
memory$OFF/online|-1|EINVAL
memory$OFF/online|$HUGE|EINVAL
memory$ON/online|maybe|EINVAL
auto_online_blocks||EINVAL
auto_online_blocks|garbage|EINVAL
auto_online_blocks|ONLINE|EINVAL
auto_online_blocks|online junk|EINVAL
auto_online_blocks|online_movablex|EINVAL
auto_online_blocks|$HUGE|EINVAL
probe||EINVAL
probe|garbage|EINVAL
probe|0x|EINVAL
probe|-1|EINVAL
probe|0x100000000 junk|EINVAL
probe|$HUGE|ERANGE
probe|0x100001000|EINVAL
probe|0x7ffffff8000000|E2BIG
probe|$(printf 0x%x $((OFF * BLOCK_SIZE)))|EEXIST
"

ktap_set_plan $(($(echo "$CASES" | grep -c '|') + 1))
while IFS='|' read -r file value want; do
	[ -n "$file" ] || continue
	if [ ! -e "$MEM/$file" ] && [ "$file" = probe ]; then
		ktap_test_skip "$file <- '$value': no probe file (CONFIG_ARCH_MEMORY_PROBE)"
		continue
	fi
	before=$(snapshot)
	got=$(try_write "$MEM/$file" "$value")
	after=$(snapshot)
	if [ "$got" = "$want" ] && [ "$before" = "$after" ]; then
		ktap_test_pass "$file <- '$value': $got, nothing changed"
	else
		ktap_test_fail "$file <- '$value': want $want, got $got"
		diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
	fi
done <<<"$CASES"

if [ -n "$BOOTED_FOR_TEST" ]; then
	check "the blocks still work: both offline and online again" \
		eval 'online_blocks offline $ON &&
		      online_blocks online_movable $OFF $ON &&
		      all_in_state online $OFF $ON'
else
	check "the boot block still works: it onlines again" \
		eval 'online_blocks online $OFF && all_in_state online $OFF $ON'
fi

ktap_finished
