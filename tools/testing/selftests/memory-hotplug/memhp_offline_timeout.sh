#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# memory_hotplug.offline_timeout_ms bounds an offline.  A page held by a
# pipe (vmsplice) keeps an offline of its block retrying: without a bound
# until a signal ends it, which no one can send to the kworker of an ACPI
# eject.  With the bound, a sysfs write fails with EBUSY within the bound
# plus a margin, and a QEMU device_del is answered busy (_OST 130) within
# twice the bound plus a margin (the ACPI core tries each block's offline
# twice) and the DIMM stays; the block stays online and Movable, and the
# kernel log and the block's offline_reason say why.  Set back to 0, an
# offline retries until SIGINT as before; once the pipe is gone the block
# offlines and the DIMM ejects.
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-timeout: 300
# memhp-alone: it times offlines against offline_timeout_ms
# memhp-upstream: xfail stock has no offline_timeout_ms: such an offline runs until a signal
. "$(dirname "$0")/lib_memhp.sh"

PARAM=/sys/module/memory_hotplug/parameters/offline_timeout_ms
BOUND_MS=$((2000 * TIME_SCALE))
# what an offline may take past the bound: the migration batch in flight
# and the way back (times TIME_SCALE)
MARGIN_MS=$((1000 * TIME_SCALE))
# an eject also passes through the ACPI notify and the _OST answer
EJECT_MARGIN_MS=$((3000 * TIME_SCALE))
# a SIGINT ends a bounded offline that the bound did not end
GUARD_S=$(((BOUND_MS + MARGIN_MS) / 1000 + 5))

# a test stopped half way leaves no bound to the tests after it
test_cleanup() { [ ! -w $PARAM ] || echo 0 >$PARAM; }

ktap_print_header
ktap_set_plan 15

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

check "offline_timeout_ms exists and reads 0 ($(cat $PARAM 2>&1))" \
	eval '[ "$(cat $PARAM 2>/dev/null)" = 0 ]'
[ -e $PARAM ] ||
	{ echo "Bail out! no $PARAM: each offline below would retry until a signal"; exit 1; }
errno_case offline_timeout_ms EINVAL "not a number" $PARAM soon
errno_case offline_timeout_ms EINVAL "more than a day" $PARAM 86400001
check "the refused writes left it at 0 ($(cat $PARAM))" [ "$(cat $PARAM)" = 0 ]

new=$(movable_dimm d1 128M) || { echo "Bail out! hot-add failed"; exit 1; }
lo=$((new * BLOCK_SIZE / 4096))
hi=$((lo + BLOCK_SIZE / 4096))
helper_start pipe pin $lo $hi 96
grep -q ^PINNED /tmp/pipe.out ||
	{ echo "Bail out! no page of memory$new pinned: $(cat /tmp/pipe.out)"; exit 1; }
check "a page of memory$new is held by a pipe ($(cat /tmp/pipe.out))" \
	eval 'grep -q ^PINNED /tmp/pipe.out'

echo $BOUND_MS >$PARAM 2>/dev/null
kmsg_mark
res=$(memhp_helper write-with-sigint $MEM/memory$new/state offline $GUARD_S)
got=$(errno_name "${res% *}") took=${res##* }
echo "METRIC bounded_offline_ms $took"
check "with a bound of $BOUND_MS ms the offline fails with EBUSY ($got) after $took ms" \
	eval '[ "$got" = EBUSY ] && [ $took -ge $((BOUND_MS - 100)) ] &&
	      [ $took -le $((BOUND_MS + MARGIN_MS)) ]'
check "the block is online and Movable again ($(state_of $new), $(zones_of $new))" \
	eval '[ "$(state_of $new)" = online ] && [ "$(zones_of $new)" = Movable ]'
check "the kernel log says the bound passed" \
	eval 'kmsg_since | grep -q "offline_timeout_ms passed"'
check "and so do memory$new's offline_errno and offline_reason" \
	eval '[ "$(cat $MEM/memory$new/offline_errno)" = -16 ] &&
	      [ "$(cat $MEM/memory$new/offline_reason)" = "offline_timeout_ms passed" ]'

t0=$(now_ms)
status=$(eject_answer d1)
took=$(($(now_ms) - t0))
echo "METRIC bounded_eject_ms $took"
check "device_del is answered busy (_OST 130, got '$status') after $took ms" \
	eval '[ "$status" = 130 ] && [ $took -le $((2 * BOUND_MS + EJECT_MARGIN_MS)) ]'
check "the DIMM stays: no DEVICE_DELETED, its block online ($(state_of $new))" \
	eval '! wait_event DEVICE_DELETED 2 "{\"device\": \"d1\"}" &&
	      [ "$(state_of $new)" = online ]'

echo 0 >$PARAM 2>/dev/null
res=$(memhp_helper write-with-sigint $MEM/memory$new/state offline 3)
check "back at 0, the offline retries until SIGINT after 3 s ends it with EINTR ($res ms)" \
	eval '[ "${res% *}" = EINTR ] && [ "${res#* }" -ge 2500 ]'
check "the block is still online and Movable ($(state_of $new), $(zones_of $new))" \
	eval '[ "$(state_of $new)" = online ] && [ "$(zones_of $new)" = Movable ]'

helper_finish pipe
echo $BOUND_MS >$PARAM 2>/dev/null
check "with the pipe gone the offline succeeds within the bound" \
	online_blocks offline $new
echo 0 >$PARAM 2>/dev/null
check "the DIMM ejects" dimm_unplug d1

ktap_finished
