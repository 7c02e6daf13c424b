#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The memhp demo: what an administrator needs to know about memory hot(un)plug,
# on a guest driven by real firmware events (QEMU pc-dimm over ACPI), each
# command echoed before it runs and each outcome checked.  `make demo` boots
# this and narrates it:
#   1. read the state first: block size, auto-online policy, a block's state
#      and valid_zones, and why block numbers start where they do;
#   2. the host hot-adds a 1 GiB DIMM: its blocks arrive offline;
#   3. one block is onlined into ZONE_NORMAL, the rest into ZONE_MOVABLE;
#   4. the Movable blocks go offline while they hold data: it moves out intact;
#   5. the Normal block does not, once kernel memory sits in it (EBUSY);
#   6. so the host's eject of that DIMM is refused, while a second DIMM, all
#      Movable, ejects: the guest offlines its online blocks by itself.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. /kselftest/memory-hotplug/lib_memhp.sh

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; eval "$*"; }
fail() { echo "demo: FAILED: $*"; exit 1; }
tell() { printf '%s\n' "$@"; }		# one line per argument
hex() { printf '0x%x' "$1"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
MIB=$((BLOCK_SIZE >> 20))

# plug ID SIZE: the host hot-adds a DIMM; NEW gets the guest's new blocks,
# ADDR the address QEMU gave the DIMM, and both must agree
plug()
{
	local before want size
	size=$(bytes "$2")
	before=$(blocks | tr '\n' ' ')
	want=$(($(nr_blocks) + size / BLOCK_SIZE))
	echo "qmp: object-add memory-backend-ram id=mem-$1 size=$2;" \
		"device_add pc-dimm id=$1 memdev=mem-$1"
	dimm_add "$1" "$2" || fail "QEMU refused the DIMM $1: $REPLY"
	wait_until 60 count_is "$want" || fail "the blocks of $1 did not appear"
	NEW=($(new_blocks "$before"))
	dimm_where "$1" || fail "QEMU did not say where $1 is: $REPLY"
	ADDR=$DIMM_ADDR
	echo "qmp: query-memory-devices -> $1 at $(hex $ADDR), $2"
	echo "the guest's ACPI memory driver added blocks ${NEW[0]}-${NEW[-1]}:" \
		"$(hex $ADDR) / $(hex $BLOCK_SIZE) = $((ADDR / BLOCK_SIZE))"
	[ "${NEW[0]}" -eq $((ADDR / BLOCK_SIZE)) ] &&
		[ "${NEW[-1]}" -eq $(((ADDR + size) / BLOCK_SIZE - 1)) ] &&
		[ ${#NEW[@]} -eq $((size / BLOCK_SIZE)) ] ||
		fail "$1 at $(hex $ADDR) should be blocks" \
			"$((ADDR / BLOCK_SIZE))-$(((ADDR + size) / BLOCK_SIZE - 1))," \
			"the guest added ${NEW[*]}"
}

# data_in_movable NAME MIB: a helper that holds MIB MiB of user data, which
# must land in ZONE_MOVABLE (the highest zone user memory may use)
data_in_movable()
{
	local used
	echo "\$ memhp_helper fill $2 &     # a test program: $2 MiB of data, checked later"
	helper_start "$1" fill "$2" anon
	grep -qx READY /tmp/$1.out || fail "the helper did not start: $(cat /tmp/$1.out)"
	used=$(movable_used_kb)
	tell "ZONE_MOVABLE has $((used >> 10)) MiB in use now: user memory goes to the highest" \
		" zone it may use, and that is Movable"
	[ "$used" -ge $(($2 * 3 / 4 << 10)) ] || fail "the data is not in ZONE_MOVABLE"
}

# intact NAME: the helper checks its data and must find it intact
intact()
{
	helper_finish "$1"
	[ "$(tail -1 /tmp/$1.out)" = INTACT ] ||
		fail "the data did not survive: $(tail -1 /tmp/$1.out)"
	echo "the helper reads every byte back: $(tail -1 /tmp/$1.out)"
}

# ---- 1 -------------------------------------------------------------------------
say "1. read the state before acting ($(uname -r))"
run cd $MEM
run cat block_size_bytes
tell "(hex: $(hex $BLOCK_SIZE) bytes = $MIB MiB.  Memory comes and goes in blocks of" \
	" this size: block N covers the physical addresses from N * $MIB MiB on)"
run cat auto_online_blocks
if [ "$(cat auto_online_blocks)" != offline ]; then
	echo "(hot-added blocks would come online by themselves; this demo onlines by hand)"
	run "echo offline > auto_online_blocks"
fi
echo "a hot-added block stays offline until someone onlines it"
run lsmem -o RANGE,SIZE,STATE,BLOCK,ZONES
boot=($(blocks))
b=${boot[-1]}
run "cat memory$b/state memory$b/valid_zones"
tell "the boot RAM is blocks ${boot[0]}-$b: $((${#boot[@]} * MIB)) MiB from address 0." \
	"An online block's valid_zones is the zone it is in: below 4 GiB, DMA and DMA32." \
	"memory${boot[0]} holds both (ZONE_DMA ends at 16 MiB), so it reads none (lsmem: None):" \
	"a block that spans zones cannot be offlined."
normal=$(zone_spanned Normal)
[ "$normal" = 0 ] && echo "No RAM lies above 4 GiB here, so ZONE_NORMAL is empty so far."
[ "$(state_of $b)" = online ] || fail "boot memory$b is $(state_of $b)"

# ---- 2 -------------------------------------------------------------------------
say "2. the host hot-adds a 1 GiB DIMM (an ACPI event)"
total0=$(memtotal_kb)
plug d1 1G
tell "(QEMU puts DIMMs in its device-memory region, which starts at 4 GiB, or after" \
	" the RAM above 4 GiB: so the first DIMM's first block is 4 GiB / $MIB MiB)"
first=${NEW[0]} last=${NEW[-1]} m0=$((NEW[0] + 1))
run "cat memory$first/state memory$first/valid_zones"
for b in "${NEW[@]}"; do
	[ "$(state_of $b)" = offline ] || fail "memory$b arrived $(state_of $b)"
done
zones=$(for b in "${NEW[@]}"; do zones_of $b; done | sort -u | tr '\n' ',')
tell "all ${#NEW[@]} blocks are offline, valid_zones '${zones%,}': the zones an offline" \
	" block can join (a plain 'echo online > memoryN/state' picks the first)"
[ "$(memtotal_kb)" -eq "$total0" ] || fail "MemTotal changed before any onlining"
echo "MemTotal is unchanged: offline memory is not in use"

# ---- 3 -------------------------------------------------------------------------
say "3. online one block into ZONE_NORMAL, the other $((last - first)) into ZONE_MOVABLE"
tell "Movable memory holds only pages the kernel can migrate (user data, page cache)," \
	" so it can be offlined again; Normal also takes the kernel's own allocations," \
	" which never move."
run "echo online_kernel > memory$first/state"
run "for b in {$m0..$last}; do echo online_movable > memory\$b/state; done"
echo "(chmem -e -z Movable -b $m0-$last does the same)"
run "cat memory$first/valid_zones memory$m0/valid_zones"
[ "$(state_of $first)" = online ] && [ "$(zones_of $first)" = Normal ] ||
	fail "memory$first is $(state_of $first) in '$(zones_of $first)', not online in Normal"
for b in $(seq $m0 $last); do
	[ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Movable ] ||
		fail "memory$b is $(state_of $b) in '$(zones_of $b)', not online in Movable"
done
run "grep MemTotal /proc/meminfo"
[ "$(memtotal_kb)" -eq $((total0 + ${#NEW[@]} * MIB * 1024)) ] ||
	fail "MemTotal did not grow by the DIMM's size"
echo "MemTotal grew by exactly 1 GiB"

# ---- 4 -------------------------------------------------------------------------
say "4. offline memory that holds data: the kernel moves it out first"
data_in_movable fill 96
t=$(now_us)
run "for b in {$m0..$last}; do echo offline > memory\$b/state; done"
ms=$((($(now_us) - t) / 1000))
for b in $(seq $m0 $last); do
	[ "$(state_of $b)" = offline ] || fail "memory$b did not go offline"
done
tell "the $((last - first)) Movable blocks went offline in $ms ms: the data moved to the" \
	" Normal block and the boot RAM"
intact fill
run "grep MemTotal /proc/meminfo"
[ "$(memtotal_kb)" -eq $((total0 + MIB * 1024)) ] ||
	fail "MemTotal did not shrink by the offlined blocks"
echo "MemTotal shrank by $((last - first)) x $MIB MiB"

# ---- 5 -------------------------------------------------------------------------
say "5. an offline that fails: kernel memory in the Normal block"
where="memory$first alone"
[ "$normal" = 0 ] || where="memory$first and the boot RAM above 4 GiB"
tell "The kernel takes its own memory (slab, page tables...) from the highest zone it" \
	" may use: ZONE_NORMAL, here $where.  Give it some work: directories" \
	" in a tmpfs, whose inodes and dentries are slab memory kept while they exist."
run "mkdir -p /tmp/demo/{1..3000}"
kmsg_mark
echo "\$ echo offline > memory$first/state"
res=$(offline_within $first 30)
case $res in
"Device or resource busy")
	echo "write error: $res (EBUSY)"
	[ "$(state_of $first)" = online ] && [ "$(zones_of $first)" = Normal ] ||
		fail "after EBUSY memory$first is $(state_of $first) in '$(zones_of $first)'"
	echo "memory$first stays online.  The kernel log names the page that kept it (dmesg):"
	kmsg_since | grep -E 'offlin|^page:|^page_type:|page dumped because' |
		head -6 | sed 's/^/  /'
	tell "(page_type 'slab' or 'table': a page the kernel allocated for itself.  A line" \
		" saying why the offline failed is there too where the kernel prints it: stock" \
		" 6.12 makes it a debug message)"
	held=1
	;;
OK)
	tell "it went offline: this time no kernel memory had landed in memory$first." \
		"That is luck, not something to count on with ZONE_NORMAL."
	held=
	;;
EINTR)
	fail "the offline of memory$first kept retrying for 30 s (interrupted)" ;;
*)
	fail "the offline of memory$first gave '$res'" ;;
esac
tell "What to do: online memory you may want to remove as online_movable from the" \
	" start (or echo online_movable > auto_online_blocks before the plug).  To free" \
	" memory now, offline a Movable block instead: kernel memory only goes when freed."

# ---- 6 -------------------------------------------------------------------------
if [ -n "$held" ]; then
	say "6. the host asks to eject d1: refused, memory$first cannot go offline"
	tell "On an eject request the guest offlines every block of the DIMM itself; when one" \
		" will not go offline it answers 'busy' (ACPI _OST status 0x82): the DIMM stays."
	kmsg_mark
	echo "qmp: device_del id=d1"
	# _OST 0x84 (132, in progress) while the guest works, then the answer
	status=$(eject_answer d1) || fail "QMP refused device_del d1"
	[ "$status" = 130 ] || fail "the guest answered the eject of d1 with '$status', not 130"
	echo "QEMU: ACPI_DEVICE_OST d1 status 130 (0x82, busy): the guest refused the eject"
	kmsg_since | grep -E 'Offline failed' | head -2 | sed 's/^/  (dmesg) /'
	! wait_event DEVICE_DELETED 2 '{"device": "d1"}' || fail "d1 was removed after all"
	[ "$(state_of $first)" = online ] || fail "memory$first is $(state_of $first)"
	echo "d1 stays plugged, memory$first online: no DEVICE_DELETED"
else
	say "6. the host ejects d1: all its blocks are offline, so it goes"
	echo "qmp: device_del id=d1; wait for DEVICE_DELETED"
	gone=("${NEW[@]}")
	dimm_unplug d1 || fail "the eject of d1 failed: $REPLY"
	why=$(removed "${gone[@]}") || fail "d1 left something behind: $why"
	echo "QEMU: DEVICE_DELETED d1; blocks $first-$last are gone"
fi

say "6b. a DIMM that is all Movable ejects: the guest offlines its blocks by itself"
total1=$(memtotal_kb)
plug d2 512M
d2=("${NEW[@]}")
run "for b in {${d2[0]}..${d2[-1]}}; do echo online_movable > memory\$b/state; done"
for b in "${d2[@]}"; do
	[ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Movable ] ||
		fail "memory$b is $(state_of $b) in '$(zones_of $b)', not online in Movable"
done
data_in_movable fill2 64
echo "qmp: device_del id=d2; wait for DEVICE_DELETED   (the blocks are still online)"
t=$(now_us)
dimm_unplug d2 || fail "the eject of d2 failed: $REPLY"
ms=$((($(now_us) - t) / 1000))
tell "QEMU: DEVICE_DELETED d2 after $ms ms: the guest offlined its ${#d2[@]} blocks" \
	" (moving the data out) and removed them"
why=$(removed "${d2[@]}") || fail "d2 left something behind: $why"
tell "memory${d2[0]}-memory${d2[-1]} are gone, and so is their System RAM in /proc/iomem"
intact fill2
[ "$(memtotal_kb)" -eq "$total1" ] || fail "MemTotal is not back to what it was before d2"
echo "MemTotal is back to what it was before d2"

say "the memory now"
run lsmem -a -o RANGE,SIZE,STATE,BLOCK,ZONES
echo "demo complete"
