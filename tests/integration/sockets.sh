# SPDX-License-Identifier: GPL-2.0
#
# kactl sockets: every TCP socket of a namespace with its keepalive
# settings and their source, checked against the application's
# getsockopt() and the kernel's ss -tno; attribution that stays with the
# policy applied; filters; unprivileged readers; sockets closing during a
# dump; a policy change during a dump (NLM_F_DUMP_INTR), raw and through
# kactl; a table of millions of buckets nearly all empty; and 10,000
# connections (time and kactl's memory, noted).
#
# Everything runs in one namespace, ka_sk, over loopback, but the large
# table, which is a namespace of its own.
source "$KA_ROOT/tests/lib/ka.sh"

KA_GENL=$KA_ROOT/tests/lib/ka_genl.py

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

# dump_of JSON JQ: a value out of ka_genl.py dump's JSON.
dump_of() {
	jq -r "$2" <<<"$1"
}

# (g) A policy change between two messages of a dump sets NLM_F_DUMP_INTR
# (module/sockets.c). A raw dump of 300 connections, several parts, read
# with no change has the flag on no message. Another, with a policy set
# after its first recv(): the parts the first two recv() calls bring were
# made before the set (a recv() has the kernel make one more part at
# most), those of the later ones after it; a message after the change
# has the flag, none before it has.
test_policy_change_during_a_dump_sets_dump_intr() {
	local n=300 json socket
	socket=$(ka_enum ka_attr KA_A_SOCKET)
	ulimit -n $((2 * n + 1000))
	background many ip netns exec ka_sk python3 -S "$KA_CONN" many 7661 $n
	wait_for 600 grep -q "^ready" "$KA_OUT/many"
	json=$(ip netns exec ka_sk python3 -S "$KA_GENL" dump socket_get)
	assert_eq "$(dump_of "$json" "[.messages[] | select(.attrs == [$socket])] | length")" \
		$((2 * n + 1)) "sockets in the dump"
	assert_eq "$(dump_of "$json" '[.messages[] | select(.intr)] | length')" 0 \
		"messages flagged with no change"
	assert_eq "$(dump_of "$json" .done_intr)" false "NLMSG_DONE flagged with no change"
	# Parts made after the set below: a third recv() at least.
	[ "$(dump_of "$json" .recvs)" -ge 4 ] ||
		fail "too few parts: $(dump_of "$json" .recvs) recv() calls"
	json=$(ip netns exec ka_sk python3 -S "$KA_GENL" dump socket_get \
		--after 1 "$KACTL set port 7662 idle 5")
	assert_eq "$(dump_of "$json" .after.rc)" 0 \
		"kactl set during the dump: $(dump_of "$json" .after.output)"
	assert_eq "$(dump_of "$json" "[.messages[] | select(.attrs == [$socket])] | length")" \
		$((2 * n + 1)) "sockets in the interrupted dump"
	assert_eq "$(dump_of "$json" '[.messages[] | select(.intr and .recv <= 2)] | length')" 0 \
		"messages flagged before the change"
	[ "$(dump_of "$json" '[.messages[] | select(.intr and .recv > 2)] | length')" -ge 1 ] ||
		fail "no message flagged after the change: $(dump_of "$json" '[.messages[] | [.recv, .intr]] | unique')"
	note "$(dump_of "$json" '.messages | length') messages in $(dump_of "$json" .recvs) recv() calls"
}

# (h) kactl sockets stopped while it prints (its stdout a pipe of one page
# that nothing reads: it blocks in write() with the dump under way), then
# a policy change, then the rest read: the table comes out whole, and
# kactl fails after it (exit 1), asking to run it again.
test_kactl_sockets_fails_after_a_policy_change_during_the_dump() {
	local n=300
	ulimit -n $((2 * n + 1000))
	background many ip netns exec ka_sk python3 -S "$KA_CONN" many 7671 $n
	wait_for 600 grep -q "^ready" "$KA_OUT/many"
	ip netns exec ka_sk python3 -S - "$KACTL" "$KA_OUT" <<'PY'
import fcntl, os, subprocess, sys, time
kactl, out = sys.argv[1], sys.argv[2]
F_SETPIPE_SZ = 1031
r, w = os.pipe()
fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
p = subprocess.Popen([kactl, "sockets"], stdout=w,
                     stderr=open(os.path.join(out, "stderr"), "w"))
os.close(w)
# Polls until kactl waits in write(2) (syscall 1) on the full pipe.
deadline = time.monotonic() + 300
while True:
    try:
        nr = open("/proc/%d/syscall" % p.pid).read().split()[0]
    except (OSError, IndexError):
        nr = None
    if nr == "1":
        break
    if p.poll() is not None or time.monotonic() > deadline:
        sys.exit("kactl never waited in write(): exit status %s" % p.poll())
    time.sleep(0.01)
rc = subprocess.call([kactl, "set", "port", "7672", "idle", "5"])
if rc:
    sys.exit("kactl set failed: %d" % rc)
with open(os.path.join(out, "table"), "wb") as f:
    while True:
        data = os.read(r, 65536)
        if not data:
            break
        f.write(data)
open(os.path.join(out, "rc"), "w").write("%d\n" % p.wait())
PY
	assert_eq "$(cat "$KA_OUT/rc")" 1 "kactl sockets' exit status"
	assert_eq "$(cat "$KA_OUT/stderr")" \
		"Error: the policies changed during the dump, run the command again." \
		"kactl's error"
	# The whole table all the same.
	assert_eq "$(grep -c ' ESTAB ' "$KA_OUT/table")" $((2 * n)) "established sockets in the table"
	# With no change, the same dump succeeds.
	ip netns exec ka_sk "$KACTL" sockets >/dev/null || fail "kactl sockets with no change"
}

# (i) A namespace of its own whose table has 4,194,304 buckets
# (tcp_child_ehash_entries, 6.1 and later) and three sockets: the walk
# hands out nothing after 4,096 buckets without a socket, and each part of
# the dump ends after about 5 ms. A part that found no socket is a message
# with no attribute, and the dump goes on past it to every socket.
test_a_large_table_nearly_empty_is_dumped_in_parts() {
	local json socket
	netns_add_large ka_big
	socket=$(ka_enum ka_attr KA_A_SOCKET)
	background big ip netns exec ka_big python3 -S "$KA_CONN" hold-pairs 7681 one
	wait_for 300 grep -q '^{' "$KA_OUT/big"
	json=$(ip netns exec ka_big python3 -S "$KA_GENL" dump socket_get)
	assert_eq "$(dump_of "$json" "[.messages[] | select(.attrs == [$socket])] | length")" 3 \
		"sockets in the dump"
	# Parts end by time: a machine that walks the 4,194,304 buckets in
	# under 50 ms (a fast one, not an emulated one) may fit them into the
	# parts that carry the sockets. Slower, a part covers at most about a
	# tenth of the table, and so most have no socket.
	if [ "$(dump_of "$json" .us)" -ge 50000 ]; then
		[ "$(dump_of "$json" '[.messages[] | select(.attrs == [])] | length')" -ge 1 ] ||
			fail "no part without a socket: $json"
	else
		note "the dump took $(dump_of "$json" .us) us: too fast to need parts without a socket"
	fi
	assert_eq "$(ip netns exec ka_big "$KACTL" -j sockets | jq length)" 3 "kactl sockets"
	note "$(dump_of "$json" '[.messages[] | select(.attrs == [])] | length') parts with no socket in $(dump_of "$json" .recvs) recv() calls"
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
