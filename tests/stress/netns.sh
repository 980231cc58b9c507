# SPDX-License-Identifier: GPL-2.0
#
# Figure 4 of issue 16: network namespace churn. 1,000 namespaces (20 in
# the short run) are made, given policies, used for real connections and
# destroyed, ten alive at a time, while one made at the start (ka_keep)
# keeps working: its policy applies to the connections made in it all
# along, and its counters count exactly those. Each namespace's state goes
# with it: its /proc/net/ka_stats, the memory charged for it (its memory
# cgroup's figures come back) and its struct net (the net_namespace slab).
#
# All of it is one process, tests/stress/netns.py (see its --help): a
# process per namespace operation would cost half a second each on the
# debug kernel under emulation.
source "$KA_ROOT/tests/lib/stress.sh"

test_namespace_churn() {
	local n out rc=0 summary failures conns got base problems=()
	n=$(stress_n 1000 10)
	grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
		fail "no memory controller in this kernel's cgroup v2"
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	# netns.py alone in a memory cgroup: what the namespaces and the
	# module's state in them are charged for is its figures' to lose.
	cgroup_add /ka_netns
	netns_add ka_keep
	ip netns exec ka_keep "$KACTL" load - <<-EOF
		--port 7001 --idle 71 --intvl 7 --cnt 3
		--default --idle 700
	EOF
	base=$(slab_objects net_namespace)
	[ -n "$base" ] || fail "no net_namespace in /proc/slabinfo"
	stress_row 4 "network namespaces made, given policies, used and destroyed beside a long-lived one" "$n"
	out=$(in_cgroup /ka_netns python3 -S "$KA_ROOT/tests/stress/netns.py" \
		--count "$n" --keeper /run/netns/ka_keep \
		--memcg /sys/fs/cgroup/ka_netns --kactl "$KACTL" \
		${KA_RESULT_PORT:+--progress "$KA_RESULT_PORT"} 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -v '^{' || true
	summary=$(printf '%s\n' "$out" | grep '^{' | tail -n 1)
	note "netns: $summary"
	failures=$(jq -r '.failures' <<<"$summary" 2>/dev/null) || failures=
	[ -n "$failures" ] || { failures=0; problems+=("netns.py printed no summary (exit $rc)"); }
	[ "$rc" = 0 ] || [ "$failures" != 0 ] || problems+=("netns.py exited $rc")
	conns=$(jq -r '.keeper_connections // 0' <<<"$summary" 2>/dev/null) || conns=0
	# The long-lived namespace as another reader sees it: two sockets
	# per connection made there, all by the port policy.
	got="$(stat_of total applied ka_keep) $(stat_of port=7001 applied ka_keep) $(stat_of default applied ka_keep)"
	[ "$got" = "$((2 * conns)) $((2 * conns)) 0" ] ||
		problems+=("ka_keep's counters (total, port, default): $got after $conns connections")
	# Every struct net made is freed, but the last one: the kernel frees
	# a namespace's struct net only when the next namespace's teardown
	# ends (net_complete_free() in 7.3's cleanup_net(); Debian's 6.1
	# does the same); netns.py's last, throw-away namespace is that one.
	( wait_for 600 netns_slab_at_most $((base + 1)) ) 2>/dev/null ||
		problems+=("net_namespace slab: $(slab_objects net_namespace) objects, $base before")
	STRESS_FAILURES=$((${#problems[@]} + failures))
	[ ${#problems[@]} = 0 ] && [ "$failures" = 0 ] ||
		fail "netns.py: $failures failures (its FAIL lines above)${problems[*]:+; }${problems[*]}"
}
