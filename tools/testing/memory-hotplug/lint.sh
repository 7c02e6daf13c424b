#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh - the static checks on every memhp kernel file, in the configured
# IMPL=ours tree (make kernel first):
#   checkpatch --strict (in-tree, so it knows the kernel's own names), with
#     the accepted findings of lint-allow.txt;
#   a W=1 build of our objects, with sparse (C=2): no warning at all;
#   scripts/kernel-doc -none -Wall: no complaint;
#   our .rst documents parse with docutils without a warning, and every
#     kernel-doc directive in them finds what it names (rstcheck.py).
# Prints one line per check and a final "lint: N problems"; exit 1 on any.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
BUILD=${MEMHP_BUILD:-$TOP/build}
SRC=$BUILD/ours/src
OBJ=$BUILD/ours/obj
[ -f "$OBJ/.config" ] || { echo "lint.sh: build IMPL=ours first (make kernel)" >&2; exit 2; }

# Our kernel C files and headers (tools/ and tests of the harness excluded).
files=$(cd "$TOP" && git ls-files -- 'mm/*.c' 'mm/*.h' 'drivers/*.c' 'drivers/*.h' \
	'include/*.h' 2>/dev/null)
objs=$(for f in $files; do case $f in *.c) echo "${f%.c}.o" ;; esac; done)
problems=0
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
# as kbuild.sh builds, so only the objects named are rebuilt
kmake()
{
	CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros \
		make -C "$SRC" O="$OBJ" CC="$cc" HOSTCC="$cc" \
		KBUILD_BUILD_USER=memhp KBUILD_BUILD_HOST=memhp "$@"
}

allowed()	# FILE LINE-OF-FINDING
{
	local file msg
	while IFS=$'\t' read -r file msg _; do
		case $file in ''|'#'*) continue ;; esac
		[ "$file" = "$1" ] && [[ $2 == *"$msg"* ]] && return 0
	done <"$HERE/lint-allow.txt"
	return 1
}

for f in $files; do
	while IFS= read -r line; do
		case $line in *": ERROR:"*|*": WARNING:"*|*": CHECK:"*) ;; *) continue ;; esac
		allowed "$f" "$line" && continue
		echo "lint: checkpatch: ${line#"$SRC/"}"
		problems=$((problems + 1))
	done < <(cd "$SRC" && PATH=/usr/bin:$PATH \
		perl scripts/checkpatch.pl --strict --terse --no-summary -f "$f" 2>&1)
done
echo "lint: checkpatch --strict on $(echo $files | wc -w) files"

# W=1 and sparse: rebuild just our objects with the extra checks.
(cd "$SRC" && touch $(for o in $objs; do echo "${o%.o}.c"; done))
out=$(kmake W=1 C=2 $objs 2>&1)
warn=$(echo "$out" | grep -E 'warning:|error:' || true)
if [ -n "$warn" ]; then
	echo "$warn" | sed 's/^/lint: W=1\/sparse: /'
	problems=$((problems + $(echo "$warn" | wc -l)))
fi
echo "lint: W=1 + sparse on $(echo $objs | wc -w) objects"
# put the objects back as the normal build makes them
kmake $objs >/dev/null 2>&1

for f in $files; do
	doc=$(cd "$SRC" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 | grep -v '^Warning: Sphinx')
	[ -z "$doc" ] && continue
	echo "$doc" | sed 's/^/lint: kernel-doc: /'
	problems=$((problems + $(echo "$doc" | wc -l)))
done
echo "lint: kernel-doc -Wall on $(echo $files | wc -w) files"

docs=$(cd "$TOP" && git ls-files -- 'Documentation/*.rst')
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
out=$(cd "$TOP" && $py "$HERE/rstcheck.py" "$SRC" $docs 2>&1)
bad=$(echo "$out" | grep -v '^rstcheck: [0-9]* problems in' || true)
if [ -n "$bad" ]; then
	echo "$bad" | sed 's/^rstcheck: /lint: rst: /'
	problems=$((problems + $(echo "$bad" | wc -l)))
fi
echo "lint: docutils + kernel-doc directives on $(echo $docs | wc -w) documents"

echo "lint: $problems problems"
[ "$problems" -eq 0 ]
