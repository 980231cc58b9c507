# SPDX-License-Identifier: GPL-2.0
#
# kactl sockets: every TCP socket of a namespace with its keepalive
# settings and their source, checked against the application's
# getsockopt() and the kernel's ss -tno; attribution that stays with the
# policy applied; filters; unprivileged readers; sockets closing during a
# dump; and 10,000 connections (time and kactl's memory, noted).
#
# Everything runs in one namespace, ka_sk, over loopback.
source "$KA_ROOT/tests/lib/ka.sh"

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
	netns_add ka_sk
}

sk() {	# kactl in ka_sk
	"$KACTL" -n ka_sk "$@"
}

# hold NAME PORT SPEC...: ka_conn.py hold-pairs in ka_sk, in the background;
# waits for its JSON line.
hold() {
	local name=$1
	shift
	background "$name" ip netns exec ka_sk python3 -S "$KA_CONN" hold-pairs "$@"
	wait_for 300 grep -q '^{' "$KA_OUT/$name"
}

# check_sockets JSON HOLD_JSON...: python checks, given kactl's output in
# $KA_OUT/sockets.json and the hold outputs; the script reads them as j
# (kactl's list) and h (the holds merged), and ss (ss -tnoH lines).
check_sockets() {
	ip netns exec ka_sk ss -tnoH >"$KA_OUT/ss"
	python3 -S - "$KA_OUT/sockets.json" "$KA_OUT/ss" "$@" <<EOF
import json, sys
j = json.load(open(sys.argv[1]))
ss = open(sys.argv[2]).read().splitlines()
h = {}
for f in sys.argv[3:]:
    h.update(json.loads(open(f).readline()))
def client(name):
    port = h[name]["client_port"]
    found = [s for s in j if s["local_port"] == port and s["state"] == "ESTAB"]
    assert len(found) == 1, (name, found)
    return found[0]
def server(name):
    port = h[name]["client_port"]
    found = [s for s in j if s["remote_port"] == port and s["state"] == "ESTAB"]
    assert len(found) == 1, (name, found)
    return found[0]
def ss_of(local, remote):
    lines = [l for l in ss if l.split()[3].endswith(":%d" % local) and
             l.split()[4].endswith(":%d" % remote)]
    assert len(lines) == 1, (local, remote, lines)
    return lines[0]
def same_as_app(s, app, name):
    for k in ("idle", "intvl", "cnt", "user_timeout"):
        assert s[k] == app[k], (name, k, s[k], app[k])
    assert s["keepalive"] == bool(app["keepalive"]), (name, s, app)
def timer_as_ss(s, name):
    line = ss_of(s["local_port"], s["remote_port"])
    if s["keepalive"] and s["state"] == "ESTAB":
        assert "timer_ms" in s, (name, s)
        assert "timer:(keepalive," in line, (name, line)
        probes = line.split("timer:(keepalive,")[1].split(")")[0].split(",")[1]
        assert s["probes"] == int(probes), (name, s["probes"], line)
    else:
        assert "timer_ms" not in s, (name, s)
        assert "timer:(keepalive," not in line, (name, line)
$(cat)
EOF
}

