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
#    and the DIMM ejects.
#
# memhp-qemu: -m 3G,slots=4,maxmem=16G
# memhp-timeout: 400
. /memhp/lib_memhp.sh

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
rm -f /dev/shm/churn*
# quiet now: whatever still fails is kernel memory that has to drain.  Each
# try drops the caches and shrinks every slab cache first (freed objects a
# KASAN kernel holds in quarantine keep their slab pages in the block);
# an offline that meets kernel memory fails at once with EBUSY, so 30
# tries a second apart bound the wait.
offline_quiet()
{
	local b
	drain_caches
	for b in $new; do
		[ "$(state_of $b)" = offline ] || echo offline >$MEM/memory$b/state ||
			return 1
	done
}
quiet_then_eject()
{
	local try
	for try in $(seq 30); do
		offline_quiet 2>/dev/null && { dimm_unplug k1; return; }
		sleep 1
	done
	echo "# still online after 30 tries: $(for b in $new; do state_of $b; done)"
	return 1
}
# (a block that kernel memory keeps, as a Normal block may, must say so:
# EBUSY, naming only kernel pages of its own; the DIMM then stays)
kept_blocks()
{
	local b pfn kept=
	for b in $new; do
		[ "$(state_of $b)" = online ] || continue
		if ! pfn=$(held_by_kernel $b); then
			echo "# memory$b: not held by kernel memory"
			return 1
		fi
		kept="$kept memory$b (kernel page at pfn $pfn)"
	done
	echo "# kept by kernel memory:$kept"
}
check "with the churn stopped every block offlines and the DIMM ejects, or kernel memory keeps it" \
	eval 'quiet_then_eject || kept_blocks'

ktap_finished
