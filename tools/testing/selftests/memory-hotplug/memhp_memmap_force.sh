#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ad. memmap_on_memory=force: the parameter reads "force" and is fixed at
#    boot; each hot-added 128 MiB block holds its own memmap, which "force"
#    rounds up to whole pageblocks: 32768 pages * 64 bytes = 2 MiB = 512
#    pages, already one 2 MiB pageblock, so still 512 pages and nothing
#    wasted.  Those pages count as present in the zone but are never handed
#    to the allocator, so the zone's managed pages and MemTotal grow by the
#    block less 512 pages; offline and eject give everything back.  On
#    this machine force and =1 give the same 512 pages: what only force
#    does here is the parameter's value; the padding itself is checked by
#    the KUnit geometry table (56- and 72-byte struct page rows).
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memory_hotplug.memmap_on_memory=force
# memhp-timeout: 180
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 7

P=/sys/module/memory_hotplug/parameters
BLOCK_PAGES=$((BLOCK_SIZE / 4096))
MEMMAP_PAGES=$((BLOCK_PAGES * 64 / 4096))	# one struct page is 64 bytes
PAGEBLOCK=512				# 2 MiB on x86-64
MEMMAP_PAGES=$(( (MEMMAP_PAGES + PAGEBLOCK - 1) / PAGEBLOCK * PAGEBLOCK ))
N=4					# blocks in the 512M DIMM

# movable PRESENT|MANAGED: node 0's ZONE_MOVABLE pages.
movable()
{
	awk -v field="$1" '$1 == "Node" {hit = $2 == "0," && $4 == "Movable"}
	     hit && $1 == field {print $2; exit}' /proc/zoneinfo
}
memmap_pages() { awk '$1 == "nr_memmap_pages" {print $2}' /proc/vmstat; }

r=$(try_write $P/memmap_on_memory N)
case $r in
OK) r="write accepted" ;;
*) r="write refused" ;;
esac
check "memmap_on_memory reads 'force', mode $(stat -c %a $P/memmap_on_memory), $r" \
	eval '[ "$(cat $P/memmap_on_memory)" = force ] && [ "$r" = "write refused" ]'

t0=$(memtotal_kb)
m0=$(memmap_pages)
B=($(dimm_plug d1 512M))
m1=$(memmap_pages)
check "a 512M DIMM adds $N blocks and $N x $MEMMAP_PAGES memmap pages ($((m1 - m0)))" \
	eval '[ ${#B[@]} -eq $N ] && all_in_state offline ${B[@]} &&
	      [ $((m1 - m0)) -eq $((N * MEMMAP_PAGES)) ]'

online_blocks online_movable ${B[@]}
rc=$?
check "its blocks online Movable" \
	eval '[ $rc -eq 0 ] && all_in_state online ${B[@]} &&
	      [ "$(for b in ${B[@]}; do zones_of $b; done | sort -u)" = Movable ]'
check "Movable present $(movable present) = $N blocks, managed $(movable managed) = less memmaps" \
	eval '[ "$(movable present)" = $((N * BLOCK_PAGES)) ] &&
	      [ "$(movable managed)" = $((N * (BLOCK_PAGES - MEMMAP_PAGES))) ]'
check "MemTotal grew by $N x (128 MiB - 2 MiB) ($(($(memtotal_kb) - t0)) kB)" \
	[ $(($(memtotal_kb) - t0)) -eq $((N * (BLOCK_PAGES - MEMMAP_PAGES) * 4)) ]

online_blocks offline ${B[@]}
rc=$?
check "they offline: MemTotal and Movable back to nothing ($(memtotal_kb) kB, $(movable present))" \
	eval '[ $rc -eq 0 ] && all_in_state offline ${B[@]} && [ $(memtotal_kb) -eq $t0 ] &&
	      [ "$(movable present)" = 0 ] && [ "$(movable managed)" = 0 ]'
dimm_unplug d1
rc=$?
left="nr_memmap_pages $(memmap_pages), boot $m0"
check "the DIMM ejects, its blocks and memmap pages are gone ($left)" \
	eval '[ $rc -eq 0 ] && wait_until 10 removed ${B[@]} && [ $(memmap_pages) -eq $m0 ]'

ktap_finished
