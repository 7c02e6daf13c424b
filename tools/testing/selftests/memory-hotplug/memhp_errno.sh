#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The errno of every documented failure of a writable file: each row of
# the error tables in Documentation/ABI/testing/sysfs-devices-memory for
# memoryN/state, memoryN/online, auto_online_blocks and probe is an
# errno_case below (the host's lint matches the two, file by file and
# errno by errno, so neither can change alone; the offline_timeout_ms
# parameter's are in memhp_offline_timeout.sh).  Each case checks the
# errno and that the write changed nothing: blocks, zones, System RAM,
# MemTotal, isolated pageblocks (hotplug_state).
#
# The machine: 1 GiB, of which mem=768M leaves the top quarter to probe
# (one block of it can be probed: the next holds the firmware's reserved
# top of RAM); a 2 MiB hole reserved in boot block 2 (memmap=...$...);
# block 0 spans ZONE_DMA and ZONE_DMA32; the top boot block holds the
# memory map and page tables the kernel allocated at boot.  The probed
# block ends up with a poisoned page, offline for good, so this test
# needs a guest of its own.
#
# memhp-append: mem=768M memmap=2M$0x11000000 memhp_default_state=offline
# memhp-console-ok: vmemmap alloc failure
# memhp-console-ok: WARNING: CPU: \d+ PID: \d+ at (\S*arch/x86/mm/init_64\.c:\d+ )?add_pages\+
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

INJ=/sys/kernel/debug/notifier-error-inject/memory/actions
HUGE=99999999999999999999999
ADDR=$((768 << 20))
B=$((ADDR / BLOCK_SIZE))
HOLE=$((0x11000000 / BLOCK_SIZE))
TOP=$(((ADDR - 1) / BLOCK_SIZE))

test_cleanup()
{
	[ -d $INJ ] || return 0
	echo 0 >$INJ/MEM_GOING_ONLINE/error
	echo 0 >$INJ/MEM_GOING_OFFLINE/error
}

ktap_print_header
ktap_set_plan 33

[ ! -e $MEM/memory$B ] || ktap_exit_fail_msg "memory$B exists already"
modprobe memory-notifier-error-inject ||
	ktap_exit_fail_msg "cannot load memory-notifier-error-inject"

# ---- probe -----------------------------------------------------------------
errno_case probe EINVAL "not a number" $MEM/probe garbage
errno_case probe EINVAL "not block aligned" $MEM/probe $((ADDR + 4096))
errno_case probe ERANGE "over 64 bits" $MEM/probe $HUGE
errno_case probe E2BIG "beyond what the kernel maps" $MEM/probe 0x7ffffff8000000
# (the memmap is what cannot be allocated: with free_memmap_on_offline on,
# a hot-add allocates none)
memmap_switch_off
errno_case probe ENOMEM "no page to allocate" $MEM/probe $ADDR nopages
memmap_switch_back
[ "$(try_write $MEM/probe $ADDR)" = OK ] && [ -e $MEM/memory$B ] ||
	ktap_exit_fail_msg "the probe of $ADDR failed"
errno_case probe EEXIST "memory is there" $MEM/probe $ADDR

# ---- auto_online_blocks ------------------------------------------------------
errno_case auto_online_blocks EINVAL "not one of the four words" \
	$MEM/auto_online_blocks Online

# ---- state and online of an offline block -----------------------------------
S=$MEM/memory$B/state O=$MEM/memory$B/online
errno_case state EINVAL "not one of the four words" $S "online junk"
errno_case state EINVAL "already offline" $S offline
errno_case online EINVAL "not a boolean" $O maybe
check "online <- 0 of an offline block succeeds and changes nothing" \
	eval '[ "$(try_write $O 0)" = OK ] && [ "$(state_of $B)" = offline ]'

echo -1 >$INJ/MEM_GOING_ONLINE/error
errno_case state EPERM "a subscriber refuses the online" $S online_movable
errno_case online EPERM "a subscriber refuses the online" $O 1
echo -12 >$INJ/MEM_GOING_ONLINE/error
errno_case state ENOMEM "a subscriber has no memory for the online" $S online_movable
errno_case online ENOMEM "a subscriber has no memory for the online" $O 1
echo 0 >$INJ/MEM_GOING_ONLINE/error

# ---- state and online of an online Movable block ---------------------------
check "memory$B onlines to Movable" \
	eval '[ "$(try_write $S online_movable)" = OK ] && [ "$(zones_of $B)" = Movable ]'
errno_case state EINVAL "already online" $S online_kernel
check "online <- 1 of an online block succeeds and changes nothing" \
	eval '[ "$(try_write $O 1)" = OK ] && [ "$(zones_of $B)" = Movable ]'

echo -1 >$INJ/MEM_GOING_OFFLINE/error
errno_case state EPERM "a subscriber refuses the offline" $S offline
errno_case online EPERM "a subscriber refuses the offline" $O 0
echo 0 >$INJ/MEM_GOING_OFFLINE/error

lo=$((B * BLOCK_SIZE / 4096))
helper_start held pin $lo $((lo + BLOCK_SIZE / 4096)) 96
grep -q ^PINNED /tmp/held.out || ktap_exit_fail_msg "no page of memory$B pinned"
errno_case state EINTR "SIGINT while a pinned page stays" $S offline sigint 1
errno_case online EINTR "SIGINT while a pinned page stays" $O 0 sigint 1
helper_finish held

free=$(first_pfn $B $KPF_BUDDY $KPF_BUDDY)
[ -n "$free" ] && echo $((free * 4096)) >$MEM/hard_offline_page ||
	ktap_exit_fail_msg "no free page of memory$B poisoned"
check "memory$B offlines with its poisoned page (pfn $free)" \
	eval '[ "$(try_write $S offline)" = OK ]'
errno_case state EHWPOISON "the block has a poisoned page" $S online_movable
errno_case online EHWPOISON "the block has a poisoned page" $O 1

# ---- boot blocks that cannot go offline -------------------------------------
check "memory0 spans zones: valid_zones reads none ($(zones_of 0))" \
	eval '[ "$(zones_of 0)" = none ]'
errno_case state EINVAL "memory0 spans zones" $MEM/memory0/state offline
errno_case online EINVAL "memory0 spans zones" $MEM/memory0/online 0
check "memory$HOLE has a hole: valid_zones reads its zone ($(zones_of $HOLE))" \
	eval '[ "$(zones_of $HOLE)" = DMA32 ]'
errno_case state EINVAL "memory$HOLE has a hole" $MEM/memory$HOLE/state offline
errno_case online EINVAL "memory$HOLE has a hole" $MEM/memory$HOLE/online 0
errno_case state EBUSY "memory$TOP holds boot-time kernel memory" \
	$MEM/memory$TOP/state offline sigint 20
errno_case online EBUSY "memory$TOP holds boot-time kernel memory" \
	$MEM/memory$TOP/online 0 sigint 20

ktap_finished
