#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# af. Every fallible step fails on demand and rolls back exactly.  The kernel
#     marks each step of add, online, offline and remove that can fail with
#     ALLOW_ERROR_INJECTION(); the list of steps comes from the kernel build
#     (/memhp/inject_points: the _eil_addr_ symbols of the hotplug objects),
#     never from this script.  For each step, fail_function makes its first
#     call fail with -ENOMEM (NULL for a step returning a pointer) while one
#     tour drives everything that can reach it: a DIMM plugged on an empty
#     node (ACPI), one block onlined Movable, 64 MiB of data bound to that
#     node, the block offlined (the data migrates), the other block onlined
#     Normal and offlined, virtio-mem grown (its blocks onlined) and
#     shrunk, the DIMM ejected.  The operation the failure lands in must
#     report it (the errno of the sysfs write, the driver's log line for
#     ACPI), change nothing - blocks, states, valid_zones, System RAM in
#     /proc/iomem, zone spans, present and managed pages, MemTotal, memmap
#     pages, node states and links, the firmware memory map - and succeed
#     when repeated without injection; virtio-mem retries by itself and
#     must get to the size asked for.  The tour then ends as it began, with
#     the data intact.  Every step must be reached.  kmemleak scans at the
#     end.  A step reached by several operations fails in the first of them
#     only.  By default a subset runs (SUBSET: steps of each operation);
#     memhp.faults=all on the command line (make check FAULTS=all) runs
#     every step.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G -smp 2,sockets=2,cores=1,threads=1
# memhp-qemu: -object memory-backend-ram,id=r0,size=512M
# memhp-qemu: -object memory-backend-ram,id=r1,size=512M
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1
# memhp-qemu: -numa node,nodeid=2
# memhp-qemu: -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,node=1,requested-size=0
# memhp-append: memhp_default_state=offline memory_hotplug.memmap_on_memory=1
# memhp-append: kmemleak=on
# memhp-timeout: 1500
# memhp-upstream: xfail stock marks none of its memory-hotplug steps for fault injection
# memhp-console-ok: memory range \[[^]]*\] not used: -12|none of its memory could be added
# memhp-console-ok: adding memory failed
. "$(dirname "$0")/lib_memhp.sh"

