#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A probe whose memmap cannot be allocated: RAM above mem=768M is hidden
# from the kernel, and the task that writes its address to
# /sys/devices/system/memory/probe has every page allocation fail
# (fail_page_alloc, task-filter, probability 100).  The probe fails with
# ENOMEM and changes nothing - no block, no System RAM range, no resource
# left at the address, the same MemTotal - and the kernel reports the
# failed allocation but no warning: an allocation failure is an error its
# caller handles (an x86 add_pages() that warns when __add_pages() fails
# fails this test).
#
# The probe's page allocations fail in the order they come: an earlier
# one (a slab of the probe's own needing a new page, which happens seldom)
# would fail it before the memmap, with the same ENOMEM but no report of
# the memmap.  The direct map of the block needs no new page table here
# (the 2 MiB mappings of the first GiB share a table with boot memory).
#
# With memory_hotplug.free_memmap_on_offline=Y a hot-add allocates no
# memmap (onlining does), so the probe runs with the switch off.
#
# It probes no block for good: the one block of the hidden RAM that can
# be probed (the next holds the firmware's reserved top of RAM) is
# memhp_probe.sh's, which runs after this test in the collection.
#
# memhp-append: mem=768M
# memhp-console-ok: vmemmap alloc failure
# memhp-upstream: xfail stock's add_pages() warns when the memmap of the range cannot be allocated
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 4

FAIL=/sys/kernel/debug/fail_page_alloc
addr=$((768 << 20))
nr=$((addr / BLOCK_SIZE))
snap() { (blocks; grep -c 'System RAM' /proc/iomem; memtotal_kb) | md5sum; }

[ -d $FAIL ] || ktap_exit_fail_msg "no $FAIL (CONFIG_FAIL_PAGE_ALLOC, debugfs)"
[ ! -e $MEM/memory$nr ] ||
	ktap_exit_fail_msg "memory$nr exists already (a probe of it was not undone)"

# if the test is killed mid-write: disarm
test_cleanup() { echo 0 >$FAIL/probability; }
before=$(snap)
r=$(memmap_at_add write_without_pages $MEM/probe "$(printf 0x%x $addr)")
check "the probe with no page to allocate fails with ENOMEM ($r)" [ "$r" = ENOMEM ]
check "and changes nothing: blocks, System RAM ranges, MemTotal" \
	eval '[ "$(snap)" = "$before" ] && [ ! -e $MEM/memory$nr ]'
# the kernel reports this once per boot: a guest that ran the test before
# has the report from then
check "the kernel reported why (vmemmap alloc failure, once per boot)" \
	eval 'memhp_helper kmsg 0 | grep "vmemmap alloc failure" >/dev/null'
check "nothing in /proc/iomem at $(printf 0x%x $addr) any more" \
	eval '! grep -qi "^ *0*$(printf %x $addr)-" /proc/iomem'

ktap_finished
