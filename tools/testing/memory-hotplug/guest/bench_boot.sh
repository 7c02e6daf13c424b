#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench: kernel boot time to init (the guest's own clock: /proc/uptime as
# /init read it first thing).  bench.py boots it with and without cold-plugged DIMMs.
#
# memhp-qemu: -m 1G,slots=4,maxmem=32G
. /kselftest/memory-hotplug/lib_memhp.sh
up=$MEMHP_INIT_UPTIME
echo "METRIC boot_to_init $((${up/./} * 10000)) us"
echo "# $(nr_blocks) memory blocks at init"
