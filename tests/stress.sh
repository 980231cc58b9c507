#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [FILE...]: make stress. The stress programs of tests/stress
# (default: every one), at full size (KA_STRESS=full), in one VM on the
# debug test kernel (tests/kernel/build.sh: KASAN, UBSAN, lockdep,
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak), with the module built for it
# with fault injection compiled in but off (make module-debug). Prints
# the table of figures (Documentation/testing.rst holds a recorded one)
# and ends with "N passed, N failed". The VM fails the run on any kernel
# report, taint or kmemleak suspect (tests/vm/init): then every row's
# figure stands, but the run does not pass.
#
# KA_STRESS=short runs make check's size instead, to try the programs.
#
# stress.sh --tools: only builds the programs' C tools (tests/stress/*.c)
# into tests/.build/stress, on the host, as make check does before its
# VM boots: gcc under emulation takes half a minute a file, and the
# checkout is read-only in the guest (stress_tool, tests/lib/stress.sh).
set -u
cd "$(dirname "$0")/.."
root=$PWD

build_tools() {
	local src
	mkdir -p tests/.build/stress
	for src in tests/stress/*.c; do
		cc -std=gnu11 -O2 -Wall -Wextra -Werror \
			-o "tests/.build/stress/$(basename "$src" .c)" "$src" || return 1
	done
}

if [ "${1:-}" = --tools ]; then
	build_tools
	exit
fi

out=$root/tests/.build/stress-results
mkdir -p "$out"
rm -f "$out"/*
programs=("$@")
[ ${#programs[@]} != 0 ] || programs=(tests/stress/*.sh)

if ! kdir=$(tests/kernel/build.sh | tail -n 1) || ! [ -f "$kdir/arch/x86/boot/bzImage" ]; then
	echo "Error: the debug test kernel does not build (tests/kernel/build.sh)" >&2
	exit 1
fi
make --no-print-directory module-debug >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log"
	echo "Error: the module does not build against $kdir" >&2
	exit 1
}
build_tools || { echo "Error: the stress tools do not build" >&2; exit 1; }

start=$SECONDS
tests/vm/ka-vm --log "$out/console.log" --results "$out/stress.tap" \
	--kernel "$kdir/arch/x86/boot/bzImage" --modules none \
	--module tests/.build/debug-module/module/ka_policy.ko --timeout 14400 --stall 1800 -- \
	env KA_STRESS="${KA_STRESS:-full}" tests/lib/testlib.sh stress "${programs[@]}" \
	>"$out/vm.out" 2>"$out/vm.err"
rc=$?
grep -v '^ok \|^# ' "$out/stress.tap" || true
[ $rc = 0 ] || { echo "ka-vm: exit $rc: $(cat "$out/vm.err")"; tail -n 40 "$out/vm.out"; }

# The table: one row per figure line ("# figure: {...}", or "# # figure:"
# in a failed test's output).
echo
echo "Stress figures, $(date -u +%Y-%m-%d), $(grep -m1 -o '"kernel":"[^"]*"' "$out/stress.tap" | cut -d'"' -f4), ${KA_STRESS:-full} size, $(( (SECONDS - start) / 60 )) min in all:"
sed -n 's/^\(# \)*figure: //p' "$out/stress.tap" | jq -rs '
	(["Fig", "What was done", "How many", "Time", "Failures"] | @tsv),
	(sort_by(.figure)[] | [.figure, .what, .count, "\(.seconds) s", .failures] | @tsv)' |
	column -t -s $'\t'
echo "Kernel reports: $([ $rc = 125 ] && echo "yes, see $out/console.log" || echo none)"
passed=$(grep -c '^ok ' "$out/stress.tap")
failed=$(grep -c '^not ok' "$out/stress.tap")
# Every program writes its row, even when it fails (stress_row): one
# missing is a figure not shown at all.
rows=$(grep -c '^\(# \)*figure: ' "$out/stress.tap")
if [ "$rows" -lt ${#programs[@]} ]; then
	echo "Missing rows: ${#programs[@]} programs ran, $rows rows were written"
	failed=$((failed + 1))
fi
[ $rc = 0 ] || [ "$failed" != 0 ] || failed=1
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
