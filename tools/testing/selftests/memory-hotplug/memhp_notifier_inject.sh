#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# w. A memory notifier that says no (memory-notifier-error-inject): with
#    MEM_GOING_ONLINE, then MEM_GOING_OFFLINE, set to fail, every write to a
#    DIMM block's state or online file fails with exactly the injected errno,
#    and the notifier is asked once per write.  Nothing is left half-done:
#    the block keeps its state and valid_zones, MemTotal, the zones' spans,
#    present and managed pages and per-cpu batch (/proc/zoneinfo) are
#    unchanged - a span grown for the online is shrunk back, both into an
#    empty zone and next to an online block - no pageblock stays isolated,
#    MemFree does not drop, data in the block is untouched, and the same
#    online or offline succeeds as soon as injection is off.  kmemleak
#    scans at the end: the refusals leak nothing.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-append: memhp_default_state=offline kmemleak=on
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

INJ=/sys/kernel/debug/notifier-error-inject/memory/actions
ROUNDS=5

# inject ACTION ERRNO: make the notifier answer ACTION with ERRNO (0: pass).
inject() { echo "$2" >$INJ/$1/error; }

# attempt "BLOCK FILE VALUE"...: write each; print the errno names, one a line.
attempt()
{
	local w
	for w in "$@"; do
		set -- $w
		try_write $MEM/memory$1/$2 "$3"
	done
}

# all_are WANT RESULTS: every word of RESULTS is WANT, and there is one.
all_are()
{
	local r
	[ -n "$2" ] || return 1
	for r in $2; do [ "$r" = "$1" ] || return 1; done
}

# tally RESULTS: "N x NAME" per distinct errno name.
tally() { printf '%s\n' $1 | sort | uniq -c | awk '{printf "%s%d x %s", s, $1, $2; s = ", "}'; }

# injected ERRNO ACTION: "Injecting error" lines since kmsg_mark.
injected() { kmsg_since | grep -c "Injecting error ($1) to $2\$"; }

# zones: each zone of node 0 as its span, present/managed pages, pcp batch.
zones()
{
	awk '/^Node 0,/ {z = $4} /^Node [1-9]/ {z = ""}
	     z && ($1 == "spanned" || $1 == "present" || $1 == "managed" ||
		   $1 == "start_pfn:" || $1 == "batch:") {print z, $1, $2}' /proc/zoneinfo
}
# zone_span ZONE: "start_pfn+spanned" of ZONE ("empty" if it spans nothing).
zone_span()
{
	zones | awk -v z=$1 '$1 == z && $2 == "spanned" {n = $3}
		$1 == z && $2 == "start_pfn:" {s = $3}
		END {if (n) printf "%d+%d", s, n; else print "empty"}'
}
# node_pages: node 0's present and managed pages (sum over its zones).
node_pages()
{
	zones | awk '$2 == "present" {p += $3} $2 == "managed" {m += $3}
		END {print "present " p " managed " m}'
}
# blocks_layout: "id state valid_zones" for the DIMM's blocks.
blocks_layout()
{
	local b
	for b in ${B[@]}; do echo "$b $(state_of $b) $(zones_of $b)"; done
}
# snapshot: everything a refused online or offline must leave as it was:
# the lib's hotplug_state, node 0's MemTotal and its zones' pcp batch.
snapshot()
{
	hotplug_state
	grep MemTotal $NODE/node0/meminfo
	zones | grep batch:
}
# show_diff A B: the lines of A missing in B and the other way round, as notes.
show_diff()
{
	echo "$1" | grep -Fxv -f <(echo "$2") | sed 's/^/# before: /'
	echo "$2" | grep -Fxv -f <(echo "$1") | sed 's/^/# after: /'
}

ktap_print_header
ktap_set_plan 27

new=$(dimm_plug d1 512M)
B=($new)
check "a 512M DIMM arrives with its 4 blocks offline ($(echo $new))" \
	eval '[ ${#B[@]} -eq 4 ] && all_in_state offline $new'
modprobe memory-notifier-error-inject
acts=$(ls $INJ 2>/dev/null | tr '\n' ' ')
check "memory-notifier-error-inject loads, with MEM_GOING_ONLINE and MEM_GOING_OFFLINE ($acts)" \
	eval '[ -w $INJ/MEM_GOING_ONLINE/error ] && [ -w $INJ/MEM_GOING_OFFLINE/error ]'

# ---- a refused online into empty zones ----------------------------------------
X=${B[1]}
zones0=$(zones_of $X)
total=$(memtotal_kb)
s0=$(snapshot)
nodep=$(node_pages)
inject MEM_GOING_ONLINE -12
kmsg_mark
# state: online, online_kernel, online_movable; online: 1
res=$(attempt "$X state online" "$X state online_kernel" "$X state online_movable" \
	"$X online 1")
check "MEM_GOING_ONLINE -12: the 4 ways to online memory$X all fail ($(tally "$res"))" \
	all_are ENOMEM "$res"
n=$(injected -12 MEM_GOING_ONLINE)
check "the notifier refused each write once ($n injections for 4 writes)" [ "$n" -eq 4 ]
check "memory$X is still offline, online reads 0, valid_zones as before ($(zones_of $X))" \
	eval '[ "$(state_of $X)" = offline ] && [ "$(cat $MEM/memory$X/online)" = 0 ] &&
	      [ "$(zones_of $X)" = "$zones0" ]'
