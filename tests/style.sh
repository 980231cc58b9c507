#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: the kernel's own style checks on the module, as TAP lines:
# checkpatch.pl --strict on the module, its KUnit suites and the test
# modules of tests/kmod, and sparse (make C=2) on the module and the test
# modules. checkpatch ships with the
# kernel source, not the headers: it is taken from Debian's linux-source
# tarball once and cached in $KA_CACHE (default ~/.cache/ka_policy).
set -u
cd "$(dirname "$0")/.."
cache=${KA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ka_policy}
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
echo "# style: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
