#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ah. A soak that keeps every byte.  CYCLES cycles (memhp.soak_cycles=, 16
#     by default; make soak runs 256), each one operation picked at random:
#     plug a DIMM on node 1 (ACPI) and online some of its blocks; online
#     an offline hot-added block (a DIMM's in a random zone, the others
#     Movable); offline an online one (sysfs, given up after 20 s); eject
#     a DIMM (ACPI; half the time its blocks are offlined first, else the
#     eject offlines them or tells the firmware it could not); resize
#     virtio-mem (node 1) to a random size; or probe a block (node 0).
#     Meanwhile stress-ng maps, verifies and unmaps anonymous THP memory,
#     shmem files are rewritten and read, compaction is asked for and the
#     2 MiB hugetlb pool grows and shrinks; and a
#     data holder keeps 96 MiB of a known pattern bound to node 1, reads
#     all of it back every second (bytes that differ are summed over the
#     passes), and moves it back to node 1 whenever an offline migrated
#     it away.
#     Every operation must end in success or in a refusal a busy system may
#     give (EBUSY, EINTR at the time limit, a busy eject) and leave its
#     blocks online or offline, never between; at most one offline in
#     eight may give up at its time limit.  At the end the load stops,
#     everything hot-added goes away again (the probed blocks, which
#     cannot be removed, go offline; a DIMM stays only if kernel memory,
#     which the kernel may put in a Normal block and never move, refuses
#     its offline) and: not one byte of the holder changed; MemTotal,
#     nr_memmap_pages (plus what the probed and kept blocks add) and
#     node 1's memory are back to the start; unreclaimable slab
#     is within SLAB_SLACK_KB of the start; kmemleak (after the scenario)
#     finds nothing.  The seed of the random choices is printed;
#     memhp.soak_seed= repeats them (the outcomes differ with timing).
#
# memhp-needs: qmp
# memhp-qemu: -m 6G,slots=8,maxmem=40G -smp 2
# memhp-qemu: -object memory-backend-ram,id=r0,size=6G
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0-1 -numa node,nodeid=1
# memhp-qemu: -object memory-backend-ram,id=vmem0,size=1G
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,node=1,requested-size=0
# memhp-append: mem=1G memhp_default_state=offline memory_hotplug.memmap_on_memory=1
# memhp-append: kmemleak=on
# memhp-soak: 16 10
# memhp-timeout: 420
# memhp-alone: load on both vCPUs through every cycle
# memhp-upstream: xfail stock oopses when compaction races a hot-remove
# memhp-upstream-debug: xfail stock oopses when compaction races a hot-remove, and its
# memhp-upstream-debug: kmemleak oopses scanning the relocated initrd it freed (mem= guest)
# (the holder moving its data back to node 1 while an offline empties it)
# memhp-console-ok: memhp-holder: page allocation failure: order:0, .*nodemask=1
. "$(dirname "$0")/lib_memhp.sh"

CYCLES=$(param soak_cycles 16)
SEED=$(param soak_seed $((EPOCHSECONDS % 32768)))
RANDOM=$SEED
MAX_DIMMS=4
MAX_PROBED=8
PROBE_BASE=$((4 << 30))		# RAM QEMU has and mem=1G hides: 4 GiB - 8 GiB
HOLD_MIB=96
SLAB_SLACK_KB=8192
OFFLINE_LIMIT=20		# seconds, times TIME_SCALE
EJECT_LIMIT=120			# seconds (times TIME_SCALE: wait_event scales)

ktap_print_header
ktap_set_plan 10
ktap_print_msg "$CYCLES cycles, seed $SEED (memhp.soak_seed=$SEED repeats the choices)"

# ---- bookkeeping ----------------------------------------------------------------

BOOT=" $(blocks | tr '\n' ' ')"
DIMMS=			# plugged DIMM ids
NEXT=0			# DIMMs plugged so far: each gets a fresh id
PROBED=0		# blocks probed so far
PROBE_MEMMAP=0		# nr_memmap_pages the probed blocks added
UNEXPECTED=		# operations that ended in a way they must not
declare -A TALLY	# "op result" -> count

