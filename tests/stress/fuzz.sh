# SPDX-License-Identifier: GPL-2.0
#
# Figure 1 of issue 16, short: the netlink fuzzer (tests/stress/fuzz.py)
# against the module, in a namespace of its own, as root, as nobody and
# as root of a user namespace. The seed is random and printed; a failure
# names it and the request's index, and
#
#   tests/vm/ka-vm --timeout 1800 -- env KA_FUZZ_SEED=S KA_FUZZ_COUNT=N \
#       tests/lib/testlib.sh fuzz tests/stress/fuzz.sh
#
# replays the run (fuzz.py --trace FROM:TO shows the requests one by one:
# tests/vm/ka-vm --shell, ip netns add x, fuzz.py --netns x --seed S ...).
source "$KA_ROOT/tests/lib/ka.sh"

test_netlink_fuzz() {
	local n out rc=0 summary
	n=${KA_FUZZ_COUNT:-$(scaled 20000 5000)}
	netns_add ka_fuzz
	out=$(python3 -S "$KA_ROOT/tests/stress/fuzz.py" --netns ka_fuzz \
		--count "$n" ${KA_FUZZ_SEED:+--seed "$KA_FUZZ_SEED"} \
		${KA_RESULT_PORT:+--progress "$KA_RESULT_PORT"} 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -v '^{' || true
	summary=$(printf '%s\n' "$out" | grep '^{' | tail -n 1)
	[ -n "$summary" ] || fail "fuzz.py printed no summary (exit $rc)"
	note "fuzz: $summary"
	[ "$rc" = 0 ] || fail "fuzz.py failed (exit $rc): $summary"
	jq -e '.messages > 0 and .failures == 0 and .mismatches == 0 and
		.no_answer == 0' <<<"$summary" >/dev/null ||
		fail "fuzz.py summary: $summary"
	# Its own cgroups are gone, and nothing is left in the namespace.
	[ ! -d /sys/fs/cgroup/ka_fuzz ] || fail "fuzz.py left /sys/fs/cgroup/ka_fuzz"
	assert_eq "$(ip netns exec ka_fuzz "$KACTL" -j list)" "[]" "policies left"
}
