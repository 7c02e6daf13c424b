#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh - the static checks on every memhp kernel file, in the configured
# IMPL=ours tree (make kernel first):
#   checkpatch --strict (in-tree, so it knows the kernel's own names), with
#     the accepted findings of lint-allow.txt; the selftests' files and our
#     documents too, as patches-verify checks them in the series;
#   a W=1 build of our objects, with sparse (C=2): no warning at all;
#   scripts/kernel-doc -none -Wall: no complaint;
#   our .rst documents parse with docutils without a warning, and every
#     kernel-doc directive in them finds what it names (rstcheck.py);
#   the errnos the ABI document gives for each writable file of
#     /sys/devices/system/memory are the ones memhp_errno.sh checks; the
#     files memhp_sysfs.sh accepts are the ones the ABI documents; the
#     reasons a failed offline logs are the admin guide's, and
#     memhp_offline_reasons.sh provokes each; the commands of the guide's
#     "Everyday tasks" are the ones memhp_guide.sh runs as printed.
# A tool that is missing or dies is a problem too, never a clean result:
# sparse must be installed, make must succeed, checkpatch must exit 0 or 1
# and end with its "total:" line (which must count the findings shown),
# kernel-doc must exit 0, rstcheck.py must exit 0 or 1 and print its summary.
# Prints one line per check and a final "lint: N problems"; exit 1 on any.
#
#   lint.sh [STEP...]   STEP: checkpatch build kernel-doc rst abi (default: all)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
SRC=$BUILD/ours/src
OBJ=$BUILD/ours/obj
[ -f "$OBJ/.config" ] || { echo "lint.sh: build IMPL=ours first (make kernel)" >&2; exit 2; }

# Our kernel C files and headers (tools/ and tests of the harness excluded).
files=$(cd "$TOP" && git ls-files -- 'mm/*.c' 'mm/*.h' 'drivers/*.c' 'drivers/*.h' \
	'include/*.h' 2>/dev/null)
# the rest of what the series carries, for checkpatch only: the selftests'
# scripts and the documentation (patches-verify checks them as patches)
others=$(cd "$TOP" && git ls-files -- 'tools/testing/selftests/memory-hotplug/*' \
	'Documentation/*' 2>/dev/null)
objs=$(for f in $files; do case $f in *.c) echo "${f%.c}.o" ;; esac; done)
# the selftests' test module (built outside the tree by kbuild.sh, in
# build/ours/testmod): checkpatch and kernel-doc here, W=1 + sparse below
testmod=tools/testing/selftests/memory-hotplug/memory_notify_log.c
problems=0
steps=${*:-checkpatch build kernel-doc rst abi}
for s in $steps; do
	case $s in
	checkpatch|build|kernel-doc|rst|abi) ;;
	*) echo "lint.sh: unknown step '$s' (checkpatch build kernel-doc rst abi)" >&2; exit 2 ;;
	esac
done
want() { [[ " $steps " == *" $1 "* ]]; }
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
# as kbuild.sh builds, so only the objects named are rebuilt
kmake()
{
	CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros \
		make -C "$SRC" O="$OBJ" CC="$cc" HOSTCC="$cc" \
		KBUILD_BUILD_USER=memhp KBUILD_BUILD_HOST=memhp "$@"
}

allowed()	# FILE LINE-OF-FINDING
{
	local file msg
	while IFS=$'\t' read -r file msg _; do
		case $file in ''|'#'*) continue ;; esac
		[ "$file" = "$1" ] && [[ $2 == *"$msg"* ]] && return 0
	done <"$HERE/lint-allow.txt"
	return 1
}

# problem TEXT...: one finding, one line.
problem()
{
	echo "lint: $*"
	problems=$((problems + 1))
}

