# SPDX-License-Identifier: GPL-2.0
#
# lib_memhp.sh - helpers for the memory-hotplug tests (sourced, bash).
#
# KTAP output comes from the kselftest ktap_helpers.sh.  Hot-plug here is
# always a real firmware event: QEMU device_add/device_del, not a kernel
# shortcut.  Those requests go to the host over a control channel, fd
# $MEMHP_CTL_FD, which only the QEMU driver in tools/testing/memory-hotplug/
# provides: one "REQ <json>" line out, one JSON line back.
#
# A test says what it needs in its header lines, and the tests that need what
# this guest lacks skip (KSFT_SKIP) with the reason:
#   # memhp-needs: qmp        the host channel (device_add, device_del, events),
#                             in a guest booted for this test alone
#   # memhp-qemu: ARGS        a machine other than the default one (NUMA nodes,
#                             virtio-mem devices, ACPI tables, memory sizes)
#   # memhp-append: WORDS     kernel command line words (kmemleak=on is a check
#                             of its own, not a need)
# Under the QEMU driver every need is met: the driver boots each test with its
# own machine and command line (memhp.test=NAME).  A guest of the default
# machine booted with "kunit.enable=1 mem=768M movablecore=512M" has every
# command line word the tests of that machine ask for: there only the tests
# that need the host channel skip.

MEMHP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$MEMHP_DIR/../kselftest/ktap_helpers.sh"

MEM=/sys/devices/system/memory
NODE=/sys/devices/system/node
CTL=${MEMHP_CTL_FD:-}
if [ ! -r $MEM/block_size_bytes ]; then
	ktap_print_header
	ktap_skip_all "no $MEM: the kernel has no memory hotplug"
	exit "$KSFT_SKIP"
fi
BLOCK_SIZE=$((0x$(cat $MEM/block_size_bytes)))
HUGE2M=/sys/kernel/mm/hugepages/hugepages-2048kB
REPLY=
# memhp.time_scale=N (make check PROFILE=debug): every wait is N times longer
TIME_SCALE=$(sed -n 's/.*memhp\.time_scale=\([0-9]*\).*/\1/p' /proc/cmdline)
TIME_SCALE=${TIME_SCALE:-1}
# the machine a test gets when its header names none (memhp_vm.py's default)
MEMHP_DEFAULT_QEMU="-m 1G,slots=4,maxmem=16G"

# the C helper (memhp_helper.c) is next to us
PATH=$MEMHP_DIR:$PATH

# At exit, whatever a test started in the background goes with it (a helper
# left running would outlive it, and keep the kselftest runner's output
# open), and test_cleanup runs when the test defines one: what it changed
# in the guest is put back, however it ends.
at_exit()
{
	local pid
	for pid in $(jobs -p); do
		kill -KILL "$pid" 2>/dev/null
	done
	if declare -F test_cleanup >/dev/null; then
		test_cleanup
	fi
}
trap at_exit EXIT

# header_of KEY: the test's "# memhp-KEY:" header lines, joined.
header_of()
{
	[ -f "$0" ] || return 0		# sourced by an interactive shell
	sed -n "s/^# memhp-$1: *//p" "$0" | tr '\n' ' ' | sed 's/ *$//'
}

# missing_need: print what this guest lacks of the test's needs, if anything.
missing_need()
{
	local need qemu word

	if [ "$(id -u)" != 0 ]; then
		echo "needs root"
		return 0
	fi
	[ -z "$BOOTED_FOR_TEST" ] || return 0
	for need in $(header_of needs); do
		case $need in
		qmp)
			# a guest that other tests share (make shell, the whole
			# collection) would get their devices in each other's way
			echo "needs a guest its harness (memhp_vm.py) boots for it, with QMP"
			return 0 ;;
		*)
			echo "needs '$need', which this library does not know"
			return 0 ;;
		esac
	done
	qemu=$(header_of qemu)
	if [ -n "$qemu" ] && [ "$qemu" != "$MEMHP_DEFAULT_QEMU" ]; then
		echo "needs a QEMU machine with: $qemu"
		return 0
	fi
	for word in $(header_of append); do
		[ "$word" = kmemleak=on ] && continue
		grep -qw -- "$word" /proc/cmdline ||
			{ echo "needs $word on the kernel command line"; return 0; }
	done
}

# set when the QEMU driver booted this guest for this test: its machine,
# command line and host channel are the ones the header names
BOOTED_FOR_TEST=
if grep -qw "memhp\.test=$(basename "$0" .sh)" /proc/cmdline; then
	BOOTED_FOR_TEST=1
fi
MEMHP_MISSING=$(missing_need)
if [ -n "$MEMHP_MISSING" ]; then
	ktap_print_header
	ktap_skip_all "$MEMHP_MISSING"
	exit "$KSFT_SKIP"
