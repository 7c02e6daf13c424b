#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# a. The sysfs layout user space reads: /sys/devices/system/memory and the
#    node links, on a freshly booted guest (boot memory only).
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 15

# mode FILE: octal permission bits.
mode() { stat -c %a "$1"; }

bsb=$(cat $MEM/block_size_bytes)
block_size_format()
{
	# lowercase hex, no 0x, a power of two of at least one 128 MiB section
	[[ $bsb =~ ^[0-9a-f]+$ ]] || return 1
	local v=$((0x$bsb))
	[ $((v & (v - 1))) -eq 0 ] && [ $v -ge $((128 << 20)) ] &&
		[ "$(mode $MEM/block_size_bytes)" = 444 ]
}
check "block_size_bytes is lowercase hex without 0x, a power of two >= 128M (${bsb})" \
	block_size_format

check "at least one memory block exists" [ "$(nr_blocks)" -gt 0 ]

# every block: phys_index is %08x of the directory's number
phys_index_matches()
{
	local b
	for b in $(blocks); do
		[ "$(cat $MEM/memory$b/phys_index)" = "$(printf %08x "$b")" ] ||
			{ echo "# memory$b phys_index $(cat $MEM/memory$b/phys_index)"; return 1; }
	done
}
check "every memoryN has phys_index = N as %08x" phys_index_matches

files_and_modes()
{
	local b f want
	for b in $(blocks); do
		for f in state:644 online:644 phys_index:444 phys_device:444 \
			removable:444 valid_zones:444 uevent:644; do
			want=${f#*:}
			[ "$(mode $MEM/memory$b/${f%:*})" = "$want" ] && continue
			echo "# memory$b/${f%:*} mode $(mode $MEM/memory$b/${f%:*}) != $want"
			return 1
		done
	done
}
six="state, online, phys_index, phys_device, removable, valid_zones"
check "every memoryN has $six with the right modes" \
	files_and_modes

values_consistent()
{
	local b st on
	for b in $(blocks); do
		st=$(state_of "$b")
		on=$(cat $MEM/memory$b/online)
		case $st:$on in
		online:1 | offline:0) ;;
		*) echo "# memory$b state=$st online=$on"; return 1 ;;
		esac
		[ "$(cat $MEM/memory$b/phys_device)" = 0 ] || return 1
		[ "$(cat $MEM/memory$b/removable)" = 1 ] || return 1
	done
}
check "state/online agree, phys_device is 0, removable is 1" values_consistent

zones_of_online()
{
	local b z
	for b in $(blocks); do
		z=$(zones_of "$b")
		case $z in
		DMA | DMA32 | Normal | Movable | none) ;;
		*) echo "# memory$b valid_zones '$z'"; return 1 ;;
		esac
	done
}
check "valid_zones of an online block names one zone (or none)" zones_of_online

node_links_both_ways()
{
	local b links n
	for b in $(blocks); do
		links=$(ls -d $MEM/memory$b/node[0-9]* 2>/dev/null | wc -l)
		[ "$links" -eq 1 ] || { echo "# memory$b has $links node links"; return 1; }
		n=$(basename $MEM/memory$b/node[0-9]*)
		[ "$(readlink -f $MEM/memory$b/$n)" = "$(readlink -f $NODE/$n)" ] || return 1
		[ "$(readlink -f $NODE/$n/memory$b)" = "$(readlink -f $MEM/memory$b)" ] ||
			{ echo "# $n/memory$b missing"; return 1; }
	done
}
check "every block links to its node and the node links back" node_links_both_ways

