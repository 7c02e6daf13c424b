#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e. udev: the real systemd-udevd with the usual distro-style rule that
#    onlines hot-added memory as movable; a hot-added DIMM ends online by the
#    rule (the kernel policy stays 'offline'), and can then be ejected.
#
# memhp-qemu: -m 1G,slots=4,maxmem=16G
# memhp-timeout: 300
. /memhp/lib_memhp.sh

ktap_print_header
ktap_set_plan 6

cat >/etc/udev/rules.d/40-memhp-online.rules <<'RULE'
SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online_movable"
RULE
mkdir -p /run/udev
/usr/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.err
check "systemd-udevd starts" wait_until 10 pidof systemd-udevd
udevadm monitor --kernel --udev --subsystem-match=memory >/tmp/uevents 2>&1 &
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
grep -E 'memory' /tmp/uevents | head -40 | sed 's/^/# /'

ktap_finished
