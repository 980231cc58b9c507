# SPDX-License-Identifier: GPL-2.0
#
# --existing: a policy reaches the connections that were open before it.
# Between two namespaces (veth_topology in ka.sh) for the real
# application and the dead peer, on loopback in ka_cli for the rest (and
# in a namespace of its own for a large hash table):
#
#   netns ka_cli: held clients             netns ka_srv: redis-server :6379
#   192.0.2.1 (ka_c) ---------veth--------- (ka_s) 192.0.2.2
#
# A held client (ka_conn.py hold) answers SIGUSR1 with what getsockopt()
# reads on its socket now: the application's own view of the change.
source "$KA_ROOT/tests/lib/ka.sh"

KA_GENL=$KA_ROOT/tests/lib/ka_genl.py

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
	json=$(cli "$KACTL" -j set port $PORT off --existing)
	# Both ends of the three, and the listener (all on port PORT).
	assert_eq "$(existing_of "$json" exempt)" 7 "exempt"
	assert_eq "$(existing_of "$json" matched)" 0 "matched"
	# The default's walk: the exemption is those sockets' policy, not it.
	json=$(cli "$KACTL" -j add default idle 9 --existing)
	assert_eq "$(existing_of "$json" exempt)" 0 "the default's walk: exempt"
	assert_eq "$(existing_of "$json" matched)" 0 "the default's walk: matched"
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=0 idle=100
	# add refuses an existing selector, and walks nothing then.
	expect_fail 1 cli "$KACTL" add default idle 9 --existing
	assert_eq "$EXPECT_STDOUT" "" "a refused add's output"
	# load --replace --existing walks the whole set: the exemption counts.
	printf 'port %s off\ndefault idle 9\n' $PORT >"$KA_OUT/policies"
	json=$(cli "$KACTL" -j load --replace --existing "$KA_OUT/policies")
	assert_eq "$(existing_of "$json" exempt)" 7 "load --replace: exempt"
}

# A policy deleted between set and the walk: the walk's request names a
# selector that no longer has a policy, the module refuses it, and kactl
# says so with the kernel's own message, which travels in the dump's
# NLMSG_DONE (a refusal in the dump's start callback lost it on 6.1).
# The deletion is made to happen at that moment every time: a shim
# preloaded into kactl runs it in sendto(), before the walk's request
# goes out.
test_set_existing_says_why_when_its_policy_is_gone() {
	cat >"$KA_OUT/before_walk.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/ka_policy.h>

typedef ssize_t (*sendto_fn)(int, const void *, size_t, int,
			     const struct sockaddr *, socklen_t);

/* Runs $KA_BEFORE_WALK (once) before kactl's existing-apply request. */
ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	sendto_fn real = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
	const struct nlmsghdr *nlh = buf;
	const char *cmd = getenv("KA_BEFORE_WALK");
	char *run;

	if (cmd && len >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    nlh->nlmsg_type != GENL_ID_CTRL &&
	    (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
	    ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd == KA_CMD_EXISTING_APPLY) {
		run = strdup(cmd);
		unsetenv("KA_BEFORE_WALK");
		if (!run || system(run) != 0)
			abort();
		free(run);
	}
	return real(fd, buf, len, flags, to, tolen);
}
EOF
	cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -I"$KA_ROOT/module/uapi" \
		-o "$KA_OUT/before_walk.so" "$KA_OUT/before_walk.c" -ldl ||
		fail "the shim does not build"
	hold_three
	defer cli "$KACTL" flush
	expect_fail 1 cli env LD_PRELOAD="$KA_OUT/before_walk.so" \
		KA_BEFORE_WALK="$KACTL del port $PORT dir out" \
		"$KACTL" set port $PORT dir out idle 7 --existing
	assert_eq "$EXPECT_STDERR" "Error: the policies were changed, but applying them to the open connections stopped: no policy with this selector." \
		"kactl's message"
	# The shim ran: the policy is gone, and no walk changed a socket.
	assert_eq "$(cli "$KACTL" -j list)" "[]" "policies"
	expect_ka "$(ask idle $IDLEONLY)" client keepalive=0 idle=100
}

