# SPDX-License-Identifier: GPL-2.0
#
# --existing at scale, run once by hand and recorded in
# Documentation/ka_policy.rst ("Applying to open connections"), not part
# of make check (the connections alone take minutes to make under
# emulation):
#
#   make all
#   tests/vm/ka-vm --mem 3072 --timeout 3600 --stall 1800 -- \
#       tests/lib/testlib.sh bench tests/bench/existing.sh
#
# KA_EXISTING_N connections (default 100,000; 200,000 sockets) on loopback
# in one namespace, then one walk that changes every client end, while a
# kactl list and a kactl set of another policy run: both complete while
# the walk still runs, as kn->lock is not held across it. Prints the
# times as TAP comments; asserts only that every connection was changed
# and that the two commands succeeded.
source "$KA_ROOT/tests/lib/ka.sh"

before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
	netns_add ka_big
}

ms() {
	date +%s%3N
}

test_existing_walk_of_100000_connections() {
	local n=${KA_EXISTING_N:-100000} t0 t_made t_list t_set t_walk json
	# In C: ka_conn.py's "many" takes over 15 minutes for 100,000 here.
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$KA_OUT/connhold" \
		"$KA_ROOT/tests/bench/connhold.c" || fail "connhold does not build"
	t0=$(ms)
	background many ip netns exec ka_big "$KA_OUT/connhold" 7900 "$n"
	wait_for 3000 grep -q ready "$KA_OUT/many"
	t_made=$(ms)
	echo "# $n connections made in $((t_made - t0)) ms"
	ip netns exec ka_big "$KACTL" -j set port 7900-7909 dir out idle 60 --existing \
		>"$KA_OUT/walk" &
	local walk=$!
	# Commands issued while the walk runs.
	ip netns exec ka_big "$KACTL" list >/dev/null
	t_list=$(ms)
	ip netns exec ka_big "$KACTL" set port 1 idle 5
	t_set=$(ms)
	wait $walk
	t_walk=$(ms)
	json=$(cat "$KA_OUT/walk")
	echo "# walk: $(json_get "$json" existing.time_us) us in the kernel for $(json_get "$json" existing.sockets) sockets in $(json_get "$json" existing.steps) steps; kactl set --existing took $((t_walk - t_made)) ms"
	echo "# during it: kactl list done after $((t_list - t_made)) ms, kactl set after $((t_set - t_made)) ms"
	[ "$t_set" -le "$t_walk" ] || echo "# (the walk ended before the set: nothing shown about kn->lock)"
	assert_eq "$(json_get "$json" existing.changed)" "$n" "changed"
	# A second walk: nothing left to change.
	json=$(ip netns exec ka_big "$KACTL" -j set port 7900-7909 dir out idle 60 --existing)
	echo "# second walk (all unchanged): $(json_get "$json" existing.time_us) us"
	assert_eq "$(json_get "$json" existing.skipped_reasons.unchanged)" "$n" "unchanged"
}
