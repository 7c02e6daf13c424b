#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compat.sh [TARGET...] - build the in-tree callers of the memory-hotplug
# API against both trees, ours and stock, and compare (make compat).
#
# TARGETs (default: all four):
#   x86      allmodconfig + configs/compat-x86.config; each caller's object,
#            and each .c file of ours, compiled as a single kbuild target
#            (a whole allmodconfig build takes hours on two cores); -k, so a
#            caller whose option is off or whose object only its parent's
#            Makefile builds fails without stopping the rest
#   arm64    allnoconfig + configs/compat-arm64.config, cross-built whole
#   ppc64le  allnoconfig + configs/compat-ppc64le.config, cross-built whole
#   s390     allnoconfig + configs/compat-s390.config, cross-built whole
#
# After the arm64 builds, each tree's Image boots on QEMU's virt machine
# with ACPI and hot-plugs, onlines, offlines and ejects a 1 GiB pc-dimm
# (compat_boot.py, compat-init.sh; busybox-static for arm64 is fetched
# with apt-get download once, which adds arm64 to dpkg's architectures).
#
# The callers are found, not listed: the .c files of the pristine tree
# that use a name the stock memory.h or memory_hotplug.h declares or that
# either tree exports from the files we replace, or that include either
# header (callers()).  "Our files" are the overlay's .c files and the .c
# files patches/series edits.  Each build runs with W=1 in
# build/compat/TARGET-IMPL; the KTAP cases are, per target and tree:
#   - every option of the fragment is in .config as written;
#   - the build succeeds (x86: make prepare);
# and per target:
#   - both trees built the same callers' objects;
#   - no compiler error with ours that stock does not give too (an object
#     that fails on both trees fails for a reason of the base);
#   - our new files compiled in this run and W=1 warns about none of them,
#     and about no file patches/series edits beyond stock's own warnings;
# and once: ours exports every symbol stock exports from the files it
# replaces, with the same license and namespace.
# Ends with "N passed, N failed".
# Lists of kernel paths are split on blanks on purpose (they have none).
# shellcheck disable=SC2046
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$TOP/tools/testing/memory-hotplug
BUILD=${MEMHP_BUILD:-$TOP/build}
PRISTINE=$BUILD/pristine
JOBS=${JOBS:-$(nproc)}
TARGETS=${*:-x86 arm64 ppc64le s390}
FIRMWARE=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
pass=0 fail=0 n=0

ok() { n=$((n + 1)) pass=$((pass + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n $*"; }
# check DESC CMD...: one case, CMD's verdict; returns it too
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi; }
finish() { echo "1..$n"; echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }

# arch_of TARGET: ARCH= CROSS_COMPILE= and the make goals of a whole build
arch_of()
{
	case $1 in
	x86) ARCH=x86_64 CROSS='' GOALS='' ;;
	arm64) ARCH=arm64 CROSS=aarch64-linux-gnu- GOALS="Image modules" ;;
	ppc64le) ARCH=powerpc CROSS=powerpc64le-linux-gnu- GOALS="vmlinux modules" ;;
	s390) ARCH=s390 CROSS=s390x-linux-gnu- GOALS="bzImage modules" ;;
	*) return 1 ;;
	esac
}

# mine: our .c files, the overlay's and those patches/series edits
mine() { { new_files; "$HERE/tree.sh" series-files; } | grep '\.c$' | sort -u; }

# patched: the .c files and headers of the base that patches/series edits
patched() { "$HERE/tree.sh" series-files | grep '\.[ch]$'; }

# new_files: the overlay's .c files and headers (no stock warning excuses them)
new_files() { "$HERE/tree.sh" overlay-files | grep -vE '^(tools|Documentation)/' | grep '\.[ch]$'; }

# replaced: the files whose exports the API's users link against, in TREE
replaced() { (cd "$1" && ls $(echo "$NEW" | grep '\.c$') mm/sparse.c 2>/dev/null); }

# exports TREE: "name kind namespace" of each EXPORT_SYMBOL* in replaced()
exports()
{
	(cd "$1" && cat $(replaced "$1")) |
		sed -nE 's/^EXPORT_SYMBOL(_GPL)?(_NS)?(_GPL)?\((\w+)(, *(\w+))?\).*/\4 \1\3 \6/p' |
		sort -u
}

