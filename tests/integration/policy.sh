# SPDX-License-Identifier: GPL-2.0
#
# Policies applied to real connections: what the application reads back
# with getsockopt() and what the kernel shows in ss -o. Loopback, so each
# connection is both an outgoing one (client) and an accepted one (server).
source "$KA_ROOT/tests/lib/ka.sh"

# A fresh module for each test: counters start at zero.
before_each() {
	ka_unload
	ka_load
}

test_no_policy_changes_nothing() {
	local out
	out=$(pair 7000)
	expect_ka "$out" client keepalive=0
	expect_ka "$out" server keepalive=0
	expect_timer "$out" client no
	assert_eq "$(stat_of total applied)" 0 "applied"
}

test_port_in_applies_to_accepted_side_only() {
	local out
	kactl_set --port 7001 --dir in --idle 60
	out=$(pair 7001)
	expect_ka "$out" server keepalive=1 idle=60
	expect_ka "$out" client keepalive=0
	expect_timer "$out" server yes
	expect_timer "$out" client no
	assert_eq "$(stat_of port=7001,dir=in applied)" 1 "policy applied"
	assert_eq "$(stat_of total applied)" 1 "total applied"
}

test_port_out_applies_to_connecting_side_only() {
	local out
	kactl_set --port 7002 --dir out --idle 45 --intvl 5 --cnt 4
	out=$(pair 7002)
	expect_ka "$out" client keepalive=1 idle=45 intvl=5 cnt=4
	expect_ka "$out" server keepalive=0
	expect_timer "$out" client yes
	expect_timer "$out" server no
}

test_port_both_is_the_default_direction() {
	local out
	kactl_set --port 7003 --idle 50 --user-timeout 30000
	out=$(pair 7003)
	expect_ka "$out" client keepalive=1 idle=50 intvl=75 cnt=9 user_timeout=30000
	expect_ka "$out" server keepalive=1 idle=50 intvl=75 cnt=9 user_timeout=30000
	assert_eq "$(stat_of port=7003 applied)" 2 "applied"
}

test_other_ports_untouched() {
	local out
	kactl_set --port 7004 --idle 50
	out=$(pair 7005)
	expect_ka "$out" client keepalive=0
	expect_ka "$out" server keepalive=0
}

test_range() {
	kactl_set --port 7100-7199 --idle 30
	expect_ka "$(pair 7100)" server keepalive=1 idle=30
	expect_ka "$(pair 7199)" client keepalive=1 idle=30
	expect_ka "$(pair 7200)" server keepalive=0
	expect_ka "$(pair 7099)" server keepalive=0
}

test_single_port_beats_narrower_range_beats_wider() {
	kactl_set --port 7100-7199 --idle 30
	kactl_set --port 7140-7160 --idle 40
	kactl_set --port 7150 --idle 50
	expect_ka "$(pair 7150)" server keepalive=1 idle=50
	expect_ka "$(pair 7145)" server keepalive=1 idle=40
	expect_ka "$(pair 7120)" server keepalive=1 idle=30
}

test_explicit_direction_beats_both() {
	local out
	kactl_set --port 7010 --idle 30
	kactl_set --port 7010 --dir in --idle 31
	out=$(pair 7010)
	expect_ka "$out" server keepalive=1 idle=31
	expect_ka "$out" client keepalive=1 idle=30
}

test_default_mode_fills_only_unset_fields() {
	local out
	kactl_set --port 7020 --idle 60 --intvl 10 --cnt 3
	out=$(pair 7020 --client ka=1,idle=20 --listener intvl=7)
	expect_ka "$out" client keepalive=1 idle=20 intvl=10 cnt=3
	expect_ka "$out" server keepalive=1 idle=60 intvl=7 cnt=3
	assert_eq "$(stat_of port=7020 applied)" 2 "applied"
}

test_application_settings_kept_and_counted_as_skipped() {
	local out
	kactl_set --port 7021 --idle 60 --intvl 10 --cnt 3
	out=$(pair 7021 --client ka=1,idle=20,intvl=5,cnt=2)
	expect_ka "$out" client keepalive=1 idle=20 intvl=5 cnt=2
	assert_eq "$(stat_of port=7021 skipped)" 1 "skipped"
	assert_eq "$(stat_of port=7021 applied)" 1 "applied (server side)"
}

test_explicit_keepalive_off_is_kept() {
	local out
	kactl_set --port 7022 --idle 60
	out=$(pair 7022 --client ka=0 --listener ka=0)
	expect_ka "$out" client keepalive=0
	expect_ka "$out" server keepalive=0
	expect_timer "$out" client no
	assert_eq "$(stat_of port=7022 skipped)" 2 "skipped"
}

