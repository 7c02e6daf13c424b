#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x. What a memory notifier hears, in order, with memmap_on_memory: the
#    test module memory_notify_log.ko sits first on the chain, logs every
#    event with its range and refuses the one it is told to.  An online
#    sends PREPARE_ONLINE (naming the block's memmap pages as well),
#    GOING_ONLINE, ONLINE; an offline GOING_OFFLINE, OFFLINE,
#    FINISH_OFFLINE.  A refused PREPARE_ONLINE ends the online there; a
#    refused GOING_ONLINE is followed by CANCEL_ONLINE and FINISH_OFFLINE;
#    a refused GOING_OFFLINE by CANCEL_OFFLINE.  Each refusal reaches the
#    writer as its errno and leaves the block, MemTotal, the zones and the
#    memmap counters as they were.  ONLINE, OFFLINE and FINISH_OFFLINE are
#    not questions: refusing them changes nothing.  An eject offlines its
#    online blocks with the same three events.  kmemleak scans at the end:
#    a refused step leaks nothing.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=offline memory_hotplug.memmap_on_memory=1 kmemleak=on
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

LOGDIR=/sys/kernel/debug/memory_notify_log
PAGES=$((BLOCK_SIZE / 4096))
# the memmap of a block: one 64-byte struct page per 4 KiB page
VMEMMAP=$((PAGES * 64 / 4096))

refuse() { echo "$*" >$LOGDIR/fail; }
log_clear() { echo >$LOGDIR/log; }
log_is() { [ "$(cat $LOGDIR/log)" = "$1" ]; }
# hex N: N as the log prints it
hex() { printf '%#x' "$1"; }
# events BLOCK NAME...: the log lines NAME... of BLOCK would give
events()
{
	local b=$1 start mem name
	shift
	mem=$(hex $((b * PAGES)))
	start=$(hex $((b * PAGES + VMEMMAP)))
	for name in "$@"; do
		case $name in
		PREPARE_ONLINE|FINISH_OFFLINE)
			echo "$name $start $(hex $((PAGES - VMEMMAP))) $mem $(hex $VMEMMAP)" ;;
		*)
			echo "$name $start $(hex $((PAGES - VMEMMAP)))" ;;
		esac
	done
}
# show_log: the log, as notes
show_log() { sed 's/^/# log: /' $LOGDIR/log; }

ktap_print_header
if [ -z "$BOOTED_FOR_TEST" ] && ! modinfo memory_notify_log >/dev/null 2>&1; then
	ktap_skip_all "needs the test module memory_notify_log.ko (memory_notify_log.c)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 19

B=($(dimm_plug d1 512M))
check "a 512M DIMM arrives with 4 offline blocks (${B[*]})" \
	eval '[ ${#B[@]} -eq 4 ] && all_in_state offline ${B[@]}'
modprobe memory_notify_log
check "memory_notify_log loads and logs nothing yet" \
	eval '[ -r $LOGDIR/log ] && log_is ""'
X=${B[0]} Y=${B[1]}

# ---- the plain online and offline ------------------------------------------------
log_clear
r=$(try_write $MEM/memory$X/state online_movable)
want=$(events $X PREPARE_ONLINE GOING_ONLINE ONLINE)
show_log
check "online: PREPARE_ONLINE (with the $VMEMMAP memmap pages), GOING_ONLINE, ONLINE ($r)" \
	eval '[ $r = OK ] && log_is "$want"'
log_clear
r=$(try_write $MEM/memory$X/state offline)
want=$(events $X GOING_OFFLINE OFFLINE FINISH_OFFLINE)
show_log
check "offline: GOING_OFFLINE, OFFLINE, FINISH_OFFLINE, same ranges ($r)" \
	eval '[ $r = OK ] && log_is "$want"'

# ---- refused steps ---------------------------------------------------------------
s0=$(hotplug_state)
refuse PREPARE_ONLINE -5
log_clear
res=$(for v in online online_kernel online_movable; do
	try_write $MEM/memory$X/state $v; done; try_write $MEM/memory$X/online 1)
