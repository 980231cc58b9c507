# SPDX-License-Identifier: GPL-2.0
#
# Sockets ka_policy leaves alone: kernel sockets (never touched, never
# counted).
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
	expect_ka "$(pair 7401)" client 1 5 2 2 1000
	assert_eq "$(stat_of port=7400-7401 applied)" 2 "applied to the application's"
}

mptcp_or_skip() {
	local why
	why=$(python3 "$KA_CONN" mptcp) || skip "$why"
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
	expect_ka "$out" client 1 60
	expect_ka "$out" server 1 60
	expect_timer "$out" server yes
	assert_eq "$(stat_of port=7411 applied)" 2 "applied"
	assert_eq "$(stat_of port=7411 skipped)" 0 "skipped"
}
