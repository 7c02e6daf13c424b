#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh IMPL - build build/IMPL/initrd.cpio.gz for the test guests.
#
# The image is three gzip cpio archives back to back (the kernel unpacks them
# in order):
#   userland  busybox-static plus the real Debian tools the scenarios drive
#             (bash, bc, kmod, lsmem/chmem, stress-ng, udevadm) and their
#             shared libraries; shared by every IMPL and rebuilt only when
#             this script changes
#   modules   build/IMPL/modroot (the notifier error-injection module)
#   tests     our guest scripts (selftests/memory-hotplug/*.sh), plus the BASE tree's own kselftest pieces
#             (mem-on-off-test.sh, ktap_helpers.sh) taken unmodified, and
#             memhp/inject_points: the kernel's injectable hotplug steps
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
IMPL=${1:?usage: mkinitramfs.sh IMPL}
OUT=$BUILD/$IMPL
HERE=$TOP/tools/testing/memory-hotplug
GUEST=$TOP/tools/testing/selftests/memory-hotplug
USERLAND=$BUILD/initramfs/userland.cpio.gz

die() { echo "mkinitramfs.sh: error: $*" >&2; exit 1; }

BINARIES="/usr/bin/bash /usr/bin/bc /usr/bin/kmod /usr/bin/lsmem /usr/sbin/chmem
	/usr/bin/stress-ng /usr/bin/udevadm /usr/bin/setsid /usr/bin/mount
	/usr/bin/umount /usr/bin/sha256sum /usr/bin/dd"

pack() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1); }

# Copy $1 and every shared library it loads into root $2, at the same paths.
copy_with_libs() {
	local bin=$1 root=$2 lib
	[ -x "$bin" ] || die "$bin is missing: run 'make deps'"
	install -D -m 755 "$bin" "$root$bin"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ )]*'); do
		[ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
	done
}

build_userland() {
	local root=$BUILD/initramfs/userland b
	if [ -f "$USERLAND" ] && [ "$USERLAND" -nt "$0" ]; then
		return 0
	fi
	echo "  INITRD  userland (busybox + Debian tools)"
	rm -rf "$root"
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,tmp,run,etc/udev/rules.d,root}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	install -m 755 /bin/busybox "$root/usr/bin/busybox"
	for b in $(/bin/busybox --list); do
		[ -e "$root/usr/bin/$b" ] || ln -s busybox "$root/usr/bin/$b"
	done
	for b in $BINARIES; do
		rm -f "$root$b"
		copy_with_libs "$b" "$root"
	done
	for b in modprobe rmmod insmod lsmod depmod modinfo; do
		ln -sf ../bin/kmod "$root/usr/sbin/$b"
	done
	mkdir -p "$root/usr/lib/systemd"
	ln -s /usr/bin/udevadm "$root/usr/lib/systemd/systemd-udevd"
	ln -sf bash "$root/usr/bin/sh.bash"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	pack "$root" >"$USERLAND.tmp"
	mv "$USERLAND.tmp" "$USERLAND"
}

build_modules() {
	[ -d "$OUT/modroot/lib/modules" ] || die "no modules for $IMPL: build it first"
	local root=$OUT/initramfs-modules
	rm -rf "$root"
	mkdir -p "$root/usr"
	cp -a "$OUT/modroot/lib" "$root/usr/lib"
	pack "$root" >"$OUT/modules.cpio.gz"
}

# The functions of the memory-hotplug objects that are marked
# ALLOW_ERROR_INJECTION(), as "function object" lines, read from the objects
# themselves: the macro leaves a symbol _eil_addr_<function> in each.
inject_points() {
	local obj o
	for obj in mm/memory_hotplug mm/memory_hotplug_online \
		mm/memory_hotplug_offline mm/memory_hotplug_zone mm/sparse \
		mm/sparse_hotplug drivers/base/memory drivers/acpi/acpi_memhotplug; do
		o=$OUT/obj/$obj.o
		[ -f "$o" ] || continue
		nm "$o" | sed -n "s|^[0-9a-f]* [dD] _eil_addr_\(.*\)|\1 $obj.c|p"
	done
}

build_tests() {
	local root=$OUT/initramfs-tests src=$OUT/src
	rm -rf "$root"
	mkdir -p "$root/memhp/upstream"
	install -m 755 "$HERE/guest-init.sh" "$root/init"
	cp "$GUEST"/*.sh "$root/memhp/"
	inject_points >"$root/memhp/inject_points"
	chmod 755 "$root"/memhp/*.sh
	mkdir -p "$root/usr/bin"
	gcc -static -O2 -Wall -o "$root/usr/bin/memhp-helper" "$GUEST/memhp_helper.c" ||
		die "memhp_helper.c does not build"
	install -m 755 "$src/tools/testing/selftests/memory-hotplug/mem-on-off-test.sh" \
		"$root/memhp/upstream/mem-on-off-test.sh"
	install -m 644 "$src/tools/testing/selftests/kselftest/ktap_helpers.sh" \
		"$root/memhp/upstream/ktap_helpers.sh"
	pack "$root" >"$OUT/tests.cpio.gz"
}

mkdir -p "$BUILD/initramfs"
build_userland
build_modules
build_tests
cat "$USERLAND" "$OUT/modules.cpio.gz" "$OUT/tests.cpio.gz" >"$OUT/initrd.cpio.gz"
