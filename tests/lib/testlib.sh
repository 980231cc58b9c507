#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ka_policy's shell tests: the runner and the helpers, in one file.
#
# Run, tests/lib/testlib.sh SUITE FILE... runs every test_* function of
# each FILE in a subshell of its own, with this file sourced, and prints one
# TAP line per test ("ok N - ..." or "not ok N - ..." followed by the
# test's output as "# " lines; a passing test's own "# " lines, such as a
# measurement, are printed after its "ok" line). The lines also go to
# $KA_RESULT_PORT when set (the VM's result port), a failed test's output
# its last 40 lines only. A FILE may define before_each, run before
# each of its tests. A FILE given as FILE:NAME[,NAME...] runs only the
# tests named (test_NAME), in the file's order; a name the file does not
# define is a failure. Exit status: 0 when all passed.
#
# A test is a function named test_*; it fails when a command in it fails
# (set -e) or when it calls fail. Commands given to defer run when the test
# ends, pass or fail, in reverse order.
#
# A test that cannot run on this kernel (it lacks the feature) calls skip
# and is reported as TAP's SKIP: "ok N - ... # SKIP why", counted apart by
# run-tests.sh, never as a pass.
#
# A known failure that is being worked on is declared in its FILE with
# KA_TODO_<test>="why, and the issue", and reported as TAP's TODO: "not
# ok N - ... # TODO why" while it fails (counted apart by run-tests.sh,
# never as a pass), "ok N - ... # TODO ..." once it passes again, which
# tells to remove the declaration.

KA_DEFERRED=()

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip WHY: this kernel cannot run the test (it lacks the feature):
# reported as TAP's SKIP, never as a pass.
skip() {
	echo "SKIP: $*"
	exit 77
}

defer() {
	KA_DEFERRED=("$*" "${KA_DEFERRED[@]}")
}

# The test's exit status is KA_EXIT while they run.
run_deferred() {
	KA_EXIT=$?
	local cmd
	for cmd in "${KA_DEFERRED[@]}"; do
		eval "$cmd" >/dev/null 2>&1 || true
	done
	KA_DEFERRED=()
}

assert_eq() {	# actual expected what
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

assert_match() {	# text extended-regex what
	[[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}

# expect_fail STATUS CMD...: CMD must exit with STATUS; its stderr lands in
# $EXPECT_STDERR and its stdout in $EXPECT_STDOUT.
expect_fail() {
	local want=$1 errf rc=0
	shift
	errf=$(mktemp)
	EXPECT_STDOUT=$("$@" 2>"$errf") || rc=$?
	EXPECT_STDERR=$(cat "$errf")
	rm -f "$errf"
	[ "$rc" = "$want" ] ||
		fail "'$*' exited $rc, expected $want (stderr: $EXPECT_STDERR)"
}

# note TEXT: a "# TEXT" line in the test's output, which the runner
# prints after the test's "ok" line too (a measurement).
note() {
	echo "# $*"
}

# wait_for TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds. The
# timeout is a bound for a machine that is slow or busy (the debug kernel
# under emulation beside other guests), not a measure: a wait for
# something to start is given minutes.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || fail "timed out waiting for: $*"
		sleep 0.05
	done
}

# Sourced (by the runner below, before each test), the file ends here;
# run, it goes on as the runner.
return 0 2>/dev/null

set -u
suite=$1
shift
lib=$0
n=0
failed=0
todos=0
skips=0

emit() {
	echo "$1"
	[ -z "${KA_RESULT_PORT:-}" ] || echo "$1" >>"$KA_RESULT_PORT"
}

for arg in "$@"; do
	file=$arg
	[ -f "$arg" ] || file=${arg%%:*}
	tests=$(bash -c "source '$lib'; source '$file'; declare -F" |
		awk '$3 ~ /^test_/ { print $3 }')
	[ -n "$tests" ] || { emit "not ok $((++n)) - $suite/$(basename "$file"): defines no test"; failed=$((failed + 1)); continue; }
	if [ "$arg" != "$file" ]; then
		only=",${arg#*:},"
		[ -n "${only//,/}" ] ||
			{ emit "not ok $((++n)) - $suite/$(basename "$file"): no test named after the ':'"; failed=$((failed + 1)); }
		for t in ${only//,/ }; do
			grep -qxF "test_$t" <<<"$tests" ||
				{ emit "not ok $((++n)) - $suite/$(basename "$file"): defines no test_$t"; failed=$((failed + 1)); }
		done
		tests=$(for t in $tests; do [[ $only != *",${t#test_},"* ]] || echo "$t"; done)
	fi
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
		# For ka-vm's stall watchdog, which names the last phase.
		[ -z "${KA_RESULT_PORT:-}" ] || echo "KA_VM_PHASE: $name" >>"$KA_RESULT_PORT"
		# Into a file, not a pipe: a process the test left behind that
		# holds its output (a dup of it, inherited) cannot hold the run.
		outf=$(mktemp)
		(
			set -e
			source "$lib"
			source "$file"
			trap run_deferred EXIT
			if declare -F before_each >/dev/null; then before_each; fi
			"$t"
		) >"$outf" 2>&1
		rc=$?
		out=$(cat "$outf")
		rm -f "$outf"
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
			# A passing test's own "# " lines are measurements: kept.
			while IFS= read -r line; do
				[[ $line != "# "* ]] || emit "$line"
			done <<<"$out"
		elif [ -n "$todo" ]; then
			todos=$((todos + 1))
			emit "not ok $n - $name (exit $rc) # TODO $todo"
			printf '%s\n' "$out" | sed 's/^/# /'
		else
			failed=$((failed + 1))
			emit "not ok $n - $name (exit $rc)"
			printf '%s\n' "$out" | sed 's/^/# /'
			# Its last lines go to the results too, so that the
			# run's own output (CI's) says why.
			[ -z "${KA_RESULT_PORT:-}" ] ||
				printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /' >>"$KA_RESULT_PORT"
		fi
	done
done
known=
[ $todos = 0 ] || known=", $todos known failure(s) (TODO)"
[ $skips = 0 ] || known="$known, $skips skipped"
echo "# $suite: $((n - failed - todos - skips)) passed, $failed failed$known"
[ $failed = 0 ]
