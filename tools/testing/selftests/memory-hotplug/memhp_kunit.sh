#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# b. KUnit: the built-in suites ran at boot; every suite's KTAP result from
#    the kernel log becomes one case here, so any failed KUnit case fails.
#
# memhp-append: kunit.enable=1
. /memhp/lib_memhp.sh

ktap_print_header

# The kernel log without timestamps, from the first KUnit header on.
dmesg | sed -e 's/^\[[^]]*\] //' >/tmp/kunit.log

# Top-level suite results are the unindented "ok N name" lines that follow
# "KTAP version 1"; the suites' own cases are indented.
suites=$(sed -n '/^KTAP version 1$/,$p' /tmp/kunit.log | grep -E '^(not )?ok [0-9]+ ')
nsuites=$(printf '%s\n' "$suites" | grep -c .)
cases=$(grep -cE '^    (not )?ok [0-9]+ ' /tmp/kunit.log)

ktap_set_plan $((nsuites + 1))
ktap_print_msg "$nsuites suites, $cases cases in the boot log"
check "KUnit ran at least one suite at boot" [ "$nsuites" -gt 0 ]
while read -r line; do
	[ -n "$line" ] || continue
	name=${line#* }
	name=${name#* }
	case $line in
	"not ok "*)
		ktap_test_fail "kunit suite $name"
		grep -E '^ +not ok ' /tmp/kunit.log | sed 's/^/# /'
		;;
	*"# SKIP"*) ktap_test_skip "kunit suite $name" ;;
	*) ktap_test_pass "kunit suite $name" ;;
	esac
done <<<"$suites"

ktap_finished
