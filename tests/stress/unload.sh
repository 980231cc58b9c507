# SPDX-License-Identifier: GPL-2.0
#
# Figure 3 of issue 16: the module unloaded and loaded again, over and
# over, while everything it touches moves: connections made and
# accepted (tests/stress/churnconn.c, loopback, in ka_cli), policies
# changed (kactl in a loop), keepalive timers firing and dead peers being
# found (tests/stress/deadpeers.py, over the veth pair, whose server end
# goes down each round). Sockets made while the module was loaded outlive
# it: the kernel runs their timers and closes them with no module there.
# The harness fails the run on any kernel report, and on any kmemleak
# suspect once the last unload is done (tests/vm/init); a module whose
# kmem_cache still held objects at rmmod would say so as a report.
source "$KA_ROOT/tests/lib/stress.sh"

readonly UNLOAD_DEAD_PORT=7500

# unload_policies: what each load of the module starts with, in ka_cli:
# a force policy for the dead peers' port (short timers whatever the
# application set), a policy for the loopback connections' ports.
unload_policies() {
	cli "$KACTL" set --port $UNLOAD_DEAD_PORT --mode force --idle 2 --intvl 1 --cnt 2
	cli "$KACTL" set --port 7001-7002 --idle 30
}

active_opens() {
	ip netns exec ka_cli awk '/^Tcp:/ && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
		/^Tcp:/ { print $n["ActiveOpens"] }' /proc/net/snmp
}

opens_since() {	# count: the namespace made COUNT connections more
	[ "$(active_opens)" -ge "$1" ]
}

applied_here() {
	[ "$(cli "$KACTL" -j stats | jq '.[0].applied')" -gt 0 ]
}

dead_peers_done() {	# deadpeers.py printed its summary
	tail -n 1 "$KA_OUT/dead.out" | grep -q '^{'
}

test_rmmod_insmod_under_load() {
	local cycles i conn conn_pid dead_pid changer_pid summary mark deadline step last_step=
	cycles=$(stress_n 50 1)
	veth_topology
	conn=$(stress_tool churnconn)
	unload_policies
	background server ip netns exec ka_srv python3 -S "$KA_CONN" serve 192.0.2.2 $UNLOAD_DEAD_PORT
	wait_for 300 grep -q ready "$KA_OUT/server"
	stress_row 3 "rmmod/insmod cycles during connections, policy changes, keepalive probes and dead peers found (ETIMEDOUT)" "$cycles"
	# Not through cli(): $! must be the program's pid (ip netns exec
	# execs), for the kill that ends it; the shell cli() runs in would
	# die alone, and churnconn go on.
	ip netns exec ka_cli "$conn" 127.0.0.1 1000000000 /dev/null 7001 7002 \
		>"$KA_OUT/conns.out" 2>&1 &
	conn_pid=$!
	defer "kill $conn_pid"
	ip netns exec ka_cli python3 -S "$KA_ROOT/tests/stress/deadpeers.py" 192.0.2.2 \
		$UNLOAD_DEAD_PORT ka_s ka_srv 20 "$KA_OUT/stop" >"$KA_OUT/dead.out" 2>&1 &
	dead_pid=$!
	defer "kill $dead_pid"
	# Policies change all along; with the module away kactl fails, as it
	# should.
	(while [ ! -e "$KA_OUT/stop" ]; do
		cli "$KACTL" set --port 7002 --idle $((RANDOM % 100 + 1)) || true
		cli "$KACTL" del --port 7002 || true
	done) >/dev/null 2>&1 &
	changer_pid=$!
	defer "kill $changer_pid"
	for ((i = 1; i <= cycles; i++)); do
		# A dump in flight holds the module for its length: rmmod waits.
		stress_phase "unload: cycle $i of $cycles: rmmod"
		wait_for 300 rmmod ka_policy
		# The load goes on without the module: connections made, sockets
		# it had set up still probing.
		mark=$(( $(active_opens) + 20 ))
		stress_phase "unload: cycle $i of $cycles: 20 connections without the module"
		wait_for 300 opens_since "$mark"
		insmod "$KA_MODULE" || fail "insmod failed after $i cycles"
		unload_policies
		# This load of the module sees the connections.
		stress_phase "unload: cycle $i of $cycles: a connection applied after insmod"
		wait_for 300 applied_here
		kill -0 "$conn_pid" 2>/dev/null || fail "the connection maker died: $(cat "$KA_OUT/conns.out")"
		kill -0 "$dead_pid" 2>/dev/null || fail "the dead peers failed: $(tail -n 20 "$KA_OUT/dead.out")"
	done
	touch "$KA_OUT/stop"
	stress_phase "unload: the dead peers' last round"
	# Its steps are bounded (deadpeers.py); this bound says where it was.
	deadline=$((SECONDS + 1500))
	until dead_peers_done; do
		# Ended without its summary (a traceback): the wait below says.
		kill -0 "$dead_pid" 2>/dev/null || break
		# Each step it takes shows ka-vm's stall watchdog progress.
		step=$(tail -n 1 "$KA_OUT/dead.out")
		[ "$step" = "$last_step" ] || stress_phase "unload: the dead peers' last round: $step"
		last_step=$step
		[ $SECONDS -lt $deadline ] ||
			fail "the dead peers' last round did not end; its last steps: $(tail -n 5 "$KA_OUT/dead.out")"
		sleep 1
	done
	wait "$dead_pid" || fail "the dead peers failed: $(tail -n 80 "$KA_OUT/dead.out")"
	summary=$(tail -n 1 "$KA_OUT/dead.out")
	note "unload: dead peers $summary"
	kill "$conn_pid" "$changer_pid"
	STRESS_WHAT="rmmod/insmod cycles during connections, policy changes, keepalive probes and $(jq .died <<<"$summary") dead peers found (ETIMEDOUT)"
	STRESS_FAILURES=$(jq .failures <<<"$summary")
	[ "$(jq .died <<<"$summary")" -gt 0 ] || fail "no dead peer was found: $summary"
	# The last load works: a policy applies and is counted, ka_stats reads.
	cli "$KACTL" set --port 7600 --idle 77
	expect_ka "$(cli python3 -S "$KA_CONN" pair 7600)" client keepalive=1 idle=77
	grep -q 7600 <(cli cat /proc/net/ka_stats) || fail "ka_stats does not show the policy"
}
