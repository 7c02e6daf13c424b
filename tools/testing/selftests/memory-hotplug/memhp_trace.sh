#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Why an offline failed, without the kernel log: the memory_hotplug trace
# events, read from tracefs as any tracer reads them, and the block's
# offline_* files and "change" uevent.  A DIMM goes through add, online,
# offline and remove: one event each, with its range (the DIMM's, as QEMU
# places it), zone, node, memory group (the ACPI device's, the same in every
# event), result 0 and a duration.  Two refused offlines name the page that
# blocked them: a page a pipe holds (vmsplice) in the DIMM, stopped by
# SIGINT - mhp_offline with -EINTR, and mhp_offline_blocked at the very pfn
# the pipe pinned, referenced more than once; and the top boot block, where
# the kernel put its memory map at boot - mhp_offline with -EBUSY, and the
# page isolation refused.  Each time the block's offline_errno,
# offline_reason, offline_page and offline_pfn (root only) name the errno,
# the reason and the same page as the event, and a change uevent carries the
# errno and reason but no page; a successful offline resets them.  With
# page_owner=on, offline_page_stack (root only) is the stack that allocated
# the pinned page, a user page fault; the page the top boot block names has
# a stack only if the page allocator gave it out after page_owner started
# (the boot memory map, a reserved page, was not; a free page has none),
# and never one of page_owner's stand-ins.  mem=1920M
# ends boot RAM on a block boundary, below the firmware's reserved top of
# the 2 GiB: that block has no hole.
#
# memhp-needs: qmp
# memhp-qemu: -m 2G,slots=4,maxmem=16G
# memhp-append: mem=1920M page_owner=on
# memhp-timeout: 300
# memhp-upstream: xfail stock has no memory_hotplug trace events
. "$(dirname "$0")/lib_memhp.sh"

TRACING=/sys/kernel/tracing
EV=$TRACING/events/memory_hotplug
EVENTS="mhp_add mhp_online mhp_offline mhp_remove mhp_offline_blocked"

# last EVENT: the last line of EVENT in the trace buffer
last() { grep " $1: " $TRACING/trace | tail -1; }
# field NAME LINE: the value of NAME=... in a trace line (quotes dropped)
field() { sed -n "s/.* $1=\"\{0,1\}\([^ \"]*\).*/\1/p" <<<"$2"; }
# hex_range FIRST LAST: "0xFIRST-0xLAST", as the events print a range
hex_range() { printf '%#x-%#x' "$1" "$2"; }

