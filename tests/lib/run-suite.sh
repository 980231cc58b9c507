#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suite.sh SUITE FILE...: runs every test_* function of each FILE in a
# subshell of its own and prints one TAP line per test ("ok N - ..." or
# "not ok N - ..." followed by the test's output as "# " lines). The lines
# also go to $KA_RESULT_PORT when set (the VM's result port). A FILE may
# define before_each, run before each of its tests. Exit status: 0 when all
# passed.
#
# A test that cannot run on this kernel (it lacks the feature) calls skip
# (tests/lib/testlib.sh) and is reported as TAP's SKIP: "ok N - ... #
# SKIP why", counted apart by run-tests.sh, never as a pass.
#
# A known failure that is being worked on is declared in its FILE with
# KA_TODO_<test>="why, and the issue", and reported as TAP's TODO: "not
# ok N - ... # TODO why" while it fails (counted apart by run-tests.sh,
# never as a pass), "ok N - ... # TODO ..." once it passes again, which
# tells to remove the declaration.
set -u
suite=$1
shift
lib=$(dirname "$0")/testlib.sh
n=0
failed=0
todos=0
skips=0

emit() {
	echo "$1"
	[ -z "${KA_RESULT_PORT:-}" ] || echo "$1" >>"$KA_RESULT_PORT"
}

for file in "$@"; do
	tests=$(bash -c "source '$lib'; source '$file'; declare -F" |
		awk '$3 ~ /^test_/ { print $3 }')
	[ -n "$tests" ] || { emit "not ok $((++n)) - $suite/$(basename "$file"): defines no test"; failed=$((failed + 1)); continue; }
	# The file's KA_TODO_<test>=why declarations, as "<test>=why" lines:
	# read once per file, since each process started in the debug guest
	# costs about half a second.
	todos_of_file=$(bash -c "source '$lib'; source '$file' >/dev/null
		for v in \${!KA_TODO_@}; do
			printf '%s=%s\n' \"\${v#KA_TODO_}\" \"\${!v//\$'\n'/ }\"
		done" 2>/dev/null)
	base=${file##*/}
	for t in $tests; do
		n=$((n + 1))
		name="$suite/${base%.sh}: ${t#test_}"
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
		todo=
		while IFS= read -r line; do
			[[ $line != "${t#test_}="* ]] || todo=${line#*=}
		done <<<"$todos_of_file"
		why=
		[ $rc != 77 ] || why=$(printf '%s\n' "$out" | sed -n 's/^SKIP: //p' | tail -n 1)
		if [ $rc = 77 ] && [ -n "$why" ]; then
			skips=$((skips + 1))
			emit "ok $n - $name # SKIP $why"
		elif [ $rc = 0 ]; then
			emit "ok $n - $name ($((SECONDS - start))s)${todo:+ # TODO passes again: remove KA_TODO_${t#test_} ($todo)}"
		elif [ -n "$todo" ]; then
			todos=$((todos + 1))
			emit "not ok $n - $name (exit $rc) # TODO $todo"
			printf '%s\n' "$out" | sed 's/^/# /'
		else
			failed=$((failed + 1))
			emit "not ok $n - $name (exit $rc)"
			printf '%s\n' "$out" | sed 's/^/# /'
		fi
	done
done
known=
[ $todos = 0 ] || known=", $todos known failure(s) (TODO)"
[ $skips = 0 ] || known="$known, $skips skipped"
echo "# $suite: $((n - failed - todos - skips)) passed, $failed failed$known"
[ $failed = 0 ]
