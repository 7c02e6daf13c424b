#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# f. probe: RAM above mem=768M is hidden from the kernel; writing its address
#    to /sys/devices/system/memory/probe adds one block, which then onlines.
#    Misaligned, duplicate and garbage addresses fail and change nothing.
#    No device provides probed memory: the block has no provider link.
#
# memhp-append: mem=768M
# memhp-upstream-debug: xfail stock's
# memhp-upstream-debug: kmemleak oopses scanning the relocated initrd it freed (mem= guest)
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 9

hidden=$((768 << 20))
first=$((hidden / BLOCK_SIZE))
snap() { (blocks; cat $MEM/memory*/state) | md5sum; }

check "nothing exists at the hidden range (no memory$first)" [ ! -e $MEM/memory$first ]
before=$(snap)
r=$(try_write $MEM/probe "$(printf 0x%x $((hidden + 4096)))")
check "a misaligned address gives EINVAL ($r) and changes nothing" \
	eval '[ "$r" = EINVAL ] && [ "$(snap)" = "$before" ]'
r=$(try_write $MEM/probe "not-an-address")
check "garbage gives EINVAL ($r) and changes nothing" \
	eval '[ "$r" = EINVAL ] && [ "$(snap)" = "$before" ]'

r=$(try_write $MEM/probe "$(printf 0x%x $hidden)")
check "probing the hidden block's address succeeds ($r)" [ "$r" = OK ]
check "memory$first appears, offline" eval '[ "$(state_of $first 2>/dev/null)" = offline ]'
# no device provided it, so it links to none (stock has no such link either)
check "memory$first has no provider link" [ ! -e $MEM/memory$first/provider ]

before=$(snap)
r=$(try_write $MEM/probe "$(printf 0x%x $hidden)")
check "probing the same address again gives EEXIST ($r) and changes nothing" \
	eval '[ "$r" = EEXIST ] && [ "$(snap)" = "$before" ]'

t0=$(memtotal_kb)
check "the probed block onlines (online_movable)" online_blocks online_movable $first
check "MemTotal grew by one block" [ "$(memtotal_kb)" -eq $((t0 + BLOCK_SIZE / 1024)) ]

ktap_finished
