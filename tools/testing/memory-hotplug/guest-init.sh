#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the memhp test guest.
#
# Kernel command line:  memhp.test=NAME  runs the kselftest
#                       memory-hotplug:NAME.sh through the kselftest runner
#                       (/kselftest/run_kselftest.sh), or on its own when it
#                       is one the runner does not list (TEST_PROGS_EXTENDED),
#                       or the harness's own /memhp/NAME.sh (bench, demo)
#                       memhp.test=kselftest runs the whole memory-hotplug
#                       collection through the runner, as in any guest: no
#                       host channel, so the tests that need one skip
#                       memhp.leave_out=A.sh,B.sh  leaves those tests out of
#                       the collection (stock's expected failures)
#                       memhp.test=shell gives an interactive shell
#                       memhp.crash=KIND  (only for the host runner's own
#                       check) once the control channel is open: end /init,
#                       which panics the kernel (panic), go silent forever
#                       (hang), have QEMU quit mid-scenario (quit), print
#                       more results than planned (overplan), or print a
#                       warning after a clean exit (lastwords)
#
# ttyS0 carries the kernel console only.  ttyS1 (fd 9: the kselftest runner
# takes fds 3 and 4) is the control channel to the host runner: every line the test prints goes there as "OUT <line>", requests
# for the host (QMP commands, waits for QMP events) as "REQ <json>", each
# answered by one JSON line.  The last line is "EXIT <rc>"; then the guest
# reboots, which ends QEMU (-no-reboot).
export PATH=/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
# time to init, by the guest's clock, before anything else runs
read -r MEMHP_INIT_UPTIME _ </proc/uptime
export MEMHP_INIT_UPTIME
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null
ln -sf /proc/self/fd /dev/fd
# as on any system (the kselftest runner writes its log to /dev/stdout)
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

test=
crash=
timeout=1500
leave_out=
for arg in $(cat /proc/cmdline); do
	case $arg in
	memhp.test=*) test=${arg#memhp.test=} ;;
	memhp.leave_out=*) leave_out=${arg#memhp.leave_out=} ;;
	memhp.crash=*) crash=${arg#memhp.crash=} ;;
	memhp.timeout=*) timeout=${arg#memhp.timeout=} ;;
	esac
done

stty -F /dev/ttyS1 raw -echo -onlcr 2>/dev/null
exec 9<>/dev/ttyS1
export MEMHP_CTL_FD=9

case $crash in
panic) exit 1 ;;	# "Kernel panic - not syncing: Attempted to kill init!"
hang) while :; do sleep 3600; done ;;
quit)	# QEMU goes away in the middle of a scenario
	printf 'OUT 1..1\n' >&9
	printf 'REQ {"qmp": {"execute": "quit"}}\n' >&9
	while :; do sleep 3600; done ;;
overplan)	# a clean exit with more results than the plan announced
	printf 'OUT 1..1\nOUT ok 1 one\nOUT ok 2 two\nEXIT 0\n' >&9
	reboot -f ;;
lastwords)	# all passed, then a warning on the way down
	printf 'OUT 1..1\nOUT ok 1 one\nEXIT 0\n' >&9
	echo "WARNING: memhp harness check, printed after the exit" >/dev/kmsg
	reboot -f ;;
esac

if [ "$test" = shell ]; then
	echo "memhp guest shell: 'memhp-qmp JSON' sends a QMP command to the host;"
	echo "  e.g. memhp-qmp '{\"execute\":\"query-memory-devices\"}'"
	echo "  helpers: . /kselftest/memory-hotplug/lib_memhp.sh; dimm_plug d1 1G"
	echo "  the tests: cd /kselftest && ./run_kselftest.sh -c memory-hotplug"
	cat >/usr/bin/memhp-qmp <<'EOF'
#!/bin/sh
{ : >&9; } 2>/dev/null || exec 9<>/dev/ttyS1
printf 'REQ {"qmp": %s}\n' "$1" >&9
IFS= read -r reply <&9
echo "$reply"
EOF
	chmod 755 /usr/bin/memhp-qmp
	setsid cttyhack bash -l
	reboot -f
fi

# With kmemleak=on, after the scenario: two scans (an object is reported only
# once it is 5 s old and stayed unreferenced and unchanged across a scan).  A leak prints
# "kmemleak: N new suspected memory leaks" on the console, which fails the
# scenario; the first records go to the scenario's output.  A kmemleak=off
# anywhere on the command line (make APPEND=) wins, as in the kernel.
leak_scan()
{
	local leaks=/sys/kernel/debug/kmemleak
	grep -qw kmemleak=on /proc/cmdline || return 0
	! grep -qw kmemleak=off /proc/cmdline || return 0
	# kmemleak reports no object younger than 5 s: let the last ones age
	sleep 6
	if ! { echo scan >$leaks && echo scan >$leaks; } 2>/dev/null; then
		# on the console, where the scan for kmemleak lines catches it
		echo "kmemleak: asked for, but $leaks cannot scan" >/dev/kmsg
		return 0
	fi
	head -60 $leaks | sed 's/^/# kmemleak record: /'
}

