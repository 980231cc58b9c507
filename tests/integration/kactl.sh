# SPDX-License-Identifier: GPL-2.0
#
# kactl against the real module: version, stats, JSON, namespaces, and
# what it says when the module is missing.
source "$KA_ROOT/tests/lib/ka.sh"

# A fresh module for each test: counters start at zero.
before_each() {
	ka_unload
	ka_load
}

test_version_reports_module_and_api() {
	local v
	v=$(cat "$KA_ROOT/VERSION")
	assert_match "$("$KACTL" version)" \
		"^kactl $v, module $v \\(netlink API 1\\)(; missing on this kernel: [a-z_]+(, [a-z_]+)*)?\$" \
		"kactl version"
}

test_version_json() {
	"$KACTL" -j version | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = open(sys.argv[1]).read().strip()
missing = d.pop("missing")
assert d == {"kactl": v, "module": v, "api": 1}, d
assert set(missing) <= {"probes_sent", "timeouts"}, missing' "$KA_ROOT/VERSION"
}

test_stats_table_matches_proc() {
	local out
	out=$("$KACTL" stats)
	assert_match "$out" "^scope +applied +skipped +probes_sent +timeouts" "header"
	assert_eq "$(echo "$out" | awk 'NR == 2 { print $1, $2, $3, $4, $5 }')" \
		"$(awk 'NR == 2 { print $1, $7, $8, $9, $10 }' /proc/net/ka_stats)" \
		"totals row vs /proc/net/ka_stats"
}

test_stats_json() {
	"$KACTL" -j -p stats | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert rows == [{"scope": "total", "applied": 0, "skipped": 0,
                 "probes_sent": 0, "timeouts": 0}], rows'
}

test_stats_in_other_netns() {
	netns_add ka_other
	ip netns exec ka_other "$KACTL" stats | grep -q '^total '
}

test_unprivileged_user_can_read() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" stats | grep -q '^total '
}

test_module_not_loaded() {
	ka_unload
	expect_fail 1 "$KACTL" stats
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "stderr"
}

test_netns_option_by_name_and_by_path() {
	netns_add ka_n
	"$KACTL" -n ka_n set --port 7950 --idle 10
	assert_eq "$("$KACTL" -j list)" "[]" "initial namespace"
	assert_eq "$(ip netns exec ka_n "$KACTL" -j list | python3 -c '
import json, sys; print([p["port_min"] for p in json.load(sys.stdin)])')" "[7950]" "ka_n"
	"$KACTL" --netns /run/netns/ka_n list | grep -q '^port 7950 '
	expect_ka "$(ip netns exec ka_n python3 "$KA_CONN" pair 7950)" client 1 10
	expect_ka "$(pair 7950)" client 0
	"$KACTL" -n ka_n del --port 7950
	assert_eq "$("$KACTL" -n ka_n -j list)" "[]" "ka_n after del"
}

test_netns_option_needs_privilege() {
	netns_add ka_n2
	expect_fail 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" -n ka_n2 list
	assert_match "$EXPECT_STDERR" 'cannot enter network namespace "ka_n2": Operation not permitted \(needs CAP_SYS_ADMIN\)' "stderr"
}

test_save_then_load_restores_the_same_policies() {
	local saved listed
	cgroup_add "/ka saved"
	defer "$KACTL" flush
	set_policy_mix "/ka saved"
	saved=$("$KACTL" save)
	listed=$("$KACTL" -j list)
	assert_eq "$(echo "$saved" | grep -c '^--')" 4 "policy lines"
	"$KACTL" flush
	echo "$saved" | "$KACTL" load -
	assert_eq "$("$KACTL" save)" "$saved" "save after load"
	assert_eq "$("$KACTL" -j list | python3 -c '
import json, sys; print(json.dumps([{k: v for k, v in p.items() if k != "cgroup_id"} for p in json.load(sys.stdin)]))')" \
		"$(echo "$listed" | python3 -c '
import json, sys; print(json.dumps([{k: v for k, v in p.items() if k != "cgroup_id"} for p in json.load(sys.stdin)]))')" "list after load"
	expect_ka "$(pair 6379)" client 1 60 10 6 30000
}

test_load_stops_at_a_line_the_kernel_refuses() {
	local f
	f=$(mktemp)
	defer rm -f "$f"
	defer "$KACTL" flush
	printf -- '--port 7960 --idle 5\n--cgroup /ka/../x --idle 5\n--port 7961 --idle 5\n' >"$f"
	expect_fail 1 "$KACTL" load "$f"
	assert_match "$EXPECT_STDERR" "^Error: a cgroup path is absolute, with no \. or \.\." "kernel's reason"
	assert_match "$EXPECT_STDERR" "stopped at line 2; 1 policy before it was set" "what was set"
	assert_eq "$("$KACTL" save | grep -c '^--')" 1 "policies set"
}
