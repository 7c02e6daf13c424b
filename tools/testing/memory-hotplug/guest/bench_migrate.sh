#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: offline of 1 GiB of ZONE_MOVABLE memory full of page cache (tmpfs)
# and anonymous pages: migration throughput in MiB/s of used memory moved.
# Then, with the data gone, the copy bandwidth of one CPU (memhp_helper
# copy-rate: 4 KiB memcpy()s, inlined as "rep movsq", best of 5 rounds
# over 128 MiB): "METRIC copy_MiBps".  A migration copies each page
# on the CPU that offlines the block.
#
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 600
. /kselftest/memory-hotplug/lib_memhp.sh

new=$(dimm_plug d1 1G) || { echo "Bail out! hot-add failed"; exit 1; }
dd if=/dev/zero of=/dev/shm/fill bs=1M count=448 2>/dev/null
stress-ng --vm 1 --vm-bytes 384M --vm-keep --vm-hang 0 >/dev/null 2>&1 &
holder=$!
sleep 8
used=$(movable_used_kb)
t0=${EPOCHREALTIME/./}
online_blocks offline $new || { echo "Bail out! offline failed"; exit 1; }
t1=${EPOCHREALTIME/./}
echo "METRIC migrated_kb $used kB"
echo "METRIC offline_1G_full $((t1 - t0)) us"
echo "METRIC migrate_MiBps $(((used * 1000000 / 1024) / (t1 - t0))) MiB/s"
kill "$holder" 2>/dev/null
wait "$holder"
rm -f /dev/shm/fill
read -r what bytes ns < <(memhp_helper copy-rate 128 5)
[ "$what" = COPY ] && [ "$ns" -gt 0 ] || { echo "Bail out! copy-rate: $what"; exit 1; }
echo "METRIC copy_MiBps $((bytes * 1000 / ns * 1000000 / 1048576)) MiBps"
