# SPDX-License-Identifier: GPL-2.0
#
# Figure 5 of issue 16: memory limits. A container (a user namespace, a
# network namespace and a memory cgroup with a small memory.max) whose
# root loads more policies than its memory holds, with kactl load: the
# module charges every allocation a policy makes to the caller's memory
# cgroup (module/gfp.h), so the load stops at ENOMEM, with kactl saying
# so, and no OOM kill; the host's policies and its connection are
# untouched; and once the container is gone, everything it was charged
# for is given back and its cgroup removed. 10 containers one after the
# other (2 in the short run), so that a leak adds up.
source "$KA_ROOT/tests/lib/stress.sh"

# The container's file: LINES policies by cgroup path, each path about
# 820 bytes long, which the module keeps: about 1.35 KiB of kernel memory
# a policy on 6.1 (slab and per-CPU counters, measured), charged to the
# container. LINES is max_policies_userns's default, so that limit cannot
# be the one that stops the load.
readonly LINES=4096
# memory.max, above what the container uses when it starts: room for
# kactl, which reads and parses the whole file first (about 0.9 KiB a
# line, 3.7 MiB), and then for some of the policies only (all of them
# would take another 5.5 MiB).
readonly ROOM=$((6 * 1024 * 1024))

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
}

# container_fill I: container I, in cgroup /ka_mem$I, runs kactl load
# $KA_OUT/policies; prints kactl's exit status, how many policies its
# namespace held then and memory.max, as "rc=R rows=N max=M"; kactl's
# standard error goes to $KA_OUT/kactl$I.
container_fill() {
	local cg=/ka_mem$1 err=$KA_OUT/kactl$1 out pid
	# kactl's report must not need a new page either: it writes over a
	# page of a file in tmpfs that exists already (2<> does not
	# truncate), where a pipe or a new file would allocate one, charged
	# to the container.
	head -c 4096 /dev/zero >"$err"
	# sh waits for the go while its namespaces and cgroup are set up, so
	# that the limit is set from what they use; then kactl, and grep
	# reads the namespace's policies (kactl's memory is free again).
	coproc CT { in_cgroup "$cg" unshare --user --map-root-user --net sh -c '
		echo ready; read -r go
		"$0" load "$1" 2<>"$2"
		echo "rc=$? rows=$(grep -c "^cgroup=" /proc/net/ka_stats)"' \
		"$KA_OUT/kactl" "$KA_OUT/policies" "$err"; }
	pid=$CT_PID
	read -r -t 600 out <&"${CT[0]}" || fail "container $1 did not start"
	[ "$out" = ready ] || fail "container $1: $out"
	echo $(($(cat "/sys/fs/cgroup$cg/memory.current") + ROOM)) \
		>"/sys/fs/cgroup$cg/memory.max"
	echo go >&"${CT[1]}"
	read -r -t 1800 out <&"${CT[0]}" || fail "container $1 gave no result"
	wait "$pid" || true
	echo "$out max=$(cat "/sys/fs/cgroup$cg/memory.max")"
}

# container_ok I OUT: container I's load (container_fill's OUT) ended as
# it must; prints how many policies it set.
container_ok() {
	local err set line file=$KA_OUT/policies
	err=$(tr -d '\0' <"$KA_OUT/kactl$1")
	[[ $2 =~ ^rc=1\ rows=([0-9]+)\ max= ]] ||
		fail "container $1: kactl load did not fail as it should ($2): $err"
	set=${BASH_REMATCH[1]}
	line=$((set + 1))
	# ENOMEM, in words an operator reads, at the line after the last set.
	assert_eq "$err" "Error: $file:$line: Cannot allocate memory.
Error: $file: stopped at line $line; $set policies before it were set." \
		"container $1: kactl's error"
	[ "$set" -gt 0 ] && [ "$set" -lt $LINES ] ||
		fail "container $1: $set policies set"
	# The kernel refused (memory.max was reached, which memory.events
	# counts), and nothing was killed for it.
	awk '$1 == "max" && $2 > 0 { m = 1 } $1 == "oom_kill" && $2 == 0 { k = 1 }
		END { exit !(m && k) }' "/sys/fs/cgroup/ka_mem$1/memory.events" ||
		fail "container $1: memory.events: $(tr '\n' ' ' <"/sys/fs/cgroup/ka_mem$1/memory.events")"
	echo "$set"
}

# memcg_drained CGROUP: the cgroup is charged for no more than 32 KiB of
# unreclaimable kernel memory: of the 2.5 MiB of policies and the
# namespaces, only the struct net whose freeing waits for the next
# namespace's teardown (4.5 KiB; see netns.sh) and objects of a few
# bytes (the per-CPU caches of charges hold up to a page per CPU).
memcg_drained() {
	[ "$(memcg_kernel_bytes "$1")" -le $((32 * 1024)) ]
}

# container_setup: the file, and kactl as the containers run it.
container_setup() {
	awk -v n=$LINES 'BEGIN {
		pad = sprintf("%200s", ""); gsub(/ /, "p", pad)
		for (i = 0; i < n; i++)
			printf "--cgroup /ka_memcg/%s/%s/%s/%s/%d --idle 5\n", pad, pad, pad, pad, i
	}' >"$KA_OUT/policies"
	# The page cache is charged to whoever reads a file first, and a page
	# of kactl's code that a container brought in would be charged to
	# it: reclaimed to make room for policies, then needed again by
	# kactl once the container is at its limit, it would have the OOM
	# killer kill kactl. So kactl runs from a copy in tmpfs (memory that
	# is neither reclaimed nor the container's: the checkout's 9p mount
	# keeps no page cache), and its libraries are read here first (the
	# root's mount keeps them).
	cp "$KACTL" "$KA_OUT/kactl"
	cat $(ldd "$KACTL" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }') >/dev/null
}

