# SPDX-License-Identifier: GPL-2.0
#
# Unmodified programs from Debian's packages, driven through the module:
# redis-server (accepted connections) with its own keepalive turned off,
# redis-benchmark against it while policies change, and socat connecting
# out. Between two namespaces (veth_topology in ka.sh):
#
#   netns ka_cli: clients, socat           netns ka_srv: redis-server :6379
#   192.0.2.1 (ka_c) ---------veth--------- (ka_s) 192.0.2.2
source "$KA_ROOT/tests/lib/ka.sh"

# The policy's keepalive: a dead peer is found in seconds.
readonly IDLE=2 INTVL=1 CNT=2

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
	veth_topology
}

# redis_info FIELD: a number from redis's INFO, as the application sees it.
redis_info() {
	srv redis-cli -h 127.0.0.1 info | tr -d '\r' | sed -n "s/^$1://p"
}

# Connections redis holds from the client namespace, in the kernel.
redis_clients() {
	srv ss -Htn state established '( sport = :6379 and dst 192.0.2.1 )' | wc -l
}

no_redis_clients() {
	[ "$(redis_clients)" = 0 ]
}

# redis_sees N: redis counts N clients (the INFO connection included).
redis_sees() {
	[ "$(redis_info connected_clients)" = "$1" ]
}

socat_connected() {
	[ "$(cli ss -Htn state established '( dport = :7700 )' | wc -l)" = 1 ]
}

now() {
	date +%s.%N
}

# since START: seconds passed since START (taken first: python's start-up
# on a debug kernel is not the program's delay).
since() {
	local end
	end=$(now)
	python3 -S -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$end"
}

test_redis_gets_keepalive_and_drops_a_vanished_client() {
	local elapsed line probes
	start_redis
	srv "$KACTL" set --port 6379 --dir in --idle $IDLE --intvl $INTVL --cnt $CNT
	background client ip netns exec ka_cli python3 -S "$KA_CONN" wait-dead 192.0.2.2 6379
	wait_for 300 grep -q connected "$KA_OUT/client"

	# redis never asked for keepalive; its socket has the timer now.
	line=$(srv ss -Htno state established '( sport = :6379 and dst 192.0.2.1 )')
	assert_match "$line" "timer:\(keepalive," "redis's socket in ss -o"
	# (redis-cli below connects to 6379 too: count before it does.)
	assert_eq "$(stat_of port=6379,dir=in applied ka_srv)" 1 "applied"
	wait_for 300 redis_sees 2

	# The client's host vanishes: redis must find out by itself.
	elapsed=$(srv python3 -S "$KA_CONN" vanish 6379 192.0.2.1 --timeout 120 -- \
		ip -n ka_cli link set ka_c down) ||
		fail "redis's kernel still held the dead client after 120 s"
	keepalive_found_dead "$elapsed" "redis's connection was cut off"
	wait_for 300 no_redis_clients
	wait_for 300 redis_sees 1
	# CNT unanswered probes, after as many answered ones as the kernel sent
	# before the link went down (a slow debug kernel takes longer than IDLE
	# to get there): ka_stats counts what the kernel counted.
	probes=$(stat_of port=6379,dir=in probes_sent ka_srv)
	[ "$probes" -ge $CNT ] || fail "probes_sent $probes, fewer than $CNT"
	expect_counted "probes_sent against the kernel's TCPKeepAlive" "$probes" \
		"$(tcpext ka_srv TCPKeepAlive)" tcp_write_wakeup
	assert_eq "$(stat_of port=6379,dir=in timeouts ka_srv)" 1 "timeouts"
}

# Two sets that both give redis's port a policy: while they replace each
# other, and a range policy comes and goes, every connection redis
# accepts must still get one.
churn() {
	local a b
	a=$(mktemp) b=$(mktemp)
	printf -- '--port 6379 --dir in --idle 30\n' >"$a"
	printf -- '--port 6379 --dir in --idle 40 --cnt 4\n--default --idle 600\n' >"$b"
	while :; do
		srv "$KACTL" load --replace "$a"
		srv "$KACTL" set --port 6000-6999 --dir in --idle 50
		srv "$KACTL" load --replace "$b"
		srv "$KACTL" del --port 6000-6999 --dir in 2>/dev/null || true
		echo round
	done
}

test_redis_benchmark_while_policies_change() {
	local conns applied out rounds runs
	start_redis
	srv "$KACTL" set --port 6379 --dir in --idle 30
	conns=$(redis_info total_connections_received)
	applied=$(stat_of total applied ka_srv)
	background churn churn
	wait_for 300 grep -q round "$KA_OUT/churn"

	# Benchmark rounds until the policies changed twice while they ran:
	# how many changes fit in one round is the machine's business.
	rounds=$(grep -c round "$KA_OUT/churn")
	for ((runs = 1; ; runs++)); do
		out=$(cli redis-benchmark -h 192.0.2.2 -p 6379 -c 10 -n 500 -t ping,set,get -q 2>&1 | tr '\r' '\n')
		for t in PING_INLINE PING_MBULK SET GET; do
			assert_match "$out" "$t: [0-9.]+ requests per second" "redis-benchmark $t"
		done
		[ "$(grep -c round "$KA_OUT/churn")" -lt $((rounds + 2)) ] || break
		[ "$runs" -lt 50 ] || fail "the policies did not change during 50 benchmark rounds"
	done

	# Every connection redis accepted (the benchmark's, and the
	# redis-cli ones here) was given keepalive: none slipped through.
	conns=$(( $(redis_info total_connections_received) - conns ))
	applied=$(( $(stat_of total applied ka_srv) - applied ))
	# The INFO connection itself is accepted before redis counts it; an
	# accept the kprobe core did not hand over is no policy's fault.
	[ "$applied" -le $((conns + 1)) ] ||
		fail "redis accepted $conns connections, ka_policy applied $applied"
	[ "$applied" -ge "$conns" ] ||
		expect_counted "connections redis accepted that ka_policy applied to" \
			"$applied" "$conns" security_inet_csk_clone
	[ "$conns" -ge 40 ] || fail "only $conns connections: the benchmark did not run"
	redis_up
}

test_socat_connecting_out_gets_keepalive_and_times_out() {
	local start line
	background server ip netns exec ka_srv python3 -S "$KA_CONN" serve 192.0.2.2 7700
	wait_for 300 grep -q ready "$KA_OUT/server"
	cli "$KACTL" set --port 7700 --dir out --idle $IDLE --intvl $INTVL --cnt $CNT
	# socat with no socket options: it never asks for keepalive.
	background socat ip netns exec ka_cli socat -d TCP:192.0.2.2:7700 SYSTEM:"sleep 600"
	wait_for 300 socat_connected
	line=$(cli ss -Htno state established '( dport = :7700 )')
	assert_match "$line" "timer:\(keepalive," "socat's socket in ss -o"

	start=$(now)
	ip -n ka_srv link set ka_s down
	wait_for 120 grep -q "Connection timed out" "$KA_OUT/socat"
	keepalive_found_dead "$(since "$start")" "socat saw the dead peer"
	assert_eq "$(stat_of port=7700,dir=out applied ka_cli)" 1 "applied"
	assert_eq "$(stat_of port=7700,dir=out timeouts ka_cli)" 1 "timeouts"
}
