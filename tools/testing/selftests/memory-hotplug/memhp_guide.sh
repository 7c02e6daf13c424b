#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The admin guide's "Everyday tasks", command for command.  The guide's
# example is a 1 GiB DIMM at 5 GiB, blocks 40 to 47 of 128 MiB: on q35
# with 3 GiB of RAM, 2 GiB sit below 4 GiB and 1 GiB above it, so the
# area for hot-pluggable memory, and the first DIMM in it, start at
# 5 GiB.  Each command the section prints runs here as printed, through
# guide_cmd (the host's lint checks that the section's commands and the
# guide_cmd lines below are the same set), and what the guide says it
# does is checked.
#
# memhp-needs: qmp
# memhp-qemu: -m 3G,slots=4,maxmem=16G
# memhp-timeout: 300
. "$(dirname "$0")/lib_memhp.sh"

ktap_print_header
ktap_set_plan 10

# guide_cmd 'COMMAND': run COMMAND as the guide prints it; its exit status
# goes to GUIDE_RC, its output to /tmp/guide.out and the log.
guide_cmd()
{
	echo "# \$ $1"
	bash -c "$1" >/tmp/guide.out 2>&1
	GUIDE_RC=$?
	sed 's/^/#   /' /tmp/guide.out
}

# ran_and_all STATE: the last command succeeded and blocks 40-47 are in STATE.
ran_and_all() { [ "$GUIDE_RC" = 0 ] && all_in_state "$1" $(seq 40 47); }

check "new blocks arrive offline here (auto_online_blocks is offline)" \
	[ "$(cat $MEM/auto_online_blocks)" = offline ]
new=$(dimm_plug d1 1G | xargs)
echo "# the DIMM's blocks: '$new'"
check "a 1 GiB DIMM on this machine is blocks 40 to 47" [ "$new" = "$(seq -s ' ' 40 47)" ]
# the rest follows the guide's example only on its machine
[ "$new" = "$(seq -s ' ' 40 47)" ] ||
	ktap_exit_fail_msg "not the machine of the guide's example: its commands would not apply"

guide_cmd 'cat /sys/devices/system/memory/block_size_bytes'
check "block_size_bytes reads 8000000, as the guide prints it" \
	[ "$GUIDE_RC $(cat /tmp/guide.out)" = "0 8000000" ]
guide_cmd 'lsmem --output RANGE,SIZE,STATE,BLOCK,ZONES'
check "lsmem lists 5 GiB to 6 GiB as one offline range of blocks 40-47" \
	eval '[ "$GUIDE_RC" = 0 ] &&
	      grep -qE "^0x0*140000000-0x0*17fffffff +1G +offline +40-47( |$)" /tmp/guide.out'

guide_cmd 'echo online_movable > /sys/devices/system/memory/memory40/state'
check "'online_movable' onlines block 40 into Movable" \
	eval '[ "$GUIDE_RC" = 0 ] && [ "$(state_of 40)" = online ] &&
	      [ "$(zones_of 40)" = Movable ]'
guide_cmd 'chmem -e -b 40-47'
check "chmem -e -b 40-47 onlines the rest of the range" ran_and_all online

guide_cmd 'echo offline > /sys/devices/system/memory/memory40/state'
check "'offline' offlines block 40 alone" \
	eval '[ "$GUIDE_RC" = 0 ] && [ "$(state_of 40)" = offline ] &&
	      all_in_state online $(seq 41 47)'
guide_cmd 'chmem -d -b 40-47'
check "chmem -d -b 40-47 offlines the rest of the range" ran_and_all offline

# the eject from inside, with the blocks online: the kernel offlines them
check "online again, blocks 40-47 belong to PNP0C80:00, the DIMM's ACPI device" \
	eval 'online_blocks online_movable $(seq 40 47) && all_in_state online $(seq 40 47) &&
	      bound_to /sys/bus/acpi/devices/PNP0C80:00 $(seq 40 47)'
guide_cmd 'echo 1 > /sys/bus/acpi/devices/PNP0C80:00/eject'
ejected()
{
	[ "$GUIDE_RC" = 0 ] && wait_event DEVICE_DELETED 60 '{"device": "d1"}' &&
		wait_until 30 removed $(seq 40 47)
}
check "its eject offlines the online blocks, removes them and QEMU deletes the DIMM" \
	ejected

ktap_finished