# set --existing acts on the sockets whose policy is the one it wrote,
# only: a connection that an older policy matches (and that was open
# before it, and left alone) keeps what it had, even when the new policy
# matches it too; load --replace --existing acts on the whole set.
test_set_existing_changes_only_the_sockets_of_its_policy() {
	local json older newer
	background server1 ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 $PORT
	background server2 ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 $((PORT + 1))
	wait_for 300 grep -q ready "$KA_OUT/server1"
	wait_for 300 grep -q ready "$KA_OUT/server2"
	hold older 127.0.0.1 $PORT
	older=$HELD_PID
	hold newer 127.0.0.1 $((PORT + 1))
	newer=$HELD_PID
	defer cli "$KACTL" flush
	# The older policy, set without --existing: its open socket stays as it was.
	cli "$KACTL" set port $PORT dir out idle 21
	json=$(cli "$KACTL" -j set port $((PORT + 1)) dir out idle 22 --existing)
	assert_eq "$(existing_of "$json" matched)" 1 "the newer policy's sockets"
	assert_eq "$(existing_of "$json" changed)" 1 "changed"
	expect_ka "$(ask newer $newer)" client keepalive=1 idle=22
	expect_ka "$(ask older $older)" client keepalive=0 idle=7200
	# The default matches every socket here, but is the policy of the
	# accepted ends and the listeners only.
	json=$(cli "$KACTL" -j set default idle 23 --existing)
	assert_eq "$(existing_of "$json" changed)" 2 "the default's: accepted ends"
	assert_eq "$(existing_of "$json" skipped_reasons.listener)" 2 "the default's: listeners"
	assert_eq "$(existing_of "$json" matched)" 4 "the default's: matched"
	expect_ka "$(ask older $older)" client keepalive=0 idle=7200
	expect_ka "$(ask newer $newer)" client keepalive=1 idle=22
	assert_eq "$(stat_of port=$PORT,dir=out applied ka_cli)" 0 "the older policy's applied"
	# The whole set: the older policy reaches its socket at last.
	printf 'port %s dir out idle 21\nport %s dir out idle 22\ndefault idle 23\n' \
		$PORT $((PORT + 1)) >"$KA_OUT/policies"
	json=$(cli "$KACTL" -j load --replace --existing "$KA_OUT/policies")
	assert_eq "$(existing_of "$json" changed)" 1 "load --replace: changed"
	assert_eq "$(existing_of "$json" matched)" 6 "load --replace: matched"
	expect_ka "$(ask older $older)" client keepalive=1 idle=21
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
	echo "# $n connections ($(existing_of "$json" sockets) sockets): walk $(existing_of "$json" time_us) us in $(existing_of "$json" steps) steps"
	steps_at_least "$json"
	assert_eq "$(cli ss -Htno state established '( dport = :7802 )' |
		grep -c 'timer:(keepalive,')" "$n" "client ends with a keepalive timer in ss"
}

# steps_at_least JSON: kactl -j's walk took at least one step per
# 1,024 sockets (existing.c, KA_EXISTING_STEP_SOCKETS), and one at least.
steps_at_least() {
	local sockets steps
	sockets=$(existing_of "$1" sockets)
	steps=$(existing_of "$1" steps)
	[ "$steps" -ge $(((sockets + 1023) / 1024)) ] && [ "$steps" -ge 1 ] ||
		fail "$sockets sockets walked in $steps steps"
}

# listeners NAME N: N listening sockets in ka_cli, on ephemeral ports of
# 127.0.0.1 (sockets the walk sees, cheaply made).
listeners() {
	background "$1" ip netns exec ka_cli python3 -S -c '
import resource, socket, sys, time
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
held = []
for _ in range(n):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); held.append(s)
print("ready", flush=True)
time.sleep(3600)' "$2"
	wait_for 300 grep -q ready "$KA_OUT/$1"
}

# A walk of more sockets than one step takes is several steps, which
# kactl -j counts ("steps"); the totals are the steps' sums.
test_a_long_walk_runs_in_steps() {
	local json
	listeners many 1100
	defer cli "$KACTL" flush
	json=$(cli "$KACTL" -j set default idle 30 --existing)
	assert_eq "$(existing_of "$json" skipped_reasons.listener)" 1100 "listeners"
	assert_eq "$(existing_of "$json" matched)" 1100 "matched"
	[ "$(existing_of "$json" sockets)" -ge 1100 ] || fail "sockets: $json"
	[ "$(existing_of "$json" steps)" -ge 2 ] || fail "one step: $json"
	steps_at_least "$json"
	note "$(existing_of "$json" sockets) sockets in $(existing_of "$json" steps) steps, $(existing_of "$json" time_us) us"
}