fi

# ---- host channel -----------------------------------------------------------

# host JSON: send one request, put the reply line in $REPLY; 0 unless an error.
host()
{
	if [ -z "$CTL" ]; then
		# to stderr, and the whole test: the caller may be in $(...)
		echo "Bail out! a host request without the host channel (a test" \
			"that talks to the host says '# memhp-needs: qmp'): $1" >&2
		kill $$
		exit "$KSFT_FAIL"
	fi
	printf 'REQ %s\n' "$1" >&"$CTL"
	IFS= read -r REPLY <&"$CTL"
	case $REPLY in
	*'"error"'*) return 1 ;;
	esac
	return 0
}

# qmp COMMAND [ARGUMENTS-JSON]
qmp()
{
	host "{\"qmp\": {\"execute\": \"$1\", \"arguments\": ${2:-{\}}}}"
}

# wait_event NAME TIMEOUT [DATA-JSON]: consume one matching QMP event.
wait_event()
{
	host "{\"wait_event\": \"$1\", \"timeout\": $(($2 * TIME_SCALE)), \"data\": ${3:-{\}}}"
}

# note TEXT: put a line in the host's scenario log (none without a host).
note()
{
	[ -n "$CTL" ] || return 0
	host "{\"log\": \"$*\"}"
}

# ---- sizes, blocks and meminfo ------------------------------------------------

# bytes 512M|1G|4096: print the size in bytes.
bytes()
{
	case $1 in
	*G) echo $((${1%G} << 30)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*K) echo $((${1%K} << 10)) ;;
	*) echo "$1" ;;
	esac
}

# blocks: ids of all memory blocks, ascending.
blocks()
{
	local d
	for d in $MEM/memory[0-9]*; do
		[ -d "$d" ] && echo "${d##*/memory}"
	done | sort -n
}

nr_blocks() { blocks | wc -l; }

# new_blocks BEFORE-LIST: blocks present now that were not in BEFORE-LIST.
new_blocks()
{
	local b
	for b in $(blocks); do
		case " $1 " in
		*" $b "*) ;;
		*) echo "$b" ;;
		esac
	done
}

# state_of BLOCK, zones_of BLOCK: the block's state and valid_zones (read
# with the shell's own read: no process per call, which counts under TCG)
state_of() { local v; read -r v <$MEM/memory$1/state && echo "$v"; }
zones_of() { local v; read -r v <$MEM/memory$1/valid_zones && echo "$v"; }

# all_in_state STATE BLOCK...: every block is in STATE.
all_in_state()
{
	local want=$1 b
	shift
	for b in "$@"; do
		[ "$(state_of "$b")" = "$want" ] || return 1
	done
	return 0
}

memtotal_kb() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
memtotal_is() { [ "$(memtotal_kb)" -eq "$1" ]; }
# MemTotal plus the boot memmap still held: a boot block's memmap given
# back by memory_hotplug.free_memmap_on_offline joins MemTotal, so this sum
# is what stays put across an offline and online of boot memory
memtotal_boot_kb()
{
	echo $(($(memtotal_kb) + $(sed -n 's/^nr_memmap_boot_pages //p' /proc/vmstat) * 4))
}

