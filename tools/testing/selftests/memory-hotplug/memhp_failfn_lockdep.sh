#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fail_function, the way the fault-injection tests fail one hotplug step
# (memhp_fault_function.sh), checked on its own with lockdep watching: it
# is armed with probability 100, times 1, on the fdatasync() system call,
# which nothing but this test makes in the guest, and "sync -d /" must
# fail with EIO.  fail_function decides from a kprobe handler, which
# without KPROBES_ON_FTRACE runs in the int3 exception: NMI context for
# lockdep, where no ordinary lock may be taken.  A fault-inject that
# draws a random number there takes the random driver's locks, gets an
# "inconsistent lock state" report, and lockdep is off for the rest of
# the boot: every later test would run without it.  (fail_function
# cannot be limited to a task: its task filter sees no task there.)
#
# memhp-upstream: xfail stock's fault-inject takes random's locks in a kprobe: lockdep reports it
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
# the system call's injectable entry point (__x64_sys_fdatasync on
# x86-64), not a compat one
FN=$(awk '$1 ~ /^__[a-z0-9]+_sys_fdatasync$/ && $1 !~ /_(ia32|x32)_/ {print $1; exit}' \
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
# armed with times 0 (nothing fails, nothing is drawn) until the sync
fault_attrs_set $F probability=100 interval=1 times=0 space=0 verbose=1 \
	task-filter=N
echo "$FN" >$F/inject || ktap_exit_fail_msg "fail_function refused $FN"
# an ftrace-based kprobe does not run in the int3 exception: nothing to judge
if ! kprobes=$(grep "$FN" $DBG/kprobes/list); then
	test_cleanup
	skip_all "cannot see the kprobe on $FN in $DBG/kprobes/list"
elif [[ $kprobes == *FTRACE* ]]; then
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
echo 1 >$F/times
err=$(sync -d / 2>&1)
fired=$(cat $F/times)
test_cleanup
check "fail_function failed the test's fdatasync() with EIO ($FN: ${err:-no error})" \
	eval '[ "$fired" = 0 ] && [[ $err == *"Input/output error"* ]]'
check "the injection left no lockdep report in the kernel log" \
	eval '! kmsg_since | grep -E "inconsistent lock state|possible .*locking|WARNING:" >&2'
check "lockdep is still on after it (debug_locks 1)" lockdep_on

ktap_finished
