# SPDX-License-Identifier: GPL-2.0
#
# Shared by the integration tests, which run as root inside the test VM
# (tests/vm/ka-vm) with the module loaded.
KACTL=$KA_ROOT/userspace/kactl

ka_loaded() {
	[ -d /sys/module/ka_policy ]
}

# ka_has FEATURE: the loaded module can do FEATURE on this kernel (kactl
# version does not list it as missing: probes-sent, timeouts, events). A
# kactl that fails fails the test.
ka_has() {
	local json rc=0
	json=$("$KACTL" -j version) || fail "kactl version failed"
	[ -n "$json" ] || fail "kactl -j version printed nothing"
	jq -e --arg f "$1" '.missing | index([$f]) == null' <<<"$json" >/dev/null || rc=$?
	[ $rc -le 1 ] || fail "kactl -j version: unreadable output: $json"
	return $rc
}

# hook_missed HOOK...: the calls of the HOOKs (kernel functions) that
# the kprobe core did not hand to the module since it was loaded, summed,
# as kactl -j version says (every namespace's); fails when it does not
# name one of them.
hook_missed() {
	local json
	json=$("$KACTL" -j version) || fail "kactl version failed"
	jq -e --args '.calls_missed as $m | $ARGS.positional | map($m[.]) |
		if all(type == "number") then add else error end' "$@" <<<"$json" ||
		fail "kactl -j version: no missed count for each of $*: $json"
}

# within_missed COUNTED EXPECTED MISSED: a module's counter COUNTED equals
# EXPECTED (the kernel's own count of the same events, or the number of
# events made), or falls short of it by no more than MISSED, the calls of
# the hooks that feed it which the kprobe core did not hand over. Never
# more: the module counts no event twice.
within_missed() {
	[ "$1" = "$2" ] || { [ "$1" -lt "$2" ] && [ $(($1 + $3)) -ge "$2" ]; }
}

# expect_counted WHAT COUNTED EXPECTED HOOK...: within_missed, with the
# HOOKs' calls missed since the module was loaded (kactl version), or
# the test fails. A shortfall that the misses explain is noted.
expect_counted() {
	local what=$1 counted=$2 expected=$3 missed=0
	shift 3
	[ "$counted" = "$expected" ] && return
	missed=$(hook_missed "$@")
	within_missed "$counted" "$expected" "$missed" ||
		fail "$what: $counted, expected $expected ($missed calls of $* missed)"
	note "$what: $counted of $expected, the rest among the $missed calls of $* the kprobe core did not hand over"
}

# hook_armed FUNCTION: the module's kprobe on FUNCTION is armed. The
# kernel's own list (debugfs) marks a registered but disarmed one
# [DISABLED]; none is listed for a function not probed at all.
hook_armed() {
	grep -E " $1\+0x(0|4) " /sys/kernel/debug/kprobes/list | grep -qv DISABLED
}

ka_load() {
	ka_loaded || insmod "$KA_MODULE"
}

ka_unload() {
	! ka_loaded || rmmod ka_policy
}

# A network namespace removed when the test ends.
netns_add() {
	ip netns add "$1"
	defer ip netns del "$1"
	ip -n "$1" link set lo up
}

# netns_add_large NAME: a network namespace, removed when the test ends,
# whose TCP established table is its own, of 4,194,304 buckets
# (net.ipv4.tcp_child_ehash_entries, 6.1 and later; the test is skipped on
# 5.10): millions of buckets nearly all empty, as the machine's table is
# for a namespace with few sockets.
netns_add_large() {
	local knob=/proc/sys/net/ipv4/tcp_child_ehash_entries old
	[ -e $knob ] || skip "no tcp_child_ehash_entries (5.10)"
	old=$(cat $knob)
	defer "echo $old >$knob"
	echo 4194304 >$knob
	netns_add "$1"
	echo "$old" >$knob
}

# ka_enum ENUM NAME: the number of NAME in the uapi header's enum ENUM
# (ka_genl.py reads it), as in "ka_enum ka_attr KA_A_SOCKET".
ka_enum() {
	python3 -S -c 'import sys; sys.path.insert(0, sys.argv[1]); from ka_genl import enum; print(enum(sys.argv[2])[sys.argv[3]])' \
		"$KA_ROOT/tests/lib" "$1" "$2"
}

# Tests may unload the module; every test starts with it loaded.
before_each() {
	ka_load
}

KA_CONN=$KA_ROOT/tests/lib/ka_conn.py

