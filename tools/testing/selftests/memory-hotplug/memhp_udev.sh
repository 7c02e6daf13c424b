#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e. udev: the real systemd-udevd with the usual distro-style rule that
#    onlines hot-added memory as movable; a hot-added DIMM ends online by the
#    rule (the kernel policy stays 'offline'), and can then be ejected.
#    The kernel's uevents themselves: for each block, in ascending order,
#    "add" then (by the rule) "online"; on eject "offline" then "remove";
#    each carrying ACTION, DEVPATH, SUBSYSTEM=memory and SEQNUM, nothing
#    else, with no event for any other block.
#
# memhp-needs: qmp
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 10

cat >/etc/udev/rules.d/40-memhp-online.rules <<'RULE'
SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online_movable"
RULE
mkdir -p /run/udev
# a udevd of the guest's own is used as it is; one started here is stopped
# at the end, and gets none of the kselftest runner's descriptors (a daemon
# holding the runner's output would keep it waiting)
own_udevd=
if pidof systemd-udevd >/dev/null; then
	udevadm control --reload
else
	own_udevd=1
	/usr/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.err </dev/null \
		>/dev/null 3>&- 4>&- 9>&-
fi
check "systemd-udevd starts" wait_until 10 pidof systemd-udevd

# the guest as it was, however the test ends: without the rule, and
# without the udevd started here
test_cleanup()
{
	rm -f /etc/udev/rules.d/40-memhp-online.rules
	if [ -n "$own_udevd" ]; then
		udevadm control --exit
	else
		udevadm control --reload
	fi
}
udevadm monitor --kernel --udev --subsystem-match=memory >/tmp/uevents 2>&1 &
udevadm monitor --kernel --property --subsystem-match=memory >/tmp/uevents.prop 2>&1 &
sleep 1

check "the kernel policy is 'offline'" [ "$(cat $MEM/auto_online_blocks)" = offline ]
new=$(dimm_plug d1 512M)
udevadm settle -t 30
online_by_rule() { all_in_state online $new; }
check "4 hot-added blocks ($(echo $new))" [ "$(echo $new | wc -w)" -eq 4 ]
check "the rule onlined every block" wait_until 30 online_by_rule
check "every block is in ZONE_MOVABLE" \
	eval '[ "$(for b in $new; do zones_of $b; done | sort -u)" = Movable ]'
check "the DIMM ejects (DEVICE_DELETED)" dimm_unplug d1
sleep 1		# the monitor prints the last events

# One line per kernel uevent: "SEQNUM ACTION BLOCK KEYS", KEYS the sorted
# names of its properties.
awk '/^KERNEL\[/ { inrec = 1; keys = ""; next }
     inrec && /^$/ { print seq, act, blk, keys; inrec = 0; next }
     inrec { split($0, kv, "="); keys = keys (keys ? "," : "") kv[1] }
     inrec && /^ACTION=/ { act = substr($0, 8) }
     inrec && /^SEQNUM=/ { seq = substr($0, 8) }
     inrec && /^DEVPATH=/ { n = split($0, p, "/memory"); blk = p[n] }
     END { if (inrec) print seq, act, blk, keys }' /tmp/uevents.prop |
	sort -n >/tmp/uevents.lines
sed 's/^/# uevent: /' /tmp/uevents.lines
# events_of ACTION: the blocks of the ACTION events, in SEQNUM order.
events_of() { awk -v a="$1" '$2 == a { print $3 }' /tmp/uevents.lines | tr '\n' ' '; }
want="$(echo $new | tr ' ' '\n' | sort -n | tr '\n' ' ')"
check "add events: the 4 blocks in ascending order ($(events_of add))" \
	[ "$(events_of add)" = "$want" ]
check "remove events: the same 4 blocks ($(events_of remove))" \
	[ "$(events_of remove | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "$want" ]
# in_order: for every block, add < online < offline < remove, once each
in_order()
{
	awk '{ n[$3 "," $2]++; s[$3 "," $2] = $1; b[$3] = 1 }
	     END { for (k in b) {
			if (n[k ",add"] != 1 || n[k ",online"] != 1 ||
			    n[k ",offline"] != 1 || n[k ",remove"] != 1) exit 1
			if (!(s[k ",add"] < s[k ",online"] &&
			      s[k ",online"] < s[k ",offline"] &&
			      s[k ",offline"] < s[k ",remove"])) exit 1 }
	     }' /tmp/uevents.lines
}
check "each block: add, online, offline, remove, once each and in that order" in_order
# only_std_keys: every event has exactly these four properties
only_std_keys()
{
	local seq act blk keys
	[ -s /tmp/uevents.lines ] || return 1
	while read -r seq act blk keys; do
		[ "$(echo "$keys" | tr , '\n' | sort | tr '\n' ' ')" = \
		  "ACTION DEVPATH SEQNUM SUBSYSTEM " ] || return 1
	done </tmp/uevents.lines
}
check "every event carries exactly ACTION, DEVPATH, SEQNUM, SUBSYSTEM" only_std_keys
grep -E 'memory' /tmp/uevents | head -40 | sed 's/^/# /'

ktap_finished
