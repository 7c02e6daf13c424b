#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tree.sh - lay out the kernel source trees memhp builds from.
#
#   tree.sh pristine          extract the pinned base tarball once (never modified)
#   tree.sh impl IMPL         make build/IMPL/src: a hard-linked copy of pristine,
#                             plus (IMPL=ours) our overlay files and patches/series
#   tree.sh overlay-files     the overlay's files (paths in the kernel tree)
#   tree.sh series-files      the base's files that patches/series edits
#
# Re-running `impl ours` after editing an overlay file replaces only the files
# whose content changed (fresh mtime, so kbuild rebuilds just those); a file
# dropped from the overlay gets the pristine copy back.  Files we write into
# src/ are always new inodes, so the pristine tree's hard links stay untouched.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
PRISTINE=$BUILD/pristine

die() { echo "tree.sh: error: $*" >&2; exit 1; }
say() { echo "  TREE    $*"; }

# shellcheck source=../../../BASE
. "$TOP/BASE"
BASE_SHA256=${MEMHP_BASE_SHA256:-$BASE_SHA256}

# The overlay: files of ours that land in the kernel tree.  Only these top-level
# directories mirror the kernel; the driver files (Makefile, BASE, patches/...)
# stay out.
overlay_files() {
	git -C "$TOP" ls-files --cached --others --exclude-standard -- \
		mm drivers include Documentation kernel lib arch \
		tools/testing/selftests MAINTAINERS |
		while read -r f; do [ -f "$TOP/$f" ] && echo "$f"; done | sort
}

check_tarball() {
	[ -f "$BASE_TARBALL" ] ||
		die "$BASE_TARBALL is missing: run 'make deps' (installs $BASE_PACKAGE)"
	local sum
	sum=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
	[ "$sum" = "$BASE_SHA256" ] && return 0
	cat >&2 <<EOF
tree.sh: error: $BASE_TARBALL does not match the pinned base.
  found sha256:  $sum
  pinned (BASE): $BASE_SHA256 ($BASE_PACKAGE $BASE_VERSION)
Install the pinned package:  apt-get install $BASE_PACKAGE=$BASE_VERSION
or, knowing the results are then not comparable, override the pin:
  make BASE_SHA256=$sum ...
EOF
	exit 1
}

make_pristine() {
	[ -f "$PRISTINE/.memhp-base" ] &&
		[ "$(cat "$PRISTINE/.memhp-base")" = "$BASE_SHA256" ] && return 0
	check_tarball
	say "extracting $BASE_PACKAGE $BASE_VERSION"
	rm -rf "$PRISTINE" "$BUILD/pristine.tmp"
	mkdir -p "$BUILD/pristine.tmp"
	tar -xf "$BASE_TARBALL" -C "$BUILD/pristine.tmp" --strip-components=1
	echo "$BASE_SHA256" >"$BUILD/pristine.tmp/.memhp-base"
	mv "$BUILD/pristine.tmp" "$PRISTINE"
}

# Put the content of $2 at $1 as a new inode with a fresh mtime.
install_new() {
	rm -f "$1"
	mkdir -p "$(dirname "$1")"
	cp "$2" "$1"
}

# Give $1 (relative) back its pristine content, or delete it if base lacks it.
restore() {
	if [ -f "$PRISTINE/$1" ]; then
		install_new "$SRC/$1" "$PRISTINE/$1"
	else
		rm -f "$SRC/$1"
	fi
}

patched_files() {
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@" | sort -u
}

sync_overlay() {
	local list=$OUT/overlay.list new f
	new=$(overlay_files)
	if [ -f "$list" ]; then
		comm -23 "$list" <(echo "$new") | while read -r f; do
			say "restore $f"
			restore "$f"
		done
	fi
	for f in $new; do
		cmp -s "$TOP/$f" "$SRC/$f" && continue
		say "overlay $f"
		install_new "$SRC/$f" "$TOP/$f"
	done
	echo "$new" >"$list"
}