# ka_test_module NAME: the path of the test module NAME.ko (tests/kmod),
# built for this kernel beside the module under test: <dir>/module/
# ka_policy.ko has <dir>/tests/kmod/NAME.ko (make, build-module.sh).
ka_test_module() {
	local ko built
	ko=$(realpath -m "$(dirname "$KA_MODULE")/../tests/kmod/$1.ko")
	[ -f "$ko" ] || fail "$ko is not built: make builds it for Debian's default kernel, tests/lib/build-module.sh for the others"
	built=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$built" = "$(uname -r)" ] || fail "$ko was built for $built, not for $(uname -r)"
	echo "$ko"
}

# keepalive_found_dead ELAPSED WHAT: a dead peer found ELAPSED seconds
# after it vanished was found by the policy's keepalive (of a few seconds
# here), not by the kernel's default (7200 s idle, then 9 probes 75 s
# apart). The bound sits far above anything a slow or busy machine adds,
# and far below the default: a tight bound on the policy's own seconds
# fails when the debug kernel under emulation is merely slow. What the
# socket was set to is checked exactly elsewhere (getsockopt, ss -o).
keepalive_found_dead() {
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v s="$1" 'BEGIN { exit !(s < 120) }' ||
		fail "$2 after $1 s: not the policy's keepalive"
}

# scaled N N_SMALL: how many connections (or the like) a scale test
# makes: N, or N_SMALL on the debug kernel (lockdep, KASAN, kmemleak),
# many times slower at making them under emulation, where the test is
# there for its memory and lock checks, not for its scale, and on a
# kernel run with KA_TEST_SCALE=small (make check's runs on kernels other
# than the default one, which are there for what differs between kernels:
# the scale is measured once, on the default kernel; make matrix runs
# every kernel at full scale).
scaled() {
	if [ -e /proc/lockdep ] || [ "${KA_TEST_SCALE:-}" = small ]; then
		echo "$2"
	else
		echo "$1"
	fi
}

# The helpers below read JSON with jq, one process per check: every
# process started in the guest costs (under emulation, on the debug
# kernel, jq about 0.9 s and python3 about 2 s), and the suites make
# thousands of checks. For the same reason the Python helpers run as
# "python3 -S": they need only the standard library, and site's start-up
# (the .pth files of dist-packages) is a third of the interpreter's.

# json_get JSON PATH: a value out of JSON, PATH like "client.idle" (a
# number picks a list element); objects and lists come out as one line
# of JSON. A PATH that is not there fails.
json_get() {
	jq -rc --arg p "$2" '($p | split(".") | map(tonumber? // .)) as $path |
		getpath($path) as $v |
		if $v == null then error("no \($p)") else $v end' <<<"$1" ||
		fail "json_get $2: not found in: $1"
}

# pair PORT [ka_conn.py pair options]: connect over loopback, print JSON.
pair() {
	python3 -S "$KA_CONN" pair "$@"
}

# kactl_set ARGS: set a policy; every policy is flushed when the test ends.
kactl_set() {
	"$KACTL" set "$@"
	defer "$KACTL" flush
}

# expect_ka JSON SIDE KEY=VALUE...: checks what getsockopt() returned on
# SIDE (client or server), one value per KEY named: keepalive, idle, intvl,
# cnt or user_timeout (the fields of ka_conn.py's JSON), as in
# "expect_ka "$out" client keepalive=1 idle=45 cnt=4".
expect_ka() {
	local json=$1 side=$2 arg key got
	local -A have
	shift 2
	got=$(jq -r --arg s "$side" '.[$s] | to_entries[] |
		"\(.key)=\(.value)"' <<<"$json") || fail "no $side settings in: $json"
	while IFS= read -r arg; do
		[ -z "$arg" ] || have[${arg%%=*}]=${arg#*=}
	done <<<"$got"
	for arg; do
		key=${arg%%=*}
		case $key in
		keepalive|idle|intvl|cnt|user_timeout) ;;
		*) fail "expect_ka: '$arg' is not keepalive|idle|intvl|cnt|user_timeout=VALUE" ;;
		esac
		assert_eq "${have[$key]-}" "${arg#*=}" "$side $key"
	done
}

