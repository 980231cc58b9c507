#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suite.sh SUITE FILE...: runs every test_* function of each FILE in a
# subshell of its own and prints one TAP line per test ("ok N - ..." or
# "not ok N - ..." followed by the test's output as "# " lines). The lines
# also go to $KA_RESULT_PORT when set (the VM's result port). A FILE may
# define before_each, run before each of its tests. Exit status: 0 when all
# passed.
set -u
suite=$1
shift
lib=$(dirname "$0")/testlib.sh
n=0
failed=0

emit() {
	echo "$1"
	[ -z "${KA_RESULT_PORT:-}" ] || echo "$1" >>"$KA_RESULT_PORT"
}

for file in "$@"; do
	tests=$(bash -c "source '$lib'; source '$file'; declare -F" |
		awk '$3 ~ /^test_/ { print $3 }')
	[ -n "$tests" ] || { emit "not ok $((++n)) - $suite/$(basename "$file"): defines no test"; failed=$((failed + 1)); continue; }
	for t in $tests; do
		n=$((n + 1))
		name="$suite/$(basename "$file" .sh): ${t#test_}"
		start=$SECONDS
		out=$( (
			set -e
			source "$lib"
			source "$file"
			trap run_deferred EXIT
			if declare -F before_each >/dev/null; then before_each; fi
			"$t"
		) 2>&1 )
		rc=$?
		if [ $rc = 0 ]; then
			emit "ok $n - $name ($((SECONDS - start))s)"
		else
			failed=$((failed + 1))
			emit "not ok $n - $name (exit $rc)"
			printf '%s\n' "$out" | sed 's/^/# /'
		fi
	done
done
echo "# $suite: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
