#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh [unit|vm|all]: runs the test suites, collects their TAP
# lines under tests/.build/results and ends with "N passed, N failed".
# Exit status 1 when anything failed or nothing ran.
#
#   unit  host tests: kactl's parser and output (ASan/UBSan), its CLI
#   style checkpatch --strict and sparse on the module
#   vm    the VM harness's self-test, then the integration tests in a VM
#         on Debian's kernel (tests/vm/ka-vm)
set -u
cd "$(dirname "$0")/.."
root=$PWD
what=${1:-all}
results=$root/tests/.build/results
rm -rf "$results"
mkdir -p "$results"

# A suite that could not run at all still counts, as one failure.
suite_failed() {	# file message
	echo "not ok - $2" | tee -a "$1"
}

run_unit() {
	local bin=$root/tests/.build/kactl_test
	echo "== host unit tests"
	if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-I userspace -I module/uapi -o "$bin" tests/unit/kactl_test.c \
		userspace/parse.c userspace/out.c userspace/policy.c userspace/conf.c; then
		suite_failed "$results/unit.tap" "unit: kactl_test does not build"
		return
	fi
	"$bin" | tee "$results/unit.tap" | grep -v '^ok '
	tests/lib/run-suite.sh cli tests/unit/*.sh | tee "$results/cli.tap" |
		grep -v '^ok '
}

run_vm() {	# name ka-vm-options...
	local name=$1 rc
	shift
	echo "== $name: integration tests in a VM"
	tests/vm/ka-vm --quiet --log "$results/$name.console" \
		--results "$results/$name.tap" "$@" -- \
		tests/lib/run-suite.sh "$name" tests/integration/*.sh \
		2>"$results/$name.err"
	rc=$?
	grep -v '^ok ' "$results/$name.tap" || true
	if [ $rc = 125 ] || ! [ -s "$results/$name.tap" ]; then
		suite_failed "$results/$name.tap" \
			"$name: $(cat "$results/$name.err") (exit $rc)"
		tail -n 30 "$results/$name.console" |
			sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/\r//g; s/^/# console: /'
	elif [ $rc != 0 ] && ! grep -q '^not ok' "$results/$name.tap"; then
		suite_failed "$results/$name.tap" "$name: exit $rc with no failed test"
	fi
	echo "   $(grep -c '^ok ' "$results/$name.tap") passed (console log: $results/$name.console)"
}

run_style() {
	echo "== style: checkpatch and sparse"
	tests/style.sh | tee "$results/style.tap" | grep -v '^ok '
}

run_harness() {
	echo "== VM harness self-test"
	mkdir -p "$root/tests/.build/vm"
	KA_BUILD=$root/tests/.build/vm tests/lib/run-suite.sh harness \
		tests/vm/selftest.sh | tee "$results/harness.tap" | grep -v '^ok '
}

case "$what" in
unit) run_unit ;;
vm) run_harness; run_vm integration ;;
style) run_style ;;
all) run_unit; run_style; run_harness; run_vm integration ;;
*) echo "usage: $0 [unit|style|vm|all]" >&2; exit 2 ;;
esac

passed=$(cat "$results"/*.tap | grep -c '^ok ')
failed=$(cat "$results"/*.tap | grep -c '^not ok')
if [ "$failed" != 0 ]; then
	echo "Failed:"
	grep -h '^not ok' "$results"/*.tap | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
