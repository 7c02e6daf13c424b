#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# t. memhp_sections.sh with pfn walkers racing 32 cycles: compaction
#    of every zone and valid_zones reads, nonstop.  A removal clears
#    zone->contiguous before it poisons the memmap and never sets it again,
#    so compaction checks each pageblock of a zone that lost memory.  Stock
#    6.12 oopses here within a few cycles (compaction reads the poisoned
#    memmap of a block being removed: set_pfnblock_flags_mask from
#    isolate_migratepages_block).
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,requested-size=0
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 600
# memhp-alone: pfn walkers race hot-remove on both vCPUs
# memhp-upstream: xfail stock oopses when compaction races a hot-remove (poisoned memmap)
WALKERS=1 CYCLES=32
. "$(dirname "$0")/memhp_sections.sh"
