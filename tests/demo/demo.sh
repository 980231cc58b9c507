#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the test VM (tests/vm/ka-vm) with ka_policy loaded
# and tells the story command by command: a Redis server that never asks
# for keepalive gets it from a policy, and a client that vanishes is found
# dead and dropped in seconds instead of hours.
#
#   netns demo_cli                          netns demo_srv
#   clients 192.0.2.1 (cli0) ---veth--- (srv0) 192.0.2.2 redis-server :6379
set -eu
KACTL=$KA_ROOT/userspace/kactl
KA_CONN=$KA_ROOT/tests/lib/ka_conn.py
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
echo "(the first connection keeps what it had: policies apply as sockets are created)"

step "The clients' host vanishes (its link goes down, nothing says goodbye):"
echo "redis holds $(client_conns) connections from 192.0.2.1"
run ip -n demo_cli link set cli0 down
start=$SECONDS
echo "keepalive gives up after idle + intvl * cnt = $IDLE + $INTVL * $CNT = $((IDLE + INTVL * CNT))s ..."
wait_until 30 client_conns_at_most 1
echo "after $((SECONDS - start))s the kernel has reset the dead connection; redis holds $(client_conns):"
run srv ss -tno state established '( sport = :6379 )'
echo "(the one left was made before the policy: without keepalive it stays for hours)"

step "And ka_stats counted it: probes sent, dead peer detected:"
run srv cat /proc/net/ka_stats
run srv "$KACTL" stats

step "Policies live per network namespace: the initial one has none:"
run "$KACTL" list
echo
echo "Demo done."
