#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dax/kmem, the third kind of device that provides memory: memory the
# firmware marks "soft reserved" (here memmap=...%...-1+0xefffffff turns
# 256 MiB of the guest's RAM into it) is not System RAM at boot; dax_hmem
# makes it the device dax0.0, and kmem, its default driver, hot-adds it as
# "System RAM (kmem)".  Its blocks link to dax0.0 as provider and no other
# block has one.  Offlined and unbound from kmem, the memory goes and the
# links with it, and the range is claimed by no one; bound to device_dax
# instead, device_dax claims it for /dev/dax0.0, and it is neither System
# RAM nor a memory block; back to kmem, the blocks come again and link to
# dax0.0 again.
#
# memhp-qemu: -m 2G
# memhp-append: memmap=256M%0x40000000-1+0xefffffff memhp_default_state=online_movable
# memhp-timeout: 300
# memhp-upstream: xfail stock links no block to the device that provided it
. "$(dirname "$0")/lib_memhp.sh"

DAX=/sys/bus/dax/devices/dax0.0
DRV=/sys/bus/dax/drivers
# the soft-reserved range, as the command line places it
LO=$((0x40000000)) SIZE=$((256 << 20))

# kmem_blocks: the blocks of the "System RAM (kmem)" ranges in /proc/iomem
kmem_blocks()
{
	local lo hi b
	sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM (kmem)$/\1 \2/p' /proc/iomem |
	while read -r lo hi; do
		for ((b = 0x$lo / BLOCK_SIZE; b <= 0x$hi / BLOCK_SIZE; b++)); do
			echo $b
		done
	done
}
# range_blocks: blocks that exist in the soft-reserved range
range_blocks()
{
	local b
	for ((b = LO / BLOCK_SIZE; b < (LO + SIZE) / BLOCK_SIZE; b++)); do
		[ -e $MEM/memory$b ] && echo $b
	done
	return 0
}
# dax_claims: the range is claimed in /proc/iomem by dax0.0 (its driver,
# kmem or device_dax, requests it under that name)
dax_claims()
{
	grep -q "^ *$(printf %x $LO)-$(printf %x $((LO + SIZE - 1))) : dax0.0$" /proc/iomem
}
# driver_of: the driver dax0.0 is bound to, or nothing
driver_of() { [ -L $DAX/driver ] && basename "$(readlink $DAX/driver)"; }
provider_of() { readlink -f $MEM/memory$1/provider 2>/dev/null; }
with_provider()
{
	local b
	for b in $(blocks); do
		[ -L $MEM/memory$b/provider ] && echo $b
	done
}
# all_provided_by_dax BLOCK...: every block links to dax0.0
all_provided_by_dax()
{
	local dev b
	dev=$(readlink -f $DAX)
	[ -n "$dev" ] && [ $# -gt 0 ] || return 1
	for b in "$@"; do
		[ "$(provider_of $b)" = "$dev" ] || return 1
	done
}
# write_to FILE VALUE: write VALUE to a sysfs file, 0 if it took it
write_to() { echo "$2" >"$1"; }

ktap_print_header
ktap_set_plan 8

[ -e $DAX ] || { echo "Bail out! no dax0.0: $(grep -i 'soft reserved' /proc/iomem)"; exit 1; }
check "the soft-reserved 256 MiB is dax0.0, bound to kmem ($(driver_of))" \
	[ "$(driver_of)" = kmem ]
K=$(kmem_blocks)
check "kmem added it as System RAM (kmem): blocks $(echo $K), all online" \
	eval '[ "$(echo $K)" = "$(echo $(range_blocks))" ] &&
	      [ $(echo $K | wc -w) = $((SIZE / BLOCK_SIZE)) ] && all_in_state online $K'
check "its blocks link to dax0.0 as provider" all_provided_by_dax $K
check "no other block has a provider ($(echo $(with_provider)) do)" \
	[ "$(echo $(with_provider))" = "$(echo $K)" ]

online_blocks offline $K
write_to $DRV/kmem/unbind dax0.0
check "offline and unbound from kmem: blocks and links are gone ($(echo $(range_blocks)))" \
	eval '[ -z "$(range_blocks)" ] && [ -z "$(kmem_blocks)" ] && ! dax_claims &&
	      [ -z "$(with_provider)" ] && [ -z "$(driver_of)" ]'

write_to $DRV/device_dax/new_id dax0.0
wait_until 10 test -c /dev/dax0.0
check "bound to device_dax: it claims the range for /dev/dax0.0, no memory block" \
	eval '[ "$(driver_of)" = device_dax ] && [ -c /dev/dax0.0 ] && dax_claims &&
	      [ -z "$(kmem_blocks)" ] && [ -z "$(range_blocks)" ]'

write_to $DRV/device_dax/remove_id dax0.0
write_to $DRV/device_dax/unbind dax0.0
write_to $DRV/kmem/bind dax0.0
K2=$(kmem_blocks)
check "bound to kmem again: blocks $(echo $K2) are back, online" \
	eval '[ "$(driver_of)" = kmem ] && [ "$(echo $K2)" = "$(echo $K)" ] &&
	      all_in_state online $K2'
check "and link to dax0.0 again" all_provided_by_dax $K2

ktap_finished
