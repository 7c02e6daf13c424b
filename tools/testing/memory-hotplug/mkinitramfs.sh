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
#   tests     /kselftest: the memory-hotplug kselftests as the kselftest
#             framework installs them (run_kselftest.sh, kselftest/runner.sh,
#             the base tree's mem-on-off-test.sh unmodified, our tests and
#             their helper); /memhp: the harness's own guest scripts
#             (guest/: bench, demo) and inject_points, the kernel's
#             injectable hotplug steps
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
IMPL=${1:?usage: mkinitramfs.sh IMPL}
OUT=$BUILD/$IMPL
HERE=$TOP/tools/testing/memory-hotplug
GUEST=$TOP/tools/testing/selftests/memory-hotplug
HARNESS_GUEST=$HERE/guest
PRISTINE=$BUILD/pristine
USERLAND=$BUILD/initramfs/userland.cpio.gz

die() { echo "mkinitramfs.sh: error: $*" >&2; exit 1; }

BINARIES="/usr/bin/bash /usr/bin/bc /usr/bin/kmod /usr/bin/lsmem /usr/sbin/chmem
	/usr/bin/stress-ng /usr/bin/udevadm /usr/bin/setsid /usr/bin/mount
	/usr/bin/umount /usr/bin/sha256sum /usr/bin/dd /usr/bin/timeout /usr/bin/perl"
# The kselftest runner prefixes a test's output with kselftest/prefix.pl
# (line by line, unbuffered) when there is a perl, and bounds each test with
# coreutils' timeout --foreground: perl with the modules prefix.pl loads.
PERL_LIB=/usr/lib/x86_64-linux-gnu/perl-base
PERL_MODULES="strict.pm warnings.pm IO.pm IO/Handle.pm SelectSaver.pm Symbol.pm
	Carp.pm Exporter.pm XSLoader.pm overloading.pm auto/IO/IO.so"

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
	for b in $PERL_MODULES; do
		install -D -m 644 "$PERL_LIB/$b" "$root$PERL_LIB/$b"
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

# The kselftest framework of the base tree (hard links, never written) with
# tools/testing/selftests/memory-hotplug/ of ours over the base one, built
# and installed into $1 by the framework's own install target.
install_kselftests() {
	local tree=$OUT/kselftest sel f
	sel=$tree/tools/testing/selftests
	rm -rf "$tree"
	mkdir -p "$sel" "$tree/scripts"
	for f in Makefile lib.mk run_kselftest.sh kselftest kselftest.h \
		kselftest_harness.h memory-hotplug; do
		cp -al "$PRISTINE/tools/testing/selftests/$f" "$sel/"
	done
	cp -al "$PRISTINE/scripts/subarch.include" "$tree/scripts/"
	for f in "$GUEST"/*; do
		rm -f "$sel/memory-hotplug/${f##*/}"
		cp "$f" "$sel/memory-hotplug/"
	done
	make -s -C "$sel" TARGETS=memory-hotplug INSTALL_PATH="$1" install \
		>"$tree/install.log" 2>&1 ||
		die "the memory-hotplug kselftests do not install (see $tree/install.log)"
}

build_tests() {
	local root=$OUT/initramfs-tests
	rm -rf "$root"
	mkdir -p "$root/memhp"
	install -m 755 "$HERE/guest-init.sh" "$root/init"
	install_kselftests "$root/kselftest"
	install -m 755 "$HARNESS_GUEST"/*.sh "$root/memhp/"
	inject_points >"$root/memhp/inject_points"
	pack "$root" >"$OUT/tests.cpio.gz"
}

mkdir -p "$BUILD/initramfs"
build_userland
build_modules
build_tests
cat "$USERLAND" "$OUT/modules.cpio.gz" "$OUT/tests.cpio.gz" >"$OUT/initrd.cpio.gz"