series() {
	[ -f "$TOP/patches/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series"
}

# series_files: the base's files that patches/series edits
series_files() {
	local p
	for p in $(series); do patched_files "$TOP/patches/$p"; done | sort -u
}

sync_patches() {
	local stamp=$OUT/patches.sum sum p
	sum=$(cd "$TOP/patches" 2>/dev/null && series | xargs -r sha256sum; true)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
	if [ -f "$OUT/patches.files" ]; then
		while read -r f; do restore "$f"; done <"$OUT/patches.files"
	fi
	: >"$OUT/patches.files"
	for p in $(series); do
		say "patch $p"
		for f in $(patched_files "$TOP/patches/$p"); do
			grep -qx "$f" "$OUT/overlay.list" &&
				die "patches/$p edits $f, which the overlay replaces"
			# fresh from pristine the first time; later patches stack
			grep -qx "$f" "$OUT/patches.files" && continue
			[ -f "$PRISTINE/$f" ] && install_new "$SRC/$f" "$PRISTINE/$f"
			echo "$f" >>"$OUT/patches.files"
		done
		patch -s -p1 -N --no-backup-if-mismatch -d "$SRC" \
			<"$TOP/patches/$p" || die "patches/$p does not apply"
	done
	echo "$sum" >"$stamp"
	# a patch may change Kconfig: make kbuild.sh regenerate .config
	touch "$SRC/.memhp-kconfig-stamp"
}

# IMPL=fix: the stock tree with one fix of patches/fixes/ applied, the one
# $MEMHP_FIX names (fixes.py verify sets it); the files the previous fix
# changed go back to pristine first.
sync_fix() {
	local fix=${MEMHP_FIX:?IMPL=fix needs MEMHP_FIX=patches/fixes/NN-name.patch}
	local stamp=$OUT/fix.sum sum f
	[ -f "$fix" ] || die "MEMHP_FIX=$fix: no such file"
	sum=$(sha256sum "$fix")
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
	if [ -f "$OUT/fix.files" ]; then
		while read -r f; do restore "$f"; done <"$OUT/fix.files"
	fi
	patched_files "$fix" >"$OUT/fix.files"
	while read -r f; do
		[ -f "$PRISTINE/$f" ] && install_new "$SRC/$f" "$PRISTINE/$f"
	done <"$OUT/fix.files"
	say "fix ${fix##*/}"
	patch -s -p1 -F0 -N --no-backup-if-mismatch -d "$SRC" <"$fix" ||
		die "$fix does not apply to the base"
	echo "$sum" >"$stamp"
	touch "$SRC/.memhp-kconfig-stamp"
}

make_impl() {
	local impl=$1
	OUT=$BUILD/$impl
	SRC=$OUT/src
	make_pristine
	if [ ! -f "$OUT/src.base" ] || [ "$(cat "$OUT/src.base")" != "$BASE_SHA256" ]; then
		say "linking $impl source tree"
		rm -rf "$SRC" "$OUT/overlay.list" "$OUT/patches.sum" "$OUT/patches.files" \
			"$OUT/fix.sum" "$OUT/fix.files"
		mkdir -p "$OUT"
		cp -al "$PRISTINE" "$SRC"
		echo "$BASE_SHA256" >"$OUT/src.base"
	fi
	case $impl in
	ours)
		sync_overlay
		sync_patches
		;;
	upstream) ;;
	fix) sync_fix ;;
	*) die "unknown IMPL '$impl' (ours, upstream, or fix with MEMHP_FIX)" ;;
	esac
}

case ${1:-} in
pristine) make_pristine ;;
impl) make_impl "${2:?IMPL}" ;;
overlay-files) overlay_files ;;
series-files) series_files ;;
*) die "usage: tree.sh pristine | impl IMPL | overlay-files | series-files" ;;
esac
