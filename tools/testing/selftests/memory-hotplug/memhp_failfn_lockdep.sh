#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fail_function, the way the fault-injection tests fail one hotplug step
# (memhp_fault_function.sh), checked on its own with lockdep watching: it
# is armed with probability 100, times 1, on the sync() system call, which
# nothing but this test makes in the guest, and busybox sync runs once.
# fail_function decides from a kprobe handler, which runs in the int3
# exception; lockdep treats that as NMI context, so the decision must take
# no lock that is also taken with interrupts enabled.  A fault-inject that
# draws a random number from the CRNG there (its per-CPU lock) gets an
# "inconsistent lock state" report, and lockdep is off for the rest of the
# boot: every later test would run without it.  (fail_function cannot be
# limited to a task: a task filter sees no task in that context.)
#
# memhp-upstream: xfail stock's fault-inject draws from the CRNG in the kprobe handler: lockdep reports crngs.lock
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header

F=/sys/kernel/debug/fail_function
STATS=/proc/lockdep_stats
lockdep_on() { grep -qE '^ *debug_locks: *1$' $STATS; }

if [ ! -r $STATS ]; then
	ktap_skip_all "no $STATS: lockdep (CONFIG_PROVE_LOCKING) cannot judge this kernel"
	exit "$KSFT_SKIP"
fi
[ -d $F ] || ktap_exit_fail_msg "no $F (CONFIG_FAIL_FUNCTION, debugfs)"
# the system call's injectable entry point (__do_sys_sync on x86-64)
FN=$(awk '$1 ~ /^__[a-z0-9]+_sys_sync$/ {print $1; exit}' \
	/sys/kernel/debug/error_injection/list)
[ -n "$FN" ] || ktap_exit_fail_msg "sync() is not an error injection point"

ktap_set_plan 4

# disarm first, then put back what the test changed, however it ends
test_cleanup()
{
	echo >$F/inject
	fault_attrs_restore
}
fault_attrs_set $F probability=100 interval=1 times=1 space=0 verbose=1 \
	task-filter=N

check "lockdep is on before the injection (debug_locks 1 in $STATS)" lockdep_on
kmsg_mark
echo "$FN" >$F/inject || ktap_exit_fail_msg "fail_function refused $FN"
printf '%#x' -5 >"$F/$FN/retval"
sync
fired=$(cat $F/times)
test_cleanup
check "fail_function failed the test's sync() ($FN, times 1 -> $fired)" \
	[ "$fired" = 0 ]
check "the injection left no lockdep report in the kernel log" \
	eval '! kmsg_since | grep -E "inconsistent lock state|possible .*locking|WARNING:" >&2'
check "lockdep is still on after it (debug_locks 1)" lockdep_on

ktap_finished
