#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# i. The base tree's own tools/testing/selftests/memory-hotplug/
#    mem-on-off-test.sh, unmodified, including its notifier error-injection
#    phase (memory-notifier-error-inject.ko).  A 1G DIMM onlined as Movable
#    gives it blocks that can really go offline.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 400
. /memhp/lib_memhp.sh

ktap_print_header
ktap_set_plan 4

new=$(dimm_plug d1 1G)
check "a 1G DIMM arrives online ($(echo $new))" all_in_state online $new
/memhp/upstream/mem-on-off-test.sh >/tmp/selftest.out 2>&1
rc=$?
sed 's/^/# /' /tmp/selftest.out
check "mem-on-off-test.sh exits 0 (rc $rc)" [ $rc -eq 0 ]
check "its notifier error-injection phase ran (not skipped)" \
	eval 'grep -q "Test with memory notifier error injection" /tmp/selftest.out &&
	      ! grep -q "skip extra tests" /tmp/selftest.out'
check "the error-injection module was unloaded afterwards" \
	eval '! grep -q memory_notifier_error_inject /proc/modules'

ktap_finished