check "MemTotal unchanged ($total -> $(memtotal_kb) kB)" memtotal_is $total
s1=$(snapshot)
show_diff "$s0" "$s1"
spans="Normal $(zone_span Normal), Movable $(zone_span Movable)"
check "zone spans, present/managed pages, pcp batch unchanged ($spans)" [ "$s1" = "$s0" ]
check "node 0 pages unchanged ($nodep -> $(node_pages))" [ "$(node_pages)" = "$nodep" ]
inject MEM_GOING_ONLINE 0
r=$(try_write $MEM/memory$X/state online_movable)
check "injection off: online_movable of memory$X succeeds ($r, $(state_of $X), $(zones_of $X))" \
	eval '[ "$r" = OK ] && [ "$(state_of $X)" = online ] && [ "$(zones_of $X)" = Movable ]'

# ---- refused onlines next to an online block ------------------------------------
# below, above and one block beyond memoryX's Movable span; and Normal below
LO=${B[0]}
HI=${B[2]}
FAR=${B[3]}
WRITES=("$LO state online_movable" "$LO state online" "$HI state online_movable"
	"$FAR state online_movable")
total=$(memtotal_kb)
span=$(zone_span Movable)
s0=$(snapshot)
nodep=$(node_pages)
inject MEM_GOING_ONLINE -12
kmsg_mark
res=
for i in $(seq $ROUNDS); do
	res="$res $(attempt "${WRITES[@]}")"
done
check "$ROUNDS rounds of 4 onlines around memory$X fail with the injected errno ($(tally "$res"))" \
	all_are ENOMEM "$res"
inject MEM_GOING_ONLINE -5
res=$(attempt "${WRITES[@]}")
check "with -5 injected instead the same writes fail with EIO ($(tally "$res"))" \
	all_are EIO "$res"
n=$(($(injected -12 MEM_GOING_ONLINE) + $(injected -5 MEM_GOING_ONLINE)))
check "the notifier refused each write once ($n injections for $((ROUNDS * 4 + 4)) writes)" \
	[ "$n" -eq $((ROUNDS * 4 + 4)) ]
s1=$(snapshot)
show_diff "$s0" "$s1"
spans="$span -> $(zone_span Movable), Normal $(zone_span Normal)"
check "blocks, MemTotal, zones unchanged: Movable still spans only memory$X ($spans)" \
	[ "$s1" = "$s0" ]
check "MemTotal ($(memtotal_kb) kB) and node 0 pages ($(node_pages)) unchanged" \
	eval 'memtotal_is $total && [ "$(node_pages)" = "$nodep" ]'
inject MEM_GOING_ONLINE 0

# ---- refused offlines of a block holding data -----------------------------------
# memoryX is all of ZONE_MOVABLE, so movable user data lands there first.
used0=$(movable_used_kb)
helper_start data fill 64
used=$(movable_used_kb)
check "64 MiB of data sits in memory$X (Movable used $used0 -> $used kB)" \
	eval '[ "$(cat /tmp/data.out)" = READY ] && [ $((used - used0)) -ge $((48 << 10)) ]'
total=$(memtotal_kb)
free0=$(meminfo_kb MemFree)
s0=$(snapshot)
inject MEM_GOING_OFFLINE -12
kmsg_mark
res=
for i in $(seq $ROUNDS); do
	res="$res $(attempt "$X state offline" "$X online 0")"
done
check "MEM_GOING_OFFLINE -12: $ROUNDS x offline and online=0 of memory$X fail ($(tally "$res"))" \
	all_are ENOMEM "$res"
inject MEM_GOING_OFFLINE -5
res=$(attempt "$X state offline" "$X online 0")
check "with -5 injected instead they fail with EIO ($(tally "$res"))" all_are EIO "$res"
n=$(($(injected -12 MEM_GOING_OFFLINE) + $(injected -5 MEM_GOING_OFFLINE)))
check "the notifier refused each write once ($n injections for $((ROUNDS * 2 + 2)) writes)" \
	[ "$n" -eq $((ROUNDS * 2 + 2)) ]
s1=$(snapshot)
show_diff "$s0" "$s1"
check "memory$X stays online, Movable; MemTotal, zones, pcp batch unchanged ($(state_of $X))" \
	[ "$s1" = "$s0" ]
used1=$(movable_used_kb)
free1=$(meminfo_kb MemFree)
check "no pageblock left isolated ($(isolated_pageblocks)), MemFree kept ($free0 -> $free1 kB)" \
	eval '[ "$(isolated_pageblocks)" -eq 0 ] && [ $free1 -ge $((free0 - (16 << 10))) ]'
check "the data stayed in memory$X (Movable used $used -> $used1 kB)" \
	[ $((used1 - used)) -le $((8 << 10)) -a $((used - used1)) -le $((8 << 10)) ]
inject MEM_GOING_OFFLINE 0
r=$(try_write $MEM/memory$X/state offline)
check "injection off: offline of memory$X succeeds ($r, $(state_of $X))" \
	eval '[ "$r" = OK ] && [ "$(state_of $X)" = offline ]'
helper_finish data
check "the data moved out intact ($(tail -1 /tmp/data.out))" \
	eval '[ "$(tail -1 /tmp/data.out)" = INTACT ]'

# ---- nothing left over -----------------------------------------------------------
base=$(memtotal_kb)
online_blocks online_movable ${B[@]}
more=$(($(memtotal_kb) - base))
check "all 4 blocks go online_movable, the refused ones too ($more kB more)" \
	eval 'all_in_state online ${B[@]} && memtotal_is $((base + (512 << 10)))'
online_blocks offline ${B[@]}
check "and offline again ($(blocks_layout | awk '{print $2}' | sort | uniq -c | xargs))" \
	all_in_state offline ${B[@]}
modprobe -r memory-notifier-error-inject
check "the module unloads" eval '! grep -q memory_notifier_error_inject /proc/modules'
check "the DIMM ejects" dimm_unplug d1

ktap_finished