# wait_until TIMEOUT-SECONDS COMMAND...: poll until COMMAND succeeds.
wait_until()
{
	local tries=$(($1 * 10 * TIME_SCALE))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

count_is() { [ "$(nr_blocks)" -eq "$1" ]; }

# ---- real devices: pc-dimm over ACPI ---------------------------------------------

# dimm_add ID SIZE [NODE]: plug a pc-dimm; 0 once QEMU accepted it.
# $DIMM_BACKEND_EXTRA adds backend properties (e.g. ', "reserve": false').
dimm_add()
{
	local backend dimm
	backend="\"qom-type\": \"memory-backend-ram\", \"id\": \"mem-$1\""
	backend="$backend, \"size\": $(bytes "$2")${DIMM_BACKEND_EXTRA:-}"
	dimm="\"driver\": \"pc-dimm\", \"id\": \"$1\", \"memdev\": \"mem-$1\""
	[ -n "${3:-}" ] && dimm="$dimm, \"node\": $3"
	qmp object-add "{$backend}" && qmp device_add "{$dimm}"
}

# dimm_plug ID SIZE [NODE]: plug and wait until all its blocks are present
# (and onlined, if auto_online_blocks says so); prints the new block ids.
dimm_plug()
{
	local before want new
	before=$(blocks | tr '\n' ' ')
	want=$(($(nr_blocks) + $(bytes "$2") / BLOCK_SIZE))
	dimm_add "$@" || return 1
	wait_until 60 count_is "$want" || return 1
	new=$(new_blocks "$before")
	# a block appears before the kernel's auto-online policy onlines it:
	# give that time (a slow kernel shows the gap)
	[ "$(cat $MEM/auto_online_blocks)" = offline ] ||
		wait_until 30 none_offline $new
	echo "$new"
}
none_offline() { local b; for b in "$@"; do [ "$(state_of $b)" != offline ] || return 1; done; }

# dimm_unplug ID [TIMEOUT]: ask the guest to eject (ACPI), 0 once QEMU reports
# DEVICE_DELETED and the backend is gone.
dimm_unplug()
{
	qmp device_del "{\"id\": \"$1\"}" || return 1
	wait_event DEVICE_DELETED "${2:-60}" "{\"device\": \"$1\"}" || return 1
	qmp object-del "{\"id\": \"mem-$1\"}"
}

# eject_answer ID: ask the guest to eject DIMM ID and print the guest's
# final _OST status for it: the guest answers 0x84 (132, in progress) while
# it works, then 0 once done or 0x82 (130, busy) once an offline failed.
# Prints nothing when no answer came.
eject_answer()
{
	local i status=

	qmp device_del "{\"id\": \"$1\"}" || return 1
	for i in 1 2 3 4 5 6 7 8; do
		wait_event ACPI_DEVICE_OST 30 "{\"info\": {\"device\": \"$1\", \"source\": 3}}" ||
			break
		status=$(echo "$REPLY" | sed -n 's/.*"status": *\([0-9]*\).*/\1/p')
		[ "$status" != 132 ] && break
	done
	echo "$status"
}

# movable_dimm ID SIZE: plug a DIMM and online its blocks Movable; prints
# the block ids.
movable_dimm()
{
	local new
	new=$(dimm_plug "$1" "$2") && online_blocks online_movable $new && echo $new
}

# dimm_where ID: DIMM_ADDR and DIMM_BYTES of the plugged DIMM ID, as QEMU's
# query-memory-devices reports them (one "data" object per device); fails
# when QEMU lists no such DIMM.
dimm_where()
{
	local entry

	DIMM_ADDR= DIMM_BYTES=
	qmp query-memory-devices || return 1
	entry=$(echo "$REPLY" | sed 's/"data"/\n/g' | grep "\"id\": \"$1\"") || return 1
	DIMM_ADDR=$(echo "$entry" | sed -n 's/.*"addr": \([0-9]*\).*/\1/p')
	DIMM_BYTES=$(echo "$entry" | sed -n 's/.*"size": \([0-9]*\).*/\1/p')
	[ -n "$DIMM_ADDR" ] && [ -n "$DIMM_BYTES" ]
}

# dimm_blocks ID: the block ids of a plugged DIMM, from QEMU's address and size.
dimm_blocks()
{
	dimm_where "$1" &&
		seq $((DIMM_ADDR / BLOCK_SIZE)) $(((DIMM_ADDR + DIMM_BYTES) / BLOCK_SIZE - 1))
}

# dimm_range ID SIZE: plug a DIMM whose backend need not exist on the host
# (DIMM_BACKEND_EXTRA), set FIRST and LAST to its block ids.
dimm_range()
{
	dimm_add "$1" "$2" || { echo "Bail out! device_add $2: $REPLY"; exit 1; }
	dimm_where "$1" || { echo "Bail out! QEMU does not list $1: $REPLY"; exit 1; }
	FIRST=$((DIMM_ADDR / BLOCK_SIZE))
	LAST=$(((DIMM_ADDR + DIMM_BYTES) / BLOCK_SIZE - 1))
}

# range_online / range_gone: the last block of the dimm_range DIMM is
# online / its first and last blocks are gone.  Builtins only: they poll
# while a timed operation runs, and a fork per poll would take CPU time
# from the kernel being timed.
range_online()
{
	local s

	read -r s 2>/dev/null <$MEM/memory$LAST/state && [ "$s" = online ]
}
range_gone() { [ ! -e $MEM/memory$FIRST ] && [ ! -e $MEM/memory$LAST ]; }

# nap: wait 10 ms without a fork: a read that times out on a pipe whose
# write end only this shell holds.
nap()
{
	[ -n "${NAP_FD-}" ] || exec {NAP_FD}<> <(:)
	read -r -t 0.01 -u "$NAP_FD" _ || true
}

# eject_range ID: device_del the dimm_range DIMM; returns once its blocks are
# gone.  forget_dimm ID then waits for QEMU to finish and drops the backend.
eject_range()
{
	qmp device_del "{\"id\": \"$1\"}" || { echo "Bail out! device_del: $REPLY"; exit 1; }
	while ! range_gone; do nap; done
}
forget_dimm()
{
	wait_event DEVICE_DELETED 120 "{\"device\": \"$1\"}" &&
		qmp object-del "{\"id\": \"mem-$1\"}"
}

# The virtio-mem device "vm0": vmem_resize BYTES asks for a new size;
# vmem_plugged prints the size it has plugged, in bytes.
VMEM=/machine/peripheral/vm0
vmem_resize()
{
	qmp qom-set "{\"path\": \"$VMEM\", \"property\": \"requested-size\", \"value\": $1}"
}
vmem_plugged()
{
	qmp qom-get "{\"path\": \"$VMEM\", \"property\": \"size\"}" &&
		echo "$REPLY" | sed -n 's/.*"return": *\([0-9]*\).*/\1/p'
}

# plug_range_online ID SIZE: dimm_range, then wait until all of it is online
# (auto-onlining).
plug_range_online()
{
	dimm_range "$1" "$2"
	while ! range_online; do nap; done
}

# timed NAME COMMAND...: run COMMAND, print "METRIC NAME <microseconds> us".
timed()
{
	local name=$1 t0
	shift
	t0=${EPOCHREALTIME/./}
	"$@" || return
	echo "METRIC $name $((${EPOCHREALTIME/./} - t0)) us"
}

# all_gone BLOCK...: none of the blocks exists.
all_gone()
{
	local b
	for b in "$@"; do [ ! -e $MEM/memory$b ] || return 1; done
}

# online_blocks HOW BLOCK...: write HOW to each block's state.
online_blocks()
{
	local how=$1 b
	shift
	for b in "$@"; do
		echo "$how" >$MEM/memory$b/state || return 1
	done
}

# param NAME DEFAULT: value of memhp.NAME= on the kernel command line.
param()
{
	local arg
	for arg in $(cat /proc/cmdline); do
		case $arg in
		memhp.$1=*) echo "${arg#*=}"; return ;;
		esac
	done
	echo "$2"
}