# checkpatch FILE: its findings, except the accepted ones, are problems.  It
# must exit 0 or 1 and end with "total: E errors, W warnings, C checks, ..."
# where E+W+C is the number of findings it printed; anything else means it
# did not really run (a perl error, a missing script, a crash midway).
checkpatch_file()
{
	local f=$1 out rc line found=0 total= sum
	out=$(cd "$SRC" && PATH=/usr/bin:$PATH \
		perl scripts/checkpatch.pl --strict --emacs --showfile -f "$f" 2>&1)
	rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^total:\ ([0-9]+)\ errors,\ ([0-9]+)\ warnings,\ ([0-9]+)\ checks, ]]; then
			sum=$((BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3]))
			[ -z "$total" ] && total=$sum || total=twice
			continue
		fi
		# findings start in column 0; code lines quoted under them start with +
		[[ $line =~ ^[^+[:space:]].*:\ (ERROR|WARNING|CHECK):\  ]] || continue
		found=$((found + 1))
		allowed "$f" "$line" && continue
		line=${line#"$SRC/"}
		problem "checkpatch: ${line#"$TOP/"}"
	done <<<"$out"
	if [ "$rc" -gt 1 ] || [ -z "$total" ] || [ "$total" != "$found" ] ||
		[ $((rc == 0)) -ne $((found == 0)) ]; then
		problem "checkpatch: $f: did not run to the end (exit $rc," \
			"total: line ${total:-missing}, $found findings seen):"
		echo "$out" | tail -n 3 | cut -c1-160 | sed 's/^/lint:     /'
	fi
}

if want checkpatch; then
	for f in $files $testmod; do
		checkpatch_file "$f"
	done
	for f in $others; do
		checkpatch_file "$TOP/$f"
	done
	echo "lint: checkpatch --strict on $(echo $files $testmod $others | wc -w) files"
fi

if want build; then
	# W=1 and sparse: rebuild just our objects with the extra checks.  Without
	# sparse, C=2 would only print "not found" lines: no warning to count.
	command -v sparse >/dev/null || problem "W=1/sparse: sparse not installed"
	(cd "$SRC" && touch $(for o in $objs; do echo "${o%.o}.c"; done))
	out=$(kmake W=1 C=2 $objs 2>&1)
	rc=$?
	warn=$(echo "$out" | grep -E 'warning:|error:' || true)
	if [ -n "$warn" ]; then
		echo "$warn" | sed 's/^/lint: W=1\/sparse: /'
		problems=$((problems + $(echo "$warn" | wc -l)))
	fi
	if [ "$rc" -ne 0 ]; then
		problem "W=1/sparse: make exits $rc; its last error lines:"
		{ echo "$out" | grep -iE 'error|not found|No rule' || echo "$out"; } |
			tail -n 5 | cut -c1-160 | sed 's/^/lint:     /'
	fi
	# the test module, rebuilt with the same checks
	touch "$BUILD/ours/testmod/${testmod##*/}"
	out=$(kmake M="$BUILD/ours/testmod" W=1 C=2 modules 2>&1)
	rc=$?
	warn=$(echo "$out" | grep -E 'warning:|error:' || true)
	if [ -n "$warn" ]; then
		echo "$warn" | sed 's/^/lint: W=1\/sparse: /'
		problems=$((problems + $(echo "$warn" | wc -l)))
	fi
	[ "$rc" -eq 0 ] || problem "W=1/sparse: make M=testmod exits $rc"
	echo "lint: W=1 + sparse on $(echo $objs | wc -w) objects and the test module"
	# put the objects back as the normal build makes them
	out=$(kmake $objs 2>&1) || {
		problem "rebuilding our objects without W=1 fails:"
		echo "$out" | tail -n 5 | cut -c1-160 | sed 's/^/lint:     /'
	}
fi

if want kernel-doc; then
	for f in $files $testmod; do
		doc=$(cd "$SRC" && perl scripts/kernel-doc -none -Wall "$f" 2>&1)
		rc=$?
		doc=$(echo "$doc" | grep -v '^Warning: Sphinx' | grep . || true)
		# -none exits 0 however many warnings: non-zero means it died
		[ "$rc" -ne 0 ] && problem "kernel-doc: $f: exits $rc"
		[ -z "$doc" ] && continue
		echo "$doc" | sed 's/^/lint: kernel-doc: /'
		problems=$((problems + $(echo "$doc" | wc -l)))
	done
	echo "lint: kernel-doc -Wall on $(echo $files $testmod | wc -w) files"
fi