test_keepalive_off_then_on_is_not_off() {
	local out
	kactl_set --port 7023 --idle 60
	out=$(pair 7023 --client ka=0,ka=1)
	expect_ka "$out" client keepalive=1 idle=60
}

test_force_mode_overrides_application() {
	local out
	kactl_set --port 7024 --idle 60 --cnt 5 --mode force
	out=$(pair 7024 --client ka=0,idle=20,intvl=4 --listener ka=1,idle=30)
	expect_ka "$out" client keepalive=1 idle=60 intvl=4 cnt=5
	expect_ka "$out" server keepalive=1 idle=60 intvl=75 cnt=5
	expect_timer "$out" client yes
}

test_application_setsockopt_after_connect_wins() {
	python3 -S - "$KACTL" <<'PY'
import socket, subprocess, sys
subprocess.run([sys.argv[1], "set", "--port", "7025", "--idle", "60"], check=True)
try:
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 7025)); l.listen()
    c = socket.create_connection(("127.0.0.1", 7025))
    assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 15)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
    assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 15
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
finally:
    subprocess.run([sys.argv[1], "flush"], check=True)
PY
}

test_exemption_carves_out_of_default() {
	kactl_set --default --idle 100
	kactl_set --port 7030 --off
	expect_ka "$(pair 7030)" server keepalive=0
	expect_ka "$(pair 7031)" server keepalive=1 idle=100
}

test_precedence_port_over_cgroup_over_default() {
	cgroup_add /ka_prec
	kactl_set --default --idle 100
	kactl_set --cgroup /ka_prec --idle 200
	kactl_set --port 7040 --idle 300
	expect_ka "$(pair 7041)" client keepalive=1 idle=100
	expect_ka "$(in_cgroup /ka_prec python3 -S "$KA_CONN" pair 7041)" client keepalive=1 idle=200
	expect_ka "$(in_cgroup /ka_prec python3 -S "$KA_CONN" pair 7040)" client keepalive=1 idle=300
}

test_port_and_cgroup_beats_port() {
	cgroup_add /ka_pc
	kactl_set --port 7042 --idle 300
	kactl_set --port 7042 --cgroup /ka_pc --idle 400
	expect_ka "$(pair 7042)" client keepalive=1 idle=300
	expect_ka "$(in_cgroup /ka_pc python3 -S "$KA_CONN" pair 7042)" client keepalive=1 idle=400
}

test_cgroup_matches_descendants_nearest_wins() {
	cgroup_add /ka_cg
	cgroup_add /ka_cg/child
	cgroup_add /ka_cg/child/grandchild
	cgroup_add /ka_cg/other
	kactl_set --cgroup /ka_cg --idle 200
	# The kernel keeps the path normalized.
	kactl_set --cgroup /ka_cg//child/ --idle 201
	assert_eq "$(stat_of cgroup=/ka_cg/child,state=active idle)" 201 "ka_stats row"
	"$KACTL" list | grep -q '^cgroup /ka_cg/child .* active$'
	# A policy is named by its path, not by how the path was spelled.
	"$KACTL" set --cgroup /ka_cg/child --idle 201
	assert_eq "$(grep -c '^cgroup=/ka_cg/child,' /proc/net/ka_stats)" 1 "rows"
	expect_ka "$(in_cgroup /ka_cg/child/grandchild python3 -S "$KA_CONN" pair 7050)" client keepalive=1 idle=201
	expect_ka "$(in_cgroup /ka_cg/other python3 -S "$KA_CONN" pair 7050)" client keepalive=1 idle=200
	expect_ka "$(pair 7050)" client keepalive=0
}

test_accepted_socket_follows_listener_cgroup() {
	cgroup_add /ka_srv
	kactl_set --cgroup /ka_srv --idle 222
	# The listener is in /ka_srv (pair runs there): its children are too.
	expect_ka "$(in_cgroup /ka_srv python3 -S "$KA_CONN" pair 7051)" server keepalive=1 idle=222
}

test_ipv6() {
	local out
	kactl_set --port 7060 --idle 61
	out=$(pair 7060 --family 6)
	expect_ka "$out" client keepalive=1 idle=61
	expect_ka "$out" server keepalive=1 idle=61
	expect_timer "$out" server yes
}

test_v4_mapped_ipv6() {
	local out
	kactl_set --port 7061 --dir in --idle 62
	out=$(pair 7061 --family mapped)
	expect_ka "$out" server keepalive=1 idle=62
	expect_ka "$out" client keepalive=0
}

test_replace_keeps_one_policy_and_its_counters() {
	kactl_set --port 7070 --idle 10
	pair 7070 >/dev/null
	"$KACTL" set --port 7070 --idle 11
	assert_eq "$(grep -c '^port=7070 ' /proc/net/ka_stats)" 1 "policies for 7070"
	assert_eq "$(stat_of port=7070 idle)" 11 "idle after replace"
	assert_eq "$(stat_of port=7070 applied)" 2 "applied kept across replace"
	expect_ka "$(pair 7070)" client keepalive=1 idle=11
}

