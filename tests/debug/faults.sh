# SPDX-License-Identifier: GPL-2.0
#
# Hooks that cannot attach, and a hook's call missed, for real (missed:
# at the end). A test build of the module
# (KA_FAULT_INJECT=y) has the fail_attach=N parameter, which makes its
# Nth attach fail. Attach order (hooks.c): 1 tcp_keepalive_timer
# (kretprobe), 2 tcp_connect, 3 security_inet_csk_clone, 4
# tcp_set_keepalive, 5 kernfs_activate, 6 tcp_write_wakeup, 7
# tcp_send_active_reset, 8 tcp_setsockopt, 9 tcp_v4_destroy_sock. Runs on
# the debug kernel, where KASAN, lockdep and kmemleak (after the last
# rmmod) watch every unwinding path.
source "$KA_ROOT/tests/lib/ka.sh"

before_each() {
	ka_unload
	modinfo -p "$KA_MODULE" | grep -q '^fail_attach:' ||
		fail "$KA_MODULE is not a KA_FAULT_INJECT=y build"
	# Leave the module loaded, as every test expects to find it, and
	# without the test's parameters: a later file may check every hook.
	defer "ka_unload; ka_load"
}

# insmod_failing N: load the module with its Nth attach failing.
insmod_failing() {
	insmod "$KA_MODULE" fail_attach="$1"
}

# The kernel log since the mark, so that earlier loads do not count.
log_since_mark() {
	dmesg | sed -n "/ka_faults_mark $KA_MARK/,\$p"
}

mark_log() {
	KA_MARK=$RANDOM$RANDOM
	echo "ka_faults_mark $KA_MARK" >/dev/kmsg
}

test_a_required_hook_that_cannot_attach_fails_the_load() {
	local n name
	for n in 2 3 4 5 8; do
		name=$(echo x tcp_connect security_inet_csk_clone tcp_set_keepalive \
			kernfs_activate x x tcp_setsockopt | cut -d' ' -f$n)
		mark_log
		expect_fail 1 insmod_failing $n
		assert_match "$(log_since_mark)" "ka_policy: cannot attach to $name \(error -2\): this kernel is not supported" "kernel log, attach $n"
		! ka_loaded || fail "loaded although $name did not attach"
		[ ! -e /proc/net/ka_stats ] || fail "/proc/net/ka_stats left behind ($name)"
		expect_fail 1 "$KACTL" stats
		assert_match "$EXPECT_STDERR" "module is not loaded" "genl family left behind ($name)"
	done
	# Everything was unwound: a normal load works afterwards.
	ka_load
	"$KACTL" set --port 7301 --idle 11
	expect_ka "$(pair 7301)" client keepalive=1 idle=11
}

# unavailable_counter ATTACH COUNTER: load with ATTACH failing, COUNTER is "-".
unavailable_counter() {
	local n=$1 counter=$2 other
	mark_log
	insmod_failing "$n"
	assert_match "$(log_since_mark)" "some counters will be unavailable|timeouts will not be counted" "kernel log, attach $n"
	assert_eq "$(stat_of total "$counter")" - "ka_stats $counter"
	# Timeout events come from the same hooks as the timeouts counter.
	[ "$counter" != timeouts ] ||
		assert_eq "$(stat_of total events_dropped)" - "ka_stats events_dropped"
	for other in applied skipped probes_sent timeouts; do
		[ "$other" = "$counter" ] ||
			assert_match "$(stat_of total "$other")" "^[0-9]+$" "ka_stats $other"
	done
	"$KACTL" -j stats | python3 -S -c '
import json, sys
total = json.load(sys.stdin)[0]
assert sys.argv[1] not in total and "applied" in total, total' "$counter"
	# kactl version names it, and only it, as missing on this kernel:
	# a feature's name joins its words with '-', the counter's with '_'.
	ka_has "${counter//_/-}" && fail "kactl version does not list ${counter//_/-} as missing"
	for other in probes-sent timeouts; do
		[ "$other" = "${counter//_/-}" ] || ka_has "$other" ||
			fail "kactl version lists $other as missing"
	done
	# Policies still apply.
	"$KACTL" set --port 7302 --idle 12
	expect_ka "$(pair 7302)" client keepalive=1 idle=12
	assert_eq "$(stat_of port=7302 applied)" 2 "applied"
}

test_keepalive_timer_kretprobe_missing_leaves_timeouts_unavailable() {
	unavailable_counter 1 timeouts
}

test_write_wakeup_probe_missing_leaves_probes_sent_unavailable() {
	unavailable_counter 6 probes_sent
}

test_active_reset_probe_missing_leaves_timeouts_unavailable() {
	unavailable_counter 7 timeouts
}

# Without the probe on socket destruction no lifetime is noted (an entry
# would never leave): the module loads, every counter is there, policies
# apply, and the kernel log says what is lost.
test_destroy_probe_missing_leaves_lifetimes_unknown() {
	local counter
	mark_log
	insmod_failing 9
	assert_match "$(log_since_mark)" "cannot attach to tcp_v4_destroy_sock \(error -2\): events will not say how long connections lived" "kernel log"
	for counter in applied skipped probes_sent timeouts events_dropped; do
		assert_match "$(stat_of total "$counter")" "^[0-9]+$" "ka_stats $counter"
	done
	"$KACTL" set --port 7303 --idle 13
	expect_ka "$(pair 7303)" client keepalive=1 idle=13
}

# A hooked function called while a hook's handler runs on the same CPU
# (in real life: a softirq interrupting one) is not handed to the module:
# the kprobe core counts it, and kactl version must say so. The test
# build's nest_setsockopt=1 makes the setsockopt hook call the hooked
# tcp_set_keepalive() for a socket not connected yet, where it does
# nothing: one nested call per TCP-level setsockopt(), deterministically
# (ftrace lets one call nest in the same context, its "transition" bit,
# for the kprobe core to count; a kernel without it would swallow the
# call unseen, and this test would fail every time, not now and then).
test_a_hook_call_missed_by_the_kprobe_core_is_reported() {
	local hooks
	insmod "$KA_MODULE" nest_setsockopt=1
	defer "echo 0 >/sys/module/ka_policy/parameters/nest_setsockopt"
	hooks=$("$KACTL" -j version | jq -c '.calls_missed | keys')
	assert_eq "$hooks" '["kernfs_activate","security_inet_csk_clone","tcp_connect","tcp_keepalive_timer","tcp_send_active_reset","tcp_set_keepalive","tcp_setsockopt","tcp_v4_destroy_sock","tcp_write_wakeup"]' \
		"hooks in kactl -j version"
	assert_eq "$(hook_missed tcp_set_keepalive)" 0 "tcp_set_keepalive missed, before"
	assert_match "$("$KACTL" version)" "\(netlink API 1\)(; missing on this kernel: [a-z, -]+)?$" \
		"kactl version, nothing missed"
	python3 -S -c 'import socket
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4)
assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30'
	assert_eq "$(hook_missed tcp_set_keepalive)" 2 "tcp_set_keepalive missed, after two setsockopt()"
	assert_eq "$(hook_missed tcp_setsockopt)" 0 "tcp_setsockopt missed"
	assert_match "$("$KACTL" version)" "; calls missed: tcp_set_keepalive 2$" "kactl version"
	# The hooks themselves still work, nested calls aside.
	echo 0 >/sys/module/ka_policy/parameters/nest_setsockopt
	"$KACTL" set --port 7304 --idle 14
	expect_ka "$(pair 7304)" client keepalive=1 idle=14
	assert_eq "$(hook_missed tcp_set_keepalive)" 2 "tcp_set_keepalive missed, at the end"
}
