#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# o. offlining a block whose hugetlb pool pages are partly mapped, partly
#    free: the free ones are dissolved first, so the mapped ones migrate out
#    of the block instead of into its own free pool pages.  Stock 6.12 picks
#    those free pages as migration targets and retries forever (SIGINT ends
#    it); memhp offlines the block and keeps the data intact.
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-timeout: 300
# memhp-upstream: xfail stock retries forever when free hugetlb pages sit in the offlined block
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 5

new=$(movable_dimm d1 128M) || { echo "Bail out! hot-add failed"; exit 1; }
echo 16 >$HUGE2M/nr_hugepages
helper_start huge fill 16 hugetlb
check "a 16-page hugetlb pool sits in the block, 8 mapped, 8 free ($(movable_used_kb) kB used)" \
	eval '[ "$(cat /tmp/huge.out)" = READY ] && [ "$(cat $HUGE2M/free_hugepages)" -eq 8 ] &&
	      [ "$(movable_used_kb)" -ge $((32 << 10)) ]'
res=$(memhp_helper write-with-sigint $MEM/memory$new/state offline 60)
check "the block offlines, well before a 60 s SIGINT ($res ms)" \
	eval '[ "${res% *}" = OK ] && [ "$(state_of $new)" = offline ]'
pool="$(cat $HUGE2M/nr_hugepages) pages, $(cat $HUGE2M/free_hugepages) free"
check "the free pool pages were dissolved, the mapped ones moved ($pool)" \
	eval '[ "$(cat $HUGE2M/nr_hugepages)" -eq 8 ] && [ "$(cat $HUGE2M/free_hugepages)" -eq 0 ]'
helper_finish huge
check "the hugetlb memory reads back intact ($(tail -1 /tmp/huge.out))" \
	eval '[ "$(tail -1 /tmp/huge.out)" = INTACT ]'
check "the DIMM ejects" dimm_unplug d1

ktap_finished