if want rst; then
	docs=$(cd "$TOP" && git ls-files -- 'Documentation/*.rst')
	py=python3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	out=$(cd "$TOP" && $py "$HERE/rstcheck.py" "$SRC" $docs 2>&1)
	rc=$?
	summary=$(echo "$out" | grep -E '^rstcheck: [0-9]+ problems in [0-9]+ files$' || true)
	bad=$(echo "$out" | grep . | grep -vxF -e "$summary" || true)
	if [ -n "$bad" ]; then
		echo "$bad" | sed 's/^rstcheck: //; s/^/lint: rst: /'
		problems=$((problems + $(echo "$bad" | wc -l)))
	fi
	# it must finish: exit 0 or 1 and a summary counting what it printed
	n=$(echo "$bad" | grep -c '^rstcheck: ' || true)
	if [ "$rc" -gt 1 ] || [ -z "$summary" ] ||
		[ "$summary" != "rstcheck: $n problems in $(echo $docs | wc -w) files" ]; then
		problem "rst: rstcheck.py did not finish (exit $rc, summary:" \
			"'${summary:-missing}', $n problems seen)"
	fi
	echo "lint: docutils + kernel-doc directives on $(echo $docs | wc -w) documents"
fi

# set_diff A B ONLY_A ONLY_B: a problem for each line of list A not in B
# (ONLY_A, with @ for the line) and of B not in A (ONLY_B); lists sorted
set_diff()
{
	local l

	while read -r l; do
		[ -n "$l" ] && problem "${3//@/$l}"
	done < <(comm -23 <(echo "$1") <(echo "$2"))
	while read -r l; do
		[ -n "$l" ] && problem "${4//@/$l}"
	done < <(comm -13 <(echo "$1") <(echo "$2"))
}

