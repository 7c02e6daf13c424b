#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# j. Real clients and real data: util-linux lsmem/chmem agree with sysfs and
#    drive it; data in memory that is offlined (pages migrate) and onlined
#    again verifies byte for byte; stress-ng --memhotplug leaves a healthy
#    kernel.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 400
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 14

# lsmem's view of every block must be what sysfs says.
lsmem_matches_sysfs()
{
	local b
	lsmem -a -r -n -o BLOCK,STATE >/tmp/lsmem.out || return 1
	for b in $(blocks); do echo "$b $(state_of $b)"; done >/tmp/sysfs.out
	diff /tmp/lsmem.out /tmp/sysfs.out | sed 's/^/# /'
	cmp -s /tmp/lsmem.out /tmp/sysfs.out
}
summary() { lsmem -b --summary=only | sed -n "s/^Total $1 memory: *\([0-9]*\)$/\1/p"; }

check "lsmem matches sysfs at boot" lsmem_matches_sysfs
new=$(dimm_plug d1 1G)
B=($new)
check "lsmem matches sysfs after a 1G hot-add" lsmem_matches_sysfs
check "lsmem summary counts 1G offline ($(summary offline))" [ "$(summary offline)" = $((1 << 30)) ]

chmem -e 256M
rc=$?
check "chmem -e 256M (rc $rc) onlines the two lowest offline blocks, as Movable" \
	eval '[ $rc = 0 ] && all_in_state online ${B[0]} ${B[1]} &&
	      [ "$(zones_of ${B[0]})" = Movable ]'
chmem -e -b ${B[2]}-${B[7]}
rc=$?
check "chmem -e -b ${B[2]}-${B[7]} (rc $rc) onlines the rest" \
	eval '[ $rc = 0 ] && all_in_state online ${B[@]}'
chmem -d -b ${B[7]}
rc=$?
check "chmem -d -b ${B[7]} (rc $rc) offlines that block" \
	eval '[ $rc = 0 ] && [ "$(state_of ${B[7]})" = offline ]'
chmem -d 256M
rc=$?
check "chmem -d 256M (rc $rc) offlines the two highest online blocks" \
	eval '[ $rc = 0 ] && all_in_state offline ${B[5]} ${B[6]} ${B[7]}'
chmem -e 100 2>/tmp/chmem.err
rc=$?
check "chmem -e 100 (not block-aligned) fails with rc 1 ($rc): $(cat /tmp/chmem.err)" [ $rc = 1 ]
check "lsmem matches sysfs after chmem" lsmem_matches_sysfs

# Data integrity: page cache (tmpfs) and anonymous memory in the DIMM.
chmem -e -b ${B[5]}-${B[7]} >/dev/null
dd if=/dev/urandom of=/dev/shm/data bs=1M count=128 2>/dev/null
sum0=$(sha256sum </dev/shm/data)
stress-ng --vm 1 --vm-bytes 128M --vm-keep --vm-method rand-set --verify -t 60s \
	>/tmp/vm.out 2>&1 &
VMPID=$!
sleep 3
used=$(movable_used_kb)
# at least the 128 MiB file; stress-ng's memory joins it as it is touched
check "the data sits in the DIMM's Movable blocks (${used} kB used there)" \
	[ "$used" -gt $((128 << 10)) ]
online_blocks offline ${B[@]}
check "all 8 DIMM blocks offline while holding that data (pages migrated)" \
	all_in_state offline ${B[@]}
online_blocks online_movable ${B[@]}
check "page-cache data verifies byte for byte after offline+online" \
	[ "$(sha256sum </dev/shm/data)" = "$sum0" ]
kill -INT $VMPID
wait $VMPID
rc=$?
sed 's/^/# /' /tmp/vm.out | tail -4
check "anonymous memory under stress-ng --vm --verify verifies (rc $rc)" \
	eval '[ $rc = 0 ] && grep -q "successful run completed" /tmp/vm.out &&
	      ! grep -i "fail" /tmp/vm.out | grep -qv "failed: 0"'
rm -f /dev/shm/data

stress-ng --memhotplug 2 --timeout 10s --metrics-brief >/tmp/mh.out 2>&1
rc=$?
sed 's/^/# /' /tmp/mh.out | tail -5
check "stress-ng --memhotplug 2 -t 10s completes (rc $rc); every block online after" \
	eval '[ $rc = 0 ] && ! grep -q "^offline" $MEM/memory*/state'

ktap_finished
