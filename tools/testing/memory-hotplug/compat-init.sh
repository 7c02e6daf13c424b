#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compat-init.sh - /init of the arm64 hot-plug boot of make compat
# (compat_boot.py is the host half).  busybox sh, nothing else.
#
# The guest and the host speak through the console, in lines that start
# with "@@ ": the guest asks with "@@ plug" and "@@ unplug" (the host then
# plugs or unplugs the DIMM through QMP), reports each check as
# "@@ ok DESC" or "@@ not ok DESC", notes as "@@ # TEXT", and ends with
# "@@ end N", N the number of checks it made (the host counts what it
# got: a line the kernel's messages garbled is not lost silently).  Every wait
# for the host has a timeout, so a lost event fails a check instead of
# hanging the boot.
# shellcheck disable=SC3043 # busybox sh has local
M=/sys/devices/system/memory
WAIT=${COMPAT_WAIT:-120}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

CHECKS=0
say() { echo "@@ $*"; }
check()
{
	local d=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then say "ok $d"; else say "not ok $d"; fi
}

# blocks: the memory block numbers, one per line, in order
blocks() { ls -d $M/memory[0-9]* | sed 's/.*memory//' | sort -n; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
# new_blocks: the blocks that are not in $BOOT
new_blocks() { blocks | grep -vxF "$BOOT"; }
# every_new FILE VALUE: there are new blocks, and each one's FILE reads VALUE
every_new()
{
	local b
	[ -n "$NEW" ] || return 1
	for b in $NEW; do [ "$(cat $M/memory$b/$1)" = "$2" ] || return 1; done
}
state_is() { every_new state "$1"; }
in_movable() { every_new valid_zones Movable; }
set_state()
{
	local b
	[ -n "$NEW" ] || return 1
	for b in $NEW; do echo "$1" >$M/memory$b/state || return 1; done
}
# wait_for CMD...: CMD succeeds within $WAIT seconds
wait_for()
{
	local i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -le $((WAIT * 5)) ] || return 1
		sleep 0.2
	done
}
have_new() { [ -n "$(new_blocks)" ]; }
none_new() { [ -z "$(new_blocks)" ]; }
# acpi_bound: a PNP0C80 device links exactly the new blocks
acpi_bound()
{
	local d
	[ -n "$NEW" ] || return 1
	for d in /sys/bus/acpi/devices/PNP0C80:*; do
		[ "$(for l in $d/physical_node*; do readlink -f $l; done |
			sed 's/.*memory//' | sort -n)" = "$NEW" ] && return 0
	done
	return 1
}
# grew_by MIB: MemTotal is MIB above its boot value
grew_by() { [ $(($(memtotal) - MEM0)) -eq $(($1 * 1024)) ]; }
# dimm_size_ok: the new blocks add up to the DIMM the host plugs
dimm_size_ok() { [ "$COUNT" -gt 0 ] && [ $((COUNT * BSZ >> 20)) = "$DIMM_MB" ]; }
# removed: there were new blocks, and they are gone
removed() { [ -n "$NEW" ] && none_new; }

DIMM_MB=${DIMM_MB:-0}
BOOT=$(blocks)
MEM0=$(memtotal)
BSZ=$((0x$(cat $M/block_size_bytes)))
say "# boot: $(echo $BOOT | wc -w) blocks of $BSZ bytes, MemTotal $MEM0 kB"

check "the kernel runs on ACPI (UEFI handed over its tables)" [ -d /sys/firmware/acpi/tables ]
say plug
check "the DIMM's blocks appear" wait_for have_new
NEW=$(new_blocks)
FIRST=$(echo "$NEW" | head -1)
COUNT=$(echo $NEW | wc -w)
say "# blocks $FIRST-$(echo "$NEW" | tail -1): $COUNT"
say "# they add up to $((COUNT * BSZ >> 20)) MiB"
check "its blocks add up to the DIMM's $DIMM_MB MiB" dimm_size_ok
check "its blocks are offline" state_is offline
check "a PNP0C80 device links exactly its blocks" acpi_bound
check "online_movable onlines every block" set_state online_movable
check "every block is online" state_is online
check "in ZONE_MOVABLE" in_movable
check "MemTotal grew by the DIMM's size" grew_by "$DIMM_MB"
check "offline offlines every block" set_state offline
check "every block is offline" state_is offline
check "MemTotal is back" grew_by 0
check "online_movable onlines them again" set_state online_movable
say unplug
check "the eject removes every block (the kernel offlines them)" wait_for removed
check "MemTotal is back after the eject" grew_by 0
say end $CHECKS
poweroff -f