# api_names: the names the two stock headers declare (universal-ctags:
# functions, prototypes, variables, macros, types, enumerators) and those
# either tree exports from the files we replace
api_names()
{
	{ { exports "$TOP"; exports "$PRISTINE"; } | cut -d' ' -f1
	  ctags -x --language-force=C --c-kinds=+px --_xformat='%N %K' \
		"$PRISTINE/include/linux/memory.h" "$PRISTINE/include/linux/memory_hotplug.h" |
		awk '$2 != "member" && $2 != "union" && $1 !~ /^__anon|_H_?$/ { print $1 }'
	} | grep -vxE 'text_mutex' | sort -u
}

# callers: .c files of the pristine tree that use one of $NAMES or include
# either header
callers()
{
	local re dirs="arch block drivers fs init ipc kernel lib mm net security sound virt"

	re="(?<![.>\\w])($(echo $NAMES | tr ' ' '|'))\\b"
	(cd "$PRISTINE" &&
		{ grep -rlP --include='*.c' "$re" $dirs
		  grep -rlE --include='*.c' '^#\s*include\s*<linux/memory(_hotplug)?\.h>' $dirs
		} | sort -u)
}

# known LIST WORD...: each WORD is a line of LIST (a broken grep or ctags
# would shrink the lists without a word)
known()
{
	local list=$1 w bad=
	shift
	for w in "$@"; do echo "$list" | grep -qxF "$w" || bad="$bad $w"; done
	[ -z "$bad" ] || { echo "# missing:$bad"; return 1; }
}

# callers_for ARCH: the callers outside arch/ and drivers/s390, and those of
# arch/ARCH (drivers/s390 for s390); 32-bit x86 files left out
callers_for()
{
	local a=$1
	[ "$a" = x86_64 ] && a=x86
	echo "$CALLERS" | grep -vE '^(arch/|drivers/s390/)'
	echo "$CALLERS" | grep -E "^arch/$a/" | grep -v '_32\.c$'
	[ "$a" = s390 ] && echo "$CALLERS" | grep -E '^drivers/s390/'
	return 0
}

# the kernel's make, with ccache and without the MAKEFLAGS of make compat
kmake()
{
	local src=$1 obj=$2 cc="${CROSS}gcc"
	shift 2
	command -v ccache >/dev/null && cc="ccache $cc"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		CCACHE_BASEDIR="$BUILD" CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros \
		make -C "$src" O="$obj" ARCH="$ARCH" CROSS_COMPILE="$CROSS" CC="$cc" \
		KBUILD_BUILD_USER=memhp KBUILD_BUILD_HOST=memhp -j"$JOBS" "$@"
}

# config_landed FRAG OBJ: every CONFIG_X=V and "is not set" line of FRAG
# is in OBJ/.config as written
config_landed()
{
	local line opt want got bad='' seen=0
	[ -f "$2/.config" ] || return 1
	while read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} want=${line#*=} ;;
		"# CONFIG_"*" is not set") opt=${line#\# } opt=${opt%% *} want=n ;;
		*) continue ;;
		esac
		seen=$((seen + 1))
		got=$(sed -n "s/^$opt=//p" "$2/.config")
		[ -z "$got" ] && got=n
		[ "$got" = "$want" ] || bad="$bad $opt=$want(.config: $got)"
	done <"$1"
	[ -z "$bad" ] || { echo "# not in .config:$bad"; return 1; }
	[ $seen -gt 0 ]
}

# in_tree SRC FILE...: the FILEs that exist in SRC
in_tree() { local s=$1 f; shift; for f in "$@"; do [ -f "$s/$f" ] && echo "$f"; done; }

# built OBJ FILE...: the objects of FILEs that the build produced
built() { local o=$1 f; shift; for f in "$@"; do [ -f "$o/${f%.c}.o" ] && echo "$f"; done; }