F=/sys/kernel/debug/fail_function
# (memhp_fault_second.sh sources this script with its own SUBSET and CALL)
SUBSET=${SUBSET:-"memdev_use_range memory_group_add register_memory_block link_provider
	section_activate publish_node mhp_init_memmap_on_memory zone_pagesets_new online_pages
	isolate migrate_range"}
CALL=${CALL:-1}		# which call of the step fails: the first, or a later one
NTH=$([ $CALL = 1 ] || echo " (call $CALL)")
ENOMEM_RETVAL=$(printf '%#x' -12)
DIMM_SIZE=256M
VMEM_SIZE=$((256 << 20))

# ---- fail_function ------------------------------------------------------------

# arm STEP TYPE: call CALL of STEP from now on fails (once); the calls
# before it pass ("space" counts them down: it fails the call that finds
# it at 1 or 0).
arm()
{
	echo 100 >$F/probability && echo 1 >$F/interval && echo 1 >$F/times &&
		echo $CALL >$F/space && echo 1 >$F/verbose &&
		echo "$1" >$F/inject || return 1
	ARMED=$1
	[ "$2" = NULL ] || echo "$ENOMEM_RETVAL" >$F/$1/retval
}
# (times stays at 0 once the step fired: only an armed step can have fired)
fired() { [ -n "$ARMED" ] && [ "$(cat $F/times)" = 0 ]; }
disarm() { echo >$F/inject; ARMED=; }
ARMED=

# ---- the operations of one tour ---------------------------------------------------
# op_NAME runs one operation and sets ERR (an errno name, OK, or what the
# driver logged); undo_NAME, where it exists, clears a failed attempt away
# so that the operation can run again.

N=0		# DIMMs plugged so far: each gets a fresh id
DIMM=		# the plugged DIMM, and its blocks
BLK_A=
BLK_B=

op_plug()
{
	local before new ost
	N=$((N + 1))
	DIMM=d$N
	before=$(blocks | tr '\n' ' ')
	ost="{\"info\": {\"device\": \"$DIMM\", \"source\": 1}}"
	if ! dimm_add $DIMM $DIMM_SIZE 2 || ! wait_event ACPI_DEVICE_OST 60 "$ost"; then
		ERR="QMP: $REPLY"
		return
	fi
	new=$(new_blocks "$before")
	set -- $new
	BLK_A=${1:-}
	BLK_B=${2:-}
	if [ $# = 2 ]; then
		ERR=OK
	else
		# the driver says why it did not use the memory
		ERR=$(kmsg_since |
			grep -o -m1 -E "(not attached|not used|could not be added): -?[0-9]+" ||
			echo "no blocks and no log line")
	fi
}
undo_plug()
{
	dimm_unplug $DIMM 60 || { WHY="device_del of the unused $DIMM: $REPLY"; return 1; }
}
op_online_a() { ERR=$(try_write $MEM/memory$BLK_A/state online_movable); }
op_online_b() { ERR=$(try_write $MEM/memory$BLK_B/state online_kernel); }
op_fill()
{
	helper_start data fill 64 anon 2
	ERR=$(head -1 /tmp/data.out)
	[ "$ERR" = READY ] && ERR=OK
}
op_offline_a() { ERR=$(try_write $MEM/memory$BLK_A/state offline); }
op_offline_b() { ERR=$(try_write $MEM/memory$BLK_B/state offline); }
op_unfill()
{
	helper_finish data
	PID_data=
	ERR=$(tail -1 /tmp/data.out)
	[ "$ERR" = INTACT ] && ERR=OK
}
# virtio-mem retries a failed request by itself (after a back-off of up to
# a minute): its "repeat" is that retry, so it gets no undo and a long wait.
vmem_at() { [ "$(vmem_plugged)" = "$1" ]; }
op_vmem()
{
	vmem_resize $1 || { ERR="QMP: $REPLY"; return; }
	if wait_until 20 vmem_at $1; then
		ERR=OK
	else
		ERR=$(kmsg_since | grep -o -m1 -E "virtio_mem.*(fail|-[0-9]+).*" ||
			echo "virtio-mem stuck at $(vmem_plugged) bytes, no log line")
	fi
}
# the grown blocks go online, so that the shrink offlines and removes them
# (offline_and_remove_memory(), the removal that may fail)
op_vmem_grow()
{
	local before b
	before=$(blocks | tr '\n' ' ')
	op_vmem $VMEM_SIZE
	[ "$ERR" = OK ] || return
	for b in $(new_blocks "$before"); do
		ERR=$(try_write $MEM/memory$b/state online_movable)
		[ "$ERR" = OK ] || return
	done
}
op_vmem_shrink() { op_vmem 0; }
op_eject()
{
	if dimm_unplug $DIMM 60 && wait_until 20 all_gone $BLK_A $BLK_B; then
		DIMM=
		ERR=OK
	else
		ERR="eject: $REPLY"
	fi
}
# (block B, Normal, onlines only once the data is gone: the kernel memory
# of a task bound to the node, slabs and page tables, would land in B and
# keep it from going offline again)
TOUR="plug online_a fill offline_a unfill online_b offline_b vmem_grow vmem_shrink eject"

# ---- one step, one tour -------------------------------------------------------------

# tour_state: hotplug_state, and QEMU's memory devices (a failed plug's DIMM
# must be gone again by the end of the tour).
tour_state()
{
	hotplug_state
	qmp query-memory-devices || echo "query-memory-devices: $REPLY"
	echo "$REPLY" | grep -o '"id": "[^"]*"' | sort
}

# run_op OP: run it; if the armed step fired in it, judge the failure and
# run OP again unarmed.  Sets WHY on failure, FIRED_IN/SEEN/ROLLED on firing.
run_op()
{
	local op=$1 before after
	before=$(hotplug_state)
	kmsg_mark
	op_$op
	if ! fired; then
		[ "$ERR" = OK ] && return 0
		WHY="$op failed ($ERR) with the step not fired"
		return 1
	fi
	disarm
	FIRED_IN=$op
	SEEN=$ERR
	case $op in
	vmem_*)
		# the driver retries by itself (at once, another way, or after
		# a back-off): that is the repeat, and it must get there
		wait_until 150 vmem_at $([ $op = vmem_grow ] && echo $VMEM_SIZE || echo 0) ||
			{ WHY="virtio-mem did not recover: $(vmem_plugged) bytes"; return 1; }
		[ "$ERR" != OK ] || SEEN="retried at once"
		ROLLED="by the driver's retry"
		return 0 ;;
	esac
	after=$(hotplug_state)
	case $ERR in
	OK)
		WHY="$op succeeded although the step failed"
		return 1 ;;
	*"no log line"*)
		WHY="$op failed without saying why: $ERR"
		return 1 ;;
	esac
	if [ "$after" != "$before" ]; then
		WHY="$op left changes behind"
		state_diff "$before" "$after"
		ROLLED=no
		return 1
	fi
	ROLLED=yes
	if [ "$(type -t undo_$op)" = function ]; then undo_$op || return 1; fi
	kmsg_mark
	op_$op
	[ "$ERR" = OK ] || { WHY="$op failed again without injection ($ERR)"; return 1; }
}

