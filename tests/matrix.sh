#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh [RELEASE...]: make matrix. For every kernel of tests/kernels.list
# (or those named): builds the module against it with W=1 -Werror, runs the
# whole integration suite on it in the VM, and prints one table: kernel,
# build, tests passed/failed, hooks attached, time, and when it ran. The
# table has a row for every kernel of the list, each from its latest run
# (naming kernels reruns only those), and also goes to
# tests/.build/matrix/table.txt, in the form Documentation/ka_policy.rst
# ("Supported kernels") and the README carry. Exit status 1 when a kernel
# of this run failed.
#
# "debug" is the kernel tests/kernel/build.sh builds (7.x with KASAN,
# lockdep and kmemleak; built when it is not cached), with the module's
# fault injection build. The Debian kernels come from tests/install-deps.sh
# --matrix (make matrix runs it).
set -u
cd "$(dirname "$0")/.."
root=$PWD
source tests/lib/kernels.sh
source tests/lib/tap.sh
out=$root/tests/.build/matrix
mkdir -p "$out"
bad=0

want() {	# release
	[ $# -eq 0 ] && return 0
	local r
	for r in "${wanted[@]}"; do [ "$r" = "$1" ] && return 0; done
	return 1
}
wanted=("$@")
tested=" "	# the releases run so far: two entries may resolve to one

while read -r release _ _ what; do
	case $release in '#'*|'') continue ;; esac
	[ ${#wanted[@]} -eq 0 ] || want "$release" || continue
	start=$SECONDS
	vm=()
	if [ "$release" = debug ]; then
		kdir=$(tests/kernel/build.sh) && kdir=$(tail -n 1 <<<"$kdir") || kdir=/nonexistent
		name=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || echo debug)
		vm=(--kernel "$kdir/arch/x86/boot/bzImage" --modules none)
		build_args=(KA_FAULT_INJECT=y)
	else
		# A release that left Debian's archive stands for its series.
		name=$(kernel_installed "$release")
		[ -n "$name" ] || name=$release
		[ "$name" = "$release" ] ||
			echo "== $release is not installed: testing $name, the newest of its series"
		kdir=/usr/src/linux-headers-$name
		vm=(--kernel "$name")
		build_args=()
		if [[ $tested == *" $name "* ]]; then
			echo "== $release: $name, tested above; not again"
			printf '%-22s (%s, tested above)\n' "$release" "$name" >"$out/$release.row"
			continue
		fi
		tested+="$name "
	fi
	echo "== $name: $what"
	dir=$root/tests/.build/kernels/$name
	tap=$out/$name.tap
	: >"$tap"
	if tests/lib/build-module.sh "$kdir" "$dir" "${build_args[@]}"; then
		build=ok
		tests/vm/ka-vm --quiet "${vm[@]}" --module "$dir/module/ka_policy.ko" \
			--timeout 2400 --log "$out/$name.console" --results "$tap" -- \
			tests/lib/testlib.sh "integration-$name" tests/integration/*.sh \
			2>"$out/$name.err"
		rc=$?
		[ $rc = 0 ] || [ -s "$out/$name.err" ] || echo "exit $rc" >"$out/$name.err"
	else
		build=FAILED
		rc=1
	fi
	passed=$(grep '^ok ' "$tap" | grep -vc ' # SKIP')
	failed=$(grep -c '^not ok ' "$tap")
	if grep -q '^ok .*every_hook_attached' "$tap"; then
		hooks=9/9
	else
		hooks=$(grep -ao 'hooks attached: [^ ]*' "$out/$name.console" 2>/dev/null | tail -n 1 | cut -d' ' -f3)
		hooks=${hooks:--}
	fi
	tap_failures "$tap"
	[ ! -s "$out/$name.err" ] || cat "$out/$name.err"
	[ $rc = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ] || bad=1
	elapsed=$((SECONDS - start))
	printf '%-22s %-7s %6s %6s %-6s %4dm%02ds  %s\n' "$name" "$build" \
		"$passed" "$failed" "$hooks" $((elapsed / 60)) $((elapsed % 60)) \
		"$(date -u '+%Y-%m-%d %H:%M')" >"$out/$release.row"
done <tests/kernels.list

{
	printf '%-22s %-7s %6s %6s %-6s %7s  %s\n' kernel build passed failed hooks time "run (UTC)"
	while read -r release _; do
		case $release in '#'*|'') continue ;; esac
		cat "$out/$release.row" 2>/dev/null ||
			printf '%-22s (not run yet)\n' "$release"
	done <tests/kernels.list
} | tee "$out/table.txt"
exit $bad