# Online blocks hold MemTotal and what the kernel kept for itself at boot,
# never handed to the page allocator.  The big parts of that can be read
# back: the kernel image (code, rodata, data, bss in /proc/iomem), the memmap
# of boot memory (nr_memmap_boot_pages) and the swiotlb bounce buffer (2 KiB
# slabs, in debugfs).  The rest - firmware holes inside the blocks, early
# page tables, the first percpu chunk, memblock's arrays - came to 6069 and
# 6078 kB on stock and ours (1 GiB guest); SLACK_KB leaves 2 MiB above that.
SLACK_KB=$((8 << 10))
kernel_image_kb()
{
	local range sum=0
	while IFS= read -r range; do
		range=${range%% :*}
		range=${range// /}
		sum=$((sum + 0x${range#*-} - 0x${range%-*} + 1))
	done < <(grep -E ' : Kernel (code|rodata|data|bss)$' /proc/iomem)
	echo $((sum >> 10))
}
online_covers_memtotal()
{
	local on gap image memmap tlb known
	on=$(($(grep -l '^online' $MEM/memory*/state | wc -l) * BLOCK_SIZE >> 10))
	gap=$((on - $(memtotal_kb)))
	image=$(kernel_image_kb)
	memmap=$(($(sed -n 's/^nr_memmap_boot_pages //p' /proc/vmstat) * 4))
	tlb=$(($(cat /sys/kernel/debug/swiotlb/io_tlb_nslabs 2>/dev/null || echo 0) * 2))
	known=$((image + memmap + tlb))
	echo "# online $on kB - MemTotal $(memtotal_kb) kB = $gap kB; kernel image $image kB," \
		"boot memmap $memmap kB, swiotlb $tlb kB: $((gap - known)) kB unexplained"
	[ $gap -ge $known ] && { [ -z "$1" ] || [ $gap -le $((known + $1)) ]; }
}
# check_here DESC COMMAND...: check, in the guest the harness boots for this
# test; elsewhere a skip (the expected values are of that 1 GiB x86 guest
# with the config's defaults)
check_here()
{
	if [ -n "$BOOTED_FOR_TEST" ]; then
		check "$@"
	else
		ktap_test_skip "$1 (values of the harness's guest)"
	fi
}

if [ -z "$BOOTED_FOR_TEST" ]; then
	check_here "online blocks hold MemTotal and the boot reservations" false
elif grep -qw kasan_report /proc/kallsyms; then
	# (the shadow is an eighth of memory; page_ext and the stack depot
	# add more, none of it named where this check could read it: only
	# the lower bound holds)
	check "online blocks hold MemTotal and the boot reservations (KASAN's are extra)" \
		online_covers_memtotal
else
	slack="within $((SLACK_KB >> 10)) MiB"
	check "online blocks hold MemTotal and the boot reservations, $slack" \
		online_covers_memtotal $SLACK_KB
fi

check "auto_online_blocks is rw" eval '[ "$(mode $MEM/auto_online_blocks)" = 644 ]'
check_here "auto_online_blocks reads 'offline' (config default)" \
	eval '[ "$(cat $MEM/auto_online_blocks)" = offline ]'

if [ -e $MEM/probe ] || [ -n "$BOOTED_FOR_TEST" ]; then
	check "probe exists and is write-only (CONFIG_ARCH_MEMORY_PROBE)" \
		eval '[ "$(mode $MEM/probe)" = 200 ]'
else
	ktap_test_skip "probe is write-only (no CONFIG_ARCH_MEMORY_PROBE)"
fi

# Every file user space can find here is documented: each name of ABI_TOP
# and ABI_BLOCK is a "What:" in Documentation/ABI/testing (the host's lint
# checks that side), and the guest has no name outside them and the driver
# core's DEVICE_FILES (memoryN and nodeM stand for their numbers).
ABI_TOP="auto_online_blocks block_size_bytes crash_hotplug hard_offline_page memoryN probe"
ABI_TOP+=" soft_offline_page"
ABI_BLOCK="firmware_node nodeM offline_errno offline_page offline_page_stack offline_pfn"
ABI_BLOCK+=" offline_reason online"
ABI_BLOCK+=" phys_device phys_index provider removable state valid_zones"
DEVICE_FILES="power subsystem uevent"
undocumented()
{
	local dir=$1 known=" $2 $DEVICE_FILES " f name bad=

	for f in "$dir"/*; do
		name=$(basename "$f" | sed -E 's/^memory[0-9]+$/memoryN/; s/^node[0-9]+$/nodeM/')
		[[ $known == *" $name "* ]] || bad="$bad ${f#$MEM/}"
	done
	echo "$bad"
}
all_documented()
{
	local bad b

	bad=$(undocumented $MEM "$ABI_TOP")
	for b in $(blocks); do
		bad="$bad$(undocumented $MEM/memory$b "$ABI_BLOCK")"
	done
	[ -z "$bad" ] || { echo "# not documented:$bad"; return 1; }
}
check "every file of memory/ and of each block is documented" all_documented

uevent_env()
{
	# the memory bus adds nothing to the uevent environment
	[ -z "$(cat $MEM/memory0/uevent)" ] &&
		[ "$(readlink -f $MEM/memory0/subsystem)" = "$(readlink -f /sys/bus/memory)" ]
}
check "memoryN/uevent is empty and subsystem is the memory bus" uevent_env

# bytes_are FILE TEXT: FILE holds exactly TEXT and a newline.
bytes_are()
{
	[ "$(od -An -c "$1" | tr -s ' ')" = "$(printf '%s\n' "$2" | od -An -c | tr -s ' ')" ] ||
		{ echo "# $1: $(od -An -c "$1")"; return 1; }
}
exact_bytes()
{
	bytes_are $MEM/block_size_bytes "$(printf %x $BLOCK_SIZE)" &&
		bytes_are $MEM/memory0/phys_index 00000000 &&
		bytes_are $MEM/memory0/valid_zones none &&
		bytes_are $MEM/memory1/valid_zones DMA32 &&
		bytes_are $MEM/memory1/state online &&
		bytes_are $MEM/memory1/online 1 &&
		bytes_are $MEM/memory1/phys_device 0 &&
		bytes_are $MEM/memory1/removable 1
}
check_here "exact bytes: block_size_bytes, phys_index, valid_zones (none, DMA32), $six" \
	exact_bytes

# the policy the guest had goes back, however the test ends
AUTO_ONLINE_WAS=$(cat $MEM/auto_online_blocks)
test_cleanup() { echo "$AUTO_ONLINE_WAS" >$MEM/auto_online_blocks; }
auto_round_trip()
{
	local t
	for t in online online_kernel online_movable offline; do
		echo $t >$MEM/auto_online_blocks || return 1
		bytes_are $MEM/auto_online_blocks $t || return 1
	done
}
check "auto_online_blocks reads back each policy written to it, exactly" auto_round_trip

ktap_finished