# (a) A connection under a policy, one with the application's own
# settings, one with nothing: each with its source, and its values as the
# application reads them (getsockopt) and the kernel shows them (ss -tno:
# the keepalive timer and its probes).
test_sources_and_values_match_getsockopt_and_ss() {
	local sysctl
	sysctl=$(ip netns exec ka_sk cat /proc/sys/net/ipv4/tcp_keepalive_time)
	sk set --port 7601 --dir out --idle 60 --intvl 10 --cnt 5
	hold pol 7601 pol
	hold app 7602 app:ka=1,idle=30,intvl=7,cnt=3,ut=5000
	hold none 7603 none
	sk -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/pol" "$KA_OUT/app" "$KA_OUT/none" <<EOF
c = client("pol")
assert c["source"] == "policy" and c["policy"] == "port 7601 dir out", c
assert c["dir"] == "out" and c["keepalive"] is True, c
assert (c["idle"], c["intvl"], c["cnt"], c["user_timeout"]) == (60, 10, 5, 0), c
assert c["idle_from"] == c["intvl_from"] == c["cnt_from"] == "socket", c
same_as_app(c, h["pol"]["client"], "pol client")
timer_as_ss(c, "pol client")
# The accepted end: no policy (dir out), nothing set: the sysctl's.
s = server("pol")
assert s["source"] == "none" and s["keepalive"] is False, s
assert s["idle"] == $sysctl and s["idle_from"] == "sysctl", s
assert s["dir"] == "in", s
timer_as_ss(s, "pol server")
c = client("app")
assert c["source"] == "application" and "policy" not in c, c
assert (c["idle"], c["intvl"], c["cnt"], c["user_timeout"]) == (30, 7, 3, 5000), c
assert c["idle_from"] == "socket", c
same_as_app(c, h["app"]["client"], "app client")
timer_as_ss(c, "app client")
c = client("none")
assert c["source"] == "none" and c["keepalive"] is False, c
assert c["idle"] == $sysctl and c["idle_from"] == "sysctl", c
assert c["intvl_from"] == c["cnt_from"] == "sysctl", c
timer_as_ss(c, "none client")
listeners = sorted(s["local_port"] for s in j if s["state"] == "LISTEN")
assert listeners == [7601, 7602, 7603], listeners
assert all(isinstance(s["inode"], int) and s["uid"] == 0 for s in j), j
EOF
	# The table: the policy's selector as list prints it, sysctl marks.
	sk sockets >"$KA_OUT/table"
	assert_match "$(head -n 1 "$KA_OUT/table")" "^local +remote +state +ka +idle +intvl +cnt +user_timeout +timer +probes +cgroup +source$" "header"
	grep -q " policy port 7601 dir out\$" "$KA_OUT/table" || fail "no policy row: $(cat "$KA_OUT/table")"
	grep -q " $sysctl\\* .* -\$" "$KA_OUT/table" || fail "no sysctl-marked row: $(cat "$KA_OUT/table")"
	grep -q "^\\* from the network namespace's sysctl" "$KA_OUT/table" || fail "no legend"
}

# (b) The policy applied stays the socket's: a more specific policy added
# later does not take it over, a replace by the same selector keeps it, a
# delete shows "policy (deleted)", and a new policy of that selector is
# not the deleted one.
test_attribution_is_the_policy_applied() {
	sk set --port 7611 --idle 50
	hold pol 7611 pol
	sk set --port 7611 --dir out --idle 40
	sk -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/pol" <<EOF
c = client("pol")
assert c["source"] == "policy" and c["policy"] == "port 7611", c
assert c["idle"] == 50, c
EOF
	sk set --port 7611 --idle 55
	sk load --replace - <<<"port 7611 idle 45"
	sk -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/pol" <<EOF
c = client("pol")
assert c["source"] == "policy" and c["policy"] == "port 7611", c
assert c["idle"] == 50, c
EOF
	sk del --port 7611
	sk -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/pol" <<EOF
c = client("pol")
assert c["source"] == "policy-deleted" and "policy" not in c, c
assert c["keepalive"] is True and c["idle"] == 50, c
EOF
	sk sockets | grep -q " policy (deleted)\$" || fail "no 'policy (deleted)' row"
	sk set --port 7611 --idle 50
	sk -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/pol" <<EOF
assert client("pol")["source"] == "policy-deleted", client("pol")
EOF
}

# (c) --port (range), --dir, --cgroup (descendants included).
test_filters() {
	local pid
	cgroup_add /ka_sk_test
	cgroup_add /ka_sk_test/sub
	sk set --port 7621 --dir out --idle 60
	background sub in_cgroup /ka_sk_test/sub ip netns exec ka_sk \
		python3 -S "$KA_CONN" hold-pairs 7622 sub
	pid=$!
	wait_for 300 grep -q '^{' "$KA_OUT/sub"
	hold pol 7621 pol
	# 7621: its listener and accepted end (in), the client (out).
	assert_eq "$(count --port 7621)" 3 "--port 7621"
	assert_eq "$(count --port 7621 --dir in)" 2 "--port 7621 --dir in"
	assert_eq "$(count port 7621 dir out)" 1 "port 7621 dir out"
	assert_eq "$(sk -j sockets --port 7621 --dir out | jq -r '.[0].source')" policy "its source"
	assert_eq "$(count --port 7620-7622)" 6 "--port 7620-7622"
	assert_eq "$(count --port 7623-7700)" 0 "--port 7623-7700"
	assert_eq "$(count --cgroup /ka_sk_test)" 3 "--cgroup /ka_sk_test (descendants)"
	assert_eq "$(count --cgroup /ka_sk_test/sub/)" 3 "--cgroup /ka_sk_test/sub/"
	assert_eq "$(count --cgroup /ka_sk_tes)" 0 "--cgroup /ka_sk_tes: not a prefix of names"
	assert_eq "$(count --cgroup /ka_sk_test --dir out)" 1 "--cgroup and --dir"
	assert_eq "$(sk -j sockets --cgroup /ka_sk_test | jq -r '[.[].cgroup] | unique | join(" ")')" \
		/ka_sk_test/sub "cgroup column"
	expect_fail 2 sk sockets --port 0
	expect_fail 2 sk sockets --dir sideways
	expect_fail 2 sk sockets --cgroup relative
	# The holder leaves its cgroup empty before cgroup_add's rmdir.
	kill "$pid"
	wait "$pid" || true
}