tally() { TALLY["$1"]=$((${TALLY["$1"]:-0} + 1)); }
unexpected() { UNEXPECTED="$UNEXPECTED|cycle $CYCLE: $*"; tally "$OP unexpected"; }
# pick WORD...: one of them, at random, in PICKED (no subshell: the seed
# must drive every choice)
pick() { [ $# -gt 0 ] || return 1; shift $((RANDOM % $#)); PICKED=$1; }
memmap_pages() { sed -n 's/^nr_memmap_pages \([0-9]*\)/\1/p' /proc/vmstat; }
slab_kb() { meminfo_kb SUnreclaim; }
# settle: write back, drop the caches and shrink every slab cache (on a
# KASAN kernel that empties its quarantine of freed objects, megabytes of
# unreclaimable slab), then compact
settle() { sync; drain_caches; echo 1 >/proc/sys/vm/compact_memory; }

# hot-added blocks in STATE
hot_blocks()
{
	local b
	for b in $(blocks); do
		case "$BOOT " in *" $b "*) continue ;; esac
		[ "$(state_of $b 2>/dev/null)" = "$1" ] && echo $b
	done
}

# online_random BLOCK: a DIMM's block goes online in one of the zones
# valid_zones offers, or with a plain "online" (the kernel's choice);
# probed and virtio-mem blocks go Movable: kernel memory in a probed block
# would keep it online for good (it cannot be removed), and virtio-mem
# unplugs only what it can migrate away
online_random()
{
	local how res
	if [ $1 -lt $DIMM_FIRST ]; then
		how=online_movable
	else
		pick online $(zones_of $1 |
			sed 's/Movable/online_movable/; s/Normal/online_kernel/')
		how=$PICKED
	fi
	res=$(try_write $MEM/memory$1/state $how)
	[ "$res" = OK ] || [ -e $MEM/memory$1 ] || res=gone
	tally "online $res"
	case $res in
	OK|gone) ;;
	*) unexpected "$how memory$1: $res" ;;
	esac
}

# offline_limited BLOCK: offline it, giving up after OFFLINE_LIMIT seconds
offline_limited()
{
	local res
	res=$(offline_within $1 $OFFLINE_LIMIT)
	case $res in
	OK|EINTR) ;;
	"Device or resource busy") res=EBUSY ;;
	*) [ -e $MEM/memory$1 ] && unexpected "offline memory$1: $res" || res=gone ;;
	esac
	tally "offline $res"
	[ "$res" = OK ]
}

# where virtio-mem's memory ends, the DIMMs' begins (QEMU puts the DIMMs
# above the virtio-mem device); the probed blocks are below both
qmp query-memory-devices
DIMM_FIRST=$(echo "$REPLY" |
	sed -n 's/.*"memaddr": \([0-9]*\).*"max-size": \([0-9]*\).*/\1 \2/p' |
	{ read -r a m && echo $(((a + m) / BLOCK_SIZE)); })
[ -n "$DIMM_FIRST" ] || { echo "Bail out! no virtio-mem device: $REPLY"; exit 1; }

# ---- the operations --------------------------------------------------------------

op_plug()
{
	local id=d$NEXT size b new
	size=$(((RANDOM % 4 + 1) * 128))M
	NEXT=$((NEXT + 1))
	if ! new=$(dimm_plug $id $size 1); then
		unexpected "plug $id $size: refused by QEMU or its blocks did not appear"
		return
	fi
	tally "plug OK"
	DIMMS="$DIMMS $id"
	for b in $new; do
		[ $((RANDOM % 4)) = 0 ] || online_random $b
	done
}

op_online() { pick $(hot_blocks offline) && online_random $PICKED; }
op_offline() { pick $(hot_blocks online) && offline_limited $PICKED; }

