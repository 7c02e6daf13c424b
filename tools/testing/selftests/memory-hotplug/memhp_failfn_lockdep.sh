#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fail_function, the way the fault-injection tests fail one hotplug step
# (memhp_fault_function.sh), checked on its own with lockdep watching: it
# is armed with probability 100, times 1, on the fdatasync() system call,
# which nothing but this test makes in the guest, and "sync -d /" must
# fail with EIO.  fail_function decides from a kprobe handler, which
# without KPROBES_ON_FTRACE runs in the int3 exception; lockdep treats
# that as NMI context, where the random driver's per-CPU locks must not
# be taken.  A fault-inject that draws a random number there gets an
# "inconsistent lock state" report, and lockdep is off for the rest of
# the boot: every later test would run without it.  (fail_function
# cannot be limited to a task: its task filter sees no task there.)
#
# memhp-upstream: xfail stock's fault-inject draws from the CRNG in the kprobe handler: lockdep reports crngs.lock
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header

F=/sys/kernel/debug/fail_function
DBG=/sys/kernel/debug
lockdep_on() { grep -qE '^ *debug_locks: *1$' /proc/lockdep_stats; }
skip_all() { ktap_skip_all "$1"; exit "$KSFT_SKIP"; }

# /proc/lockdep_chains: CONFIG_PROVE_LOCKING, which has the NMI check
[ -r /proc/lockdep_chains ] ||
	skip_all "no lockdep (CONFIG_PROVE_LOCKING) to judge this kernel"
[ -d $F ] || ktap_exit_fail_msg "no $F (CONFIG_FAIL_FUNCTION, debugfs)"
# the system call's injectable entry (__x64_sys_fdatasync or __do_sys_fdatasync)
FN=$(awk '$1 ~ /^__[a-z0-9]+_sys_fdatasync$/ {print $1; exit}' \
	$DBG/error_injection/list)
[ -n "$FN" ] || ktap_exit_fail_msg "fdatasync() is not an error injection point"

# disarm first (whatever was armed before, too), then put back what the
# test changed, however it ends
test_cleanup()
{
	echo >$F/inject
	fault_attrs_restore
}
echo >$F/inject
fault_attrs_set $F probability=100 interval=1 times=1 space=0 verbose=1 \
	task-filter=N
echo "$FN" >$F/inject || ktap_exit_fail_msg "fail_function refused $FN"
# an ftrace-based kprobe does not run in the int3 exception: nothing to judge
if grep "$FN" $DBG/kprobes/list 2>/dev/null | grep -q FTRACE; then
	test_cleanup
	skip_all "the kprobe on $FN goes through ftrace (KPROBES_ON_FTRACE), not int3"
fi

ktap_set_plan 4
check "lockdep is on before the injection (debug_locks 1 in /proc/lockdep_stats)" \
	lockdep_on
lockdep_on || ktap_print_msg "what turned it off: $(dmesg |
	grep -m1 -E 'inconsistent lock state|possible .*locking|WARNING:')"
kmsg_mark
printf '%#x' -5 >"$F/$FN/retval"
err=$(sync -d / 2>&1)
fired=$(cat $F/times)
test_cleanup
check "fail_function failed the test's fdatasync() with EIO ($FN: ${err:-no error})" \
	eval '[ "$fired" = 0 ] && [[ $err == *"Input/output error"* ]]'
check "the injection left no lockdep report in the kernel log" \
	eval '! kmsg_since | grep -E "inconsistent lock state|possible .*locking|WARNING:" >&2'
check "lockdep is still on after it (debug_locks 1)" lockdep_on

ktap_finished
