#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# z. Zones and refusals, with exact answers: valid_zones order on each side of
#    an existing ZONE_MOVABLE, where plain "online" and "online_kernel" put a
#    block next to it, the errno of an offline refused by kernel memory, and
#    writes to read-only files and parameters.
#
#    The rules (online_policy=contig-zones, no movable_node): a block's
#    default zone is the one whose span it falls in, when exactly one of the
#    kernel zone and ZONE_MOVABLE does; otherwise the kernel zone.
#    valid_zones prints the default first.  With 1G of boot memory the
#    Normal zone is empty until the DIMM (above 4G) is onlined into it.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 15

P=/sys/module/memory_hotplug/parameters

# ---- read-only files keep their value and refuse the write ----
first=$(blocks | head -1)
ro_ok=0
ro_files="$MEM/block_size_bytes $MEM/memory$first/phys_index
	  $MEM/memory$first/valid_zones $MEM/memory$first/removable
	  $MEM/memory$first/phys_device $P/memmap_on_memory"
for f in $ro_files; do
	before=$(cat "$f")
	e=$(try_write "$f" 1)
	if [ "$e" = EACCES ] && [ "$(cat "$f")" = "$before" ]; then
		ro_ok=$((ro_ok + 1))
	else
		ktap_print_msg "$f: write gave $e, reads '$(cat "$f")' (was '$before')"
	fi
done
check "6 read-only files refuse a write with EACCES and keep their value" \
	[ $ro_ok -eq 6 ]

# ---- zones around an existing ZONE_MOVABLE ----
mov0=$(zone_spanned Movable)
nor0=$(zone_spanned Normal)
# both empty with 1G of boot memory: every span below is the DIMM's alone
[ "$mov0" = 0 ] && [ "$nor0" = 0 ] ||
	ktap_print_msg "boot zones not empty: Movable $mov0, Normal $nor0 pages"
new=$(dimm_plug d1 1G)
set -- $new
check "a 1G DIMM gives 8 offline blocks ($(echo $new))" \
	eval '[ $(echo $new | wc -w) -eq 8 ] && all_in_state offline $new'
b0=$1 b1=$2 b2=$3 b3=$4
per=$((BLOCK_SIZE / 4096))

check "memory$b0, in no zone yet: valid_zones 'Normal Movable' ($(zones_of $b0))" \
	[ "$(zones_of $b0)" = "Normal Movable" ]
online_blocks online_movable $b0 $b2
check "online_movable of memory$b0 and memory$b2: Movable spans 3 blocks" \
	[ "$(zone_spanned Movable)" -eq $((3 * per)) ]
check "memory$b1, inside the Movable span: valid_zones 'Movable Normal' ($(zones_of $b1))" \
	[ "$(zones_of $b1)" = "Movable Normal" ]
check "memory$b3, right after the Movable span: valid_zones 'Normal Movable' ($(zones_of $b3))" \
	[ "$(zones_of $b3)" = "Normal Movable" ]
online_blocks online $b1
check "plain online puts memory$b1 (inside the span) in Movable ($(zones_of $b1))" \
	[ "$(zones_of $b1)" = Movable ]
e=$(try_write $MEM/memory$b1/state online_kernel)
check "online_kernel of the online memory$b1 is refused with EINVAL ($e)" \
	eval '[ "$e" = EINVAL ] && [ "$(zones_of $b1)" = Movable ]'
online_blocks offline $b1 $b0 $b2
spans="$(zone_spanned Movable), $(zone_spanned Normal)"
check "offline of the three: Movable and Normal spans back to empty ($spans)" \
	eval '[ "$(zone_spanned Movable)" -eq 0 ] && [ "$(zone_spanned Normal)" -eq 0 ]'

# ---- a kernel block next to ZONE_MOVABLE, then busy with kernel memory ----
online_blocks online_movable $b0
e=$(try_write $MEM/memory$b1/state online_kernel)
check "online_kernel of memory$b1, next to Movable, succeeds ($e) into Normal" \
	eval '[ "$e" = OK ] && [ "$(zones_of $b1)" = Normal ] &&
	      [ "$(zone_spanned Normal)" -eq $per ]'
check "the Movable span did not change" [ "$(zone_spanned Movable)" -eq $per ]
check "memory$b2, after both spans: valid_zones 'Normal Movable' ($(zones_of $b2))" \
	[ "$(zones_of $b2)" = "Normal Movable" ]
# memory$b1 is now the only ZONE_NORMAL memory, where kernel allocations go
# first: some 20 MiB of dentries and inodes put slab pages in it.
mkdir -p /tmp/slab && (cd /tmp/slab && mkdir {1..20000})
mt0=$(memtotal_kb)
e=$(try_write $MEM/memory$b1/state offline)
check "offline of memory$b1, holding slab pages, is refused with EBUSY ($e)" \
	[ "$e" = EBUSY ]
check "memory$b1 stays online in Normal, MemTotal unchanged" \
	eval '[ "$(state_of $b1)" = online ] && [ "$(zones_of $b1)" = Normal ] &&
	      memtotal_is $mt0'
e=$(try_write $MEM/memory$b0/state offline)
check "the Movable block next to it still goes offline ($e)" \
	eval '[ "$e" = OK ] && [ "$(zone_spanned Movable)" -eq 0 ]'

ktap_finished