# unnest NAME: the runner's output for the one test NAME.sh as the test
# printed it (its lines without the runner's "# "), and the test's exit status
# as the runner saw it (4: skipped, 124: the runner's timeout) in /tmp/rc.
unnest()
{
	local line inside=
	echo 1 >/tmp/rc
	while IFS= read -r line; do
		if [ -z "$inside" ]; then
			[ "$line" = "# selftests: memory-hotplug: $1.sh" ] && inside=1
			case $inside$line in
			1* | "TAP version"* | 1..* | "# timeout set to "* | \
			"# overriding timeout to "*) ;;
			*) echo "# kselftest runner: $line" ;;	# what went wrong
			esac
			continue
		fi
		case $line in
		"# "*) printf '%s\n' "${line#\# }" ;;
		"ok "*"# SKIP"*) echo 4 >/tmp/rc ;;
		"ok "*) echo 0 >/tmp/rc ;;
		"not ok "*"# TIMEOUT"*)
			echo "# the kselftest runner stopped it: ${line##*# }"
			echo 124 >/tmp/rc ;;
		"not ok "*"# exit="*) echo "${line##*# exit=}" >/tmp/rc ;;
		"not ok "*) echo "Bail out! the kselftest runner: $line" ;;
		*) continue ;;
		esac
		# the runner's result line is its last: do not wait for the pipe
		# to close, which a process the test left behind may keep open
		case $line in
		"ok "* | "not ok "*) break ;;
		esac
	done
	[ -n "$inside" ] || echo "Bail out! the kselftest runner did not run $1.sh"
}

# until_last_result: the runner's output up to the last result its plan
# announced (not until the pipe closes, which a process left behind by a
# test may keep open).
until_last_result()
{
	local line plan= n=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		1..*) plan=${line#1..} ;;
		"ok "* | "not ok "*) n=$((n + 1)) ;;
		*) continue ;;
		esac
		[ -z "$plan" ] || [ "$n" -lt "$plan" ] || break
	done
}

# collection_args: the runner's arguments for the memory-hotplug collection,
# without the tests memhp.leave_out= names (NAME.sh,NAME.sh...).
collection_args()
{
	local t n=0

	if [ -z "$leave_out" ]; then
		echo "-c memory-hotplug"
		return
	fi
	for t in $(grep '^memory-hotplug:' /kselftest/kselftest-list.txt); do
		case ",$leave_out," in
		*",${t#memory-hotplug:},"*) ;;
		*) echo "-t $t"; n=$((n + 1)) ;;
		esac
	done
	# no -t at all would make the runner run every test it knows
	[ $n -gt 0 ] || echo "-t memory-hotplug:nothing-left-to-run"
}

# run_test NAME: NAME's output, then "EXITCODE <its exit status>".
run_test()
{
	local rc
	if [ "$1" = kselftest ]; then
		(cd /kselftest && env -u MEMHP_CTL_FD ./run_kselftest.sh \
			$(collection_args) 9>&- 2>&1) | until_last_result
		rc=0
	elif grep -qxF "memory-hotplug:$1.sh" /kselftest/kselftest-list.txt; then
		(cd /kselftest && ./run_kselftest.sh -o "$timeout" \
			-t "memory-hotplug:$1.sh" 2>&1) | unnest "$1"
		rc=$(cat /tmp/rc)
	elif [ -x "/kselftest/memory-hotplug/$1.sh" ]; then
		# TEST_PROGS_EXTENDED: installed, not in the runner's list
		(cd /kselftest/memory-hotplug && "./$1.sh" 2>&1)
		rc=$?
	elif [ -x "/memhp/$1.sh" ]; then
		(cd /memhp && "./$1.sh" 2>&1)
		rc=$?
	else
		echo "Bail out! no test named \"$1\""
		rc=1
	fi
	leak_scan
	echo "EXITCODE $rc"
}

run_test "$test" | while IFS= read -r line; do
	case $line in
	"EXITCODE "*) printf 'EXIT %s\n' "${line#EXITCODE }" >&9 ;;
	*) printf 'OUT %s\n' "$line" >&9 ;;
	esac
done
sync
reboot -f
