#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# b. KUnit: the built-in suites ran at boot, and the ones built as modules
#    run now, as their modules load.  The suites this kernel must run are
#    declared below (memhp.impl= on the command line says which kernel this
#    is); each must be in the kernel log with a result for every case its
#    own "1..N" line announced.  Every KUnit case becomes one case here:
#    a skipped KUnit case is a skip, a failed one a fail, and a missing
#    suite, a missing case or a suite nobody declared is a fail.
#
# memhp-append: kunit.enable=1
. "$(dirname "$0")/lib_memhp.sh"

# Stock suites kernel/configs/memhp.config enables (both kernels).
STOCK_SUITES="list-kunit-test hlist klist"
# Ours, from kernel/configs/memhp-ours.config (IMPL=ours only): built in,
OUR_SUITES="memory_hotplug memory_hotplug_zone memory_block"
# and as modules, "suite:module".
OUR_MODULE_SUITES="memory_hotplug_offline:memory_hotplug_offline_kunit
	sparse_hotplug:sparse_hotplug_kunit"

ktap_print_header

impl=
for word in $(cat /proc/cmdline); do
	case $word in
	memhp.impl=*) impl=${word#memhp.impl=} ;;
	esac
done
modules=
case $impl in
ours)
	expected="$STOCK_SUITES $OUR_SUITES"
	modules=$OUR_MODULE_SUITES
	;;
*) expected=$STOCK_SUITES ;;
esac

# Each module's suite runs as it loads; one that does not load fails its
# suite (missing from the log) and says why here.
for m in $modules; do
	expected="$expected ${m%%:*}"
	modprobe "${m#*:}" 2>&1 | sed 's/^/# modprobe: /'
done

# The kernel log without timestamps.
dmesg | sed -e 's/^\[[^]]*\] //' >/tmp/kunit.log

# A suite is "    # Subtest: NAME", "    1..N", its cases "    [not ]ok K
# CASE[ # SKIP why]" (parameterised cases nest their own results deeper),
# then the unindented "[not ]ok M NAME" that closes it.  The other indented
# lines before a case result (its messages) belong to that case.
declare -A plan result diag
ran=
suite=
notes=
while IFS= read -r line; do
	if [[ $line =~ ^\ {4}#\ Subtest:\ (.+)$ ]]; then
		suite=${BASH_REMATCH[1]}
		ran="$ran $suite"
		notes=
		continue
	fi
	[ -n "$suite" ] || continue
	if [[ $line =~ ^\ {4}1\.\.([0-9]+)$ ]]; then
		plan[$suite]=${BASH_REMATCH[1]}
	elif [[ $line =~ ^\ {4}(not\ )?ok\ ([0-9]+)\ (.*)$ ]]; then
		key=$suite:${BASH_REMATCH[2]}
		if [ -n "${result[$key]+set}" ]; then
			result[$suite:dup]=${BASH_REMATCH[2]}
		fi
		result[$key]="${BASH_REMATCH[1]:+not }ok ${BASH_REMATCH[3]}"
		diag[$key]=$notes
		notes=
	elif [[ $line =~ ^(not\ )?ok\ [0-9]+[[:space:]] ]]; then
		suite=
	elif [[ $line =~ ^\ {4,}(.*)$ ]]; then
		notes="$notes${notes:+$'\n'}${BASH_REMATCH[1]}"
	fi
done </tmp/kunit.log

# Suites that ran without being declared: their cases count too.
extra=
for s in $ran; do
	case " $(echo $expected) " in
	*" $s "*) ;;
	*) extra="$extra $s" ;;
	esac
done

# cases_of SUITE: how many KTAP cases SUITE becomes here.
cases_of()
{
	local n=${plan[$1]:-0} k more=0
	[ "$n" -gt 0 ] || { echo 1; return; }
	for k in "${!result[@]}"; do
		case $k in
		"$1:dup") more=$((more + 1)) ;;
		"$1:"*) [ "${k##*:}" -gt "$n" ] && more=$((more + 1)) ;;
		esac
	done
	echo $((n + more))
}

total=1
for s in $expected $extra; do
	total=$((total + $(cases_of "$s")))
done
for s in $extra; do
	total=$((total + 1))
done
ktap_set_plan "$total"
ktap_print_msg "kernel: ${impl:-unknown}; suites that ran:$ran"

case $impl in
ours|upstream) ktap_test_pass "memhp.impl=$impl on the command line names this kernel" ;;
*)
	why="${impl:-absent}; only the stock suites expected"
	ktap_test_fail "memhp.impl=ours|upstream on the command line names this kernel ($why)"
	;;
esac

# report SUITE: one KTAP case per case SUITE announced, and one per result
# beyond its plan.
report()
{
	local s=$1 n=${plan[$1]:-0} k r name why skip
	if [[ " $ran " != *" $s "* ]]; then
		ktap_test_fail "kunit $s: suite missing from the kernel log"
		return
	fi
	if [ "$n" -eq 0 ]; then
		ktap_test_fail "kunit $s: suite announces no cases (no 1..N line)"
		return
	fi
	for k in $(seq 1 "$n"); do
		r=${result[$s:$k]:-}
		name=${r#not }
		name=${name#ok }
		why= skip=
		if [[ $name =~ ^(.*[^\ ])\ *#\ *SKIP(.*)$ ]]; then
			name=${BASH_REMATCH[1]} why=${BASH_REMATCH[2]# } skip=1
		fi
		case $r in
		'')
			ktap_test_fail "kunit $s: case $k of $n has no result"
			;;
		"not ok "*)
			ktap_test_fail "kunit $s: $name"
			[ -n "${diag[$s:$k]:-}" ] &&
				echo "${diag[$s:$k]}" | tail -n 20 | sed 's/^/#   /'
			;;
		*)
			if [ -n "$skip" ]; then
				ktap_test_skip "kunit $s: $name"
				[ -n "$why" ] && ktap_print_msg "  skipped: $why"
			else
				ktap_test_pass "kunit $s: $name"
			fi
			;;
		esac
	done
	for k in "${!result[@]}"; do
		case $k in
		"$s:dup") ktap_test_fail "kunit $s: case ${result[$k]} reported twice" ;;
		"$s:"*)
			[ "${k##*:}" -gt "$n" ] &&
				ktap_test_fail "kunit $s: result ${k##*:} beyond its plan 1..$n"
			;;
		esac
	done
}

for s in $expected; do
	report "$s"
done
for s in $extra; do
	ktap_test_fail "kunit $s: ran, but memhp_kunit.sh does not declare it"
	report "$s"
done

ktap_finished