want=$(for i in 1 2 3 4; do events $X PREPARE_ONLINE; done)
show_log
check "PREPARE_ONLINE refused with -5: the 4 ways to online fail with EIO ($(echo $res))" \
	[ "$(echo $res)" = "EIO EIO EIO EIO" ]
check "each sent PREPARE_ONLINE only, nothing after it" log_is "$want"
s1=$(hotplug_state)
check "block, MemTotal, memmap counters and zones as they were" [ "$s1" = "$s0" ]

refuse GOING_ONLINE -12
log_clear
r=$(try_write $MEM/memory$X/state online_movable)
want=$(events $X PREPARE_ONLINE GOING_ONLINE CANCEL_ONLINE FINISH_OFFLINE)
show_log
check "GOING_ONLINE refused with -12: the online fails with ENOMEM ($r)" [ "$r" = ENOMEM ]
check "it sent PREPARE_ONLINE, GOING_ONLINE, CANCEL_ONLINE, FINISH_OFFLINE" log_is "$want"
s1=$(hotplug_state)
check "block, MemTotal, memmap counters and zones as they were" [ "$s1" = "$s0" ]

refuse none
online_blocks online_movable $X
s0=$(hotplug_state)
refuse GOING_OFFLINE -16
log_clear
r=$(try_write $MEM/memory$X/state offline)
want=$(events $X GOING_OFFLINE CANCEL_OFFLINE)
show_log
check "GOING_OFFLINE refused with -16: the offline fails with EBUSY ($r)" [ "$r" = EBUSY ]
check "it sent GOING_OFFLINE, CANCEL_OFFLINE" log_is "$want"
s1=$(hotplug_state)
check "block online, MemTotal, memmap counters and zones as they were" [ "$s1" = "$s0" ]

# ---- events that are not questions ------------------------------------------------
refuse FINISH_OFFLINE -5
log_clear
r=$(try_write $MEM/memory$X/state offline)
want=$(events $X GOING_OFFLINE OFFLINE FINISH_OFFLINE)
check "FINISH_OFFLINE refused: the offline still succeeds, all three sent ($r, $(state_of $X))" \
	eval '[ $r = OK ] && [ "$(state_of $X)" = offline ] && log_is "$want"'
refuse ONLINE -5
log_clear
r=$(try_write $MEM/memory$X/state online_movable)
want=$(events $X PREPARE_ONLINE GOING_ONLINE ONLINE)
check "ONLINE refused: the online still succeeds, all three sent ($r, $(state_of $X))" \
	eval '[ $r = OK ] && [ "$(state_of $X)" = online ] && log_is "$want"'
refuse OFFLINE -5
log_clear
r=$(try_write $MEM/memory$X/state offline)
want=$(events $X GOING_OFFLINE OFFLINE FINISH_OFFLINE)
check "OFFLINE refused: the offline still succeeds, all three sent ($r, $(state_of $X))" \
	eval '[ $r = OK ] && [ "$(state_of $X)" = offline ] && log_is "$want"'
refuse none

# ---- eject ----------------------------------------------------------------------------
online_blocks online_movable $X $Y
log_clear
check "the DIMM ejects with memory$X and memory$Y online" dimm_unplug d1
show_log
# of_block BLOCK: the log lines of BLOCK, in order
of_block() { grep " $(hex $(($1 * PAGES + VMEMMAP))) " $LOGDIR/log; }
check "its online blocks sent GOING_OFFLINE, OFFLINE, FINISH_OFFLINE each, the others nothing" \
	eval '[ "$(of_block $X)" = "$(events $X GOING_OFFLINE OFFLINE FINISH_OFFLINE)" ] &&
	      [ "$(of_block $Y)" = "$(events $Y GOING_OFFLINE OFFLINE FINISH_OFFLINE)" ] &&
	      [ $(wc -l <$LOGDIR/log) -eq 6 ]'
rmmod memory_notify_log
check "the module unloads" eval '! grep -q "^memory_notify_log " /proc/modules'

ktap_finished
