#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every hot-added block links to the device its memory came from, as
# memoryN/provider: the blocks of a pc-dimm to its ACPI memory device
# (PNP0C80, the same device firmware_node names), those of a virtio-mem
# device to the virtio device.  Boot memory has no provider.  The links go
# with the memory, and memory added again links to its device again.
# (probe adds memory no device provides: memhp_probe.sh checks that it
# has no link.)
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G -object memory-backend-ram,id=vmem0,size=1G
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 300
# memhp-upstream: xfail stock links no block to the device that provided it
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 9

provider_of() { readlink -f $MEM/memory$1/provider 2>/dev/null; }
# acpi_dev_of BLOCK...: the ACPI device the first block is bound to
acpi_dev_of() { readlink -f $MEM/memory$1/firmware_node; }
# with_provider: the blocks that have a provider link
with_provider()
{
	local b
	for b in $(blocks); do
		[ -L $MEM/memory$b/provider ] && echo $b
	done
}
# provided_are BLOCK...: exactly these blocks have a provider link
provided_are() { [ "$(with_provider | sort -n)" = "$(printf '%s\n' "$@" | sort -n)" ]; }
# all_provided_by DEV BLOCK...: every block's provider is the device DEV
all_provided_by()
{
	local dev b
	dev=$(readlink -f $1)
	shift
	[ -n "$dev" ] && [ $# -gt 0 ] || return 1
	for b in "$@"; do
		[ "$(provider_of $b)" = "$dev" ] || return 1
	done
}
# virtio_mem_dev: the virtio-mem device in sysfs (virtio id 24)
virtio_mem_dev()
{
	local d
	for d in /sys/bus/virtio/devices/virtio*; do
		[ "$(cat $d/device 2>/dev/null)" = 0x0018 ] && readlink -f $d
	done
	return 0
}

check "no boot block has a provider ($(with_provider | wc -l) do)" \
	[ -z "$(with_provider)" ]

D1=$(dimm_plug d1 512M)
acpi1=$(acpi_dev_of $D1)
check "a pc-dimm's 4 blocks ($(echo $D1)) link to its ACPI memory device" \
	eval '[ $(echo $D1 | wc -w) = 4 ] && grep -q PNP0C80 $acpi1/hid &&
	      all_provided_by $acpi1 $D1'

before=$(blocks | tr '\n' ' ')
n0=$(nr_blocks)
vmem_resize $((512 << 20))
wait_until 60 count_is $((n0 + 4))
V=$(new_blocks "$before")
vdev=$(virtio_mem_dev)
check "virtio-mem's 4 blocks ($(echo $V)) link to the virtio device (${vdev##*/})" \
	eval '[ $(echo $V | wc -w) = 4 ] && all_provided_by "$vdev" $V'
check "no other block has a provider" provided_are $D1 $V

vmem_resize 0
wait_until 60 count_is "$n0"
check "virtio-mem unplugged: its blocks and their links are gone" \
	provided_are $D1
vmem_resize $((256 << 20))
wait_until 60 count_is $((n0 + 2))
V2=$(new_blocks "$before")
check "plugged again, its new blocks ($(echo $V2)) link to it again" \
	eval '[ $(echo $V2 | wc -w) = 2 ] && all_provided_by "$vdev" $V2'
vmem_resize 0
wait_until 60 count_is "$n0"

dimm_unplug d1
check "the pc-dimm ejected: no block is left with a provider" \
	eval 'all_gone $D1 && [ -z "$(with_provider)" ]'
D2=$(dimm_plug d2 256M)
acpi2=$(acpi_dev_of $D2)
check "a second pc-dimm's blocks ($(echo $D2)) link to its device (${acpi2##*/})" \
	all_provided_by "$acpi2" $D2
check "the second DIMM ejects, and takes its links" \
	eval 'dimm_unplug d2 && [ -z "$(with_provider)" ]'

ktap_finished
