# SPDX-License-Identifier: GPL-2.0
#
# --existing: a policy reaches the connections that were open before it.
# Between two namespaces (veth_topology in ka.sh) for the real
# application and the dead peer, on loopback in ka_cli for the rest:
#
#   netns ka_cli: held clients             netns ka_srv: redis-server :6379
#   192.0.2.1 (ka_c) ---------veth--------- (ka_s) 192.0.2.2
#
# A held client (ka_conn.py hold) answers SIGUSR1 with what getsockopt()
# reads on its socket now: the application's own view of the change.
source "$KA_ROOT/tests/lib/ka.sh"

readonly IDLE=5 INTVL=1 CNT=2 PORT=7800

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
	veth_topology
}

# hold NAME ADDR PORT [OPTS]: a held client connection in ka_cli; its pid
# in HELD_PID.
hold() {
	local -a opts=()
	[ -z "${4:-}" ] || opts=(--client "$4")
	# Not through cli(): $! must be python's pid (ip netns exec execs).
	background "$1" ip netns exec ka_cli python3 -S "$KA_CONN" hold "$2" "$3" "${opts[@]}"
	HELD_PID=$!
	wait_for 300 grep -q connected "$KA_OUT/$1"
}

answers() {	# NAME N: the held client NAME answered N times
	[ "$(grep -c '"n":' "$KA_OUT/$1")" -ge "$2" ]
}

# ask NAME PID: the held client's settings now, as JSON (ka_conn.py's).
ask() {
	local n
	n=$(( $(grep -c '"n":' "$KA_OUT/$1") + 1 ))
	kill -USR1 "$2"
	wait_for 300 answers "$1" $n
	grep "\"n\": $n," "$KA_OUT/$1"
}

# ss_line NETNS FILTER: the one established socket FILTER matches.
ss_line() {
	ip netns exec "$1" ss -Htno state established "$2"
}

# timer_within LINE SECONDS: ss -o shows a keepalive timer of at most
# SECONDS (the policy's idle, not the sysctl's 7200).
timer_within() {
	local left
	[[ $1 =~ timer:\(keepalive,([0-9.]+)(ms|sec|min) ]] ||
		fail "no keepalive timer in ss: $1"
	left=${BASH_REMATCH[1]}
	case ${BASH_REMATCH[2]} in
	ms) left=0 ;;
	min) left=$((${left%.*} * 60)) ;;
	esac
	awk -v l="$left" -v m="$2" 'BEGIN { exit !(l <= m) }' ||
		fail "keepalive timer ${BASH_REMATCH[1]}${BASH_REMATCH[2]}, above $2 s: $1"
}

# existing_of JSON KEY: a number of kactl -j's "existing" object.
existing_of() {
	json_get "$1" "existing.$2"
}

test_redis_connection_open_before_the_policy_gets_keepalive() {
	local out json line elapsed
	start_redis
	hold client 192.0.2.2 6379
	local client=$HELD_PID
	json=$(ask client $client)
	expect_ka "$json" client keepalive=0

	# The client's side, an outgoing connection.
	out=$(cli "$KACTL" set port 6379 dir out idle $IDLE intvl $INTVL cnt $CNT --existing)
	defer cli "$KACTL" flush
	assert_eq "$out" "existing: 1 changed, 0 skipped" "kactl's line"
	json=$(ask client $client)
	expect_ka "$json" client keepalive=1 idle=$IDLE intvl=$INTVL cnt=$CNT
	line=$(ss_line ka_cli '( dport = :6379 )')
	timer_within "$line" $IDLE

	# redis's side, accepted before the policy: redis never sets keepalive.
	line=$(ss_line ka_srv '( sport = :6379 and dst 192.0.2.1 )')
	[[ $line != *"timer:(keepalive,"* ]] || fail "redis's socket had a keepalive timer already: $line"
	json=$(srv "$KACTL" -j set port 6379 dir in idle $IDLE intvl $INTVL cnt $CNT --existing)
	defer srv "$KACTL" flush
	assert_eq "$(existing_of "$json" changed)" 1 "redis's connections changed"
	# Its listener matches too, and passes nothing on.
	assert_eq "$(existing_of "$json" skipped_reasons.listener)" 1 "listener"
	line=$(ss_line ka_srv '( sport = :6379 and dst 192.0.2.1 )')
	timer_within "$line" $IDLE
	assert_eq "$(stat_of port=6379,dir=in applied ka_srv)" 1 "applied"

	# The client's host vanishes: redis's kernel finds out by keepalive.
	elapsed=$(srv python3 -S "$KA_CONN" vanish 6379 192.0.2.1 --timeout 120 -- \
		ip -n ka_cli link set ka_c down) ||
		fail "redis's kernel still held the dead client after 120 s"
	keepalive_found_dead "$elapsed" "redis's connection was cut off"
	assert_eq "$(stat_of port=6379,dir=in timeouts ka_srv)" 1 "timeouts"
	# And the client finds its dead server the same way.
	wait_for 120 grep -q errno "$KA_OUT/client"
	assert_eq "$(json_get "$(grep errno "$KA_OUT/client")" errno)" ETIMEDOUT "client's error"
}

