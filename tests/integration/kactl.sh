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
		"^kactl $v, module $v \\(netlink API 1\\)(; missing on this kernel: [a-z-]+(, [a-z-]+)*)?(; calls missed: [a-z0-9_]+ [1-9][0-9]*(, [a-z0-9_]+ [1-9][0-9]*)*)?\$" \
		"kactl version"
}

test_version_json() {
	"$KACTL" -j version | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
v = open(sys.argv[1]).read().strip()
missing = d.pop("missing")
missed = d.pop("calls_missed")
assert d == {"kactl": v, "module": v, "api": 1}, d
assert set(missing) <= {"probes-sent", "timeouts", "events"}, missing
# Every attached hook, with its missed calls: the required ones always.
assert {"tcp_connect", "security_inet_csk_clone", "tcp_set_keepalive",
        "kernfs_activate", "tcp_setsockopt"} <= set(missed), missed
assert all(type(n) is int and n >= 0 for n in missed.values()), missed' "$KA_ROOT/VERSION"
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
	"$KACTL" -j -p stats | python3 -S -c '
import json, sys
rows = json.load(sys.stdin)
assert rows == [{"scope": "total", "applied": 0, "skipped": 0,
                 "probes_sent": 0, "timeouts": 0, "events_dropped": 0}], rows'
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
	assert_eq "$(ip netns exec ka_n "$KACTL" -j list | python3 -S -c '
import json, sys; print([p["port_min"] for p in json.load(sys.stdin)])')" "[7950]" "ka_n"
	"$KACTL" --netns /run/netns/ka_n list | grep -q '^port 7950 '
	expect_ka "$(ip netns exec ka_n python3 -S "$KA_CONN" pair 7950)" client keepalive=1 idle=10
	expect_ka "$(pair 7950)" client keepalive=0
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
	assert_eq "$("$KACTL" -j list | python3 -S -c '
import json, sys; print(json.dumps([{k: v for k, v in p.items() if k != "cgroup_id"} for p in json.load(sys.stdin)]))')" \
		"$(echo "$listed" | python3 -S -c '
import json, sys; print(json.dumps([{k: v for k, v in p.items() if k != "cgroup_id"} for p in json.load(sys.stdin)]))')" "list after load"
	expect_ka "$(pair 6379)" client keepalive=1 idle=60 intvl=10 cnt=6 user_timeout=30000
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

# kactl add creates only, like ip route add: a selector that has a policy
# is refused with the kernel's reason and exit 1, with or without -j, and
# keeps its policy whole: settings and counters.
test_add_refuses_a_selector_that_has_a_policy() {
	local before sel
	cgroup_add /ka_add
	defer "$KACTL" flush
	"$KACTL" add --port 7970 --idle 10 --cnt 3
	"$KACTL" add --default --idle 600
	"$KACTL" add --cgroup /ka_add --idle 30
	pair 7970 >/dev/null
	before=$(cat /proc/net/ka_stats)
	assert_match "$(stat_of port=7970 applied)" "^[1-9]" "applied before"
	for sel in "--port 7970 --idle 99" "--port 7970 --off" "--default --idle 5" \
		"--cgroup /ka_add --off"; do
		# shellcheck disable=SC2086 # a selector is several words
		expect_fail 1 "$KACTL" add $sel
		assert_eq "$EXPECT_STDERR" "Error: a policy for this selector exists." "stderr of add $sel"
		assert_eq "$EXPECT_STDOUT" "" "stdout of add $sel"
		# shellcheck disable=SC2086
		expect_fail 1 "$KACTL" -j add $sel
		assert_eq "$EXPECT_STDERR" "Error: a policy for this selector exists." "stderr of -j add $sel"
		assert_eq "$EXPECT_STDOUT" "" "stdout of -j add $sel"
	done
	assert_eq "$(cat /proc/net/ka_stats)" "$before" "ka_stats after the refused adds"
	expect_ka "$(pair 7970)" client keepalive=1 idle=10
}

test_add_creates_a_policy_for_a_new_selector() {
	defer "$KACTL" flush
	assert_eq "$("$KACTL" add --port 7971 --idle 11)" "" "output of add"
	# Another direction, or a range, is another selector.
	assert_eq "$("$KACTL" -j add --port 7971 --dir in --idle 12)" "" "output of -j add"
	"$KACTL" add --port 7971-7972 --idle 13
	assert_eq "$("$KACTL" -j list | python3 -S -c '
import json, sys
print(" ".join("%s=%s" % (p["selector"], p["idle"]) for p in json.load(sys.stdin)))')" \
		"port 7971=11 port 7971 dir in=12 port 7971-7972=13" "policies"
	local out
	out=$(pair 7971)
	expect_ka "$out" client keepalive=1 idle=11
	expect_ka "$out" server keepalive=1 idle=12
	# Once deleted, the selector is free again.
	"$KACTL" del --port 7971
	"$KACTL" add --port 7971 --idle 14
	assert_eq "$(stat_of port=7971 idle)" 14 "idle after del and add"
}

test_add_needs_cap_net_admin() {
	expect_fail 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" add --port 7975 --idle 10
	assert_match "$EXPECT_STDERR" "^Error: add: Operation not permitted \(needs CAP_NET_ADMIN" "stderr"
	assert_eq "$("$KACTL" -j list)" "[]" "policies"
}

# set creates or replaces: a replaced policy keeps its counters.
test_set_still_creates_and_replaces() {
	local applied
	defer "$KACTL" flush
	"$KACTL" set --port 7973 --idle 10
	pair 7973 >/dev/null
	applied=$(stat_of port=7973 applied)
	"$KACTL" set --port 7973 --idle 15
	assert_eq "$(grep -c '^port=7973 ' /proc/net/ka_stats)" 1 "policies for 7973"
	assert_eq "$(stat_of port=7973 idle)" 15 "idle after set"
	assert_eq "$(stat_of port=7973 applied)" "$applied" "applied after set"
	expect_ka "$(pair 7973)" client keepalive=1 idle=15
}

# What list prints as a selector pastes into set and del (iproute2's rule;
# kactl.8, SELECTORS): every kind of selector, read back from the table
# and pasted as a shell reads it (a cgroup's state is a column of its own;
# a path with a space comes quoted).
test_list_selectors_paste_into_set_and_del() {
	local sels sel
	cgroup_add /ka_paste
	cgroup_add '/ka paste $x'
	defer "$KACTL" flush
	"$KACTL" set --port 7980 --idle 10
	"$KACTL" set --port 7981-7989 --dir in --idle 11
	"$KACTL" set --port 7990 --dir out --cgroup /ka_paste --idle 12
	"$KACTL" set --cgroup /ka_paste --idle 13
	"$KACTL" set --cgroup '/ka paste $x' --idle 15
	"$KACTL" set --port 7995 --off
	"$KACTL" set --default --idle 14
	sels=$("$KACTL" list | awk 'NR > 1 { sub(/ +[0-9-]+ +[0-9-]+ +[0-9-]+ +[0-9-]+ +[a-z]+( +[a-z]+)?$/, ""); print }')
	assert_eq "$(wc -l <<<"$sels")" 7 "selectors listed: $sels"
	while read -r sel; do
		eval "\"\$KACTL\" set $sel idle 99" || fail "set $sel idle 99 refused"
	done <<<"$sels"
	assert_eq "$("$KACTL" -j list | jq -c '[.[].idle]')" "[99,99,99,99,99,99,99]" \
		"idle of each policy after set"
	assert_eq "$("$KACTL" -j list | jq -r '.[].cgroup // empty' | LC_ALL=C sort | tr '\n' ,)" \
		'/ka paste $x,/ka_paste,/ka_paste,' "cgroups after set"
	expect_ka "$(pair 7985)" server keepalive=1 idle=99
	while read -r sel; do
		eval "\"\$KACTL\" del $sel" || fail "del $sel refused"
	done <<<"$sels"
	assert_eq "$("$KACTL" -j list)" "[]" "policies after del"
}
