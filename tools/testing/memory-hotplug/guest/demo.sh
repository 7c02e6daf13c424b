#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The memhp demo: one full hot-plug cycle with real firmware events, each
# command echoed before it runs.  `make demo` boots this and narrates it.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. /kselftest/memory-hotplug/lib_memhp.sh

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; eval "$*"; }
meminfo() { grep -E '^(MemTotal|MemFree):' /proc/meminfo; }
fail() { echo "demo: FAILED: $*"; exit 1; }

say "booted $(uname -r); memory blocks of $(($BLOCK_SIZE >> 20)) MiB"
run lsmem
run meminfo

say "host: hot-add a 1 GiB DIMM (QMP object-add + device_add pc-dimm)"
before=$(blocks | tr '\n' ' ')
echo "qmp: object-add memory-backend-ram id=mem-d1 size=1G; device_add pc-dimm id=d1"
dimm_add d1 1G || fail "QEMU refused the DIMM: $REPLY"
wait_until 60 count_is $(($(echo $before | wc -w) + 8)) || fail "blocks did not appear"
new=$(new_blocks "$before" | tr "\n" " ")
new=${new% }
echo "the guest's ACPI PNP0C80 driver added blocks: $(echo $new)"
run lsmem -a -o RANGE,SIZE,STATE,BLOCK,ZONES

say "online the new blocks as movable (chmem -e -z Movable)"
first=${new%% *}
last=${new##* }
t0=$(memtotal_kb)
run chmem -v -e -z Movable -b $first-$last || fail "chmem -e"
run lsmem -o RANGE,SIZE,STATE,BLOCK,ZONES
run meminfo
[ "$(memtotal_kb)" -eq $((t0 + (1 << 20))) ] || fail "MemTotal did not grow by 1 GiB"
echo "MemTotal grew by exactly 1 GiB"

say "offline them again (chmem -d): pages migrate out, MemTotal shrinks"
run chmem -v -d -b $first-$last || fail "chmem -d"
run meminfo
[ "$(memtotal_kb)" -eq "$t0" ] || fail "MemTotal did not shrink back"
echo "MemTotal is back where it was"

say "host: device_del d1 -> ACPI eject request -> guest removes the blocks"
echo "qmp: device_del d1; wait for DEVICE_DELETED"
dimm_unplug d1 || fail "eject failed: $REPLY"
echo "QEMU: DEVICE_DELETED d1"
for b in $new; do [ -e $MEM/memory$b ] && fail "memory$b still there"; done
echo "blocks $first-$last are gone"
run lsmem
run meminfo
say "demo complete"