test_without_existing_open_connections_stay_untouched() {
	local json line
	start_redis
	hold client 192.0.2.2 6379
	cli "$KACTL" set port 6379 dir out idle $IDLE
	defer cli "$KACTL" flush
	srv "$KACTL" set port 6379 dir in idle $IDLE
	defer srv "$KACTL" flush
	json=$(ask client $HELD_PID)
	expect_ka "$json" client keepalive=0 idle=7200
	line=$(ss_line ka_cli '( dport = :6379 )')
	[[ $line != *"timer:(keepalive,"* ]] || fail "client got a keepalive timer: $line"
	line=$(ss_line ka_srv '( sport = :6379 and dst 192.0.2.1 )')
	[[ $line != *"timer:(keepalive,"* ]] || fail "redis got a keepalive timer: $line"
	assert_eq "$(stat_of port=6379,dir=out applied ka_cli)" 0 "applied"
}

# Three applications on one port: one set all of keepalive itself, one
# set SO_KEEPALIVE=0, one only TCP_KEEPIDLE.
hold_three() {
	background server ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 $PORT
	wait_for 300 grep -q ready "$KA_OUT/server"
	hold own 127.0.0.1 $PORT ka=1,idle=100,intvl=10,cnt=5
	OWN=$HELD_PID
	hold off 127.0.0.1 $PORT ka=0
	OFF=$HELD_PID
	hold idle 127.0.0.1 $PORT idle=100
	IDLEONLY=$HELD_PID
}

test_default_mode_respects_the_application_and_force_overwrites() {
	local json
	hold_three
	defer cli "$KACTL" flush
	json=$(cli "$KACTL" -j set port $PORT dir out idle 7 intvl 3 cnt 4 --existing)
	assert_eq "$(existing_of "$json" matched)" 3 "matched"
	assert_eq "$(existing_of "$json" changed)" 1 "changed"
	assert_eq "$(existing_of "$json" skipped)" 2 "skipped"
	assert_eq "$(existing_of "$json" skipped_reasons.application)" 1 "skipped: application"
	assert_eq "$(existing_of "$json" skipped_reasons.keepalive_off)" 1 "skipped: SO_KEEPALIVE=0"
	expect_ka "$(ask own $OWN)" client keepalive=1 idle=100 intvl=10 cnt=5
	expect_ka "$(ask off $OFF)" client keepalive=0
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=1 idle=100 intvl=3 cnt=4
	# The counters as ka_apply() counts a new socket.
	assert_eq "$(stat_of port=$PORT,dir=out applied ka_cli)" 1 "applied"
	assert_eq "$(stat_of port=$PORT,dir=out skipped ka_cli)" 2 "skipped"

	json=$(cli "$KACTL" -j set port $PORT dir out idle 7 intvl 3 cnt 4 mode force --existing)
	assert_eq "$(existing_of "$json" changed)" 3 "force: changed"
	assert_eq "$(existing_of "$json" skipped)" 0 "force: skipped"
	expect_ka "$(ask own $OWN)" client keepalive=1 idle=7 intvl=3 cnt=4
	expect_ka "$(ask off $OFF)" client keepalive=1 idle=7 intvl=3 cnt=4
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=1 idle=7 intvl=3 cnt=4
	assert_eq "$(stat_of port=$PORT,dir=out applied ka_cli)" 4 "applied after force"
	assert_eq "$(stat_of port=$PORT,dir=out skipped ka_cli)" 2 "skipped after force"
	assert_eq "$(stat_of total applied ka_cli)" 4 "total applied"

	# Again: nothing left to change.
	json=$(cli "$KACTL" -j set port $PORT dir out idle 7 intvl 3 cnt 4 mode force --existing)
	assert_eq "$(existing_of "$json" changed)" 0 "again: changed"
	assert_eq "$(existing_of "$json" skipped_reasons.unchanged)" 3 "again: unchanged"
}

test_exemption_and_add_existing() {
	local json
	hold_three
	defer cli "$KACTL" flush
	cli "$KACTL" set port $PORT off
	json=$(cli "$KACTL" -j add default idle 9 --existing)
	# Both ends of the three, and the listener (all on port PORT).
	assert_eq "$(existing_of "$json" exempt)" 7 "exempt"
	assert_eq "$(existing_of "$json" matched)" 0 "matched"
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=0 idle=100
	# add refuses an existing selector, and walks nothing then.
	expect_fail 1 cli "$KACTL" add default idle 9 --existing
}

test_load_replace_existing() {
	local out file=$KA_OUT/policies
	hold_three
	defer cli "$KACTL" flush
	echo "port $PORT dir out idle 11 mode force" >"$file"
	out=$(cli "$KACTL" load --replace --existing "$file")
	assert_eq "$out" "existing: 3 changed, 0 skipped" "kactl's line"
	expect_ka "$(ask own $OWN)" client keepalive=1 idle=11 intvl=10 cnt=5
	expect_ka "$(ask off $OFF)" client keepalive=1 idle=11
	# A plain load applies the whole set after its last line.
	echo "port $PORT dir out idle 12 mode force" >"$file"
	out=$(cli "$KACTL" load --existing "$file")
	assert_eq "$out" "existing: 3 changed, 0 skipped" "plain load"
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=1 idle=12
	# --existing is a command option, not a policy file's word.
	echo "port $PORT idle 13 --existing" >"$file"
	expect_fail 1 cli "$KACTL" load "$file"
}

