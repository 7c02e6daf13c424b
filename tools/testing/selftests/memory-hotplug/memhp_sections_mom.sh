#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s. memhp_sections.sh, 32 cycles, with memory_hotplug.memmap_on_memory=1:
#    each DIMM block carries its own memmap, allocated from and returned to
#    the block.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,requested-size=0
# memhp-append: memhp_default_state=online_movable memory_hotplug.memmap_on_memory=1
# memhp-timeout: 600
CYCLES=32
. "$(dirname "$0")/memhp_sections.sh"