# diagnostics LOG IMPL KIND: the compiler's KIND (error, warning) lines of
# LOG as "path: KIND: text", the path relative to the tree, without line
# numbers (they differ between the trees), sorted; for errors also
# modpost's section mismatches and missing symbols, without offsets
diagnostics()
{
	local modpost='#'
	[ "$3" = error ] &&
		modpost='s#^(WARNING|ERROR): modpost: (.*(section mismatch|undefined!).*)#modpost: \2#p'
	sed -nE -e "s#^([^ :]*/)?$2/src/([^ :]+)(:[0-9]+){1,2}: (fatal )?$3: (.*)#\\2: $3: \\5#p" \
		-e "s#^([^ :]+)\\.o: $3: (objtool: .*)#\\1.c: $3: \\2#p" -e "$modpost" "$1" |
		sed -E 's/\+0x[0-9a-f]+//g' | sort -u
}

one_build()
{
	local t=$1 impl=$2 src=$BUILD/$2/src obj=$BUILD/compat/$1-$2
	local frag=$obj/compat.config log=$obj/compat.log start goal rc what

	mkdir -p "$obj"
	# nothing of an earlier run may stand in for this one's results
	rm -f "$obj"/{callers-built.txt,errors.txt,warnings.txt,mine-built.txt}
	rm -f "$obj/arch/arm64/boot/Image"
	# our tree also builds its KUnit suites (options stock lacks)
	cat "$HERE/configs/compat-$t.config" >"$frag"
	[ "$impl" = ours ] && [ "$t" != x86 ] &&
		grep '^CONFIG_' "$TOP/kernel/configs/memhp-ours.config" >>"$frag"
	start=$(date +%s)
	echo "# $t $impl: configuring in ${obj#"$TOP"/}" >&2
	goal=allnoconfig
	[ "$t" = x86 ] && goal=allmodconfig
	if ! kmake "$src" "$obj" KCONFIG_ALLCONFIG="$frag" $goal >"$log" 2>&1; then
		not_ok "$t $impl: $goal with ${frag#"$TOP"/}"
		tail -5 "$log" | sed 's/^/# /'
		return
	fi
	check "$t $impl: every option of ${frag#"$TOP"/} is in .config" config_landed "$frag" "$obj"
	echo "# $t $impl: building (log ${log#"$TOP"/})" >&2
	# objects of an earlier run must not count as built, nor hide the
	# warnings of their compile
	(cd "$obj" && rm -f $(callers_for "$ARCH" | sed 's/\.c$/.o/') \
		$(echo "$MINE" | sed 's/\.c$/.o/'))
	if [ "$t" = x86 ]; then
		kmake "$src" "$obj" W=1 prepare >>"$log" 2>&1
		rc=$?
		# our files too, and stock's of the same name: their warnings
		# are compared
		[ $rc = 0 ] && kmake "$src" "$obj" W=1 -k \
			$({ callers_for "$ARCH"; in_tree "$src" $MINE; } |
			  sort -u | sed 's/\.c$/.o/') >>"$log" 2>&1
	else
		# -k: every error shows, not only the first
		kmake "$src" "$obj" W=1 -k $GOALS >>"$log" 2>&1
		rc=$?
	fi
	what=builds
	[ "$t" = x86 ] && what="make prepare"
	check "$t $impl: $what" [ $rc = 0 ]
	echo "# $t $impl: $what took $(($(date +%s) - start)) s"
	[ $rc = 0 ] || grep -E 'error:|Error [0-9]' "$log" | head -10 | sed 's/^/# /'
	built "$obj" $(callers_for "$ARCH") >"$obj/callers-built.txt"
	[ "$impl" = ours ] && built "$obj" $MINE >"$obj/mine-built.txt"
	diagnostics "$log" "$impl" error >"$obj/errors.txt"
	diagnostics "$log" "$impl" warning >"$obj/warnings.txt"
	echo "# $t $impl: $(wc -l <"$obj/callers-built.txt") of" \
		"$(callers_for "$ARCH" | wc -l) callers' objects built" >&2
}

same_callers()
{
	local a=$BUILD/compat/$1-ours/callers-built.txt b=$BUILD/compat/$1-upstream/callers-built.txt
	[ -s "$a" ] && [ -f "$b" ] && cmp -s "$a" "$b" ||
		{ diff "$b" "$a" | sed 's/^/# /'; return 1; }
}

