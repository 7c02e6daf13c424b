#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh IMPL - configure and build build/IMPL/src into build/IMPL/obj.
#
# Config is allnoconfig + kernel/configs/memhp.config merged by the kernel's
# own merge_config.sh; the build stops, naming the option, when any option the
# fragment asks for did not land in .config as written.  Output: bzImage and
# the modules installed under build/IMPL/modroot, with the selftests' own
# test module (selftests/memory-hotplug/memory_notify_log.c) built against
# the same tree.
#
# Objects are cached with ccache keyed on paths relative to build/, and the
# layout src/ + obj/ is the same for every IMPL, so identical sources of two
# implementations compile once.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
IMPL=${1:?usage: kbuild.sh IMPL}
OUT=$BUILD/$IMPL
SRC=$OUT/src
OBJ=$OUT/obj
FRAG=$TOP/kernel/configs/memhp.config
FRAGS=$FRAG
case ${MEMHP_PROFILE:-} in
release)
	# make bench's headline kernels: the debugging options off (our KUnit
	# suites need KUnit, so memhp-ours.config stays out)
	FRAGS="$FRAGS $TOP/kernel/configs/memhp-release.config" ;;
*)
	# options only our tree has (our KUnit suites)
	[ "$IMPL" = ours ] && FRAGS="$FRAGS $TOP/kernel/configs/memhp-ours.config"
	# make check PROFILE=debug: the sanitizers, in a build tree of their own
	[ "${MEMHP_PROFILE:-}" = debug ] &&
		FRAGS="$FRAGS $TOP/kernel/configs/memhp-debug.config" ;;
esac
JOBS=${JOBS:-$(nproc)}

die() { echo "kbuild.sh: error: $*" >&2; exit 1; }

# wanted: "CONFIG_X value" for each option the fragments set, as the last
# fragment to name it sets it ("n" for "# CONFIG_X is not set"), which is
# what merge_config.sh does too
wanted() {
	cat $FRAGS | sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p;
		s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' |
		awk '!($1 in v) { order[++n] = $1 } { v[$1] = substr($0, length($1) + 2) }
		     END { for (i = 1; i <= n; i++) print order[i], v[order[i]] }'
}

# Every option of the fragments must be in .config as wanted() says.
verify_config() {
	local opt want got misses
	# (every miss is named; the count is taken once the loop is done, so no
	# reader quits early under pipefail)
	misses=$(wanted | while read -r opt want; do
		got=$(sed -n "s/^$opt=//p" "$OBJ/.config")
		[ -z "$got" ] && grep -qx "# $opt is not set" "$OBJ/.config" && got=n
		[ -z "$got" ] && [ "$want" = n ] && got=n
		if [ "$got" != "$want" ]; then
			echo "kbuild.sh: error: $opt=$want requested by kernel/configs, .config has '${got:-<absent>}'" >&2
			echo "$opt"
		fi
	done)
	[ -z "$misses" ] ||
		die "config for $IMPL is missing requested options: $(echo $misses)"
}

configure() {
	mkdir -p "$OBJ"
	local f fresh=1
	for f in $FRAGS "$SRC/.memhp-kconfig-stamp"; do
		[ "$OBJ/.config" -nt "$f" ] || fresh=0
	done
	if [ $fresh = 1 ] && [ -f "$OBJ/.memhp-config-ok" ]; then
		return 0
	fi
	echo "  CONFIG  $IMPL: allnoconfig + $(cd "$TOP" && echo $FRAGS | sed "s|$TOP/||g")"
	rm -f "$OBJ/.memhp-config-ok"
	(cd "$SRC" && scripts/kconfig/merge_config.sh -n -O "$OBJ" $FRAGS) \
		>"$OBJ/merge_config.log" 2>&1 ||
		{ tail -20 "$OBJ/merge_config.log"; die "merge_config.sh failed"; }
	verify_config
	touch "$OBJ/.memhp-config-ok"
}

kmake() {
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros \
		make -s -C "$SRC" O="$OBJ" CC="$cc" HOSTCC="$cc" \
		KBUILD_BUILD_USER=memhp KBUILD_BUILD_HOST=memhp \
		-j"$JOBS" "$@"
}

configure
echo "  BUILD   $IMPL (log: $OBJ/build.log)"
start=$(date +%s)
if ! kmake bzImage modules >"$OBJ/build.log" 2>&1; then
	grep -E 'error|Error' "$OBJ/build.log" | head -30 >&2
	die "kernel build for $IMPL failed (full log: $OBJ/build.log)"
fi
rm -rf "$OUT/modroot"
kmake INSTALL_MOD_PATH="$OUT/modroot" modules_install >>"$OBJ/build.log" 2>&1 ||
	die "modules_install for $IMPL failed (see $OBJ/build.log)"
# the selftests' module, built outside the tree in build/IMPL/testmod
TESTMOD=$OUT/testmod
mkdir -p "$TESTMOD"
cp -p "$TOP/tools/testing/selftests/memory-hotplug/memory_notify_log.c" "$TESTMOD/"
echo "obj-m := memory_notify_log.o" >"$TESTMOD/Kbuild"
kmake M="$TESTMOD" W=1 KCFLAGS=-Werror modules >>"$OBJ/build.log" 2>&1 &&
	kmake M="$TESTMOD" INSTALL_MOD_PATH="$OUT/modroot" modules_install \
		>>"$OBJ/build.log" 2>&1 ||
	die "the selftests' module memory_notify_log.c does not build for $IMPL (see $OBJ/build.log)"
cp "$OBJ/arch/x86/boot/bzImage" "$OUT/bzImage"
echo "  BUILT   $IMPL in $(($(date +%s) - start)) s: $OUT/bzImage"