count() {	# kactl sockets filters: how many sockets
	sk -j sockets "$@" | jq length
}

# (d) Reading is open to every user, as /proc/net/tcp is.
test_unprivileged_user_lists_sockets() {
	hold none 7631 none
	ip netns exec ka_sk setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KACTL" -j sockets >"$KA_OUT/sockets.json"
	check_sockets "$KA_OUT/none" <<EOF
assert client("none")["source"] == "none", client("none")
EOF
	expect_fail 1 ip netns exec ka_sk setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$KACTL" set --port 7631 --idle 5
}

# (e) Sockets opening and closing while kactl dumps: every dump succeeds
# (on the debug kernel KASAN and lockdep watch the walk).
test_sockets_closing_during_dumps() {
	local i before
	sk set --port 7641 --idle 30
	background churn ip netns exec ka_sk python3 -S "$KA_CONN" churn 7641
	wait_for 300 grep -q churning "$KA_OUT/churn"
	before=$(stat_of port=7641 applied ka_sk)
	for i in $(seq 10); do
		sk sockets >/dev/null || fail "dump $i failed"
		sk -j sockets --port 7641 | jq -e 'type == "array"' >/dev/null ||
			fail "dump $i (json) failed"
	done
	# The churn went on meanwhile (no bound on how much).
	[ "$(stat_of port=7641 applied ka_sk)" -gt "$before" ] || fail "no connection made during the dumps"
}

# (f) 10,000 connections (20,000 established sockets) in one namespace:
# kactl lists exactly as many as ss. The time and kactl's peak memory are
# noted (Documentation/ka_policy.rst quotes them). KA_SOCKETS_N scales it.
# On the debug kernel (KASAN, lockdep, kmemleak) and the other kernels of
# make check (scaled() in ka.sh), whose point is the walk's memory and
# lock safety, not its scale, 500: still about 1,000 sockets in many
# dump messages and walk batches; 10,000 took 282 s on the debug kernel,
# 24 to 43 s on 6.1.
test_ten_thousand_connections() {
	local n=${KA_SOCKETS_N:-$(scaled 10000 500)} want got secs rss
	ulimit -n $((2 * n + 1000))
	background many ip netns exec ka_sk python3 -S "$KA_CONN" many 7651 "$n"
	wait_for 600 grep -q "^ready" "$KA_OUT/many"
	want=$(ip netns exec ka_sk ss -tnH state established | wc -l)
	assert_eq "$want" $((2 * n)) "ss's established sockets"
	/usr/bin/time -f "%e %M" -o "$KA_OUT/time" "$KACTL" -n ka_sk -j sockets >"$KA_OUT/sockets.json"
	got=$(jq '[.[] | select(.state == "ESTAB")] | length' "$KA_OUT/sockets.json")
	assert_eq "$got" "$want" "kactl sockets' established sockets"
	/usr/bin/time -f "%e %M" -o "$KA_OUT/time-table" "$KACTL" -n ka_sk sockets >/dev/null
	read -r secs rss <"$KA_OUT/time"
	note "kactl -j sockets, $got established sockets: ${secs} s, max RSS ${rss} KiB ($(uname -r))"
	read -r secs rss <"$KA_OUT/time-table"
	note "kactl sockets (table), the same: ${secs} s, max RSS ${rss} KiB"
}
