#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh TEST_MODULE KUNIT_DIR: runs in the test VM (tests/run-tests.sh
# starts it through tests/vm/ka-vm, on the debug test kernel). Loading
# TEST_MODULE runs its KUnit suites, which print KTAP to the kernel log;
# the kernel tree's own parser (KUNIT_DIR/kunit.py, a copy of the tree's
# tools/testing/kunit) reads it, its summary goes to the console, and every
# test case, each parameter of a table-driven case included, becomes one
# TAP line on the result port.
#
# The log, not /sys/kernel/debug/kunit/<suite>/results: 6.1 keeps at most
# 512 bytes of a case's log there, so a table-driven case loses its
# parameters' lines.
#
# Exit status: 0 when every case passed, 1 otherwise, also when a suite
# is missing from the log or the module did not load.
set -u
module=$1
kunit_py=$2/kunit.py
debugfs=/sys/kernel/debug/kunit
n=0
failed=0

emit() {
	echo "$1"
	[ -z "${KA_RESULT_PORT:-}" ] || echo "$1" >>"$KA_RESULT_PORT"
}

fail_run() {
	emit "not ok $((++n)) - kunit: $*"
	exit 1
}

[ -d "$debugfs" ] || fail_run "no $debugfs: the kernel lacks CONFIG_KUNIT_DEBUGFS"
[ -f "$kunit_py" ] || fail_run "no $kunit_py"
before=$(ls "$debugfs")
mark="ka_kunit_mark $RANDOM$RANDOM"
echo "$mark" >/dev/kmsg
# The suites run inside insmod: a crashing case ends the VM here (ka-vm
# reports the oops), a failing one only shows in the log.
out=$(insmod "$module" 2>&1) || fail_run "insmod $module failed: $out"
suites=$(comm -13 <(echo "$before") <(ls "$debugfs"))
[ -n "$suites" ] || fail_run "$module registered no KUnit suite"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every line since the mark stays: a failed expectation's message is not
# indented, and kunit.py passes over other kernel messages (the taint
# notice). Older kernels (6.1) print a module's suites without the KTAP
# header that built-in ones get: add it when it is missing.
dmesg --notime | sed -n "/^$mark\$/,\$p" | sed 1d >"$tmp/log"
{
	if ! grep -q '^KTAP version' "$tmp/log"; then
		echo "KTAP version 1"
		echo "1..$(wc -w <<<"$suites")"
	fi
	cat "$tmp/log"
} >"$tmp/kunit.ktap"
python3 "$kunit_py" parse --json="$tmp/kunit.json" "$tmp/kunit.ktap" |
	sed 's/\x1b\[[0-9;]*m//g'
[ -s "$tmp/kunit.json" ] || {
	sed 's/^/# /' "$tmp/kunit.ktap"
	fail_run "kunit.py could not parse the suites' KTAP"
}

# One line per leaf: "<status> <suite>: <case>[: <parameter>]", and every
# suite the module registered must be there.
while read -r status name; do
	if [ "$status" = PASS ]; then
		emit "ok $((++n)) - kunit/$name"
	elif [ "$status" = SKIP ]; then
		emit "ok $((++n)) - kunit/$name # SKIP"
	else
		emit "not ok $((++n)) - kunit/$name ($status)"
		failed=$((failed + 1))
	fi
done < <(python3 -c '
import json, sys

def leaves(group, path):
    for case in group["test_cases"]:
        yield case["status"], ": ".join(path + [case["name"]])
    for sub in group["sub_groups"]:
        yield from leaves(sub, path + [sub["name"]])

doc = json.load(open(sys.argv[1]))
found = list(leaves(doc, []))
for suite in sys.argv[2].split():
    if not any(name.split(": ")[0] == suite for _, name in found):
        print("MISSING", suite + ": no result in the kernel log")
for status, name in found:
    print(status, name.replace("\n", " "))
' "$tmp/kunit.json" "$suites")

rmmod "$(basename "$module" .ko)" || fail_run "rmmod $module failed"
echo "# kunit: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
