#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ae. offlining kernel-zone memory under churn: a DIMM's blocks are onlined
#    online_kernel (ZONE_NORMAL) while page cache and anonymous memory come
#    and go in them nonstop - new folios that wait in the per-CPU LRU
#    batches before they reach the LRU.  The blocks are offlined and
#    onlined again, round after round.  A failed offline must be EBUSY and
#    leave the block online in ZONE_NORMAL; the EBUSY count is printed (a
#    folio still in an LRU batch is movable: isolation must not take it
#    for unmovable).  Kernel allocations may land in ZONE_NORMAL blocks
#    too, so some EBUSY is legitimate; the count is compared across kernels
#    over the same rounds.  Once the churn stops, every block offlines
#    and the DIMM ejects, or a block stays because kernel memory sits in
#    it (EBUSY naming kernel pages only; the count of such blocks is
#    printed and compared across kernels too).
#
# memhp-needs: qmp
# memhp-qemu: -m 3G,slots=4,maxmem=16G
# memhp-timeout: 400
# memhp-alone: churn on one vCPU while the other offlines
. "$(dirname "$0")/lib_memhp.sh"

ROUNDS=40
ktap_print_header
ktap_set_plan 5

new=$(dimm_plug k1 256M) || { echo "Bail out! hot-add failed"; exit 1; }
online_blocks online_kernel $new
zones=$(for b in $new; do zones_of $b; done | tr '\n' ' ')
check "the DIMM's blocks are online in ZONE_NORMAL ($zones)" \
	eval '(for b in $new; do [ "$(state_of $b)" = online ] &&
	       [ "$(zones_of $b)" = Normal ] || exit 1; done)'

# churn: shmem files rewritten and read, anonymous memory mapped afresh
churn_shmem 16 16 &
files=$!
stress-ng --vm 2 --vm-bytes 96M --vm-method incdec -t 0 >/tmp/churn.out 2>&1 &
anon=$!
sleep 2

ebusy=0 other=0 ok=0 bad_state=
for r in $(seq 1 $ROUNDS); do
	for b in $new; do
		res=$(try_write $MEM/memory$b/state offline)
		case $res in
		OK)
			ok=$((ok + 1))
			online_blocks online_kernel $b
			;;
		EBUSY) ebusy=$((ebusy + 1)) ;;
		*) other=$((other + 1)); ktap_print_msg "round $r, memory$b: $res" ;;
		esac
		[ "$(state_of $b)" = online ] && [ "$(zones_of $b)" = Normal ] ||
			bad_state="$bad_state memory$b:$(state_of $b)/$(zones_of $b)"
	done
done
tries=$((ROUNDS * $(echo $new | wc -w)))
ktap_print_msg "offline under churn: $ok of $tries succeeded, $ebusy EBUSY, $other other"
echo "METRIC churn_ebusy $ebusy of $tries"
check "every failed offline under churn is EBUSY ($other other)" [ "$other" -eq 0 ]
check "every block is back online in ZONE_NORMAL after each round${bad_state:+ (not:$bad_state)}" \
	[ -z "$bad_state" ]
check "offline under churn succeeds at least once ($ok of $tries)" [ "$ok" -gt 0 ]

kill $files $anon
wait $files $anon 2>/dev/null
# quiet now: whatever still fails is kernel memory that has to drain.  Each
# try drops the caches and shrinks every slab cache first (freed objects a
# KASAN kernel holds in quarantine keep their slab pages in the block);
# an offline that meets kernel memory fails at once with EBUSY, so 30
# tries a second apart bound the wait.  The shmem files stay until the
# end: a folio of theirs that some path failed to put back still names
# its file in the kernel's dump, and counts against the kernel.
offline_quiet()
{
	local b res
	drain_caches
	for b in $new; do
		[ "$(state_of $b)" = online ] || continue
		res=$(offline_within $b 20)
		case $res in
		OK) ;;
		"Device or resource busy") return 1 ;;
		*) echo "# memory$b: offline gave $res, not OK or EBUSY"; return 2 ;;
		esac
	done
}
# (a block that kernel memory keeps, as a Normal block may, must say so:
# EBUSY, naming only kernel pages of its own; the DIMM then stays.  A
# block whose kernel memory drains meanwhile offlines here.)
kept_blocks()
{
	local b pfn kept=0
	for b in $new; do
		[ "$(state_of $b)" = online ] || continue
		if pfn=$(held_by_kernel $b); then
			echo "# memory$b stays: kernel page at pfn $pfn"
			kept=$((kept + 1))
		elif [ "$(state_of $b)" != offline ]; then
			echo "# memory$b: online, and not held by kernel memory"
			return 2
		fi
	done
	KEPT=$kept
	[ $kept -gt 0 ] || return 1
}
# settle: offline every block and eject the DIMM; 0 when ejected or kept
# by kernel memory, else 1 with the reason printed
settle()
{
	local try rc
	for try in $(seq 30); do
		offline_quiet; rc=$?
		[ $rc = 1 ] || break
		sleep 1
	done
	if [ $rc = 1 ]; then
		# still busy: kept (0), drained meanwhile (1) or neither (2)
		kept_blocks; rc=$?
		[ $rc = 0 ] && { echo "# kept by kernel memory: $KEPT block(s)"; return; }
		[ $rc = 1 ] && rc=0
	fi
	[ $rc = 0 ] || return 1
	dimm_unplug k1 && return
	echo "# every block offline, but the DIMM did not eject"
	return 1
}
KEPT=0
check "with the churn stopped every block offlines and the DIMM ejects, or kernel memory keeps it" \
	settle
echo "METRIC churn_kept $KEPT"
rm -f /dev/shm/churn*

ktap_finished
