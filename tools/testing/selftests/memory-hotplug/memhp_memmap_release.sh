#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ak. memory_hotplug.free_memmap_on_offline=Y: offline memory holds no
#     memmap.  virtio-mem memory added offline gets none until it is
#     onlined; onlining builds it (nr_memmap_pages grows by a block's
#     memmap), offlining gives it back, again and again, with data moving
#     through the rebuilt blocks intact.  A boot block offlined gives back
#     its boot memmap (nr_memmap_boot_pages) and gets it back at online.
#     While released, the pfn walkers a guest can reach keep working:
#     /proc/kpageflags says no page, soft_offline_page and
#     hard_offline_page refuse with ENXIO and poison nothing, page_owner
#     reads to its end, compaction runs, valid_zones still answers.  A
#     DIMM whose memmap lives in itself (memmap_on_memory) keeps it when
#     offline: it costs the kernel nothing there.  Switched off at run
#     time, an offline keeps the memmap (soft_offline_page: EIO, the page
#     is only offline); switched on again, the next offline releases it.
#     Removing released memory (virtio-mem shrinks to 0, the DIMM ejects)
#     leaves every counter where it began.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=8G
# memhp-qemu: -object memory-backend-ram,id=vmem0,size=512M
# memhp-qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
# memhp-append: memhp_default_state=offline memory_hotplug.free_memmap_on_offline=1
# memhp-append: memory_hotplug.memmap_on_memory=1 movablecore=384M page_owner=on
# memhp-timeout: 600
# memhp-alone: pfn readers race the memmap's release on both vCPUs
# memhp-upstream: xfail stock keeps the memmap of offline memory (it has no free_memmap_on_offline)
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 21

P=/sys/module/memory_hotplug/parameters
# a block's memmap: 64 bytes of struct page per 4 KiB page
BLOCK_MEMMAP=$((BLOCK_SIZE / 4096 * 64 / 4096))
vmstat() { sed -n "s/^$1 //p" /proc/vmstat; }
memmap() { vmstat nr_memmap_pages; }
boot_memmap() { vmstat nr_memmap_boot_pages; }
corrupt() { meminfo_kb HardwareCorrupted; }
block_pfn() { echo $(($1 * BLOCK_SIZE / 4096 + ${2:-0})); }
soft_offline() { try_write $MEM/soft_offline_page $(($(block_pfn "$@") * 4096)); }
hard_offline() { try_write $MEM/hard_offline_page $(($(block_pfn "$@") * 4096)); }
nopage() { [ $(( $(flags_of $(block_pfn "$@")) & (1 << 20) )) -ne 0 ]; }
set_switch() { echo "$1" >$P/free_memmap_on_offline; }
# states STATE BLOCK...: write STATE to each block's state file
states()
{
	local state=$1 b
	shift
	for b in "$@"; do
		[ "$(try_write $MEM/memory$b/state $state)" = OK ] || return 1
	done
}
online() { states online_movable "$@"; }
offline() { states offline "$@"; }
said() { ktap_print_msg "$*"; return 1; }
# every pfn walker a guest reaches, over memory whose memmap is released
walkers_pass()
{
	local c0 b
	c0=$(corrupt)
	for b in "$@"; do
		nopage $b 0 && nopage $b $((BLOCK_SIZE / 4096 - 1)) ||
			said "block $b: kpageflags $(flags_of $(block_pfn $b))" || return
		got="$(soft_offline $b 7) $(hard_offline $b 9)"
		[ "$got" = "ENXIO ENXIO" ] ||
			said "block $b: soft, hard_offline_page: $got" || return
		[ -n "$(zones_of $b)" ] || said "block $b: no valid_zones" || return
	done
	[ "$(corrupt)" = "$c0" ] || said "HardwareCorrupted $c0 -> $(corrupt) kB" || return
	echo 1 >/proc/sys/vm/compact_memory
}
# page_owner walks every pfn up to the last; once, it is slow under TCG
page_owner_reads()
{
	local t0=$SECONDS n
	n=$(grep -c "^Page allocated" /sys/kernel/debug/page_owner) &&
	ktap_print_msg "page_owner: $n records in $((SECONDS - t0)) s" && [ "$n" -gt 0 ]
}

