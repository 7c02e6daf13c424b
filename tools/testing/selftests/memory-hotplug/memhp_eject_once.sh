#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An eject moves the data a DIMM holds out of it about once.  The ACPI core
# offlines a DIMM's blocks one at a time; the page allocator hands out
# first the memory onlined first, the DIMM's bottom block.  Offlined from
# the bottom up, each block's pages move into the next block to go, and
# again: data near the bottom of an 8-block DIMM is copied 8 times.
# Offlined from the top down they move into blocks that go last.
#
# The DIMM (1 GiB, 8 blocks, onlined Movable) is the only Movable memory,
# so the 64 MiB the helper fills land in it; the eject runs while the
# helper still holds them.  The count of migrated pages comes from
# /proc/vmstat (pgmigrate_success), so nothing here depends on timing.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G
# memhp-timeout: 300
# memhp-upstream: xfail stock offlines a DIMM bottom-up: its data moves once per block
. "$(dirname "$0")/lib_memhp.sh"

FILL_MIB=64

ktap_print_header
ktap_set_plan 5

migrated() { sed -n 's/^pgmigrate_success //p' /proc/vmstat; }

blocks=$(movable_dimm d1 1G)
check "a 1 GiB DIMM plugs, its 8 blocks online Movable" \
	eval '[ $(echo $blocks | wc -w) -eq 8 ]'
helper_start data fill $FILL_MIB
check "the helper filled $FILL_MIB MiB, all in the DIMM ($(movable_used_kb) kB of Movable used)" \
	eval '[ "$(cat /tmp/data.out)" = READY ] && [ $(movable_used_kb) -ge $((FILL_MIB << 10)) ]'

before=$(migrated)
check "the DIMM ejects with the data in it" dimm_unplug d1
moved=$(($(migrated) - before))
helper_finish data
check "the data is intact after the move ($(tail -1 /tmp/data.out))" \
	eval '[ "$(tail -1 /tmp/data.out)" = INTACT ]'
# once, plus room for the pages of the shell and the kernel's own
pages=$((FILL_MIB << 8))
check "the eject moved $moved pages: at most twice the $pages the data holds" \
	[ "$moved" -le $((2 * pages)) ]
ktap_finished