# A walk whose reader stops reading stays between two steps, holding no
# lock: other generic netlink requests go on, a generic netlink family
# can be registered (the genetlink core's writer lock), and rmmod says
# the module is in use (the dump holds a reference on it) until the
# reader closes its socket.
test_a_walk_paused_between_steps_holds_no_lock() {
	local wg=
	listeners many 1100
	cli "$KACTL" set default idle 30
	export STOP=$KA_OUT/stop
	defer touch "$STOP"
	# The request's sendmsg() runs the dump's first part (the walk has
	# begun, no step yet); nothing reads the rest.
	background paused ip netns exec ka_cli python3 -S -c '
import os, socket, struct, sys, time
sys.path.insert(0, os.path.join(sys.argv[1], "tests/lib"))
from ka_genl import enum, family_id
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.bind((0, 0))
cmd = enum("ka_cmd")["KA_CMD_EXISTING_APPLY"]
body = struct.pack("BBH", cmd, 1, 0)
s.send(struct.pack("IHHII", 16 + len(body), family_id(s), 0x301, 3, 0) + body)
print("paused", flush=True)
while not os.path.exists(os.environ["STOP"]):
    time.sleep(0.05)
s.close()
print("closed", flush=True)' "$KA_ROOT"
	wait_for 300 grep -q paused "$KA_OUT/paused"
	cli "$KACTL" list >/dev/null || fail "kactl list during a paused walk"
	cli "$KACTL" set port 7805 idle 5 || fail "kactl set during a paused walk"
	if modinfo wireguard >/dev/null 2>&1 && ! lsmod | grep -q '^wireguard '; then
		timeout 120 modprobe wireguard ||
			fail "a generic netlink family's registration during a paused walk"
		wg=wireguard
		rmmod wireguard || fail "wireguard's unregistration during a paused walk"
	fi
	expect_fail 1 rmmod ka_policy
	assert_match "$EXPECT_STDERR" "in use" "rmmod during a walk"
	touch "$STOP"
	wait_for 300 grep -q closed "$KA_OUT/paused"
	wait_for 60 rmmod ka_policy
	note "a family registered during the walk: ${wg:-none, no wireguard module here}"
}

# netlink_open PID: PID has a generic netlink socket (kactl, about to
# ask), or is gone already.
netlink_open() {
	[ -e "/proc/$1/net/netlink" ] || return 0
	awk -v p="$1" '$2 == 16 && $3 == p { f = 1 } END { exit !f }' "/proc/$1/net/netlink"
}

# rmmod while a walk may run. The walk is a dump, which holds a
# reference on the module from its start to its end: rmmod during it
# fails ("in use"), and succeeds once kactl has exited. rmmod before the
# walk (during or right after the set) unloads the module, and kactl's
# walk request then finds no family (exit 1). rmmod is started once kactl
# has its netlink socket, which on the emulated machine is well before a
# walk of 5,000 connections ends; the TAP line says which way it went.
test_rmmod_during_a_walk() {
	local rc=0 rmmod_rc=0 n
	n=$(scaled 5000 300)
	background many ip netns exec ka_cli python3 -S "$KA_CONN" many 7803 $n
	wait_for 600 grep -q ready "$KA_OUT/many"
	ip netns exec ka_cli "$KACTL" set port 7803 idle 30 mode force --existing \
		>"$KA_OUT/walk" 2>&1 &
	local walk=$!
	wait_for 60 netlink_open $walk
	rmmod ka_policy 2>"$KA_OUT/rmmod" || rmmod_rc=$?
	wait $walk || rc=$?
	echo "# rmmod exited $rmmod_rc: $(cat "$KA_OUT/rmmod"); kactl exited $rc: $(cat "$KA_OUT/walk")"
	case $rc in
	0) grep -q "^existing: $((2 * n)) changed" "$KA_OUT/walk" || fail "no result line" ;;
	1) [ $rmmod_rc = 0 ] || fail "kactl failed, yet the module stayed" ;;
	*) fail "kactl exited $rc" ;;
	esac
	if [ $rmmod_rc != 0 ]; then
		grep -q "in use" "$KA_OUT/rmmod" || fail "rmmod: $(cat "$KA_OUT/rmmod")"
		# The dump's reference goes when kactl's socket is released.
		wait_for 60 rmmod ka_policy
	fi
	! ka_loaded || fail "the module is still loaded"
	! dmesg | grep -E 'BUG:|WARNING:|Oops' || fail "kernel splat during rmmod"
}

# The dump's first part runs in the request's sendmsg(), under the
# genetlink core's lock: it takes no step and touches no socket, and is
# one message with no attribute. A raw walk, looked at right after its
# request was sent (ka_genl.py dump --after 0): the connection the policy
# matches is as it was (ss shows no keepalive timer); once the walk is
# read to its end, it has the policy, and every later message is a
# step's result.
test_the_first_part_touches_no_socket() {
	local json result
	result=$(ka_enum ka_attr KA_A_EXISTING_RESULT)
	background server ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 7808
	wait_for 300 grep -q ready "$KA_OUT/server"
	hold c 127.0.0.1 7808
	defer cli "$KACTL" flush
	cli "$KACTL" set port 7808 dir out idle 30
	json=$(ip netns exec ka_cli python3 -S "$KA_GENL" dump existing_apply \
		--after 0 "ss -Htno state established '( dport = :7808 )'")
	assert_match "$(jq -r .after.output <<<"$json")" "127\.0\.0\.1:7808" "ss after the request"
	[[ $(jq -r .after.output <<<"$json") != *"timer:(keepalive,"* ]] ||
		fail "the first part changed the socket: $(jq -r .after.output <<<"$json")"
	assert_eq "$(jq -c '.messages[0].attrs' <<<"$json")" "[]" "the first message"
	assert_eq "$(jq -c "[.messages[1:][] | select(.attrs != [$result])] | length" <<<"$json")" 0 \
		"later messages without a result"
	[ "$(jq '.messages | length' <<<"$json")" -ge 2 ] || fail "no step: $json"
	assert_match "$(ss_line ka_cli '( dport = :7808 )')" "timer:\(keepalive," "ss after the walk"
	expect_ka "$(ask c $HELD_PID)" client keepalive=1 idle=30
}

