#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the memhp test guest.
#
# Kernel command line:  memhp.test=NAME  runs /memhp/NAME.sh
#                       memhp.test=shell gives an interactive shell
#                       memhp.crash=KIND  (only for the host runner's own
#                       check) once the control channel is open: end /init,
#                       which panics the kernel (panic), go silent forever
#                       (hang), have QEMU quit mid-scenario (quit), print
#                       more results than planned (overplan), or print a
#                       warning after a clean exit (lastwords)
#
# ttyS0 carries the kernel console only.  ttyS1 is the control channel to the
# host runner: every line the test prints goes there as "OUT <line>", requests
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

test=
crash=
for arg in $(cat /proc/cmdline); do
	case $arg in
	memhp.test=*) test=${arg#memhp.test=} ;;
	memhp.crash=*) crash=${arg#memhp.crash=} ;;
	esac
done

stty -F /dev/ttyS1 raw -echo -onlcr 2>/dev/null
exec 3<>/dev/ttyS1
export MEMHP_CTL_FD=3

case $crash in
panic) exit 1 ;;	# "Kernel panic - not syncing: Attempted to kill init!"
hang) while :; do sleep 3600; done ;;
quit)	# QEMU goes away in the middle of a scenario
	printf 'OUT 1..1\n' >&3
	printf 'REQ {"qmp": {"execute": "quit"}}\n' >&3
	while :; do sleep 3600; done ;;
overplan)	# a clean exit with more results than the plan announced
	printf 'OUT 1..1\nOUT ok 1 one\nOUT ok 2 two\nEXIT 0\n' >&3
	reboot -f ;;
lastwords)	# all passed, then a warning on the way down
	printf 'OUT 1..1\nOUT ok 1 one\nEXIT 0\n' >&3
	echo "WARNING: memhp harness check, printed after the exit" >/dev/kmsg
	reboot -f ;;
esac

if [ "$test" = shell ]; then
	echo "memhp guest shell: 'memhp-qmp JSON' sends a QMP command to the host;"
	echo "  e.g. memhp-qmp '{\"execute\":\"query-memory-devices\"}'"
	echo "  helpers: . /memhp/lib_memhp.sh; dimm_plug d1 1G; dimm_unplug d1"
	cat >/usr/bin/memhp-qmp <<'EOF'
#!/bin/sh
{ : >&3; } 2>/dev/null || exec 3<>/dev/ttyS1
printf 'REQ {"qmp": %s}\n' "$1" >&3
IFS= read -r reply <&3
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

script=/memhp/$test.sh
if [ -x "$script" ]; then
	cd /memhp
	{ "$script" 2>&1; rc=$?; leak_scan; echo "EXITCODE $rc"; } | while IFS= read -r line; do
		case $line in
		"EXITCODE "*) printf 'EXIT %s\n' "${line#EXITCODE }" >&3 ;;
		*) printf 'OUT %s\n' "$line" >&3 ;;
		esac
	done
else
	printf 'OUT Bail out! no test named "%s"\n' "$test" >&3
	printf 'EXIT 1\n' >&3
fi
sync
reboot -f