op_eject()
{
	local id b blks res
	pick $DIMMS || return
	id=$PICKED
	blks=$(dimm_blocks $id)
	[ -n "$blks" ] || { unexpected "QEMU does not report where $id is"; return; }
	if [ $((RANDOM % 2)) = 0 ]; then
		for b in $blks; do
			[ "$(state_of $b)" = offline ] || offline_limited $b || return
		done
	fi
	if ! qmp device_del "{\"id\": \"$id\"}"; then
		unexpected "device_del $id: $REPLY"
		return
	fi
	res=$(eject_result $id)
	case $res in
	OK)
		qmp object-del "{\"id\": \"mem-$id\"}" || unexpected "object-del $id: $REPLY"
		all_gone $blks || unexpected "$id ejected, its blocks stayed"
		DIMMS=$(echo " $DIMMS " | sed "s/ $id / /")
		;;
	busy|failed)
		# refused (a block would not go offline): the DIMM stays whole
		for b in $blks; do
			case $(state_of $b) in
			online|offline) ;;
			*) unexpected "eject of $id refused, memory$b is $(state_of $b)" ;;
			esac
		done
		;;
	*) unexpected "eject of $id: $res" ;;
	esac
	tally "eject $res"
}

# eject_result ID: after device_del, "OK" once QEMU deleted the DIMM, or
# what the kernel told the firmware (_OST for the eject request: 0x82
# "busy", 0x1 "failed"), or "no answer" after EJECT_LIMIT seconds
eject_result()
{
	local i ost="\"device\": \"$1\", \"source\": 3"
	for i in $(seq 1 $EJECT_LIMIT); do
		wait_event DEVICE_DELETED 1 "{\"device\": \"$1\"}" && { echo OK; return; }
		wait_event ACPI_DEVICE_OST 0 "{\"info\": {$ost, \"status\": 130}}" &&
			{ echo busy; return; }
		wait_event ACPI_DEVICE_OST 0 "{\"info\": {$ost, \"status\": 1}}" &&
			{ echo failed; return; }
	done
	echo "no answer"
}

vmem_at() { [ "$(vmem_plugged)" = "$1" ]; }
op_vmem()
{
	local want=$(((RANDOM % 9) * 128 << 20)) had
	had=$(vmem_plugged)
	vmem_resize $want || { unexpected "virtio-mem to $want: $REPLY"; return; }
	if wait_until 30 vmem_at $want; then
		tally "vmem OK"
	elif [ "$want" -gt "$had" ]; then
		unexpected "virtio-mem grew to $(vmem_plugged) of $want bytes"
	else
		# busy memory: virtio-mem would retry later, offlining and
		# removing blocks under the next operations; asking for what
		# it has stops it
		vmem_resize $(vmem_plugged)
		tally "vmem stopped"
	fi
}

op_probe()
{
	local before res
	[ $PROBED -lt $MAX_PROBED ] || return
	before=$(memmap_pages)
	res=$(try_write $MEM/probe $(printf '%#x' $((PROBE_BASE + PROBED * BLOCK_SIZE))))
	tally "probe $res"
	[ "$res" = OK ] || { unexpected "probe: $res"; return; }
	PROBED=$((PROBED + 1))
	PROBE_MEMMAP=$((PROBE_MEMMAP + $(memmap_pages) - before))
}

# between: the blocks in neither state (a driver may be finishing one)
between()
{
	local b s
	for b in $(blocks); do
		s=$(state_of $b 2>/dev/null) || continue	# gone meanwhile
		case $s in
		online|offline) ;;
		*) echo "memory$b:$s" ;;
		esac
	done
}
# every block is online or offline, not between, within 10 s
settled()
{
	wait_until 10 eval '[ -z "$(between)" ]' ||
		unexpected "after $OP, blocks are between states: $(between)"
}

