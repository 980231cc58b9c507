# SPDX-License-Identifier: GPL-2.0
#
# kactl load --replace: the namespace's policy set becomes exactly the
# file's in one step (KA_CMD_POLICY_REPLACE), or nothing changes.
source "$KA_ROOT/tests/lib/ka.sh"

KA_GENL=$KA_ROOT/tests/lib/ka_genl.py

# Every test has a scratch policy file, $F; conf LINE... writes it.
before_each() {
	ka_load
	F=$(mktemp)
	defer rm -f "$F"
}

conf() {
	printf '%s\n' "$@" >"$F"
}

# The policies as save prints them, without its header comment.
policies() {
	"$KACTL" save | grep -v '^#'
}

test_replace_makes_the_set_exactly_the_file() {
	defer "$KACTL" flush
	"$KACTL" set --port 7101 --idle 11
	"$KACTL" set --port 7102 --idle 12
	conf "# the new set" "--port 7102 --idle 22" "" "--port 7103 --idle 33"
	"$KACTL" load --replace "$F"
	assert_eq "$(policies)" "--port 7102 --idle 22
--port 7103 --idle 33" "policies after replace"
	expect_ka "$(pair 7101)" client keepalive=0
	expect_ka "$(pair 7102)" client keepalive=1 idle=22
	expect_ka "$(pair 7103)" client keepalive=1 idle=33
}

test_replace_keeps_the_counters_of_kept_selectors() {
	defer "$KACTL" flush
	"$KACTL" set --port 7111 --idle 11
	"$KACTL" set --port 7112 --idle 12
	pair 7111 >/dev/null
	pair 7112 >/dev/null
	conf "--port 7111 --idle 21" "--port 7112 --off" "--port 7113 --idle 23"
	"$KACTL" load --replace "$F"
	# 2 applied each (both ends of a loopback pair), then renamed kept.
	assert_eq "$(stat_of port=7111 applied)" 2 "kept selector, new action"
	assert_eq "$(stat_of port=7112 applied)" 2 "kept selector, now an exemption"
	assert_eq "$(stat_of port=7113 applied)" 0 "new selector"
}

test_save_then_replace_round_trips() {
	local saved
	cgroup_add "/ka replaced"
	defer "$KACTL" flush
	set_policy_mix "/ka replaced"
	saved=$("$KACTL" save)
	# Replacing the set with itself changes nothing ...
	echo "$saved" | "$KACTL" load --replace -
	assert_eq "$("$KACTL" save)" "$saved" "same set"
	# ... and brings it back over a different one.
	"$KACTL" flush
	"$KACTL" set --port 6379 --idle 1
	"$KACTL" set --port 9 --idle 9
	echo "$saved" >"$F"
	"$KACTL" load --replace "$F"
	assert_eq "$("$KACTL" save)" "$saved" "restored set"
	expect_ka "$(pair 6379)" client keepalive=1 idle=60 intvl=10 cnt=6 user_timeout=30000
}

test_replace_with_an_empty_file_removes_every_policy() {
	defer "$KACTL" flush
	"$KACTL" set --port 7121 --idle 11
	"$KACTL" set --default --idle 99
	echo "# nothing" | "$KACTL" load --replace -
	assert_eq "$(policies)" "" "policies"
	expect_ka "$(pair 7121)" client keepalive=0
}

test_replace_with_a_bad_line_changes_nothing() {
	defer "$KACTL" flush
	"$KACTL" set --port 7131 --idle 11
	conf "--port 7132 --idle 12" "--port 0 --idle 5" "--idle 5"
	expect_fail 1 "$KACTL" load --replace "$F"
	assert_match "$EXPECT_STDERR" "Error: $F:2: " "line 2"
	assert_match "$EXPECT_STDERR" "Error: $F:3: " "line 3"
	assert_match "$EXPECT_STDERR" "2 bad lines, nothing was loaded" "summary"
	assert_eq "$(policies)" "--port 7131 --idle 11" "policies"
}

