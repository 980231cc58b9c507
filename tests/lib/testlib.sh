# SPDX-License-Identifier: GPL-2.0
#
# Helpers for ka_policy's shell tests, sourced by run-suite.sh before each
# test file. A test is a function named test_*; it fails when a command in
# it fails (set -e) or when it calls fail. Commands given to defer run when
# the test ends, pass or fail, in reverse order.

KA_DEFERRED=()

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip WHY: this kernel cannot run the test (it lacks the feature):
# reported as TAP's SKIP (tests/lib/run-suite.sh), never as a pass.
skip() {
	echo "SKIP: $*"
	exit 77
}

defer() {
	KA_DEFERRED=("$*" "${KA_DEFERRED[@]}")
}

run_deferred() {
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
