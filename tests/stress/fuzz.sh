# SPDX-License-Identifier: GPL-2.0
#
# Figure 1 of issue 16, short: the netlink fuzzer (tests/stress/fuzz.py)
# against the module, in a namespace of its own, as root, as nobody and
# as root of a user namespace. The seed is random and printed; a failure
# names it and the request, and
#
#   tests/vm/ka-vm --timeout 1800 -- tests/lib/testlib.sh fuzz tests/stress/fuzz.sh
#
# with KA_FUZZ_SEED=S (and KA_FUZZ_COUNT=N) set in this file's environment
# replays it; fuzz.py --seed S --netns NAME does too, by hand in the VM.
source "$KA_ROOT/tests/lib/ka.sh"

test_netlink_fuzz() {
	local n out rc=0 summary
	n=${KA_FUZZ_COUNT:-$(scaled 20000 5000)}
	netns_add ka_fuzz
	out=$(python3 -S "$KA_ROOT/tests/stress/fuzz.py" --netns ka_fuzz \
		--count "$n" ${KA_FUZZ_SEED:+--seed "$KA_FUZZ_SEED"} 2>&1) || rc=$?
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