# abi_errnos ABI-FILE: "file errno" for each errno named in the entry of a
# writable file, one whose description starts "(RW" or "(WO" (its error
# table and prose alike)
abi_errnos()
{
	awk '/^What:/ { n = split($2, p, "/"); f = p[n]; w = 0; next }
	     /^Description:/ { next }
	     /^\t\t\((RW|WO)/ && !w { w = 1 }
	     w { print f, $0 }' "$1" |
		while read -r f line; do
			for e in $(grep -oE '\bE[A-Z0-9]{2,}\b' <<<"$line"); do
				echo "$f $e"
			done
		done | sort -u
}
# test_errnos SCENARIO...: "file errno" for each of their errno_case lines
test_errnos() { sed -nE 's/^errno_case ([a-z_]+) (E[A-Z0-9]+) .*/\1 \2/p' "$@" | sort -u; }

if want abi; then
	abi=Documentation/ABI/testing/sysfs-devices-memory
	scen=tools/testing/selftests/memory-hotplug/memhp_*.sh
	doc=$(abi_errnos "$TOP/$abi")
	run=$(test_errnos $TOP/$scen)
	[ -n "$doc" ] || problem "abi: $abi names no errno of a writable file"
	[ -n "$run" ] || problem "abi: no errno_case in $scen"
	set_diff "$doc" "$run" "abi: $abi gives '@' (file errno); no errno_case in $scen checks it" \
		"abi: an errno_case in $scen checks '@' (file errno); $abi does not give it"
	n=$(echo "$doc" | grep -c .)
	echo "lint: abi: $n documented errnos of writable files against the errno_case lines"
fi

# sysfs_names SCENARIO VAR: the words of VAR="..." and VAR+="..." in the
# scenario, on one line
sysfs_names() { sed -nE "s/^$2\+?=\"(.*)\"\$/\1/p" "$1" | xargs; }
# abi_whats FILE...: the paths of their "What:" lines
abi_whats() { awk '/^What:/ { print $2 }' "$@" | sort -u; }

if want abi; then
	# every file memhp_sysfs.sh accepts in the guest is documented, and
	# every documented file of memory/ is one it accepts
	scen=tools/testing/selftests/memory-hotplug/memhp_sysfs.sh
	root=/sys/devices/system/memory
	whats=$(abi_whats "$TOP/$abi" "$SRC/Documentation/ABI/testing/sysfs-memory-page-offline")
	known=
	for f in $(sysfs_names "$TOP/$scen" ABI_TOP); do
		known="$known $root/$f"
		[ "$f" = memoryN ] && grep -q "^$root/memoryN/" <<<"$whats" && continue
		grep -qx "$root/$f" <<<"$whats" ||
			problem "abi: ${scen##*/} accepts $f in memory/; no What: documents it"
	done
	for f in $(sysfs_names "$TOP/$scen" ABI_BLOCK); do
		known="$known $root/memoryN/$f"
		grep -qx "$root/memoryN/$f" <<<"$whats" ||
			problem "abi: ${scen##*/} accepts $f in memoryN/; no What: documents it"
	done
	[ -n "$known" ] || problem "abi: ${scen##*/} lists no ABI_TOP or ABI_BLOCK"
	# the driver core's files of every device, and nothing else, go unchecked
	[ "$(sysfs_names "$TOP/$scen" DEVICE_FILES)" = "power subsystem uevent" ] ||
		problem "abi: ${scen##*/}: DEVICE_FILES must be 'power subsystem uevent'"
	for w in $(grep "^$root/." <<<"$whats"); do
		[[ "$known " == *" $w "* ]] ||
			problem "abi: $w is documented; ${scen##*/} does not accept it"
	done
	echo "lint: abi: $(echo $known | wc -w) sysfs names of ${scen##*/} against What: lines"

	# the reasons a failed offline logs: the code's, the admin guide's (its
	# paragraph "The reasons are", the literals with a space) and the
	# scenario that provokes each
	code=mm/memory_hotplug_offline.c
	guide=Documentation/admin-guide/mm/memory-hotplug.rst
	scen=tools/testing/selftests/memory-hotplug/memhp_offline_reasons.sh
	said=$(perl -0777 -ne 'while (/\breport_failure\((?!const|struct)(.*?)\);/sg) {
		my $a = $1; print "$1\n" while $a =~ /"([^"]*)"/g }' "$TOP/$code" | sort -u)
	listed=$(awk '/^The reasons are/ { p = 1 } p && /^$/ { exit } p' "$TOP/$guide" |
		tr '\n' ' ' | grep -oE '``[^`]+``' | tr -d '`' | grep ' ' | sort -u)
	[ -n "$said" ] || problem "reasons: no report_failure() reason in $code"
	[ -n "$listed" ] || problem "reasons: no paragraph 'The reasons are' in $guide"
	set_diff "$said" "$listed" "reasons: $code logs '@'; $guide does not list it" \
		"reasons: $guide lists '@'; $code never logs it"
	# a reason of a reason_case line (its third word), or named UNPROVOKED
	made=$( (sed -nE 's/^[[:space:]]*reason_case [^ ]+ E[A-Z]+ "([^"]+)".*/\1/p' "$TOP/$scen"
		sysfs_names "$TOP/$scen" UNPROVOKED) | sort -u)
	set_diff "$said" "$made" "reasons: no reason_case of ${scen##*/} makes '@'" \
		"reasons: ${scen##*/} expects '@'; $code never logs it"
	n=$(echo "$said" | grep -c .)
	echo "lint: reasons: $n offline failure reasons in code, guide and ${scen##*/}"

	# the commands of the guide's "Everyday tasks" (its "  # " lines) are
	# the guide_cmd lines of the scenario that runs them in a guest
	scen=tools/testing/selftests/memory-hotplug/memhp_guide.sh
	printed=$(awk '/^Everyday tasks$/ { p = NR } p && NR > p + 1 && /^====/ { exit }
		p && /^  # / { print }' "$TOP/$guide" | sed 's/^  # //' | sort -u)
	ran=$(sed -nE "s/^guide_cmd '(.*)'\$/\1/p" "$TOP/$scen" | sort -u)
	[ -n "$printed" ] || problem "guide: no command in $guide's Everyday tasks"
	set_diff "$printed" "$ran" "guide: $guide prints '@'; no guide_cmd of ${scen##*/} runs it" \
		"guide: ${scen##*/} runs '@'; $guide's Everyday tasks do not print it"
	n=$(echo "$printed" | grep -c .)
	echo "lint: guide: $n commands of Everyday tasks run by ${scen##*/}"
fi

echo "lint: $problems problems"
[ "$problems" -eq 0 ]
