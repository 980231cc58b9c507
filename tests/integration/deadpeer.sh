# SPDX-License-Identifier: GPL-2.0
#
# What keepalive is for: a peer that vanishes is detected, and counted.
#
#   netns ka_cli                         netns ka_srv
#   client 192.0.2.1 (ka_c) ---veth--- (ka_s) 192.0.2.2 server
#
# The peer "vanishes" when ka_s is set down: nothing answers any more and
# nothing says so, like a crashed host or a NAT that forgot the flow.
source "$KA_ROOT/tests/lib/ka.sh"

readonly PORT=7500

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
	veth_topology
}

winprobes_at_least() {	# netns count
	[ "$(tcpext "$1" TCPWinProbe)" -ge "$2" ]
}

ka_cli_stat() {	# selector column
	stat_of "$1" "$2" ka_cli
}

# probes_match_kernel SELECTOR MIN: the client namespace's total of probes
# sent (and SELECTOR's, unless empty) equals the kernel's TcpExt
# TCPKeepAlive there (the client is its only socket with keepalive), but
# for probes the kprobe core did not hand over (expect_counted), and is
# at least MIN (cnt probes went unanswered).
probes_match_kernel() {
	local kernel
	kernel=$(tcpext ka_cli TCPKeepAlive)
	[ "$kernel" -ge "$2" ] || fail "the kernel counted $kernel keepalive probes, fewer than $2"
	expect_counted "total probes_sent against TcpExt TCPKeepAlive" \
		"$(ka_cli_stat total probes_sent)" "$kernel" tcp_write_wakeup
	[ -z "$1" ] ||
		expect_counted "$1 probes_sent against TcpExt TCPKeepAlive" \
			"$(ka_cli_stat "$1" probes_sent)" "$kernel" tcp_write_wakeup
}

test_dead_peer_gets_etimedout_in_time_and_is_counted() {
	local idle=1 intvl=1 cnt=2 result elapsed
	ip netns exec ka_cli "$KACTL" set --port $PORT --dir out \
		--idle $idle --intvl $intvl --cnt $cnt
	background server ip netns exec ka_srv python3 -S "$KA_CONN" serve 192.0.2.2 $PORT
	wait_for 300 grep -q ready "$KA_OUT/server"
	background client ip netns exec ka_cli python3 -S "$KA_CONN" wait-dead 192.0.2.2 $PORT
	wait_for 300 grep -q connected "$KA_OUT/client"

	ip -n ka_srv link set ka_s down
	wait_for 120 grep -q errno "$KA_OUT/client"
	result=$(grep errno "$KA_OUT/client")
	assert_eq "$(json_get "$result" errno)" ETIMEDOUT "client's error"
	elapsed=$(json_get "$result" elapsed)
	keepalive_found_dead "$elapsed" "dead peer detected"

	# At least cnt probes went unanswered; on a slow kernel an answered
	# one may have gone out before the link went down. The kernel's own
	# count of keepalive probes in the namespace is the exact figure.
	probes_match_kernel port=$PORT,dir=out $cnt
	assert_eq "$(ka_cli_stat port=$PORT,dir=out timeouts)" 1 "policy timeouts"
	assert_eq "$(ka_cli_stat total timeouts)" 1 "total timeouts"
	[ "$(stat_of total timeouts)" = 0 ] || fail "counted in the initial namespace too"
}

test_unmanaged_keepalive_socket_counts_in_totals_only() {
	local result
	background server ip netns exec ka_srv python3 -S "$KA_CONN" serve 192.0.2.2 $PORT
	wait_for 300 grep -q ready "$KA_OUT/server"
	background client ip netns exec ka_cli python3 -S "$KA_CONN" wait-dead \
		192.0.2.2 $PORT --client ka=1,idle=1,intvl=1,cnt=1
	wait_for 300 grep -q connected "$KA_OUT/client"
	ip -n ka_srv link set ka_s down
	wait_for 120 grep -q errno "$KA_OUT/client"
	result=$(grep errno "$KA_OUT/client")
	assert_eq "$(json_get "$result" errno)" ETIMEDOUT "client's error"
	probes_match_kernel "" 1
	assert_eq "$(ka_cli_stat total timeouts)" 1 "total timeouts"
}

test_zero_window_stall_is_not_a_keepalive_event() {
	ip netns exec ka_cli "$KACTL" set --port $PORT --idle 1 --intvl 1 --cnt 2
	background server ip netns exec ka_srv python3 -S "$KA_CONN" serve 192.0.2.2 $PORT --no-read
	wait_for 300 grep -q ready "$KA_OUT/server"
	background client ip netns exec ka_cli python3 -S "$KA_CONN" stall 192.0.2.2 $PORT 60
	# Zero-window probes go out through the same kernel function as
	# keepalive probes; wait until the kernel sent a few.
	wait_for 300 winprobes_at_least ka_cli 3
	assert_eq "$(ka_cli_stat port=$PORT probes_sent)" 0 "policy probes_sent"
	assert_eq "$(ka_cli_stat total probes_sent)" 0 "total probes_sent"
	assert_eq "$(ka_cli_stat total timeouts)" 0 "total timeouts"
}

test_rmmod_during_connect_loop() {
	"$KACTL" set --port 7600 --idle 5
	background loop python3 -S -c '
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7600)); l.listen(128)
print("looping", flush=True)
end = time.monotonic() + 4
n = 0
while time.monotonic() < end:
    c = socket.create_connection(("127.0.0.1", 7600)); a, _ = l.accept()
    c.close(); a.close(); n += 1
print("done", n, flush=True)'
	wait_for 300 grep -q looping "$KA_OUT/loop"
	rmmod ka_policy
	insmod "$KA_MODULE"
	"$KACTL" set --port 7600 --idle 5
	rmmod ka_policy
	wait_for 300 grep -q done "$KA_OUT/loop"
	! dmesg | grep -E 'BUG:|WARNING:|Oops' || fail "kernel splat during rmmod"
}
