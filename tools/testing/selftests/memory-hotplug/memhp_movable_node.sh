#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ab. movable_node with the default contig-zones policy: boot memory (which
#    the firmware does not mark hot-pluggable) stays in the kernel zones; a
#    hot-added block that touches no zone goes to ZONE_MOVABLE on a plain
#    "online" and lists Movable before the kernel zone; online_kernel is
#    still obeyed; and a block inside the span of the kernel zone keeps that
#    zone first, so plain "online" follows the span, not movable_node.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: movable_node
# memhp-timeout: 180
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 9

# zone_pages ZONE FIELD: node 0's present or managed pages of ZONE.
zone_pages()
{
	awk -v zone="$1" -v field="$2" '$1 == "Node" {hit = $2 == "0," && $4 == zone}
	     hit && $1 == field {print $2; exit}' /proc/zoneinfo
}
BLOCK_PAGES=$((BLOCK_SIZE / 4096))

check "no boot memory in ZONE_MOVABLE (spanned $(zone_spanned Movable))" \
	[ "$(zone_spanned Movable)" = 0 ]

B=($(dimm_plug d1 512M))
[ ${#B[@]} -eq 4 ] || ktap_exit_fail_msg "512M DIMM: expected 4 new blocks, got '${B[*]}'"
check "a new block lists Movable first, then Normal ($(zones_of ${B[0]}))" \
	[ "$(zones_of ${B[0]})" = "Movable Normal" ]

online_blocks online ${B[0]}
rc=$?
check "plain 'online' puts memory${B[0]} in Movable ($(zones_of ${B[0]}))" \
	eval '[ $rc -eq 0 ] && [ "$(zones_of ${B[0]})" = Movable ] &&
	      [ "$(zone_pages Movable present)" = $BLOCK_PAGES ]'

online_blocks online_kernel ${B[1]}
rc=$?
check "online_kernel is obeyed: memory${B[1]} in Normal ($(zones_of ${B[1]}))" \
	eval '[ $rc -eq 0 ] && [ "$(zones_of ${B[1]})" = Normal ]'
check "memory${B[2]}, outside both spans, still lists Movable first ($(zones_of ${B[2]}))" \
	[ "$(zones_of ${B[2]})" = "Movable Normal" ]

online_blocks online_kernel ${B[3]}
rc=$?
check "online_kernel memory${B[3]}: Normal now spans memory${B[1]}-${B[3]} ($(zones_of ${B[3]}))" \
	eval '[ $rc -eq 0 ] && [ "$(zones_of ${B[3]})" = Normal ] &&
	      [ "$(zone_spanned Normal)" = $((3 * BLOCK_PAGES)) ]'
check "memory${B[2]}, inside the Normal span, lists Normal first ($(zones_of ${B[2]}))" \
	[ "$(zones_of ${B[2]})" = "Normal Movable" ]

online_blocks online ${B[2]}
rc=$?
check "so plain 'online' puts memory${B[2]} in Normal ($(zones_of ${B[2]}))" \
	eval '[ $rc -eq 0 ] && [ "$(zones_of ${B[2]})" = Normal ]'
check "zones: Movable $(zone_pages Movable present), Normal $(zone_pages Normal present) pages" \
	eval '[ "$(zone_pages Movable present)" = $BLOCK_PAGES ] &&
	      [ "$(zone_pages Normal present)" = $((3 * BLOCK_PAGES)) ]'

ktap_finished
