#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# n. offlining memory that is in use: a Movable DIMM holding transparent
#    huge pages and mapped hugetlb pages offlines - the data moves intact;
#    then a page held by a pipe (vmsplice) keeps an offline retrying until
#    SIGINT ends it with EINTR, the block stays online, and once the pipe
#    is gone the same offline succeeds.  (memhp_hugetlb_pool.sh: free pool
#    pages in the block too.)
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 14

# ---- THP and hugetlb ----------------------------------------------------------
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled
new=$(movable_dimm d1 256M) || { echo "Bail out! hot-add failed"; exit 1; }
used0=$(movable_used_kb)

helper_start thp fill 64 thp
echo 8 >$HUGE2M/nr_hugepages
helper_start huge fill 16 hugetlb
used="Movable used $(( $(movable_used_kb) - used0 )) kB"
used="$used, AnonHugePages $(meminfo_kb AnonHugePages) kB"
check "64 MiB of THP and 8 mapped hugetlb pages sit in the DIMM ($used)" \
	eval '[ "$(cat /tmp/thp.out)" = READY ] && [ "$(cat /tmp/huge.out)" = READY ] &&
	      [ "$(meminfo_kb AnonHugePages)" -ge 32768 ] &&
	      [ "$(cat $HUGE2M/free_hugepages)" -eq 0 ] &&
	      [ $(( $(movable_used_kb) - used0 )) -ge $((80 << 10)) ]'

check "both blocks of the DIMM offline" online_blocks offline $new
check "the Movable zone is empty again ($(movable_used_kb) kB used)" \
	eval '[ "$(movable_used_kb)" -eq 0 ]'
pool="$(cat $HUGE2M/nr_hugepages) pages, $(cat $HUGE2M/free_hugepages) free"
check "the 8 mapped hugetlb pages moved, the pool is unchanged ($pool)" \
	eval '[ "$(cat $HUGE2M/nr_hugepages)" -eq 8 ] && [ "$(cat $HUGE2M/free_hugepages)" -eq 0 ]'
helper_finish thp
check "the THP memory reads back intact ($(cat /tmp/thp.out | tail -1))" \
	eval '[ "$(tail -1 /tmp/thp.out)" = INTACT ]'
helper_finish huge
check "the hugetlb memory reads back intact ($(cat /tmp/huge.out | tail -1))" \
	eval '[ "$(tail -1 /tmp/huge.out)" = INTACT ]'
echo 0 >$HUGE2M/nr_hugepages
check "the DIMM ejects" dimm_unplug d1

# ---- a page that cannot move, and SIGINT --------------------------------------
new=$(movable_dimm d2 128M) || { echo "Bail out! hot-add failed"; exit 1; }
lo=$((new * BLOCK_SIZE / 4096))
hi=$((lo + BLOCK_SIZE / 4096))
helper_start pipe pin $lo $hi 96
check "a page of memory$new is held by a pipe ($(cat /tmp/pipe.out))" \
	eval 'grep -q ^PINNED /tmp/pipe.out'

# a signal while data still moves waits for at most one migration batch
res=$(memhp_helper write-with-sigint $MEM/memory$new/state offline 0.2)
wait_ms=$((${res#* } - 200))
echo "METRIC offline_sigint_wait_ms $wait_ms"
check "SIGINT 0.2 s into an offline moving data ends it with EINTR within 3 s ($wait_ms ms)" \
	eval '[ "${res% *}" = EINTR ] && [ "$wait_ms" -lt 3000 ]'
check "the block is online and Movable again ($(state_of $new), $(zones_of $new))" \
	eval '[ "$(state_of $new)" = online ] && [ "$(zones_of $new)" = Movable ]'

res=$(memhp_helper write-with-sigint $MEM/memory$new/state offline 3)
check "offline keeps retrying and SIGINT after 3 s ends it with EINTR ($res ms)" \
	eval '[ "${res% *}" = EINTR ] && [ "${res#* }" -ge 2500 ]'
check "the block is still online and Movable ($(state_of $new), $(zones_of $new))" \
	eval '[ "$(state_of $new)" = online ] && [ "$(zones_of $new)" = Movable ]'

helper_finish pipe
check "with the pipe gone the offline succeeds" online_blocks offline $new
check "the DIMM ejects" dimm_unplug d2

ktap_finished
