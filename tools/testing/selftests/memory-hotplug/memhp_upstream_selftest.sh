#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# i. The base tree's own tools/testing/selftests/memory-hotplug/
#    mem-on-off-test.sh, unmodified, including its notifier error-injection
#    phase (memory-notifier-error-inject.ko).  A 2G DIMM onlined as Movable
#    gives it blocks that can really go offline.  Its default -r 2 picks
#    next to no block for injection; -r 66 picks each block with a chance of
#    66%, and its plain offline pass then wants 16 of the 24 blocks, as many
#    as the DIMM has (-r 100 would want every boot block too, and fail).
#    movable_node keeps the DIMM blocks it re-onlines with "online" Movable.
#    Afterwards the kernel log must show onlines and offlines refused by the
#    injected -12, and every block (state and zone), MemTotal and the
#    pageblocks must be as they were before it ran.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online_movable movable_node
# memhp-timeout: 400
. "$(dirname "$0")/lib_memhp.sh"

RATIO=66

# layout: "id state zone" for every block
layout()
{
	local b
	for b in $(blocks); do echo "$b $(state_of $b) $(zones_of $b)"; done
}


# injected ACTION: "Injecting error" lines for ACTION since kmsg_mark.
injected() { kmsg_since | grep -c "Injecting error (-12) to $1\$"; }

ktap_print_header
ktap_set_plan 8

new=$(dimm_plug d1 2G)
check "a 2G DIMM arrives online ($(echo $new))" all_in_state online $new

before=$(layout)
total=$(memtotal_boot_kb)
kmsg_mark
"$MEMHP_DIR/mem-on-off-test.sh" -r $RATIO >/tmp/selftest.out 2>&1
rc=$?
sed 's/^/# /' /tmp/selftest.out
check "mem-on-off-test.sh -r $RATIO exits 0 (rc $rc)" [ $rc -eq 0 ]
check "its notifier error-injection phase ran at $RATIO% (not skipped)" \
	eval 'grep -q "Test scope: $RATIO%" /tmp/selftest.out &&
	      grep -q "Test with memory notifier error injection" /tmp/selftest.out &&
	      ! grep -q "skip extra tests" /tmp/selftest.out'
n=$(injected MEM_GOING_ONLINE)
check "the kernel log shows onlines refused by injection ($n x MEM_GOING_ONLINE)" \
	[ "$n" -ge 1 ]
n=$(injected MEM_GOING_OFFLINE)
check "the kernel log shows offlines refused by injection ($n x MEM_GOING_OFFLINE)" \
	[ "$n" -ge 1 ]
after=$(layout)
echo "$before" | grep -Fxv -f <(echo "$after") | sed 's/^/# before: /'
echo "$after" | grep -Fxv -f <(echo "$before") | sed 's/^/# after: /'
check "every block is back in its state and zone ($(echo "$after" | wc -l) blocks)" \
	[ "$after" = "$before" ]
iso=$(isolated_pageblocks)
# (MemTotal with the boot memmap: memtotal_boot_kb)
check "MemTotal is as before ($total -> $(memtotal_boot_kb) kB), no pageblock isolated ($iso)" \
	eval '[ "$(memtotal_boot_kb)" -eq $total ] && [ "$(isolated_pageblocks)" -eq 0 ]'
check "the error-injection module was unloaded afterwards" \
	eval '! grep -q memory_notifier_error_inject /proc/modules'

ktap_finished