# kept_by_kernel ID: the DIMM's eject was refused because kernel memory
# sits in it, which the kernel may place in a ZONE_NORMAL block and never
# move: every online block of it is Normal, its offline fails with EBUSY,
# and the pages the kernel names for it are kernel pages of that block
# (a user page there would be a folio some path failed to put back).  Its
# blocks are then counted in KEPT_BLOCK_LIST, KEPT_BLOCKS and (online)
# KEPT_ONLINE.
kept_by_kernel()
{
	local id=$1 b blks kernel online=
	blks=$(dimm_blocks $id) || return 1
	for b in $blks; do
		[ "$(state_of $b)" = online ] || continue
		kernel=$(held_by_kernel $b) || return 1
		ktap_print_msg "memory$b: kernel page at pfn $kernel keeps it online"
		online="$online $b"
	done
	[ -n "$online" ] || return 1
	set -- $blks
	KEPT_BLOCKS=$((KEPT_BLOCKS + $#))
	KEPT_BLOCK_LIST="$KEPT_BLOCK_LIST $(echo $blks)"
	set -- $online
	KEPT_ONLINE=$((KEPT_ONLINE + $#))
	ktap_print_msg "kernel memory in its Normal block(s) $* keeps DIMM $id plugged"
}

# ---- load ----------------------------------------------------------------------

settle
START_TOTAL=$(memtotal_kb)
START_MEMMAP=$(memmap_pages)
START_SLAB=$(slab_kb)
START_NODES=$(cat $NODE/has_memory)
START_MIGRATED=$(sed -n 's/^pgmigrate_success //p' /proc/vmstat)

# the holder's first home: 512 MiB of node 1, Movable; what one block
# adds to nr_memmap_pages (plugged) and to MemTotal (online), for DIMMs
# kernel memory keeps at the end
NEXT=1
DIMMS=d0
d0=$(dimm_plug d0 512M 1) || { echo "Bail out! the first DIMM did not plug"; exit 1; }
set -- $d0
BLOCK_MEMMAP=$((($(memmap_pages) - START_MEMMAP) / $#))
online_blocks online_movable $d0 || { echo "Bail out! the first DIMM did not come online"; exit 1; }
BLOCK_TOTAL_KB=$((($(memtotal_kb) - START_TOTAL) / $#))
helper_start holder hold $HOLD_MIB 1
[ "$(head -1 /tmp/holder.out)" = READY ] ||
	{ echo "Bail out! the data holder did not start: $(head -1 /tmp/holder.out)"; exit 1; }

compact_often() { while :; do echo 1 >/proc/sys/vm/compact_memory; sleep 3; done; }
hugetlb_often()
{
	while :; do
		echo 8 >$HUGE2M/nr_hugepages; sleep 2
		echo 0 >$HUGE2M/nr_hugepages; sleep 2
	done 2>/dev/null
}
churn_shmem 8 8 0.2 & LOAD=$!
compact_often & LOAD="$LOAD $!"
hugetlb_often & LOAD="$LOAD $!"
stress-ng --vm 1 --vm-bytes 64M --vm-madvise hugepage --verify -t 0 >/tmp/stress.out 2>&1 &
STRESS=$!
LOAD="$LOAD $STRESS"

# ---- the cycles ----------------------------------------------------------------

T0=$EPOCHSECONDS
for CYCLE in $(seq 1 $CYCLES); do
	pick plug online offline eject vmem probe online offline vmem
	OP=$PICKED
	case $OP in
	plug) set -- $DIMMS; [ $# -lt $MAX_DIMMS ] || OP=eject ;;
	esac
	op_$OP
	settled
	read -r _ _ verified bad away < <(tail -1 /tmp/holder.out)
	kill -0 $PID_holder 2>/dev/null || unexpected "the data holder died"
	case $away in
	-1) away="all (node 1 has no memory)" ;;
	-2) unexpected "the holder could not query or move its pages" ;;
	esac
	ktap_print_msg "cycle $CYCLE/$CYCLES, $((EPOCHSECONDS - T0)) s: $OP;" \
		"$((verified >> 20)) MiB verified, $bad bytes mismatched, $away pages off node 1"
done

# ---- the end: everything goes away again --------------------------------------------

# (it runs until killed: one that ended verified nothing for the rest)
kill -0 $STRESS 2>/dev/null ||
	unexpected "stress-ng ended before the cycles did: $(tail -1 /tmp/stress.out)"
kill $LOAD 2>/dev/null
wait $LOAD 2>/dev/null
rm -f /dev/shm/churn*
echo 0 >$HUGE2M/nr_hugepages
settle

OP=cleanup
# every hot-added block offline (a few tries: the last stray pages go)
for try in 1 2 3; do
	for b in $(hot_blocks online); do
		offline_limited $b
	done
	[ -z "$(hot_blocks online)" ] && break
	settle
done
# virtio-mem waits out a back-off after a refused unplug; a new request
# starts it at once, and its blocks are offline now
vmem_resize $BLOCK_SIZE && wait_until 60 vmem_at $BLOCK_SIZE &&
	vmem_resize 0 && wait_until 60 vmem_at 0 ||
	unexpected "virtio-mem stuck at $(vmem_plugged) bytes"
KEPT=			# DIMMs kernel memory keeps
KEPT_BLOCKS=0		# their blocks
KEPT_BLOCK_LIST=	# (which)
KEPT_ONLINE=0		# their online blocks
for id in $DIMMS; do
	for try in 1 2 3; do
		res=
		qmp device_del "{\"id\": \"$id\"}" && res=$(eject_result $id)
		[ "$res" = busy ] || break
		settle
	done
	if [ "$res" = OK ] && qmp object-del "{\"id\": \"mem-$id\"}"; then
		DIMMS=$(echo " $DIMMS " | sed "s/ $id / /")
	else
		why="$res $REPLY"
		if [ "$res" = busy ] && kept_by_kernel $id; then
			KEPT="$KEPT $id"
		else
			unexpected "eject $id at the end: $why"
		fi
	fi
done
# (an eject offlines what is left of its DIMM: only the rest must be offline)
for b in $(hot_blocks online); do
	case " $KEPT_BLOCK_LIST " in *" $b "*) continue ;; esac
	unexpected "memory$b stayed online at the end"
done
KEPT_NODES=$START_NODES
[ $KEPT_ONLINE = 0 ] || KEPT_NODES=0-1

helper_finish holder
HELD=$(tail -1 /tmp/holder.out)
passes=$(grep -c ^PASS /tmp/holder.out)
settle

ktap_print_msg "$((EPOCHSECONDS - T0)) s; operations:" \
	$(for k in "${!TALLY[@]}"; do echo "$k=${TALLY[$k]}"; done | sort | tr ' ' :)
ktap_print_msg "pages migrated: $(($(sed -n 's/^pgmigrate_success //p' /proc/vmstat) -
	START_MIGRATED)); probed blocks: $PROBED"
[ -z "$UNEXPECTED" ] || echo "$UNEXPECTED" | tr '|' '\n' | sed -n 's/^./# &/p' | head -20
check "every operation succeeded or was refused as a busy system may refuse" \
	[ -z "$UNEXPECTED" ]
check "the data holder read back every byte through $passes passes ($HELD)" \
	[ "${HELD%% *}" = INTACT ]
STRESS_FAIL='fail: +\['	# stress-ng's "fail: [pid] vm: ..." lines
check "stress-ng verified its own memory ($(grep -cE "$STRESS_FAIL" /tmp/stress.out) failures)" \
	eval '! grep -qE "$STRESS_FAIL" /tmp/stress.out'
given_up=${TALLY["offline EINTR"]:-0}
offlines=$((given_up + ${TALLY["offline OK"]:-0} + ${TALLY["offline EBUSY"]:-0}))
check "at most one offline in eight gave up at the time limit ($given_up of $offlines)" \
	[ $((given_up * 8)) -le $offlines ]
left=$(echo $DIMMS) kept=$(echo $KEPT)
what="every DIMM ejected but those kernel memory keeps (${kept:-none}), virtio-mem unplugged"
check "$what (left: ${left:-none}, $(vmem_plugged) bytes)" \
	eval '[ "$left" = "$kept" ] && vmem_at 0'
want=$((START_TOTAL + KEPT_ONLINE * BLOCK_TOTAL_KB))
what="MemTotal is back to $START_TOTAL kB + $KEPT_ONLINE kept blocks"
check "$what ($(memtotal_kb) of $want kB)" memtotal_is $want
want=$((START_MEMMAP + PROBE_MEMMAP + KEPT_BLOCKS * BLOCK_MEMMAP))
what="nr_memmap_pages is back to $START_MEMMAP + $PROBE_MEMMAP probed + $KEPT_BLOCKS kept blocks"
check "$what ($(memmap_pages) of $want)" [ "$(memmap_pages)" -eq $want ]
check "node memory is as at the start, node 1 too if blocks were kept ($(cat $NODE/has_memory))" \
	[ "$(cat $NODE/has_memory)" = "$KEPT_NODES" ]
check "no pageblock left isolated ($(isolated_pageblocks))" [ "$(isolated_pageblocks)" = 0 ]
check "unreclaimable slab within $SLAB_SLACK_KB kB of the start ($START_SLAB -> $(slab_kb) kB)" \
	[ $(($(slab_kb) - START_SLAB)) -le $SLAB_SLACK_KB ]
ktap_finished
