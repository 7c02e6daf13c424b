#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# g. virtio-mem: raising requested-size plugs memory that the kernel policy
#    onlines; lowering it to 0 unplugs it again; MemTotal follows both ways.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,maxmem=4G -object memory-backend-ram,id=vmem0,size=1G
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
# memhp-append: memhp_default_state=online_movable
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 8

# bound: the device (virtio id 24) sits under the driver in sysfs and the
# driver went as far as reading its sizes from the device
bound()
{
	local d
	for d in /sys/bus/virtio/drivers/virtio_mem/virtio[0-9]*; do
		[ "$(cat $d/device 2>/dev/null)" = 0x0018 ] || continue
		dmesg | grep -q "virtio_mem ${d##*/}: requested size:" && return 0
	done
	return 1
}
# complaints: the driver's kernel log lines that report a failure
complaints()
{
	dmesg | grep 'virtio_mem' |
		grep -iE 'fail|error|could not|cannot|not supported|unsupported|invalid|unusable'
}
check "the virtio-mem driver bound to the device, without complaints" \
	eval 'bound && ! complaints'
t0=$(memtotal_kb)
before=$(blocks | tr '\n' ' ')
n0=$(nr_blocks)
vmem_resize $((512 << 20))
check "requested-size 512M: 4 new blocks appear" wait_until 60 count_is $((n0 + 4))
new=$(new_blocks "$before")
online_movable_all()
{
	all_in_state online $new && [ "$(for b in $new; do zones_of $b; done | sort -u)" = Movable ]
}
check "they are onlined as Movable by the kernel policy" wait_until 30 online_movable_all
check "MemTotal grew by 512M" wait_until 30 memtotal_is $((t0 + (512 << 10)))
check "QEMU reports 512M plugged ($(vmem_plugged))" [ "$(vmem_plugged)" = $((512 << 20)) ]

vmem_resize 0
check "requested-size 0: the blocks are removed" wait_until 60 count_is "$n0"
check "MemTotal is back and QEMU reports 0 plugged" \
	eval 'memtotal_is $t0 && wait_until 30 eval "[ \"\$(vmem_plugged)\" = 0 ]"'
check "the driver reported no failure on the way ($(complaints | head -1))" eval '! complaints'

ktap_finished