test_delete_and_flush() {
	kactl_set --port 7080 --idle 10
	"$KACTL" set --port 7081 --idle 10
	"$KACTL" del --port 7080
	expect_ka "$(pair 7080)" client keepalive=0
	expect_ka "$(pair 7081)" client keepalive=1 idle=10
	"$KACTL" flush
	expect_ka "$(pair 7081)" client keepalive=0
	assert_eq "$(wc -l < /proc/net/ka_stats)" 2 "ka_stats lines after flush"
}

test_namespace_isolation() {
	netns_add ka_iso
	ip netns exec ka_iso "$KACTL" set --port 7090 --idle 10
	expect_ka "$(pair 7090)" client keepalive=0
	assert_eq "$("$KACTL" -j list)" "[]" "policies seen from the initial netns"
	expect_ka "$(ip netns exec ka_iso python3 -S "$KA_CONN" pair 7090)" client keepalive=1 idle=10
	assert_eq "$(ip netns exec ka_iso awk '$1 == "port=7090" { print $7 }' /proc/net/ka_stats)" 2 "applied in ka_iso"
}

test_unprivileged_user_gets_eperm() {
	expect_fail 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" set --port 7091 --idle 10
	assert_match "$EXPECT_STDERR" "Operation not permitted" "stderr"
	assert_match "$EXPECT_STDERR" "CAP_NET_ADMIN" "stderr"
	assert_eq "$("$KACTL" -j list)" "[]" "policies after EPERM"
	expect_fail 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" flush
}

test_container_root_manages_its_own_netns_only() {
	# Root of a new user namespace: admin of a netns it creates...
	unshare --user --map-root-user --net \
		"$KACTL" set --port 7092 --idle 10
	# ...but not of the initial one, owned by the initial user namespace.
	expect_fail 1 unshare --user --map-root-user \
		"$KACTL" set --port 7092 --idle 10
	assert_match "$EXPECT_STDERR" "Operation not permitted" "stderr"
}

test_kernel_rejects_a_cgroup_path_with_dot_dot() {
	expect_fail 1 "$KACTL" set --cgroup /does/../exist --idle 10
	assert_match "$EXPECT_STDERR" "^Error: a cgroup path is absolute, with no \. or \.\. and no newline\.$" "stderr"
	assert_eq "$("$KACTL" -j list)" "[]" "policies"
}

test_kernel_rejects_delete_of_missing_policy() {
	expect_fail 1 "$KACTL" del --port 7093
	assert_match "$EXPECT_STDERR" "no policy with this selector" "stderr"
}

test_max_policies_limit() {
	local max
	max=$(cat /sys/module/ka_policy/parameters/max_policies)
	defer "echo $max > /sys/module/ka_policy/parameters/max_policies"
	echo 2 > /sys/module/ka_policy/parameters/max_policies
	kactl_set --port 7094 --idle 10
	"$KACTL" set --port 7095 --idle 10
	expect_fail 1 "$KACTL" set --port 7096 --idle 10
	assert_match "$EXPECT_STDERR" "max_policies" "stderr"
	# Replacing an existing selector is still allowed at the limit.
	"$KACTL" set --port 7095 --idle 11
	assert_eq "$(grep -c '^port=' /proc/net/ka_stats)" 2 "policies"
}

test_ranges_by_direction_cgroup_and_boundaries() {
	local out
	cgroup_add /ka_rg
	kactl_set --port 7800-7899 --idle 20
	"$KACTL" set --port 7850-7860 --dir in --idle 21
	"$KACTL" set --port 7800-7899 --cgroup /ka_rg --idle 22
	"$KACTL" set --port 7900-7909 --idle 23
	"$KACTL" set --port 7910-7919 --idle 24
	out=$(pair 7855)
	expect_ka "$out" server keepalive=1 idle=21
	expect_ka "$out" client keepalive=1 idle=20
	expect_ka "$(pair 7861)" server keepalive=1 idle=20
	expect_ka "$(in_cgroup /ka_rg python3 -S "$KA_CONN" pair 7855)" client keepalive=1 idle=22
	expect_ka "$(pair 7909)" client keepalive=1 idle=23
	expect_ka "$(pair 7910)" client keepalive=1 idle=24
	expect_ka "$(pair 7920)" client keepalive=0
	# Deleting the narrow range uncovers the wide one again.
	"$KACTL" del --port 7850-7860 --dir in
	expect_ka "$(pair 7855)" server keepalive=1 idle=20
}