# tour STEP TYPE: arm STEP, run every operation; 0 when the step fired
# once, was reported and rolled back, and the tour ended as it began.
tour()
{
	local op start calls
	WHY= FIRED_IN= SEEN= ROLLED= FEWER=
	start=$(tour_state)
	arm "$1" "$2" || { WHY="fail_function refused $1"; return 1; }
	for op in $TOUR; do
		run_op $op || break
	done
	calls=$((CALL - $(cat $F/space)))
	disarm
	[ -z "$WHY" ] || return 1
	if [ -z "$FIRED_IN" ] && [ $CALL -gt 1 ]; then
		WHY="called $([ $calls = 0 ] && echo never || echo "only $calls x")"
		WHY="$WHY in a tour: no call $CALL to fail"
		# (a skip when every step runs, but the tour must end as it began)
		if wait_until 10 eval '[ "$(tour_state)" = "$start" ]'; then
			FEWER=$WHY
		else
			WHY="$WHY, and the tour did not end as it began"
		fi
		return 1
	fi
	[ -n "$FIRED_IN" ] || { WHY="no operation reached $1"; return 1; }
	wait_until 10 eval '[ "$(tour_state)" = "$start" ]' && return 0
	WHY="the tour did not end as it began"
	state_diff "$start" "$(tour_state)"
	return 1
}

# clean_up: a broken tour may leave data, online blocks or a DIMM behind;
# the next step starts without them.
clean_up()
{
	local b
	disarm
	if [ -n "${PID_data:-}" ]; then
		helper_finish data >/dev/null 2>&1
		PID_data=
	fi
	for b in $BLK_A $BLK_B; do
		[ -e $MEM/memory$b ] && wait_until 10 set_offline $b
	done
	[ -z "$DIMM" ] || dimm_unplug $DIMM 60 >/dev/null 2>&1
	vmem_resize 0 >/dev/null 2>&1
	wait_until 60 vmem_at 0
}
set_offline() { [ "$(state_of $1)" = offline ] || echo offline >$MEM/memory$1/state; }

# ---- the run ---------------------------------------------------------------------

ktap_print_header

# STEP TYPE lines: every step the build marked, with the kernel's type
declare -A TYPE
while read -r fn file; do
	TYPE[$fn]=$(awk -v f="$fn" '$1 == f {print $2}' /sys/kernel/debug/error_injection/list)
done </memhp/inject_points
ALL=$(awk '{print $1}' /memhp/inject_points)
if [ "$(param faults subset)" = all ]; then
	STEPS=$ALL
else
	STEPS=$SUBSET
fi
set -- $STEPS
ktap_set_plan $(($# + 3))

# all_known STEP...: each is a step the build marked and the kernel lists,
# and the compiler made no copy of it (.constprop, .isra, .part) that calls
# could reach without passing the probe.
all_known()
{
	local s
	[ $# -gt 0 ] || { echo "# no steps at all"; return 1; }
	for s in "$@"; do
		[ -n "${TYPE[$s]:-}" ] || { echo "# $s: not an injectable step"; return 1; }
	done
	s=$(awk '{sub(/\.(constprop|isra|part)\..*/, "", $3); print $3}' /proc/kallsyms |
		grep -xF -f <(printf '%s\n' "$@") | sort | uniq -d)
	[ -z "$s" ] || { echo "# copies of:" $s; return 1; }
}
check "the kernel marks $(echo $ALL | wc -w) hotplug steps injectable, each one listed" \
	all_known $ALL
check "each step this run fails ($# of them) is one of them" all_known $STEPS

START=$(tour_state)
echo "# step | operation it failed | reported | rolled back"
for s in $STEPS; do
	if [ -z "${TYPE[$s]:-}" ]; then
		ktap_test_fail "$s fails and rolls back (not an injectable step)"
		continue
	fi
	if tour "$s" "${TYPE[$s]}"; then
		echo "# $s | $FIRED_IN | $SEEN | $ROLLED"
		ktap_test_pass "$s$NTH fails in $FIRED_IN ($SEEN), changing nothing, then succeeds"
	elif [ -n "$FEWER" ] && [ "$(param faults subset)" = all ]; then
		# (memhp_fault_function.sh with memhp.faults=all proves that
		# every step is reached; a step of the subset must be called
		# CALL times)
		echo "# $s | - | - | -: $FEWER"
		ktap_test_skip "$s: $FEWER"
	else
		echo "# $s | ${FIRED_IN:--} | ${SEEN:--} | ${ROLLED:--}: $WHY"
		ktap_test_fail "$s$NTH fails and rolls back: $WHY"
		clean_up
	fi
done
# as_at_start: the hotplug state is what it was before the first step
as_at_start()
{
	[ "$(tour_state)" = "$START" ] && return 0
	state_diff "$START" "$(tour_state)"
	return 1
}
check "the guest ends as it began: blocks, zones, nodes, MemTotal, memmap, QEMU's devices" \
	as_at_start
ktap_finished