# unbuilt_note TARGET: which callers neither tree built, as a note
unbuilt_note()
{
	local o=$BUILD/compat/$1-ours/callers-built.txt u=$BUILD/compat/$1-upstream/callers-built.txt
	local left
	[ -f "$o" ] && [ -f "$u" ] || return 0
	left=$(callers_for "$ARCH" | grep -vxF -f "$o" | grep -vxF -f "$u")
	[ -z "$left" ] ||
		echo "# $1: $(echo "$left" | wc -l) callers built by neither tree (their option is" \
			"off here, another directory's Makefile builds them, or they do not compile" \
			"alone on the base either):" $left
}

# only_ours TARGET KIND: KIND lines of ours that stock's build does not have
only_ours() { comm -23 "$BUILD/compat/$1-ours/$2.txt" "$BUILD/compat/$1-upstream/$2.txt"; }

no_new_errors()
{
	local e
	[ -f "$BUILD/compat/$1-ours/errors.txt" ] && [ -f "$BUILD/compat/$1-upstream/errors.txt" ] ||
		return 1
	e=$(only_ours "$1" errors)
	[ -z "$e" ] || { echo "$e" | head -10 | sed 's/^/# /'; return 1; }
}

# our_files_clean TARGET: our files compiled in this run (on x86 every .c
# file of ours, elsewhere the core), W=1 warns about no new file of ours,
# and about no file patches/series edits beyond what it warns there on stock
our_files_clean()
{
	local o=$BUILD/compat/$1-ours f w bad='' want
	want="mm/memory_hotplug.c mm/memory_hotplug_online.c mm/memory_hotplug_offline.c
		mm/memory_hotplug_zone.c mm/sparse_hotplug.c drivers/base/memory.c"
	[ "$1" = x86 ] && want=$MINE
	for f in $want; do
		grep -qxF "$f" "$o/mine-built.txt" 2>/dev/null || bad="$bad $f"
	done
	[ -z "$bad" ] || { echo "# not compiled in this run:$bad"; return 1; }
	[ -f "$BUILD/compat/$1-upstream/warnings.txt" ] || return 1
	w=$({ grep -E "^($NEW_RE): " "$o/warnings.txt"
	      only_ours "$1" warnings | grep -E "^($PATCHED_RE): "; } | sort -u)
	[ -z "$w" ] || { echo "$w" | head -10 | sed 's/^/# /'; return 1; }
}

# same_exports: every export of stock's replaced files is in ours, alike
same_exports()
{
	local lost stock
	stock=$(exports "$PRISTINE")
	# a grep that finds nothing must not pass for "nothing lost"
	echo "$stock" | grep -q '^add_memory_driver_managed _GPL' ||
		{ echo "# no add_memory_driver_managed among stock's exports"; return 1; }
	lost=$(comm -23 <(echo "$stock") <(exports "$BUILD/ours/src"))
	[ -z "$lost" ] || { echo "$lost" | sed 's/^/# stock exports, ours does not: /'; return 1; }
}

# arm64_initrd: build/compat/arm64-boot.cpio, busybox plus compat-init.sh
arm64_initrd()
{
	local dir=$BUILD/compat/busybox-arm64 root=$BUILD/compat/arm64-root b
	if [ ! -x "$dir/bin/busybox" ]; then
		rm -rf "$dir"
		mkdir -p "$dir" && (cd "$dir" &&
			{ dpkg --print-foreign-architectures | grep -qx arm64 ||
			  { dpkg --add-architecture arm64 && apt-get -qq update; }; } &&
			apt-get -qq -o APT::Sandbox::User=root download busybox-static:arm64 &&
			dpkg-deb -x busybox-static_*_arm64.deb .) >&2 || return 1
	fi
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev}
	cp "$dir/bin/busybox" "$root/bin/"
	for b in sh mount ls sed sort grep head tail wc cat readlink sleep poweroff; do
		ln -s busybox "$root/bin/$b"
	done
	install -m 755 "$HERE/compat-init.sh" "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		>"$BUILD/compat/arm64-boot.cpio"
}