# failure_of BLOCK WHAT: memoryBLOCK/offline_WHAT (errno, reason, page, pfn)
failure_of() { cat $MEM/memory$1/offline_$2; }
# failure_line BLOCK: the four on one line
failure_line() { echo $(for f in errno reason page pfn; do failure_of $1 $f; done); }
# change_uevent BLOCK: the keys of the last change uevent of memoryBLOCK
# that has an OFFLINE_ERRNO, one KEY=VALUE a line
change_uevent()
{
	awk -v dev="/devices/system/memory/memory$1" '
		/^KERNEL\[/ { if (hit) keep = rec; rec = ""; hit = 0; next }
		/^DEVPATH=/ { path = substr($0, 9) }
		/=/ { rec = rec $0 "\n" }
		/^OFFLINE_ERRNO=/ { hit = path == dev }
		END { if (hit) keep = rec; printf "%s", keep }' /tmp/uevents.prop
}

test_cleanup()
{
	[ -z "${PID_MONITOR-}" ] || kill $PID_MONITOR 2>/dev/null
	[ -d $EV ] || return 0
	echo 0 >$EV/enable
	: >$TRACING/trace
}

ktap_print_header
ktap_set_plan 20

[ -e $TRACING/trace ] || mount -t tracefs nodev $TRACING 2>/dev/null
missing=
for e in $EVENTS; do
	[ -d $EV/$e ] || missing="$missing $e"
done
check "tracefs lists the memory_hotplug events ($EVENTS)" [ -z "$missing" ]
[ -z "$missing" ] || { echo "Bail out! no event$missing in $EV"; exit 1; }
fmt=$EV/mhp_offline_blocked/format
check "mhp_offline_blocked has fields pfn, reason, kind, flags, migratetype, refcount, mapcount" \
	eval 'for f in pfn reason kind flags migratetype refcount mapcount; do
		grep -q "field:.* $f;" $fmt || exit 1; done'
: >$TRACING/trace
echo 1 >$EV/enable
udevadm monitor --kernel --property --subsystem-match=memory >/tmp/uevents.prop 2>&1 &
PID_MONITOR=$!

new=$(dimm_plug d1 128M) || { echo "Bail out! hot-add failed"; exit 1; }
dimm_where d1 || { echo "Bail out! QEMU does not list d1"; exit 1; }
lo=$((DIMM_ADDR / 4096)) hi=$(((DIMM_ADDR + DIMM_BYTES) / 4096))
span=$(hex_range $DIMM_ADDR $((DIMM_ADDR + DIMM_BYTES - 1)))
add=$(last mhp_add)
group=$(field group "$add")
check "mhp_add: the DIMM's range, node 0, a group, 0, a duration ($add)" \
	eval '[ "$(field range "$add")" = "$span" ] &&
	      [ "$(field nid "$add")" = 0 ] && [ "$group" -ge 0 ] &&
	      [ "$(field ret "$add")" = 0 ] && [ "$(field duration_ns "$add")" -gt 0 ]'

online_blocks online_movable $new
on=$(last mhp_online)
check "mhp_online: its pfns, Movable, node 0, the same group, 0 ($on)" \
	eval '[ "$(field pfn "$on")" = "$(hex_range $lo $((hi - 1)))" ] &&
	      [ "$(field zone "$on")" = Movable ] && [ "$(field nid "$on")" = 0 ] &&
	      [ "$(field group "$on")" = "$group" ] && [ "$(field ret "$on")" = 0 ] &&
	      [ "$(field duration_ns "$on")" -gt 0 ]'

helper_start pipe pin $lo $hi 96
pinned=$(sed -n 's/^PINNED \(0x[0-9a-f]*\).*/\1/p' /tmp/pipe.out)
[ -n "$pinned" ] ||
	{ echo "Bail out! no page of memory$new pinned: $(cat /tmp/pipe.out)"; exit 1; }
: >$TRACING/trace
res=$(offline_within $new 3)
off=$(last mhp_offline)
check "a pinned page: the offline ends with SIGINT ($res); mhp_offline says -4 ($off)" \
	eval '[ "$(errno_name "$res")" = EINTR ] && [ "$(field ret "$off")" = -4 ] &&
	      [ "$(field zone "$off")" = Movable ] && [ "$(field group "$off")" = "$group" ]'
# the pinned page, or the head of its folio if it is part of a large one
blk=$(grep " mhp_offline_blocked: .*reason=\"did not migrate\"" $TRACING/trace | tail -1)
check "mhp_offline_blocked names the pinned page $pinned: did not migrate, refcount > 1 ($blk)" \
	eval 'p=$(field pfn "$blk"); [ -n "$p" ] && [ $((p >> 9)) = $((pinned >> 9)) ] &&
	      [ $((p)) -le $((pinned)) ] && [ "$(field refcount "$blk")" -gt 1 ] &&
	      [ -n "$(field kind "$blk")" ]'
# blocked_outside FIRST END: prints how many mhp_offline_blocked events
# there are, and how many name a pfn outside [FIRST, END)
blocked_outside()
{
	local p n=0 out=0

	while read -r p; do
		n=$((n + 1))
		((p >= $1 && p < $2)) || out=$((out + 1))
	done < <(sed -n 's/.* mhp_offline_blocked: pfn=\(0x[0-9a-f]*\) .*/\1/p' $TRACING/trace)
	echo "$n $out"
}
check "memory$new: -4, interrupted by a signal, the page the event named ($(failure_line $new))" \
	eval '[ "$(failure_of $new errno)" = -4 ] &&
	      [ "$(failure_of $new reason)" = "interrupted by a signal" ] &&
	      [ "$(failure_of $new pfn)" = "$(field pfn "$blk")" ] &&
	      [ "$(failure_of $new page)" = "$(field kind "$blk")" ]'
modes=$(stat -c %a $MEM/memory$new/offline_{errno,reason,page,pfn,page_stack} | xargs)
check "offline_pfn and offline_page_stack are for root only, the others for all ($modes)" \
	[ "$modes" = "444 444 444 400 400" ]
stack=$(failure_of $new page_stack)
# a frame as %pS prints it: symbol+offset/size, and [module] for a module's
FRAME='^[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+( \[[A-Za-z0-9_]+\])?$'
# page_owner's stand-in stacks, which the file must never show
STAND_IN='register_(early|dummy|failure)_stack'
# own_frames STACK: every line a frame, none a stand-in
own_frames() { ! grep -Eqv "$FRAME" <<<"$1" && ! grep -Eq "$STAND_IN" <<<"$1"; }
sed 's/^/# offline_page_stack: /' <<<"$stack"
check "offline_page_stack: the pinned page came from a page fault ($(wc -w <<<"$stack") frames)" \
	eval 'grep -q "^handle_mm_fault+0x" <<<"$stack" && own_frames "$stack"'
wait_until 10 eval '[ -n "$(change_uevent $new)" ]'
ev=$(change_uevent $new)
check "a change uevent of memory$new: errno and reason, no page ($(echo $ev))" \
	eval 'grep -qx "OFFLINE_ERRNO=-4" <<<"$ev" &&
	      grep -qx "OFFLINE_REASON=interrupted by a signal" <<<"$ev" &&
	      ! grep -q "OFFLINE_PFN" <<<"$ev"'
read -r n out < <(blocked_outside $lo $hi)
check "all $n mhp_offline_blocked events of this offline name a page of memory$new ($out do not)" \
	eval '[ "$n" -gt 0 ] && [ "$out" = 0 ]'

# the top boot block: below the DIMMs, the highest block that was present
# at boot; memblock allocated the memory map there, top down
top=$(($(sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\2/p' /proc/iomem |
	while read -r end; do
		[ $((0x$end)) -lt $DIMM_ADDR ] && echo $((0x$end / BLOCK_SIZE))
	done | sort -n | tail -1)))
: >$TRACING/trace
res=$(offline_within $top 20)
off=$(last mhp_offline)
blk=$(last mhp_offline_blocked)
check "memory$top (boot memory map) refuses: $res; mhp_offline says -16 ($off)" \
	eval '[ "$(errno_name "$res")" = EBUSY ] && [ "$(field ret "$off")" = -16 ] &&
	      [ "$(state_of $top)" = online ]'
check "mhp_offline_blocked: a page of memory$top that could not be isolated ($blk)" \
	eval 'p=$(field pfn "$blk"); [ -n "$p" ] &&
	      [ $((p * 4096 / BLOCK_SIZE)) = $top ] &&
	      grep -q "reason=\"could not be isolated\"" <<<"$blk"'
check "memory$top: -16, could not be isolated, the event's page ($(failure_line $top))" \
	eval '[ "$(failure_of $top errno)" = -16 ] &&
	      [ "$(failure_of $top reason)" = "pages could not be isolated" ] &&
	      [ "$(failure_of $top pfn)" = "$(field pfn "$blk")" ] &&
	      [ "$(failure_of $top page)" = "$(field kind "$blk")" ]'
stack=$(failure_of $top page_stack)
kind=$(failure_of $top page)
check "memory$top's $kind page: no stack if not given out, else none or its own" \
	eval 'case $kind in reserved|buddy|free) [ -z "$stack" ];;
	      *) [ -z "$stack" ] || own_frames "$stack";; esac'