test_replace_refuses_a_selector_given_twice() {
	defer "$KACTL" flush
	"$KACTL" set --port 7141 --idle 11
	conf "--port 7142 --idle 12" "--port 7143 --idle 13" \
		"--port 7142-7142 --dir both --idle 14"
	expect_fail 1 "$KACTL" load --replace "$F"
	assert_match "$EXPECT_STDERR" "Error: $F:3: port 7142 is set on line 1 already\." "duplicate"
	assert_eq "$(policies)" "--port 7141 --idle 11" "policies"
}

test_replace_names_the_line_the_kernel_refuses() {
	defer "$KACTL" flush
	"$KACTL" set --port 7151 --idle 11
	conf "--port 7152 --idle 12" "--port 7153 --idle 13" \
		"--cgroup /ka/../x --idle 5" "--port 7154 --idle 14"
	expect_fail 1 "$KACTL" load --replace "$F"
	assert_match "$EXPECT_STDERR" "^Error: $F:3: a cgroup path is absolute, with no \. or \.\." "line and kernel's reason"
	assert_match "$EXPECT_STDERR" "Error: $F: nothing was changed\." "summary"
	assert_eq "$(policies)" "--port 7151 --idle 11" "policies"
}

test_kernel_refuses_a_replace_with_a_selector_twice() {
	local out
	defer "$KACTL" flush
	"$KACTL" set --port 7161 --idle 11
	# kactl catches this itself; the kernel must too (another client, or
	# two cgroup paths that name one cgroup).
	out=$(python3 -S "$KA_GENL" policy_replace port_min=u16:7162 idle=u32:5 \
		--next port_min=u16:7162 port_max=u16:7162 idle=u32:6) || true
	assert_eq "$out" "error EEXIST: this selector is given twice" "reply"
	assert_eq "$(policies)" "--port 7161 --idle 11" "policies"
}

test_kernel_checks_every_policy_of_a_replace() {
	local out
	defer "$KACTL" flush
	"$KACTL" set --port 7171 --idle 11
	out=$(python3 -S "$KA_GENL" policy_replace port_min=u16:7172 idle=u32:5 \
		--next port_min=u16:7173 idle=u32:0) || true
	assert_match "$out" "^error ERANGE: " "second policy's idle"
	out=$(python3 -S "$KA_GENL" policy_replace port_min=u16:7172 idle=u32:5 \
		--next idle=u32:6) || true
	assert_eq "$out" "error EINVAL: ka_policy: a selector is needed: a port, a cgroup, or the default" "second policy's selector"
	assert_eq "$(policies)" "--port 7171 --idle 11" "policies"
}

test_replace_respects_max_policies() {
	local old
	defer "$KACTL" flush
	old=$(cat /sys/module/ka_policy/parameters/max_policies)
	defer "echo $old >/sys/module/ka_policy/parameters/max_policies"
	"$KACTL" set --port 7181 --idle 11
	"$KACTL" set --port 7182 --idle 12
	echo 2 >/sys/module/ka_policy/parameters/max_policies
	conf "--port 7183 --idle 13" "--port 7184 --idle 14" "--port 7185 --idle 15"
	expect_fail 1 "$KACTL" load --replace "$F"
	assert_match "$EXPECT_STDERR" "^Error: $F:3: more policies than max_policies\." "line and reason"
	# Two replace two: the limit is on the result, not the sum.
	conf "--port 7183 --idle 13" "--port 7184 --idle 14"
	"$KACTL" load --replace "$F"
	assert_eq "$(policies)" "--port 7183 --idle 13
--port 7184 --idle 14" "policies"
}

test_replace_needs_cap_net_admin() {
	defer "$KACTL" flush
	"$KACTL" set --port 7191 --idle 11
	expect_fail 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		sh -c "echo '--port 7192 --idle 5' | '$KACTL' load --replace -"
	assert_match "$EXPECT_STDERR" "needs CAP_NET_ADMIN" "stderr"
	assert_eq "$(policies)" "--port 7191 --idle 11" "policies"
}

