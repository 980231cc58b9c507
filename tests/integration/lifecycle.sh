# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading: per-namespace state and /proc/net/ka_stats follow
# every network namespace, those that exist at load time and those created
# later, and disappear with the module.
source "$KA_ROOT/tests/lib/ka.sh"

readonly STATS_HEADER="selector idle intvl cnt user_timeout mode applied skipped probes_sent timeouts events_dropped"

# The file a namespace's processes see, checked field by field.
check_stats_file() {	# netns ("" for the initial one)
	local exec=() lines
	[ -z "$1" ] || exec=(ip netns exec "$1")
	mapfile -t lines < <("${exec[@]}" cat /proc/net/ka_stats)
	assert_eq "${lines[0]}" "$STATS_HEADER" "ka_stats header${1:+ in $1}"
	assert_eq "${lines[1]}" "total - - - - - 0 0 0 0 0" "ka_stats totals${1:+ in $1}"
	assert_eq "${#lines[@]}" 2 "ka_stats line count${1:+ in $1}"
}

# Every hook of hooks.c attaches on every supported kernel, at the
# function's ftrace site (a call, not a trap): the required ones (or the
# module would not load) and the ones the counters need. The kprobes are
# in the kernel's list of kprobes; on a kernel with IBT the probe sits
# after the ENDBR instruction, at +0x4. The two hooks every connection
# passes are ftrace callbacks of ka_policy's own (module/fhook.c), in
# ftrace's list of the functions it calls something for. The line it
# prints is what make matrix's table shows.
test_every_hook_attached() {
	local list=/sys/kernel/debug/kprobes/list sym n=0 missing=()
	local traced=/sys/kernel/debug/tracing/enabled_functions
	[ -r "$list" ] || fail "no $list (debugfs)"
	[ -r "$traced" ] || fail "no $traced (tracefs)"
	for sym in tcp_keepalive_timer tcp_set_keepalive kernfs_activate \
		tcp_write_wakeup tcp_send_active_reset tcp_setsockopt \
		tcp_v4_destroy_sock; do
		if grep -Eq " $sym\+0x(0|4) .*\[FTRACE\]" "$list"; then
			n=$((n + 1))
		else
			missing+=("$sym")
		fi
	done
	for sym in tcp_connect security_inet_csk_clone; do
		if grep -Eq "^$sym \(.*ka_fhook_func.*\[ka_policy\]" "$traced"; then
			n=$((n + 1))
		else
			missing+=("$sym")
		fi
	done
	echo "hooks attached: $n/9${missing:+ (missing: ${missing[*]})}"
	[ $n = 9 ] || fail "not attached: ${missing[*]}"
	for sym in probes-sent timeouts; do
		ka_has "$sym" || fail "kactl version lists $sym as missing"
	done
}

test_stats_file_in_initial_netns() {
	check_stats_file ""
	assert_eq "$(stat -c %a /proc/net/ka_stats)" 444 "mode"
}

test_stats_file_readable_by_any_user() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		cat /proc/net/ka_stats | grep -q '^total '
}

test_netns_created_after_load_gets_state() {
	netns_add ka_after
	check_stats_file ka_after
}

test_load_and_unload_with_namespaces_on_both_sides() {
	ka_unload
	netns_add ka_before
	[ ! -e /proc/net/ka_stats ] || fail "ka_stats still there after rmmod"
	ip netns exec ka_before test ! -e /proc/net/ka_stats ||
		fail "ka_stats in a namespace before the module was loaded"

	insmod "$KA_MODULE"
	netns_add ka_after
	check_stats_file ""
	check_stats_file ka_before
	check_stats_file ka_after

	rmmod ka_policy
	for ns in ka_before ka_after; do
		ip netns exec $ns test ! -e /proc/net/ka_stats ||
			fail "ka_stats left in $ns after rmmod"
	done
	[ ! -e /proc/net/ka_stats ] || fail "ka_stats left after rmmod"
}

test_namespace_deleted_while_loaded() {
	for i in 1 2 3; do
		ip netns add ka_gone$i
		ip netns exec ka_gone$i cat /proc/net/ka_stats >/dev/null
		ip netns del ka_gone$i
	done
	rmmod ka_policy
	insmod "$KA_MODULE"
	check_stats_file ""
}

test_repeated_load_unload() {
	for i in 1 2 3 4 5; do
		rmmod ka_policy
		insmod "$KA_MODULE"
	done
	check_stats_file ""
}
