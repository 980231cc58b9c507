#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the test VM (tests/vm/ka-vm) with ka_policy loaded
# and tells the story command by command: a Redis server that never asks
# for keepalive gets it from a policy, kactl sockets shows which
# connections have it and from whom, --existing gives it to a connection
# that was open before the policy, and when the clients vanish both are
# found dead in seconds instead of hours, each one reported as it happens
# by kactl monitor.
#
#   netns demo_cli                          netns demo_srv
#   clients 192.0.2.1 (cli0) ---veth--- (srv0) 192.0.2.2 redis-server :6379
set -eu
KACTL=$KA_ROOT/userspace/kactl
KA_CONN=$KA_ROOT/tests/lib/ka_conn.py
source "$KA_ROOT/tests/lib/genl_groups.sh"
IDLE=5 INTVL=2 CNT=3

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

run() {
	printf '$ %s\n' "$*"
	"$@"
}

srv() {
	ip netns exec demo_srv "$@"
}

cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	ip netns del demo_cli 2>/dev/null || true
	ip netns del demo_srv 2>/dev/null || true
}
trap cleanup EXIT

# Connections from the clients' namespace that redis holds (ss opens none).
client_conns() {
	srv ss -Htn state established '( sport = :6379 and dst 192.0.2.1 )' | wc -l
}

client_conns_at_most() {
	[ "$(client_conns)" -le "$1" ]
}

# wait_until SECONDS CMD...: poll, no fixed sleeps.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || { echo "timed out: $*"; exit 1; }
		sleep 0.2
	done
}

step "Debian's kernel $(uname -r) in a VM, ka_policy loaded:"
run "$KACTL" version

modprobe veth
ip netns add demo_cli
ip netns add demo_srv
ip link add cli0 netns demo_cli type veth peer name srv0 netns demo_srv
ip -n demo_cli addr add 192.0.2.1/24 dev cli0
ip -n demo_srv addr add 192.0.2.2/24 dev srv0
for ns in demo_cli demo_srv; do ip -n $ns link set lo up; done
ip -n demo_cli link set cli0 up
ip -n demo_srv link set srv0 up

step "redis-server on port 6379 with its own keepalive turned off (tcp-keepalive 0):"
srv redis-server --port 6379 --bind 0.0.0.0 --protected-mode no \
	--tcp-keepalive 0 --save '' --appendonly no --dir /tmp \
	--logfile /tmp/redis.log &
wait_until 20 srv redis-cli -h 127.0.0.1 ping >/dev/null 2>&1
run srv redis-cli -h 127.0.0.1 config get tcp-keepalive

step "A client connects from the other namespace. Without a policy, no keepalive:"
ip netns exec demo_cli python3 "$KA_CONN" wait-dead 192.0.2.2 6379 >/tmp/client1 &
wait_until 10 grep -q connected /tmp/client1
run srv ss -tno state established '( sport = :6379 )'

step "One command gives every connection to port 6379 a ${IDLE}s keepalive:"
run srv "$KACTL" set --port 6379 --idle $IDLE --intvl $INTVL --cnt $CNT
run srv "$KACTL" list

step "The next connection has it: see the keepalive timer in ss -o"
ip netns exec demo_cli python3 "$KA_CONN" wait-dead 192.0.2.2 6379 >/tmp/client2 &
wait_until 10 grep -q connected /tmp/client2
run srv ss -tno state established '( sport = :6379 )'

step "kactl sockets: which connections have keepalive, and who decided:"
run srv "$KACTL" sockets --port 6379 --dir in
echo "(the first connection was made before the policy: nobody gave it keepalive)"

step "--existing gives the policy to the connections already open:"
run srv "$KACTL" set --port 6379 --idle $IDLE --intvl $INTVL --cnt $CNT --existing
run srv ss -tno state established '( sport = :6379 )'

step "kactl monitor reports each dead peer as keepalive finds it:"
# Listening once its socket has joined the events group (not "once it
# waits in recv()": it does in its look-ups too). -n, not ip netns exec,
# whose private /sys hides the cgroup tree kactl names paths from.
"$KACTL" -n demo_srv monitor > >(tee /tmp/monitor) &
monitor_pid=$!
events_group=$(genl_group_id ka_policy events)
monitor_listens() {
	genl_joined "$monitor_pid" $((1 << (events_group - 1)))
}
monitor_lines_at_least() {
	[ "$(grep -c timeout /tmp/monitor)" -ge "$1" ]
}
wait_until 20 monitor_listens
echo "$ kactl -n demo_srv monitor &"

step "The clients' host vanishes (its link goes down, nothing says goodbye):"
echo "redis holds $(client_conns) connections from 192.0.2.1"
run ip -n demo_cli link set cli0 down
start=$SECONDS
echo "keepalive gives up after idle + intvl * cnt = $IDLE + $INTVL * $CNT = $((IDLE + INTVL * CNT))s ..."
wait_until 60 client_conns_at_most 0
wait_until 20 monitor_lines_at_least 2
echo "after $((SECONDS - start))s the kernel has reset both dead connections; redis holds $(client_conns):"
run srv ss -tno state established '( sport = :6379 )'
kill "$monitor_pid"

step "And ka_stats counted it: probes sent, dead peer detected:"
run srv cat /proc/net/ka_stats
run srv "$KACTL" stats

step "Policies live per network namespace: the initial one has none:"
run "$KACTL" list
echo
echo "Demo done."
