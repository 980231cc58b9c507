# SPDX-License-Identifier: GPL-2.0
#
# Figure 1 of issue 16: the netlink fuzzer (tests/stress/fuzz.py), two
# workers at once (the VM has two CPUs), each in a namespace of its own
# with a seed of its own derived from the run's, as root, as nobody and
# as root of a user namespace: 1,000,000 requests at full size. The seed
# is random and printed; a failure names it and the request's index, and
#
#   tests/vm/ka-vm --timeout 1800 -- env KA_FUZZ_SEED=S KA_FUZZ_COUNT=N \
#       tests/lib/testlib.sh fuzz tests/stress/fuzz.sh
#
# replays the run (fuzz.py prints each worker's seed and count, and how to
# run that worker alone; --trace FROM:TO shows its requests one by one:
# tests/vm/ka-vm --shell, ip netns add x, fuzz.py --netns x --seed S ...).
#
# After the last flush the kernel's memory must be what it was before
# the run: kmemleak finds nothing unreferenced (ka-vm's scan at the end
# of the VM run), and the slab's kmalloc caches, where the module's
# policies, paths and tables live (it has no cache of its own), hold
# what they held before (kmalloc_kb below), within KMALLOC_SLACK_KB.
source "$KA_ROOT/tests/lib/stress.sh"

# What the kmalloc caches may hold more after the run, in kB. Between
# two looks with nothing running, the figure moves by 10 to 40 kB on
# the debug kernel (the rest of the guest allocates too); a table of 300
# policies holds 80 kB there. At full size a leak of one small object
# in every accepted request (about a third of them) is far above it.
KMALLOC_SLACK_KB=128

# kmalloc_kb: the bytes in use in the kmalloc caches (objects, not
# pages: a page partly used after the run is no leak), in kB, once each
# cache has given back what it holds aside: /sys/kernel/slab/*/shrink
# flushes the per-CPU slabs and, on the debug kernel, frees the objects
# KASAN's quarantine keeps back (up to 1/32 of the memory, which would
# swamp the figure). Objects freed after an RCU grace period (policies,
# tables) may still be on their way: callers poll.
kmalloc_kb() {
	local f
	for f in /sys/kernel/slab/kmalloc*/shrink; do
		echo 1 >"$f"
	done
	awk '/^kmalloc/ { s += $2 * $4 } END { print int(s / 1024) }' /proc/slabinfo
}

# kmalloc_back_to BEFORE: the kmalloc caches are back within
# KMALLOC_SLACK_KB of BEFORE (their figure is left in KMALLOC_AFTER).
kmalloc_back_to() {
	KMALLOC_AFTER=$(kmalloc_kb)
	[ "$KMALLOC_AFTER" -le $(($1 + KMALLOC_SLACK_KB)) ]
}

test_netlink_fuzz() {
	local n batch out rc=0 summary before messages seconds failures deadline
	n=${KA_FUZZ_COUNT:-$(stress_n 1000000 2000)}
	# Each batch ends with the policy set dumped and compared with the
	# model, exactly; fewer and longer batches at full size.
	batch=$(stress_n 500 100)
	netns_add ka_fuzz0
	netns_add ka_fuzz1
	stress_row 1 "netlink fuzzing: random and mutated requests, each answer and the policy set checked against a model" "$n"
	before=$(kmalloc_kb)
	out=$(python3 -S "$KA_ROOT/tests/stress/fuzz.py" --netns ka_fuzz0,ka_fuzz1 \
		--count "$n" --batch "$batch" ${KA_FUZZ_SEED:+--seed "$KA_FUZZ_SEED"} \
		${KA_RESULT_PORT:+--progress "$KA_RESULT_PORT"} 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -v '^{' || true
	summary=$(printf '%s\n' "$out" | grep '^{' | tail -n 1)
	[ -n "$summary" ] || fail "fuzz.py printed no summary (exit $rc)"
	note "fuzz: $summary"
	read -r messages seconds failures < <(jq -r '"\(.messages) \(.seconds) \(.failures)"' <<<"$summary")
	STRESS_COUNT=$messages STRESS_SECONDS=$seconds STRESS_FAILURES=$failures
	[ "$rc" = 0 ] || fail "fuzz.py failed (exit $rc): $summary"
	jq -e --argjson n "$n" '.messages == $n and .failures == 0 and
		.mismatches == 0 and .no_answer == 0' <<<"$summary" >/dev/null ||
		fail "fuzz.py summary: $summary"
	# Its own cgroups are gone, and nothing is left in the namespaces.
	[ ! -d /sys/fs/cgroup/ka_fuzz ] || fail "fuzz.py left /sys/fs/cgroup/ka_fuzz"
	assert_eq "$(ip netns exec ka_fuzz0 "$KACTL" -j list)" "[]" "policies left in ka_fuzz0"
	assert_eq "$(ip netns exec ka_fuzz1 "$KACTL" -j list)" "[]" "policies left in ka_fuzz1"
	# Polled, not too often (each look shrinks the caches, which takes
	# seconds on the debug kernel): what waits for a grace period goes
	# back within seconds.
	deadline=$((SECONDS + 300))
	until kmalloc_back_to "$before"; do
		[ $SECONDS -lt $deadline ] ||
			fail "kmalloc caches: ${KMALLOC_AFTER} kB in use 300 s after the last flush, ${before} kB before the run"
		sleep 1
	done
	note "kmalloc caches: ${before} kB in use before, ${KMALLOC_AFTER} kB after the last flush"
}