test_replace_in_another_netns() {
	netns_add ka_r
	"$KACTL" set --port 7201 --idle 11
	defer "$KACTL" flush
	echo "--port 7202 --idle 22" | "$KACTL" -n ka_r load --replace -
	assert_eq "$("$KACTL" -n ka_r save | grep -v '^#')" "--port 7202 --idle 22" "ka_r"
	assert_eq "$(policies)" "--port 7201 --idle 11" "initial netns untouched"
}

test_large_replace_in_one_request() {
	defer "$KACTL" flush
	# 20000 policies: about 1 MB, past the default socket send buffer.
	seq 20001 40000 | sed 's/.*/--port & --idle 7 --intvl 3 --cnt 2/' >"$F"
	"$KACTL" load --replace "$F"
	assert_eq "$(policies | wc -l)" 20000 "policies"
	# Dumps and /proc reads come in parts: none lost, none twice, in order.
	assert_eq "$(policies | sed 's/--port \([0-9]*\) .*/\1/' | uniq | tr '\n' ' ')" \
		"$(seq -s ' ' 20001 40000) " "policies dumped"
	assert_eq "$(awk 'NR > 2 { sub("port=", "", $1); print $1 }' /proc/net/ka_stats | tr '\n' ' ')" \
		"$(seq -s ' ' 20001 40000) " "rows of ka_stats"
	"$KACTL" -j stats | python3 -S -c '
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 20001 and rows[0]["scope"] == "total", len(rows)'
	expect_ka "$(pair 33333)" client keepalive=1 idle=7 intvl=3 cnt=2
}

# Sets A and B give port 7211 different values; while they replace each
# other in a loop, every new connection must get A's or B's. A socket
# that saw a half-replaced set would get no policy (A's gone, B's not yet
# there) or the default's 999, which neither set gives port 7211.
test_connections_during_replaces_see_one_set_or_the_other() {
	local a=$F b stop out
	b=$(mktemp)
	stop=$(mktemp -u)
	defer rm -f "$b" "$stop"
	defer "$KACTL" flush
	conf "--port 7211 --dir out --idle 101" "--port 7211 --dir in --idle 102" \
		"--default --idle 999"
	printf '%s\n' "--default --idle 999" "--port 7200-7220 --idle 201" \
		"--port 7211 --dir in --idle 202" >"$b"
	"$KACTL" load --replace "$a"
	(
		while [ ! -e "$stop" ]; do
			"$KACTL" load --replace "$b" || exit 1
			"$KACTL" load --replace "$a" || exit 1
		done
	) &
	out=$(python3 -S - "$stop" <<'PY'
import socket, sys, time
IDLE = (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7211))
srv.listen(128)
seen, bad = {}, []
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    c = socket.create_connection(("127.0.0.1", 7211))
    s, _ = srv.accept()
    pair = (c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) and
            c.getsockopt(*IDLE),
            s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) and
            s.getsockopt(*IDLE))
    seen[pair] = seen.get(pair, 0) + 1
    c.close()
    s.close()
    if sum(seen.values()) >= 300 and len(seen) >= 2:
        break
open(sys.argv[1], "w").close()
print(" ".join("%s/%s=%d" % (k[0], k[1], n) for k, n in sorted(seen.items())))
PY
)
	wait $! || fail "a replace failed"
	echo "# seen (client idle/server idle=connections): $out"
	# Client and server of one pair may be matched at different times,
	# so each side is checked on its own.
	for pair in $out; do
		case "${pair%=*}" in
		101/102|101/202|201/102|201/202) ;;
		*) fail "a socket saw a half-replaced set: $pair" ;;
		esac
	done
	assert_match "$out" "101/" "set A seen"
	assert_match "$out" "201/" "set B seen"
}
