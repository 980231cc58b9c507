# SPDX-License-Identifier: GPL-2.0
#
# Sockets ka_policy leaves alone, and what it cannot know ("What
# ka_policy cannot do" in Documentation/ka_policy.rst): kernel sockets
# (never touched, never counted), MPTCP (not managed, counted as
# skipped), and an SO_KEEPALIVE=0 made before the module was loaded.
source "$KA_ROOT/tests/lib/ka.sh"

# A fresh module for each test: counters start at zero.
before_each() {
	ka_unload
	ka_load
}

# Kernel sockets as sunrpc, SMC and RDS-TCP make them (tests/kmod/
# ka_ksock.c: sock_create_kern(), a reference on the namespace, a kernel
# listener, kernel_connect() and kernel_accept()), on a port with a force
# policy: they keep the kernel's settings, and nothing counts them.
test_kernel_sockets_keep_their_settings_under_a_force_policy() {
	local ko state lines
	ko=$(ka_test_module ka_ksock)
	kactl_set --port 7400-7401 --mode force --idle 5 --intvl 2 --cnt 2 --user-timeout 1000
	insmod "$ko" port=7400
	defer rmmod ka_ksock
	state=$(cat /sys/module/ka_ksock/parameters/state)
	echo "$state"
	assert_match "$state" "client lport=[0-9]+ rport=7400 keepalive=1 idle=100 intvl=20 cnt=3 user_timeout=12000" \
		"the kernel client's own settings"
	assert_match "$state" "server lport=7400 rport=[0-9]+ keepalive=0 idle=0 intvl=0 cnt=0 user_timeout=0" \
		"the accepted kernel socket's settings"
	lines=$(ss -tnoH state established '( sport = :7400 )')
	[ -n "$lines" ] || fail "ss shows no accepted kernel socket"
	[[ $lines != *"timer:(keepalive"* ]] || fail "a keepalive timer on the accepted kernel socket: $lines"
	assert_eq "$(stat_of port=7400-7401 applied)" 0 "applied"
	assert_eq "$(stat_of port=7400-7401 skipped)" 0 "skipped"
	assert_eq "$(stat_of total applied)" 0 "total applied"
	assert_eq "$(stat_of total skipped)" 0 "total skipped"
	# The same policy is in force for an application's connection.
	expect_ka "$(pair 7401)" client keepalive=1 idle=5 intvl=2 cnt=2 user_timeout=1000
	assert_eq "$(stat_of port=7400-7401 applied)" 2 "applied to the application's"
}

mptcp_or_skip() {
	local why
	why=$(python3 -S "$KA_CONN" mptcp) || skip "$why"
}

test_mptcp_connections_are_counted_as_skipped() {
	local out
	mptcp_or_skip
	kactl_set --port 7410 --mode force --idle 60
	out=$(pair 7410 --mptcp both)
	# ss shows the subflows, the TCP connections under the MPTCP sockets.
	expect_timer "$out" client no
	expect_timer "$out" server no
	assert_eq "$(stat_of port=7410 skipped)" 2 "skipped (one subflow each side)"
	assert_eq "$(stat_of port=7410 applied)" 0 "applied"
	assert_eq "$(stat_of total skipped)" 2 "total skipped"
	assert_eq "$(stat_of total applied)" 0 "total applied"
}

# A plain TCP client of an MPTCP listener: the kernel has turned the
# accepted connection back into TCP before the accept hook, and it is the
# application's TCP socket, although it still carries the kernel socket
# mark of the listener's subflow then: managed, on both sides.
test_plain_client_of_an_mptcp_listener_is_managed() {
	local out
	mptcp_or_skip
	kactl_set --port 7411 --idle 60
	out=$(pair 7411 --mptcp listener)
	expect_ka "$out" client keepalive=1 idle=60
	expect_ka "$out" server keepalive=1 idle=60
	expect_timer "$out" server yes
	assert_eq "$(stat_of port=7411 applied)" 2 "applied"
	assert_eq "$(stat_of port=7411 skipped)" 0 "skipped"
}

test_mptcp_without_a_policy_counts_nothing() {
	mptcp_or_skip
	kactl_set --port 7412 --idle 60
	pair 7413 --mptcp both >/dev/null
	assert_eq "$(stat_of total skipped)" 0 "total skipped"
}

# A listener that turned keepalive off before the module was loaded: the
# module never saw it, and its new connections get a default-mode
# policy. One made after the load is honoured, and an exemption for the
# old one's port is the way around it.
test_keepalive_off_before_the_module_loaded_is_not_known() {
	ka_unload
	defer "$KACTL" flush
	python3 -S - "$KACTL" "$KA_MODULE" <<'PY'
import socket, subprocess, sys
kactl, module = sys.argv[1:]

def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
    s.bind(("127.0.0.1", port))
    s.listen()
    return s

def accepted_keepalive(lsock):
    c = socket.create_connection(lsock.getsockname())
    a, _ = lsock.accept()
    ka = a.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    c.close()
    a.close()
    return ka

before = listener(7420)
subprocess.run(["insmod", module], check=True)
subprocess.run([kactl, "set", "--port", "7420-7421", "--dir", "in", "--idle", "60"], check=True)
assert accepted_keepalive(before) == 1, "the module knew of SO_KEEPALIVE=0 made before it"
after = listener(7421)
assert accepted_keepalive(after) == 0, "SO_KEEPALIVE=0 made after the load not honoured"
subprocess.run([kactl, "set", "--port", "7420", "--dir", "in", "--off"], check=True)
assert accepted_keepalive(before) == 0, "the exemption did not help"
PY
}
