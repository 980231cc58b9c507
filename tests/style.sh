#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: the kernel's own style checks on the module, as TAP lines:
# checkpatch.pl --strict on the module, its KUnit suites and the test
# modules of tests/kmod, sparse (make C=2) on the module and the test
# modules, then two checks of the module's shape: no circle between its
# files (tests/lib/callgraph.py) and no names that differ only by word
# order or plural (tests/lib/namecheck.py). checkpatch ships with the
# kernel source, not the headers: it is taken from Debian's linux-source
# tarball once and cached in $KA_CACHE (default ~/.cache/ka_policy).
set -u
cd "$(dirname "$0")/.."
cache=${KA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ka_policy}
# KA_CACHE=off or KA_NO_CACHE=1 (as for the kernel build): keep it in the checkout.
{ [ "$cache" != off ] && [ "${KA_NO_CACHE:-0}" = 0 ]; } || cache=tests/.build/cache
n=0
failed=0

result() {	# ok|not-ok name [details]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - style: $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - style: $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

checkpatch() {
	local tarball dir
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tarball" ] || { echo "no /usr/src/linux-source-*.tar.xz (make deps)"; return 1; }
	dir=$cache/checkpatch-$(basename "$tarball" .tar.xz)
	if [ ! -f "$dir/scripts/checkpatch.pl" ]; then
		mkdir -p "$dir.tmp" || return 1
		tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || return 1
		rm -rf "$dir" && mv "$dir.tmp" "$dir"
	fi
	perl "$dir/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES -f \
		$(ls module/*.[ch] module/tests/*.[ch] module/uapi/linux/*.h module/conftest/*.c \
			tests/kmod/*.c tests/kmod/conftest/*.c |
			grep -v -e '\.mod\.c$' -e '/ka_config\.h$') |
		grep -v '^total: 0 errors, 0 warnings, 0 checks'
	return 0
}

out=$(checkpatch 2>&1)
if [ $? = 0 ] && [ -z "$out" ]; then
	result ok "checkpatch --strict"
else
	result not-ok "checkpatch --strict" "$out"
fi

# sparse: make sparse (C=2 on every file) prints nothing when all is well.
kdir=${KDIR:-$(make -s --no-print-directory kdir)}
out=$(make -s --no-print-directory KDIR="$kdir" sparse 2>&1 |
	grep -v 'Skipping BTF generation')
if [ -z "$out" ]; then
	result ok "sparse"
else
	result not-ok "sparse" "$out"
fi
# The module's files form layers: no circle in the call graph (nm of the
# objects sparse's build just left in module/) nor in the include graph.
out=$(python3 tests/lib/callgraph.py module 2>&1)
if [ $? = 0 ]; then
	result ok "no circle between the module's files"
else
	result not-ok "no circle between the module's files" "$out"
fi

# No two names differ only by word order or plural (issue 14), in the
# module and in kactl.
out=$(python3 tests/lib/namecheck.py module userspace 2>&1)
if [ $? = 0 ]; then
	result ok "names that differ only by word order or plural"
else
	result not-ok "names that differ only by word order or plural" "$out"
fi
echo "# style: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
