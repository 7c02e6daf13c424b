#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: offline of 1 GiB of ZONE_MOVABLE memory full of page cache (tmpfs)
# and anonymous pages: migration throughput in MiB/s of used memory moved.
#
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 600
. /kselftest/memory-hotplug/lib_memhp.sh

new=$(dimm_plug d1 1G) || { echo "Bail out! hot-add failed"; exit 1; }
dd if=/dev/zero of=/dev/shm/fill bs=1M count=448 2>/dev/null
stress-ng --vm 1 --vm-bytes 384M --vm-keep --vm-hang 0 >/dev/null 2>&1 &
sleep 8
used=$(movable_used_kb)
t0=${EPOCHREALTIME/./}
online_blocks offline $new || { echo "Bail out! offline failed"; exit 1; }
t1=${EPOCHREALTIME/./}
echo "METRIC migrated_kb $used kB"
echo "METRIC offline_1G_full $((t1 - t0)) us"
echo "METRIC migrate_MiBps $(((used * 1000000 / 1024) / (t1 - t0))) MiB/s"