wait_until 10 eval '[ -n "$(change_uevent $top)" ]'
check "a change uevent of memory$top: -16, pages could not be isolated" \
	eval 'change_uevent $top | grep -qx "OFFLINE_ERRNO=-16" &&
	      change_uevent $top | grep -qx "OFFLINE_REASON=pages could not be isolated"'

helper_finish pipe
: >$TRACING/trace
online_blocks offline $new
off=$(last mhp_offline)
check "with the pipe gone the offline succeeds: mhp_offline says 0 ($off)" \
	eval '[ "$(field ret "$off")" = 0 ] && [ "$(state_of $new)" = offline ]'
check "and memory$new's offline failure is cleared: 0, nothing else ($(failure_line $new))" \
	eval '[ "$(failure_line $new)" = 0 ] && [ -r $MEM/memory$new/offline_page_stack ] &&
	      [ -z "$(failure_of $new page_stack)" ]'
dimm_unplug d1 || { echo "Bail out! eject of d1 failed"; exit 1; }
rm=$(last mhp_remove)
check "mhp_remove: the DIMM's range, node 0, the same group, 0 ($rm)" \
	eval '[ "$(field range "$rm")" = "$span" ] &&
	      [ "$(field nid "$rm")" = 0 ] && [ "$(field group "$rm")" = "$group" ] &&
	      [ "$(field ret "$rm")" = 0 ]'
n=$(grep -c ' mhp_offline: ' $TRACING/trace)
check "the eject found the block offline: one mhp_offline since, the write's ($n)" [ "$n" = 1 ]

ktap_finished