# errno_name TEXT: the errno name of an error message's strerror() text
# (OK for none, EINTR and names as they are).
errno_name()
{
	case $1 in
	""|OK) echo OK ;;
	E[A-Z0-9]*) echo "$1" ;;
	*"Invalid argument"*) echo EINVAL ;;
	*"File exists"*) echo EEXIST ;;
	*"Numerical result out of range"*) echo ERANGE ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"Argument list too long"*) echo E2BIG ;;
	*"Input/output error"*) echo EIO ;;
	*"No such device or address"*) echo ENXIO ;;
	*"Cannot allocate memory"*) echo ENOMEM ;;
	*"Operation not permitted"*) echo EPERM ;;
	*"Memory page has hardware error"*) echo EHWPOISON ;;
	*"Interrupted system call"*) echo EINTR ;;
	*"Permission denied"*) echo EACCES ;;
	*) echo "OTHER($1)" ;;
	esac
}

# try_write FILE VALUE: the errno name of writing VALUE and a newline (or OK).
try_write()
{
	errno_name "$( { printf '%s\n' "$2" >"$1"; } 2>&1)"
}

# write_without_pages FILE VALUE: the errno name of a write of VALUE during
# which every page allocation of the writer fails (fail_page_alloc with
# task-filter and probability 100, memhp_helper fail-all); the attributes
# are put back afterwards.
write_without_pages()
{
	local fail=/sys/kernel/debug/fail_page_alloc r

	[ -d $fail ] || { echo "NO($fail)"; return; }
	fault_attrs_set $fail verbose=0 ignore-gfp-wait=N ignore-gfp-highmem=N \
		min-order=0 space=0 times=-1 interval=1 task-filter=Y
	# probability 100 without the filter would fail every task's allocations
	if [ "$(cat $fail/task-filter)" = Y ]; then
		echo 100 >$fail/probability
		r=$(memhp_helper fail-all "$1" "$2")
		echo 0 >$fail/probability
	else
		r="NO($fail/task-filter)"
	fi
	fault_attrs_restore
	echo "$r"
}

# write_how FILE VALUE [HOW]: the errno name of writing VALUE to FILE.
# HOW: "sigint S", the writer gets a SIGINT S (whole) seconds, times
# TIME_SCALE, in; "nopages", every page allocation of the write fails.
write_how()
{
	local got

	case ${3-} in
	sigint)
		[[ ${4-} =~ ^[0-9]+$ ]] || { echo "BADARG(sigint '${4-}')"; return; }
		got=$(memhp_helper write-with-sigint "$1" "$2" $(($4 * TIME_SCALE)))
		errno_name "${got% *}" ;;
	nopages)
		write_without_pages "$1" "$2" ;;
	*)
		try_write "$1" "$2" ;;
	esac
}