# expect_timer JSON SIDE yes|no: whether ss -o shows a keepalive timer on
# SIDE's socket (the kernel's state, not the application's view).
expect_timer() {
	local json=$1 side=$2 want=$3 line col=3 has=no
	# ss -tnoH state established: Recv-Q Send-Q Local Peer ...; the
	# client's local port or the server's peer port is the client's port.
	[ "$side" = client ] && col=2
	line=$(jq -r --argjson c $col '(":" + (.client_port | tostring)) as $p |
		.ss[] | select([splits("[ \t]+")] | map(select(. != ""))[$c] // "" |
		endswith($p))' <<<"$json")
	[ -n "$line" ] || fail "no ss line for the $side socket in: $json"
	[[ $line != *"timer:(keepalive,"* ]] || has=yes
	[ "$has" = "$want" ] || fail "$side: keepalive timer in ss: $has, expected $want: $line"
}

# stat_of SELECTOR COLUMN [NETNS]: a number from /proc/net/ka_stats, the
# initial namespace's or NETNS's.
stat_of() {
	local -a in_netns=()
	[ -z "${3:-}" ] || in_netns=(ip netns exec "$3")
	"${in_netns[@]}" awk -v sel="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$1 == sel { print $idx[col] }' /proc/net/ka_stats
}

# set_policy_mix CGROUP: four policies using every selector and action
# word (6379 gets idle 60 intvl 10 cnt 6 user-timeout 30000); CGROUP, a
# path with a space in it, must exist.
set_policy_mix() {
	"$KACTL" set --default --idle 600
	"$KACTL" set --port 6379 --idle 60 --intvl 10 --cnt 6 --user-timeout 30000
	"$KACTL" set --port 8000-8999 --dir in --cgroup "$1" --off
	"$KACTL" set --port 22 --dir out --mode force --idle 5
}

# Two namespaces joined by a veth pair, removed when the test ends:
#
#   netns ka_cli                         netns ka_srv
#   192.0.2.1 (ka_c) -------veth------- (ka_s) 192.0.2.2
#
# A peer "vanishes" when its end is set down: nothing answers any more and
# nothing says so, like a crashed host or a NAT that forgot the flow.
veth_topology() {
	# Loaded by name first: a missing veth is said here, not as a
	# failed ip link add.
	modprobe veth
	netns_add ka_cli
	netns_add ka_srv
	ip link add ka_c netns ka_cli type veth peer name ka_s netns ka_srv
	ip -n ka_cli addr add 192.0.2.1/24 dev ka_c
	ip -n ka_srv addr add 192.0.2.2/24 dev ka_s
	ip -n ka_cli link set ka_c up
	ip -n ka_srv link set ka_s up
}

# srv CMD... / cli CMD...: CMD in the server's or the client's namespace.
srv() {
	ip netns exec ka_srv "$@"
}

cli() {
	ip netns exec ka_cli "$@"
}

redis_up() {
	srv redis-cli -h 127.0.0.1 ping | grep -q PONG
}

# start_redis: redis-server as Debian ships it in ka_srv (veth_topology),
# on 192.0.2.2:6379, minus persistence (its files in $KA_OUT), with its
# own tcp-keepalive off: what keepalive it gets is ka_policy's.
start_redis() {
	# Not through srv(): $! must be redis's pid (ip netns exec execs).
	background redis ip netns exec ka_srv redis-server --port 6379 --bind 0.0.0.0 \
		--protected-mode no --tcp-keepalive 0 --save '' \
		--appendonly no --dir "$KA_OUT"
	wait_for 300 redis_up
	assert_eq "$(srv redis-cli -h 127.0.0.1 config get tcp-keepalive | tail -n 1)" 0 \
		"redis's own tcp-keepalive"
}

# tcpext NETNS FIELD: one of the kernel's TcpExt counters (nstat's names
# without the prefix: TCPKeepAlive, TCPWinProbe) in NETNS.
tcpext() {
	ip netns exec "$1" awk -v f="$2" '
		/^TcpExt:/ && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
		/^TcpExt:/ { print $n[f] }' /proc/net/netstat
}

# background NAME CMD...: start CMD, output in $KA_OUT/NAME, killed at the
# end. The kill reaches CMD itself only when CMD is a program (ip netns
# exec execs), not a function of these files (cli, srv): one of those
# would leave the program it ran going.
background() {
	local name=$1
	shift
	"$@" >"$KA_OUT/$name" 2>&1 &
	defer kill $!
}

# A cgroup v2 below the root, removed when the test ends.
cgroup_add() {
	mkdir -p "/sys/fs/cgroup$1"
	defer rmdir "$(printf %q "/sys/fs/cgroup$1")"
}

# in_cgroup PATH CMD...: run CMD as a process of that cgroup.
in_cgroup() {
	local cg=$1
	shift
	bash -c 'echo $$ > "/sys/fs/cgroup$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
