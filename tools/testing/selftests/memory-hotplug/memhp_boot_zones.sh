#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# aa. Boot-time ZONE_MOVABLE (movablecore=512M): the zone holds the top of
#    RAM, its start rounded up to the next 4 MiB boundary (the largest buddy
#    block, so Movable gets at most 1023 pages less than asked for); a boot
#    block inside it is Movable only, offlines, and a plain "online" puts it
#    back in Movable with the zone span and MemTotal exactly as before
#    (plus its boot memmap, when free_memmap_on_offline gave it back).
#
# movablecore= rather than kernelcore=: it names the size of the zone under
# test, and with every firmware hole of this guest below 1 MiB the zone start
# is simply "end of RAM minus the request, rounded up"; kernelcore= counts
# from the bottom, through those holes, so its boundary depends on them.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: movablecore=512M
# memhp-timeout: 180
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 9

MOVABLECORE=$(bytes 512M)
PAGE=4096
ALIGN=1024	# pages in a 4 MiB (largest order) buddy block

# zone_field FIELD ZONE: a number of node 0's ZONE in /proc/zoneinfo
# (spanned, present, managed or start_pfn:).
zone_field()
{
	awk -v zone="$2" -v field="$1" '$1 == "Node" {hit = $2 == "0," && $4 == zone}
	     hit && $1 == field {print $2; exit}' /proc/zoneinfo
}
# ram_end_pfn: the first page frame after the highest System RAM range.
ram_end_pfn()
{
	local hi=0 r end
	while IFS= read -r r; do
		case $r in
		*" : System RAM") ;;
		*) continue ;;
		esac
		r=${r%% :*}
		end=$((0x${r#*-} + 1))
		[ $end -gt $hi ] && hi=$end
	done </proc/iomem
	echo $((hi / PAGE))
}
movable_span() { echo "$(zone_field start_pfn: Movable)+$(zone_field spanned Movable)"; }

END=$(ram_end_pfn)
WANT=$((MOVABLECORE / PAGE))
# the kernel keeps (RAM - request) pages; with all holes below that point
# the zone starts at END - WANT, aligned up to the buddy block size
START=$(( (END - WANT + ALIGN - 1) / ALIGN * ALIGN ))
start=$(zone_field start_pfn: Movable)
spanned=$(zone_field spanned Movable)
present=$(zone_field present Movable)

check "Movable starts at end of RAM ($END) - $WANT, 4 MiB aligned: $START (seen $start)" \
	[ "$start" = "$START" ]
check "it spans to the end of RAM, no holes: $((END - START)) ($spanned/$present) pages" \
	eval '[ "$spanned" = $((END - START)) ] && [ "$present" = "$spanned" ] &&
	      [ $((WANT - present)) -ge 0 ] && [ $((WANT - present)) -lt $ALIGN ]'
# The kernel zones end where Movable starts.  At boot that is DMA32's end
# and Normal is empty; in a guest other tests ran in before, the top DMA32
# block may have been offlined and onlined again, which puts it in Normal
# (no kernel zone spans it any more), and Normal then ends there instead.
zone_end() { [ "$(zone_field spanned "$1")" = 0 ] ||
	echo $(($(zone_field start_pfn: "$1") + $(zone_field spanned "$1"))); }
kernel_end=$(printf '%s\n' "$(zone_end DMA32)" "$(zone_end Normal)" | sort -n | tail -1)
check "DMA32 and Normal end where Movable starts ($kernel_end), Normal empty in a fresh boot" \
	eval '[ "$kernel_end" = "$START" ] &&
	      { [ -z "$BOOTED_FOR_TEST" ] || [ "$(zone_field spanned Normal)" = 0 ]; }'

# The block after the first whole block of the zone: not its first (offlining
# that one would shrink the span, and plain online of a block outside every
# span picks the kernel zone), not its last (boot allocations such as the
# memmap are taken from the top of RAM and are not movable).
B=$(( (START * PAGE + BLOCK_SIZE - 1) / BLOCK_SIZE + 1 ))
[ $(( (B + 1) * BLOCK_SIZE / PAGE )) -lt $END ] ||
	ktap_exit_fail_msg "memory$B is not inside the Movable span"

span0=$(movable_span)
present0=$present
t0=$(memtotal_kb) boot0=$(sed -n 's/^nr_memmap_boot_pages //p' /proc/vmstat)
check "boot block memory$B is online and its valid_zones is 'Movable' ($(zones_of $B))" \
	eval '[ "$(state_of $B)" = online ] && [ "$(zones_of $B)" = Movable ]'
online_blocks offline $B
rc=$?
t1=$(memtotal_kb)
# with free_memmap_on_offline the block's boot memmap, reserved at boot,
# is given back (and counts in MemTotal from then on)
freed=$(( (boot0 - $(sed -n 's/^nr_memmap_boot_pages //p' /proc/vmstat)) * 4 ))
check "memory$B offlines; MemTotal drops by one block ($((t0 - t1)) kB, memmap freed: $freed kB)" \
	eval '[ $rc -eq 0 ] && [ "$(state_of $B)" = offline ] &&
	      [ $t1 -eq $((t0 - BLOCK_SIZE / 1024 + freed)) ]'
check "offline memory$B lists Movable first, then the kernel zone ($(zones_of $B))" \
	[ "$(zones_of $B)" = "Movable Normal" ]
check "the Movable span stays $span0 ($(movable_span)), present drops by one block" \
	eval '[ "$(movable_span)" = "$span0" ] &&
	      [ $(zone_field present Movable) -eq $((present0 - BLOCK_SIZE / PAGE)) ]'
online_blocks online $B
rc=$?
check "plain 'online' brings memory$B back in Movable ($(zones_of $B))" \
	eval '[ $rc -eq 0 ] && [ "$(state_of $B)" = online ] && [ "$(zones_of $B)" = Movable ]'
check "Movable span and present, MemTotal back exactly ($(movable_span) $(memtotal_kb) kB)" \
	eval '[ "$(movable_span)" = "$span0" ] &&
	      [ "$(zone_field present Movable)" = "$present0" ] &&
	      [ $(memtotal_kb) -eq $((t0 + freed)) ]'

ktap_finished