# unreclaimable_at_most KB: not polled too often (each look shrinks every
# slab cache, which takes seconds on the debug kernel).
unreclaimable_at_most() {
	[ "$(unreclaimable_kb)" -le "$1" ] || { sleep 1; false; }
}

test_memory_limited_containers() {
	local n i out set sets=() base_ns base_kb held problems=() after
	n=$(stress_n 10 1)
	grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
		fail "no memory controller in this kernel's cgroup v2"
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	[ "$(cat /sys/module/ka_policy/parameters/max_policies_userns)" -ge $LINES ] ||
		fail "max_policies_userns is below $LINES"
	container_setup
	# The host: a policy, a connection it gave keepalive to, held open.
	kactl_set --port 7501 --idle 51 --intvl 11 --cnt 5
	background ka_serve python3 -S "$KA_CONN" serve 127.0.0.1 7501
	wait_for 300 grep -q ready "$KA_OUT/ka_serve"
	background ka_hold python3 -S "$KA_CONN" hold 127.0.0.1 7501
	held=$!
	wait_for 300 grep -q connected "$KA_OUT/ka_hold"
	kill -USR1 $held
	wait_for 300 grep -q '"n": 1,' "$KA_OUT/ka_hold"
	expect_ka "$(grep '"n": 1,' "$KA_OUT/ka_hold")" client keepalive=1 idle=51 intvl=11 cnt=5
	"$KACTL" -j list >"$KA_OUT/host_before"
	base_ns=$(slab_objects net_namespace)
	base_kb=$(unreclaimable_kb)
	stress_row 5 "containers (user and network namespace, memory cgroup) filled with policies until ENOMEM, then removed" "$n"
	for ((i = 0; i < n; i++)); do
		cgroup_add /ka_mem$i
		# A failure of either says why on standard error.
		set=?
		out=$(container_fill $i) &&
			set=$(container_ok $i "$out") ||
			problems+=("container $i: $out")
		sets+=("$set")
		# Its last process gone, the container's namespaces go, and
		# with them its policies: its cgroup is charged for nothing
		# any more, and can be removed.
		( wait_for 600 memcg_drained /ka_mem$i ) ||
			problems+=("container $i: its cgroup still has $(memcg_kernel_bytes /ka_mem$i) bytes of kernel memory")
		rmdir /sys/fs/cgroup/ka_mem$i || problems+=("container $i: rmdir of its cgroup failed")
		note "container $i: $set of $LINES policies set ($out)"
	done
	# The host saw nothing of it: same policies, the held connection's
	# settings as they were, a new policy and a new connection as usual.
	after=$("$KACTL" -j list)
	[ "$after" = "$(cat "$KA_OUT/host_before")" ] ||
		problems+=("host policies changed: $after")
	kill -USR1 $held
	wait_for 300 grep -q '"n": 2,' "$KA_OUT/ka_hold"
	[ "$(grep '"n": 1,' "$KA_OUT/ka_hold" | jq -c .client)" = \
		"$(grep '"n": 2,' "$KA_OUT/ka_hold" | jq -c .client)" ] ||
		problems+=("the held host connection changed: $(cat "$KA_OUT/ka_hold")")
	kactl_set --port 7502 --idle 52
	out=$(pair 7502)
	expect_ka "$out" client keepalive=1 idle=52
	expect_ka "$out" server keepalive=1 idle=52
	# Nothing left: every struct net freed but the one whose freeing
	# waits for the next namespace's teardown (see netns.sh), and the
	# kernel's unreclaimable memory back where it was, within 1 MiB: the
	# containers held 2.5 MiB each, and a kernel's slabs keep a few pages
	# partly used after such churn (180 to 260 kB after 20 to 300
	# namespaces on 6.1, netns.sh).
	( wait_for 600 netns_slab_at_most $((base_ns + 1)) ) ||
		problems+=("net_namespace slab: $(slab_objects net_namespace) objects, $base_ns before")
	# Polled, as what RCU and the namespaces' teardown free comes in late.
	( wait_for 600 unreclaimable_at_most $((base_kb + 1024)) ) ||
		problems+=("SUnreclaim + Percpu: $(unreclaimable_kb) kB, $base_kb kB before")
	note "unreclaimable kernel memory: $base_kb kB before, $(unreclaimable_kb) kB after"
	STRESS_WHAT+="; policies set: ${sets[*]}"
	STRESS_FAILURES=${#problems[@]}
	[ ${#problems[@]} = 0 ] || fail "${problems[*]}"
}