# first_pfn BLOCK MASK WANT: the first pfn of BLOCK whose kpageflags, masked,
# equal WANT; flags_of PFN: its kpageflags
KPF_LRU=$((1 << 5)) KPF_BUDDY=$((1 << 10)) KPF_ANON=$((1 << 12))
KPF_HWPOISON=$((1 << 19)) KPF_THP=$((1 << 22))
first_pfn()
{
	local lo=$(($1 * BLOCK_SIZE / 4096)) n=$((BLOCK_SIZE / 4096))
	dd if=/proc/kpageflags bs=8 skip=$lo count=$n 2>/dev/null |
		od -An -v -t u8 |
		awk -v lo=$lo -v m=$2 -v w=$3 '{ for (i = 1; i <= NF; i++) {
			if (and($i, m) == w) { print lo + n; exit }; n++ } }'
}
flags_of() { dd if=/proc/kpageflags bs=8 skip=$1 count=1 2>/dev/null | od -An -t u8; }

# movable_used_kb: kB in use in ZONE_MOVABLE (managed minus free).
movable_used_kb()
{
	awk '/^Node/ {z=$4} z=="Movable" && /nr_free_pages/ {f=$2}
	     z=="Movable" && /managed/ {m=$2} END {print (m - f) * 4}' /proc/zoneinfo
}
# zone_spanned ZONE [NODE]: the pages ZONE of NODE (default 0) spans, from
# /proc/zoneinfo (an empty zone spans 0).
zone_spanned()
{
	awk -v node="${2:-0}," -v zone="$1" '$1 == "Node" {hit = $2 == node && $4 == zone}
	     hit && $1 == "spanned" {print $2; exit}' /proc/zoneinfo
}
# isolated_pageblocks: pageblocks of all zones marked isolated.
isolated_pageblocks()
{
	awk '/^Number of blocks type/ {
		for (i = 5; i <= NF; i++) if ($i == "Isolate") c = s = i
		next
	     }
	     /^$/ {c = 0}
	     c && /^Node/ {n += $c}
	     END {if (s) print n + 0; else print "no Isolate column"}' /proc/pagetypeinfo
}
# meminfo_kb FIELD: a /proc/meminfo value in kB.
meminfo_kb() { sed -n "s/^$1: *\\([0-9]*\\).*/\\1/p" /proc/meminfo; }