check "free_memmap_on_offline reads Y" [ "$(cat $P/free_memmap_on_offline 2>&1)" = Y ]
errno_case free_memmap_on_offline EINVAL "not a boolean" $P/free_memmap_on_offline maybe
check "the refused write left it Y" [ "$(cat $P/free_memmap_on_offline 2>&1)" = Y ]
total0=$(memtotal_kb) memmap0=$(memmap) boot0=$(boot_memmap)
ktap_print_msg "start: MemTotal $total0 kB, memmap $memmap0 pages, boot memmap $boot0 pages"

# ---- virtio-mem: no memmap while offline ----------------------------------
before=$(blocks | tr '\n' ' ') n0=$(nr_blocks)
vmem_resize $((256 << 20))
wait_until 60 count_is $((n0 + (256 << 20) / BLOCK_SIZE))
V=($(new_blocks "$before"))
check "virtio-mem added ${#V[@]} blocks offline, no memmap ($(( $(memmap) - memmap0 )) pages)" \
	eval '[ ${#V[@]} -eq 2 ] && all_in_state offline ${V[@]} && [ "$(memmap)" -eq $memmap0 ]'
# kpageflags: no page; soft/hard_offline_page: ENXIO, nothing poisoned;
# compaction runs; valid_zones answers
check "while offline, the pfn walkers pass over the blocks" \
	walkers_pass ${V[@]}
check "page_owner reads every pfn to the last, past the released blocks" page_owner_reads
online ${V[@]}
# nr_memmap_pages also counts page_ext (page_owner's), made at online
up=$(( $(memmap) - memmap0 )) ext=$(( $(memmap) - memmap0 - 2 * BLOCK_MEMMAP ))
check "onlined: memmap again (+$up pages, $ext of them page_ext), MemTotal counts them" \
	eval '[ $ext -ge 0 ] && [ "$(memtotal_kb)" -eq $((total0 + 2 * BLOCK_SIZE / 1024)) ]'
check "data moves through rebuilt block ${V[1]} intact" data_through_block ${V[1]}
offline ${V[0]}
check "offline gives the memmap back ($(( $(memmap) - memmap0 )) pages over the start)" \
	eval '[ "$(memmap)" -eq $memmap0 ] && walkers_pass ${V[@]}'
ok=1
for i in 1 2 3; do
	online ${V[@]} && [ "$(memmap)" -eq $((memmap0 + up)) ] &&
		offline ${V[@]} && [ "$(memmap)" -eq $memmap0 ] || { ok=; break; }
done
check "three more online/offline cycles build and release it each time" [ -n "$ok" ]

# ---- a rebuild that cannot allocate ----------------------------------------------
F=/sys/kernel/debug/fail_function
# the next memmap allocation fails (fail_function, once)
fail_memmap_once()
{
	echo 100 >$F/probability && echo 1 >$F/interval && echo 1 >$F/times &&
		echo 0 >$F/space && echo 0 >$F/verbose && echo memmap_get >$F/inject
}
m=$(memmap) before=$(hotplug_state)
fail_memmap_once
got=$(try_write $MEM/memory${V[0]}/state online_movable)
echo >$F/inject
check "an online whose memmap cannot be rebuilt fails with ENOMEM ($got), changing nothing" \
	eval '[ "$got" = ENOMEM ] && [ "$(memmap)" -eq $m ] &&
	      [ "$(hotplug_state)" = "$before" ]'

# ---- readers racing the release ------------------------------------------------
# kpageflags, kpagecount, kpagecgroup, pagetypeinfo and page_owner read the
# blocks' struct pages while the blocks go on and offline
# (the /proc/kpage* files are indexed by pfn: only the blocks' part is read)
reader()
{
	local lo=$(block_pfn ${V[0]}) n=$((2 * BLOCK_SIZE / 4096)) f
	while [ -e /tmp/readers.on ]; do
		for f in "$@"; do
			case $f in
			/proc/kpage*) dd if=$f bs=8 skip=$lo count=$n 2>/dev/null ;;
			*) cat $f ;;
			esac | cksum >/dev/null
		done
	done
}
touch /tmp/readers.on
reader /proc/kpageflags /proc/kpagecount & r1=$!
reader $(ls /proc/kpagecgroup 2>/dev/null) /proc/pagetypeinfo & r2=$!
reader /sys/kernel/debug/page_owner & r3=$!
ok=1
for i in $(seq ${RACE_CYCLES:-10}); do
	online ${V[@]} && offline ${V[@]} || { ok=; break; }
