#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ai. The tour of memhp_fault_function.sh (af), failing each step's second
#     call instead of its first, with the memmap of hot-added memory taken
#     from the kernel's memory (memmap_on_memory=0): the 256 MiB DIMM is
#     then added as one range of two sections and two blocks, so a step
#     that fails for the second section or block must take the first one
#     back out as well.  The same checks as af.  By default the steps
#     called once per section and per block run, and the notifier step
#     (its second call is the first offline, after an online went
#     through): each must be called twice.  memhp.faults=all (make check
#     FAULTS=all) runs every step, and a step called fewer than twice in
#     a tour is skipped there (af with memhp.faults=all proves that every
#     step is reached).
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G -smp 2,sockets=2,cores=1,threads=1
# memhp-qemu: -object memory-backend-ram,id=r0,size=512M
# memhp-qemu: -object memory-backend-ram,id=r1,size=512M
# memhp-qemu: -numa node,nodeid=0,memdev=r0,cpus=0 -numa node,nodeid=1,memdev=r1,cpus=1
# memhp-qemu: -numa node,nodeid=2
# memhp-qemu: -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,node=1,requested-size=0
# memhp-append: memhp_default_state=offline memory_hotplug.memmap_on_memory=0
# memhp-append: kmemleak=on
# memhp-timeout: 1500
# memhp-upstream: xfail stock marks none of its memory-hotplug steps for fault injection
# memhp-console-ok: memory range \[[^]]*\] not used: -12|none of its memory could be added
# memhp-console-ok: adding memory failed
CALL=2
SUBSET="sparse_add_section memmap_get register_memory_block memory_notify_or_cancel"
. "$(dirname "$0")/memhp_fault_function.sh"