# ram_over BLOCK...: some "System RAM" range of /proc/iomem overlaps one of
# the blocks.
ram_over()
{
	local range lo hi b
	while IFS= read -r range; do
		case $range in
		*" : System RAM"*) ;;
		*) continue ;;
		esac
		range=${range%% :*}
		range=${range// /}
		lo=$((0x${range%-*}))
		hi=$((0x${range#*-}))
		for b in "$@"; do
			[ $((b * BLOCK_SIZE)) -le $hi ] &&
				[ $(((b + 1) * BLOCK_SIZE - 1)) -ge $lo ] && return 0
		done
	done </proc/iomem
	return 1
}

# removed BLOCK...: every trace an eject has to clear is gone: the memoryN
# directories, each node's memoryN link, and System RAM over the blocks in
# /proc/iomem.  Prints what is left, as a KTAP diagnostic.
removed()
{
	local b n
	for b in "$@"; do
		[ ! -e $MEM/memory$b ] || { echo "# memory$b is still there"; return 1; }
		for n in $NODE/node[0-9]*; do
			[ ! -L $n/memory$b ] ||
				{ echo "# ${n##*/}/memory$b is still there"; return 1; }
		done
	done
	! ram_over "$@" || { echo "# /proc/iomem still has System RAM over blocks $*"; return 1; }
}

# helper_start NAME ARGS...: run memhp_helper in the background, output in
# /tmp/NAME.out, its pid in PID_NAME; waits for its first line.
helper_start()
{
	local name=$1
	shift
	: >/tmp/$name.out	# before the job starts: no stale output seen
	memhp_helper "$@" >>/tmp/$name.out 2>&1 &
	eval "PID_$name=$!"
	wait_until 60 eval '[ -s /tmp/$name.out ]'
}
# helper_finish NAME: SIGUSR1, then its exit status; output in /tmp/NAME.out.
# One that is still there 2 minutes later (times TIME_SCALE) is killed and
# says so in its output (a task stuck in the kernel may outlive even that:
# the scenario's own time limit is the last resort).
helper_finish()
{
	local pid
	eval "pid=\$PID_$1"
	kill -USR1 "$pid"
	if ! wait_until 120 eval '! kill -0 $pid 2>/dev/null'; then
		echo "STUCK: no exit 120 s after SIGUSR1, killed" >>/tmp/$1.out
		kill -KILL "$pid"
	fi
	wait "$pid"
}

# acpi_memdev UID: the sysfs directory of the PNP0C80 device with that _UID.
acpi_memdev()
{
	local d
	for d in $(grep -l PNP0C80 /sys/bus/acpi/devices/*/hid 2>/dev/null); do
		d=${d%/hid}
		[ "$(cat $d/uid 2>/dev/null)" = "$1" ] && echo "$d"
	done
	return 0
}

# bound_to DEV BLOCK...: every block's firmware_node is the device DEV.
bound_to()
{
	local dev=$1 b
	shift
	for b in "$@"; do
		[ "$(readlink -f $MEM/memory$b/firmware_node 2>/dev/null)" = \
		  "$(readlink -f $dev)" ] || return 1
	done
}

# offline_boot_blocks N: offline up to N boot blocks, from the top, and print
# their ids.  Only blocks inside a zone are tried: both neighbours online and
# in the same zone, so that the zone keeps its span and a plain online puts
# the block back where it was.  Each gets 5 s (an offline retries until it
# is interrupted), and at most 16 are tried.
offline_boot_blocks()
{
	local want=$1 tries=16 b zone
	for b in $(blocks | sort -rn); do
		[ "$want" -gt 0 ] && [ "$tries" -gt 0 ] || break
		[ "$(state_of "$b")" = online ] || continue
		[ -e $MEM/memory$((b - 1)) ] && [ -e $MEM/memory$((b + 1)) ] || continue
		zone=$(zones_of "$b")
		all_in_state online $((b - 1)) $((b + 1)) &&
			[ "$(zones_of $((b - 1)))" = "$zone" ] &&
			[ "$(zones_of $((b + 1)))" = "$zone" ] || continue
		tries=$((tries - 1))
		case $(memhp_helper write-with-sigint $MEM/memory$b/state offline 5) in
		OK*) echo "$b"; want=$((want - 1)) ;;
		esac
	done
}

# ---- what a failed operation must leave as it was -----------------------------

# hotplug_state: blocks with state, valid_zones and node, System RAM in
# /proc/iomem, every zone's span and present/managed pages, MemTotal, the
# memmap page counters, the pageblocks left isolated, the node states and
# each node's memory links, the firmware memory map, and the memory groups
# (where the kernel lists them in debugfs).
hotplug_state()
{
	local b f s z n
	for b in $(blocks); do
		# (read and globs: no process per block)
		read -r s <$MEM/memory$b/state
		read -r z <$MEM/memory$b/valid_zones
		n=($MEM/memory$b/node*)
		echo "memory$b $s [$z] ${n[0]##*/}"
	done
	grep "System RAM" /proc/iomem
	awk '$1 == "Node" {z = $2 $4}
	     $1 == "spanned" || $1 == "present" || $1 == "managed" ||
	     $1 == "start_pfn:" {print z, $1, $2}' /proc/zoneinfo
	grep MemTotal /proc/meminfo
	grep nr_memmap /proc/vmstat
	echo "isolated pageblocks $(isolated_pageblocks)"
	for f in online has_memory has_normal_memory; do
		echo "$f $(cat $NODE/$f)"
	done
	ls -d $NODE/node*/memory[0-9]* 2>/dev/null
	# the firmware memory map (kexec's view), entry by entry
	for f in /sys/firmware/memmap/*; do
		read -r s <$f/start && read -r z <$f/end && read -r n <$f/type &&
			echo "memmap $s $z $n"
	done | sort
	f=/sys/kernel/debug/memory_groups
	[ ! -r $f ] || sed 's/^/group /' $f
}

# state_diff BEFORE AFTER: the lines that differ, as KTAP diagnostics
# ("# - " before, "# + " after; the guest's diff is busybox's, unified only).
state_diff()
{
	diff -U0 <(echo "$1") <(echo "$2") |
		sed -n '/^\(---\|+++\) /d; s/^\([-+]\)/# \1 /p' | head -8
}

# errno_case FILE WANT WHY PATH VALUE [HOW]: writing VALUE to PATH (a
# memoryN/FILE, or FILE itself) fails with WANT and changes nothing (HOW:
# see write_how).  The host's lint matches these lines, in every test, with
# the errnos Documentation/ABI gives each writable file.
errno_case()
{
	local file=$1 want=$2 why=$3 path=$4 value=$5 got before after

	shift 5
	[ "${path##*/}" = "$file" ] || ktap_exit_fail_msg "errno_case $file writes $path"
	before=$(hotplug_state)
	got=$(write_how "$path" "$value" "$@")
	after=$(hotplug_state)
	if [ "$got" = "$want" ] && [ "$before" = "$after" ]; then
		ktap_test_pass "$file <- '$value', $why: $want, nothing changed"
	else
		ktap_test_fail "$file <- '$value', $why: want $want, got $got"
		state_diff "$before" "$after"
	fi
}

# churn_shmem FILES MIB [PAUSE]: rewrite FILES shmem files of MIB MiB and read
# them all back, round after round (PAUSE seconds apart), until killed: page
# cache that comes and goes.  Run it in the background; the files are
# /dev/shm/churn*.
churn_shmem()
{
	local i=0
	while :; do
		dd if=/dev/zero of=/dev/shm/churn$((i % $1)) bs=1M count=$2 2>/dev/null
		cat /dev/shm/churn* >/dev/null
		i=$((i + 1))
		[ -z "$3" ] || sleep $3
	done
}

# ---- kernel memory in a block ----------------------------------------------------

# drain_caches: drop the page and inode caches and shrink every slab cache
# (empty slabs on per-CPU lists; on a KASAN kernel, the freed objects it
# holds in quarantine, which keep their slab pages).  A kernel without
# SLUB's sysfs files has no caches to shrink this way: that is said once,
# on stderr (callers read stdout).
drain_caches()
{
	local f
	echo 3 >/proc/sys/vm/drop_caches
	if [ ! -e /sys/kernel/slab ]; then
		[ -n "$NO_SLAB_SAID" ] ||
			echo "# no /sys/kernel/slab: slab caches not shrunk" >&2
		NO_SLAB_SAID=1
		return
	fi
	# merged caches appear under several names: shrink each real one once
	for f in /sys/kernel/slab/*/shrink; do
		[ -L "${f%/shrink}" ] || echo 1 >$f
	done 2>/dev/null
}

# unmovable_dumps: one line per "unmovable page" dump in the kernel log
# since the mark: "<pfn> kernel" for a page the kernel allocated for
# itself (referenced, not mapped, no mapping, not anonymous or KSM, and no
# flag a page cache, LRU, reserved or in-flight page carries); "<pfn>
# freed" for a page freed before it was dumped (isolation skips free
# pages: it was in use a moment before); else "<pfn> other" - a user folio
# some path failed to put back or one briefly off the LRU, a page cache
# folio that lost its file, a reserved page
unmovable_dumps()
{
	kmsg_since | awk '
		BEGIN {
			f = "lru|swapbacked|uptodate|dirty|reserved|unevictable"
			not_kernel = "[(|](" f "|mlocked|private|writeback|locked)[|)]"
		}
		/^page: refcount:/ {
			pfn = $NF; sub(/^pfn:/, "", pfn)
			owner = "other"
			if ($3 == "mapcount:0" && $4 == "mapping:0000000000000000")
				owner = "kernel"
			freed = ($2 == "refcount:0")
		}
		/^(anon |ksm )?flags: / && ($1 != "flags:" || $0 ~ not_kernel) {
			owner = "other"
		}
		/^page dumped because: unmovable page$/ { print pfn, freed ? "freed" : owner }'
}

# offline_within BLOCK SECONDS: write "offline" to the block; SIGINT ends
# the write after SECONDS times TIME_SCALE.  Prints OK, EINTR or the
# errno's text ("Device or resource busy").
offline_within()
{
	local res
	res=$(memhp_helper write-with-sigint $MEM/memory$1/state offline \
		$(($2 * TIME_SCALE)))
	echo "${res% *}"
}

# held_by_kernel BLOCK: the online block stays because kernel memory sits
# in it, which the kernel may place in ZONE_NORMAL and never moves: it is
# Normal, its offline fails with EBUSY (within 20 s times TIME_SCALE), and
# every page the kernel names for it is a kernel page of that block (any
# other would be a folio some path failed to put back).  Three tries a
# second apart, so that a page some path holds for a moment is not taken
# for one it lost.  Prints the last pfn; on stderr, why not.  A block that
# offlines meanwhile is not held: callers look at its state.
held_by_kernel()
{
	local try out
	for try in 1 2 3; do
		out=$(held_by_kernel_once $1 2>&1) && { echo "$out"; return; }
		[ "$(state_of $1)" = online ] || break
		sleep 1
	done
	echo "$out" >&2
	return 1
}
held_by_kernel_once()
{
	local b=$1 res pfn owner kernel=
	[ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Normal ] ||
		{ echo "# memory$b: $(state_of $b), $(zones_of $b)" >&2; return 1; }
	kmsg_mark
	res=$(offline_within $b 20)
	if [ "$res" != "Device or resource busy" ]; then
		echo "# memory$b: offline gave $res, not EBUSY" >&2
		return 1
	fi
	while read -r pfn owner; do
		[ $((pfn / (BLOCK_SIZE / 4096))) = $b ] || continue
		case $owner in
		kernel) kernel=$pfn ;;
		other) echo "# memory$b: pfn $pfn is not kernel memory" >&2; return 1 ;;
		esac
	done < <(unmovable_dumps)
	[ -n "$kernel" ] || { echo "# memory$b: EBUSY naming no kernel page" >&2; return 1; }
	echo $kernel
}

# ---- kernel log ---------------------------------------------------------------

# kmsg_mark: remember where the kernel log is now; kmsg_since prints what
# came after (by sequence number: dmesg's line count stops growing once the
# log buffer wraps, as it does in long scenarios on the debug kernel).
# A mark that is not a number, or records overwritten since it, end the
# scenario (from a pipeline too: $$ is the scenario's shell): a check of
# what the log lacks would pass without evidence.
# memmap_at_add CMD...: run CMD with memory_hotplug.free_memmap_on_offline
# off, so that a hot-add allocates its memmap (with the switch on, onlining
# does); the switch is put back as it was.  A kernel without the switch
# just runs CMD.
memmap_at_add()
{
	local rc

	memmap_switch_off
	"$@"
	rc=$?
	memmap_switch_back
	return $rc
}
# memmap_switch_off, memmap_switch_back: the same around several commands
MEMMAP_SWITCH=/sys/module/memory_hotplug/parameters/free_memmap_on_offline
memmap_switch_off()
{
	[ -w $MEMMAP_SWITCH ] || return 0
	MEMMAP_WAS=$(cat $MEMMAP_SWITCH)
	echo N >$MEMMAP_SWITCH
}
memmap_switch_back()
{
	[ -z "${MEMMAP_WAS:-}" ] || echo "$MEMMAP_WAS" >$MEMMAP_SWITCH
	MEMMAP_WAS=
}
kmsg_bail() { echo "Bail out! $*" >&2; kill $$; exit 1; }
kmsg_mark()
{
	KMSG_MARK=$(memhp_helper kmsg)
	[[ $KMSG_MARK =~ ^[0-9]+$ ]] || kmsg_bail "cannot read /dev/kmsg"
}
kmsg_since()
{
	local log
	# read whole before printing: a reader that stops early (grep -q)
	# must not make the helper die of SIGPIPE and look like a bad log
	log=$(memhp_helper kmsg "$KMSG_MARK") ||
		kmsg_bail "the kernel log since the mark is incomplete"
	[ -z "$log" ] || printf '%s\n' "$log"
}

# fault_attrs_set DIR ATTR=VALUE...: set fault-injection attributes of DIR
# (debugfs: fail_page_alloc, failslab...), remembering what each was;
# fault_attrs_restore puts them all back (twice does no harm).
FAULT_SAVED=
fault_attrs_set()
{
	local dir=$1 kv

	shift
	for kv in "$@"; do
		FAULT_SAVED="$FAULT_SAVED $dir/${kv%%=*}=$(cat "$dir/${kv%%=*}")"
		echo "${kv#*=}" >"$dir/${kv%%=*}"
	done
}
fault_attrs_restore()
{
	local kv

	for kv in $FAULT_SAVED; do
		echo "${kv#*=}" >"${kv%%=*}"
	done
}

# next_block: the first block of $CANDIDATES (addresses, each after a
# space) that nothing uses, in $ADDR; it and those before it leave the list
next_block()
{
	local a

	for a in $CANDIDATES; do
		CANDIDATES=${CANDIDATES# $a}
		if ! grep -qi "^ *0*$(printf %x "$a")-" /proc/iomem &&
		   [ ! -e "$MEM/memory$((a / BLOCK_SIZE))" ]; then
			ADDR=$a
			return 0
		fi
	done
	return 1
}

# data_through_block NR: 96 MiB of anonymous data, most of it in block NR
# (Movable, the one zone that prefers it, is that block alone), zeroed
# and later migrated by the kernel through the direct map; the block
# offlines (the data moves to boot memory), onlines and offlines again,
# and the data reads back intact
data_through_block()
{
	local used

	helper_start data fill 96 anon || return 1
	grep -q READY /tmp/data.out || { cat /tmp/data.out >&2; return 1; }
	used=$(movable_used_kb)
	echo "# $used kB of the block in use" >&2
	[ "$used" -gt $((64 << 10)) ] &&
	[ "$(try_write $MEM/memory$1/state offline)" = OK ] &&
	[ "$(try_write $MEM/memory$1/state online_movable)" = OK ] &&
	[ "$(try_write $MEM/memory$1/state offline)" = OK ] &&
	helper_finish data && grep -q INTACT /tmp/data.out
}

# check DESCRIPTION COMMAND...: one KTAP case from a command's status.
check()
{
	local desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}