# arm64_boot IMPL: the hot-plug boot of that tree's Image, its results as
# our cases; a host script that fails without saying why is a case too
arm64_boot()
{
	local impl=$1 dir=$BUILD/compat/arm64-$1 line start rc
	start=$(date +%s)
	echo "# arm64 $impl: hot-plug boot (console: ${dir#"$TOP"/}/boot.log)" >&2
	python3 "$HERE/compat_boot.py" "$dir/arch/arm64/boot/Image" \
		"$BUILD/compat/arm64-boot.cpio" "$dir/boot.log" >"$dir/boot.out" 2>&1
	rc=$?
	# read in this shell, not a pipe's subshell: ok and not_ok count
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "arm64 $impl boot: ${line#ok }" ;;
		"not ok "*) not_ok "arm64 $impl boot: ${line#not ok }" ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$dir/boot.out"
	[ $rc = 0 ] || echo "# compat_boot.py: rc $rc"
	check "arm64 $impl boot: compat_boot.py ended with its verdict" \
		eval '[ $rc = 0 ] || { [ $rc = 1 ] && grep -q "^not ok " "$dir/boot.out"; }'
	echo "# arm64 $impl: boot took $(($(date +%s) - start)) s"
}

main()
{
	local t impl nbuilt
	echo "KTAP version 1"
	for t in $TARGETS; do
		arch_of "$t" || { not_ok "target $t is one of x86 arm64 ppc64le s390"; finish; }
	done
	if ! ctags --version 2>/dev/null | grep -q '^Universal Ctags'; then
		not_ok "universal-ctags is installed (make compat installs it)"
		finish
	fi
	[ -d "$PRISTINE" ] || "$HERE/tree.sh" pristine >&2
	for impl in ours upstream; do
		"$HERE/tree.sh" impl $impl >&2 || { not_ok "tree.sh impl $impl"; finish; }
	done
	NEW=$(new_files)
	MINE=$(mine)
	NEW_RE=$(echo "$NEW" | sed 's/[.]/\\./g' | paste -sd'|')
	PATCHED_RE=$(patched | sed 's/[.]/\\./g' | paste -sd'|')
	NAMES=$(api_names)
	# a prototype only ctags finds, an enumerator, an export of each file
	check "the API's $(echo "$NAMES" | grep -c .) names include known ones" \
		known "$NAMES" arch_add_memory online_pages MEM_PREPARE_ONLINE \
		add_memory_driver_managed register_memory_notifier || finish
	CALLERS=$(callers)
	check "the $(echo "$CALLERS" | grep -c .) callers found include the API's known users" \
		known "$CALLERS" drivers/virtio/virtio_mem.c drivers/dax/kmem.c \
		drivers/s390/char/sclp_cmd.c arch/powerpc/platforms/pseries/hotplug-memory.c \
		drivers/hv/hv_balloon.c drivers/xen/balloon.c mm/memremap.c drivers/base/node.c ||
		finish
	check "ours exports every symbol stock exports from the files it replaces, alike" same_exports
	for t in $TARGETS; do
		arch_of "$t"
		command -v "${CROSS}gcc" >/dev/null ||
			{ not_ok "$t: ${CROSS}gcc is installed (make compat installs it)"; continue; }
		for impl in ours upstream; do
			one_build "$t" "$impl"
		done
		nbuilt=$(cat "$BUILD/compat/$t-ours/callers-built.txt" 2>/dev/null | wc -l)
		check "$t: ours and stock built the same $nbuilt callers' objects" same_callers "$t"
		unbuilt_note "$t"
		check "$t: no compiler error or modpost mismatch with ours that stock does not give too" \
			no_new_errors "$t"
		check "$t: our files compiled in this run, and W=1 warns about none of them" \
			our_files_clean "$t"
		[ "$t" = arm64 ] || continue
		if ! command -v qemu-system-aarch64 >/dev/null || [ ! -f "$FIRMWARE" ]; then
			not_ok "arm64: qemu-system-aarch64 and $FIRMWARE are installed (make compat)"
		elif ! arm64_initrd; then
			not_ok "arm64: an initramfs with busybox-static:arm64"
		else
			for impl in ours upstream; do
				if [ -f "$BUILD/compat/arm64-$impl/arch/arm64/boot/Image" ]; then
					arm64_boot $impl
				else
					not_ok "arm64 $impl boot: the build made no Image"
				fi
			done
		fi
	done
	finish
}

# one line, read whole before it runs: bash reads a script as it goes, so a
# file edited during a run must not have more lines to run after main
main "$@"; exit