done
alive=$(kill -0 $r1 $r2 $r3 2>&1 && echo yes)
rm /tmp/readers.on
wait $r1 $r2 $r3
check "${RACE_CYCLES:-10} on/offline cycles race struct page readers (alive: ${alive:-no})" \
	eval '[ -n "$ok" ] && [ -n "$alive" ] && [ "$(memmap)" -eq $memmap0 ]'

# ---- the switch at run time -------------------------------------------------
set_switch 0
online ${V[0]}
offline ${V[0]}
c0=$(corrupt)
check "switched off: offline keeps the memmap (+$(( $(memmap) - memmap0 )) pages), EIO" \
	eval '[ "$(memmap)" -eq $((memmap0 + BLOCK_MEMMAP)) ] &&
	      [ "$(soft_offline ${V[0]} 7)" = EIO ] && [ "$(corrupt)" = "$c0" ]'
set_switch 1
online ${V[0]}
offline ${V[0]}
check "switched on again: the next offline releases it" \
	eval '[ "$(memmap)" -eq $memmap0 ] && [ "$(cat $P/free_memmap_on_offline)" = Y ]'

# ---- boot memory ------------------------------------------------------------
B=$(offline_boot_blocks 1)
b1=$(boot_memmap)
check "boot block ${B:-none} offlined gives back its memmap ($((b1 - boot0)) pages)" \
	eval '[ -n "$B" ] && [ "$b1" -eq $((boot0 - BLOCK_MEMMAP)) ] && walkers_pass $B'
# the rebuilt memmap comes from the page allocator: nr_memmap_pages
m2=$(memmap)
check "onlined again, boot block ${B:-none} has a memmap (from the allocator), carries data" \
	eval '[ -n "$B" ] && online $B && [ "$(boot_memmap)" -eq $b1 ] &&
	      [ "$(memmap)" -ge $((m2 + BLOCK_MEMMAP)) ] &&
	      data_through_block $B && online $B && [ "$(boot_memmap)" -eq $b1 ]'

# ---- memmap_on_memory: the memmap lives in the DIMM ----------------------------
m1=$(memmap)
D=($(dimm_plug d1 256M))
online ${D[@]}
offline ${D[@]}
# soft_offline_page: EIO, the page is only offline
check "a self-hosted DIMM keeps its memmap offline (+$(( $(memmap) - m1 )) pages in it)" \
	eval '[ ${#D[@]} -eq 2 ] && [ "$(memmap)" -eq $((m1 + 2 * BLOCK_MEMMAP)) ] &&
	      [ "$(soft_offline ${D[1]} $((BLOCK_MEMMAP + 7)))" = EIO ]'
check "the DIMM ejects" dimm_unplug d1

# ---- removing released memory -------------------------------------------------
n0=$(nr_blocks)
vmem_resize 0
check "virtio-mem shrinks to 0 with its blocks released: they are gone" \
	eval 'wait_until 60 count_is $((n0 - 2)) &&
	      [ ! -e $MEM/memory${V[0]} ] && [ ! -e $MEM/memory${V[1]} ]'
# the boot block's first memmap was reserved at boot, outside MemTotal;
# given back, it joined MemTotal; its rebuilds come from the allocator and
# count in nr_memmap_pages
ktap_print_msg "end: MemTotal $(memtotal_kb) kB, memmap $(memmap), boot memmap $(boot_memmap) pages"
check "counters back at the start (MemTotal + the boot memmap given back)" \
	eval '[ "$(memtotal_kb)" -eq $((total0 + BLOCK_MEMMAP * 4)) ] &&
	      [ "$(memmap)" -eq $((memmap0 + BLOCK_MEMMAP)) ] &&
	      [ "$(boot_memmap)" -eq $((boot0 - BLOCK_MEMMAP)) ]'
check "no kernel warning" eval '! dmesg | grep -q "WARNING:\|BUG:\|Oops"'
ktap_finished
