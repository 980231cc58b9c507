# SPDX-License-Identifier: GPL-2.0
#
# What a container's root (CAP_NET_ADMIN over its own network namespace
# only) can make the module hold: a lower policy limit of its own, and
# memory charged to its memory cgroup, so that filling policies ends in
# ENOMEM for it and nothing for the host.
source "$KA_ROOT/tests/lib/ka.sh"

before_each() {
	ka_unload
	ka_load
}

# A container's namespace (owned by another user namespace) has a lower
# limit of its own; the host's is not affected by it.
test_container_namespace_has_its_own_lower_limit() {
	local max out
	max=$(cat /sys/module/ka_policy/parameters/max_policies_userns)
	assert_eq "$max" 4096 "default max_policies_userns"
	defer "echo $max > /sys/module/ka_policy/parameters/max_policies_userns"
	echo 2 > /sys/module/ka_policy/parameters/max_policies_userns
	out=$(unshare --user --map-root-user --net sh -c '
		"$0" set --port 7097 --idle 10 && "$0" set --port 7098 --idle 10 &&
		"$0" set --port 7099 --idle 10 2>&1
		echo "rc=$?"
		printf -- "--port 1 --idle 1\n--port 2 --idle 1\n--port 3 --idle 1\n" |
			"$0" load --replace - 2>&1
		"$0" -j list' "$KACTL")
	assert_match "$out" "Error: ka_policy: this namespace holds max_policies_userns policies already" "set"
	assert_match "$out" "rc=1" "exit status"
	assert_match "$out" "-:3: more policies than max_policies_userns" "load --replace"
	assert_match "$out" '"port_min":7098' "policies kept"
	kactl_set --port 7097 --idle 10
	"$KACTL" set --port 7098 --idle 10
	"$KACTL" set --port 7099 --idle 10
	assert_eq "$(grep -c '^port=' /proc/net/ka_stats)" 3 "host policies"
}

# A container in a memory cgroup fills policies (about 1 KiB each, a
# cgroup path each) until its memory limit stops it: ENOMEM, no OOM kill,
# no kernel report; the host sets policies as before, and the memory comes
# back when the container's namespace goes.
test_memory_limited_container_gets_enomem() {
	local max out base fill_pid
	grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
		fail "no memory controller in this kernel's cgroup v2"
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	cgroup_add /ka_mem
	max=$(cat /sys/module/ka_policy/parameters/max_policies_userns)
	defer "echo $max > /sys/module/ka_policy/parameters/max_policies_userns"
	echo 65536 > /sys/module/ka_policy/parameters/max_policies_userns
	# Read the program's files here first: the page cache is charged to
	# whoever reads a file first, and reclaiming it from the container
	# would only slow the container down before ENOMEM.
	python3 -S "$KA_ROOT/tests/lib/ka_fill.py" 0 </dev/null >/dev/null
	ulimit -l unlimited
	coproc FILL { in_cgroup /ka_mem unshare --user --map-root-user --net \
		python3 -S "$KA_ROOT/tests/lib/ka_fill.py" 8192; }
	# Bash forgets FILL_PID once the coprocess ends.
	fill_pid=$FILL_PID
	defer "kill $fill_pid 2>/dev/null"
	read -r -t 600 out <&"${FILL[0]}" || fail "ka_fill.py did not start"
	assert_eq "$out" ready "ka_fill.py"
	# 2 MiB more than the container uses once set up.
	base=$(cat /sys/fs/cgroup/ka_mem/memory.current)
	echo $((base + 2 * 1024 * 1024)) > /sys/fs/cgroup/ka_mem/memory.max
	echo go >&"${FILL[1]}"
	read -r -t 1200 out <&"${FILL[0]}" || fail "ka_fill.py gave no result"
	assert_eq "$(json_get "$out" error)" ENOMEM "the refusal"
	python3 -S -c 'import sys; n = int(sys.argv[1]); sys.exit(not 100 < n < 8192)' \
		"$(json_get "$out" set)" || fail "policies set within 2 MiB: $out"
	assert_eq "$(grep -c '^oom_kill ' /sys/fs/cgroup/ka_mem/memory.events)" 1 "memory.events"
	assert_eq "$(awk '$1 == "oom_kill" { print $2 }' /sys/fs/cgroup/ka_mem/memory.events)" 0 "OOM kills"
	# The host is not limited by it.
	kactl_set --port 7401 --idle 10
	expect_ka "$(pair 7401)" client keepalive=1 idle=10
	# The namespace goes with its last process; its policies with it.
	wait "$fill_pid" || true
	wait_for 600 sh -c 'test "$(cat /sys/fs/cgroup/ka_mem/memory.current)" -lt "$0"' \
		$((base + 1024 * 1024))
}