# Sockets come and go, and policies change, while walks run: every
# command succeeds, and the debug kernel reports nothing (the harness
# fails the test on any KASAN, lockdep or kmemleak report).
test_walks_race_with_closing_sockets_and_policy_changes() {
	local i
	export STOP=$KA_OUT/stop
	background churn ip netns exec ka_cli python3 -S -c '
import os, socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7801)); l.listen(128)
print("churning", flush=True)
while not os.path.exists(os.environ["STOP"]):
    c = socket.create_connection(("127.0.0.1", 7801)); a, _ = l.accept()
    c.close(); a.close()'
	wait_for 300 grep -q churning "$KA_OUT/churn"
	background policies ip netns exec ka_cli bash -c '
while [ ! -e "$STOP" ]; do
	"$0" set port 7801 idle 3 >/dev/null || { echo FAIL set; exit 1; }
	"$0" set port 7801 dir in off >/dev/null || { echo FAIL off; exit 1; }
	"$0" del port 7801 >/dev/null || { echo FAIL del; exit 1; }
	"$0" del port 7801 dir in >/dev/null || { echo FAIL del in; exit 1; }
done; echo stopped' "$KACTL"
	defer touch "$STOP"
	defer cli "$KACTL" flush
	for i in $(seq 10); do
		cli "$KACTL" set default idle $((10 + i)) --existing >/dev/null ||
			fail "walk $i failed"
		cli "$KACTL" set default idle $((10 + i)) mode force --existing >/dev/null ||
			fail "force walk $i failed"
	done
	touch "$STOP"
	wait_for 300 grep -q stopped "$KA_OUT/policies"
	! grep -q FAIL "$KA_OUT/policies" || fail "policy loop: $(cat "$KA_OUT/policies")"
}

# A namespace of many connections: every client end changed, in one walk;
# the walk's time goes to the TAP output, never asserted.
# KA_EXISTING_N sets the number (tests/bench/existing.sh: 100,000); the
# debug kernel (lockdep, KASAN), many times slower at making connections,
# and make check's other kernels get 300 (scaled() in ka.sh).
test_walk_of_many_connections() {
	local n=${KA_EXISTING_N:-$(scaled 5000 300)} json
	background many ip netns exec ka_cli python3 -S "$KA_CONN" many 7802 "$n"
	wait_for 600 grep -q ready "$KA_OUT/many"
	json=$(cli "$KACTL" -j set port 7802 dir out idle 30 --existing)
	defer cli "$KACTL" flush
	assert_eq "$(existing_of "$json" changed)" "$n" "changed"
	assert_eq "$(existing_of "$json" matched)" "$n" "matched"
	echo "# $n connections ($(existing_of "$json" sockets) sockets): walk $(existing_of "$json" time_us) us"
	assert_eq "$(cli ss -Htno state established '( dport = :7802 )' |
		grep -c 'timer:(keepalive,')" "$n" "client ends with a keepalive timer in ss"
}

# netlink_open PID: PID has a generic netlink socket (kactl, about to
# ask), or is gone already.
netlink_open() {
	[ -e "/proc/$1/net/netlink" ] || return 0
	awk -v p="$1" '$2 == 16 && $3 == p { f = 1 } END { exit !f }' "/proc/$1/net/netlink"
}

# rmmod while a walk runs: genl_unregister_family() waits for the request
# (the genetlink core holds its lock for reading across the doit), so
# either the walk ends first or the request finds no module; the kernel
# reports nothing either way. rmmod is started once kactl has its netlink
# socket, which on the emulated machine is well before a walk of 5,000
# connections ends (the TAP line says which way it went).
test_rmmod_during_a_walk() {
	local rc=0 n
	n=$(scaled 5000 300)
	background many ip netns exec ka_cli python3 -S "$KA_CONN" many 7803 $n
	wait_for 600 grep -q ready "$KA_OUT/many"
	ip netns exec ka_cli "$KACTL" set port 7803 idle 30 mode force --existing \
		>"$KA_OUT/walk" 2>&1 &
	local walk=$!
	wait_for 60 netlink_open $walk
	rmmod ka_policy
	wait $walk || rc=$?
	echo "# kactl exited $rc: $(cat "$KA_OUT/walk")"
	# 1: the request came after the unload (no module, no family).
	case $rc in
	0) grep -q "^existing: $((2 * n)) changed" "$KA_OUT/walk" || fail "no result line" ;;
	1) ;;
	*) fail "kactl exited $rc" ;;
	esac
	! dmesg | grep -E 'BUG:|WARNING:|Oops' || fail "kernel splat during rmmod"
}