# A namespace of its own whose table has 4,194,304 buckets
# (tcp_child_ehash_entries, 6.1 and later) and three sockets. The walk
# hands out nothing after 4,096 buckets without a socket, and a step reads
# its clock then too: it ends after about 5 ms having seen no socket,
# and the walk goes on in the next. So there are more steps than batches
# with a socket (three at most, each of which could end a step before).
test_a_large_table_nearly_empty_is_walked_in_steps() {
	local json
	netns_add_large ka_big
	background big ip netns exec ka_big python3 -S "$KA_CONN" hold-pairs 7809 one
	wait_for 300 grep -q '^{' "$KA_OUT/big"
	json=$(ip netns exec ka_big "$KACTL" -j set default idle 30 --existing)
	assert_eq "$(existing_of "$json" sockets)" 3 "sockets"
	assert_eq "$(existing_of "$json" changed)" 2 "changed"
	assert_eq "$(existing_of "$json" skipped_reasons.listener)" 1 "listeners"
	# Steps end by time: as for the sockets dump (sockets.sh), a machine
	# that walks the table in under 50 ms may not need the extra steps.
	if [ "$(existing_of "$json" time_us)" -ge 50000 ]; then
		[ "$(existing_of "$json" steps)" -ge 5 ] ||
			fail "no step ended without a socket: $json"
	else
		note "the walk took $(existing_of "$json" time_us) us: too fast to need steps without a socket"
	fi
	note "4,194,304 buckets, 3 sockets: $(existing_of "$json" steps) steps, $(existing_of "$json" time_us) us"
}

# A half-closed connection (the application shut its side down and still
# reads: FIN_WAIT2) can still be kept alive, and gets the policy.
test_half_closed_connection_gets_keepalive() {
	background server ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 7806
	wait_for 300 grep -q ready "$KA_OUT/server"
	background half ip netns exec ka_cli python3 -S -c '
import signal, socket
s = socket.create_connection(("127.0.0.1", 7806))
s.shutdown(socket.SHUT_WR)
print("half", flush=True)
signal.pause()'
	wait_for 300 grep -q half "$KA_OUT/half"
	wait_for 60 eval 'cli ss -Htn state fin-wait-2 "( dport = :7806 )" | grep -q .'
	local json
	json=$(cli "$KACTL" -j set port 7806 dir out idle 30 --existing)
	assert_eq "$(existing_of "$json" changed)" 1 "changed"
	assert_match "$(cli ss -Htno state fin-wait-2 '( dport = :7806 )')" \
		"timer:\(keepalive," "the half-closed socket's timer in ss"
}

# The application turned keepalive off after the policy had turned it on:
# a walk takes back what ka_policy still held (its idle time) and counts
# the socket as skipped for that SO_KEEPALIVE=0, as ka_apply() would, not
# as changed or applied.
test_keepalive_off_since_the_policy_is_skipped_not_applied() {
	local json
	defer cli "$KACTL" flush
	cli "$KACTL" set port $PORT dir out idle 100
	background server ip netns exec ka_cli python3 -S "$KA_CONN" serve 127.0.0.1 $PORT
	wait_for 300 grep -q ready "$KA_OUT/server"
	hold c 127.0.0.1 $PORT
	expect_ka "$(ask c $HELD_PID)" client keepalive=1 idle=100
	# SIGUSR2: SO_KEEPALIVE=0, then the settings (answer 2).
	kill -USR2 $HELD_PID
	wait_for 300 answers c 2
	expect_ka "$(grep '"n": 2,' "$KA_OUT/c")" client keepalive=0 idle=100
	json=$(cli "$KACTL" -j set port $PORT dir out idle 100 --existing)
	assert_eq "$(existing_of "$json" changed)" 0 "changed"
	assert_eq "$(existing_of "$json" skipped_reasons.keepalive_off)" 1 "skipped: SO_KEEPALIVE=0"
	expect_ka "$(ask c $HELD_PID)" client keepalive=0 idle=7200
	assert_eq "$(stat_of port=$PORT,dir=out applied ka_cli)" 1 "applied: the connect only"
}
