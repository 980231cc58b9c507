# SPDX-License-Identifier: GPL-2.0
#
# The judge of the churn stress (tests/stress/churn.py check), on the
# host, against a churn log and connections written by hand: what it
# passes and what it must catch (an end that holds a set that was
# already gone, and one that mixes two policy versions). make check's
# run of tests/stress/churn.sh only ever shows it passing.

churn_values() {	# version: the four values churn.py gives it
	python3 -S -c 'import sys; sys.path.insert(0, sys.argv[1]); import churn
print(*churn.values(int(sys.argv[2])))' "${KA_ROOT:-$PWD}/tests/stress" "$1"
}

# A log of two changes of the port 7001 policy (versions 1 and 2); the
# sets: empty until 100-200, version 1 until 1000-1100, then version 2.
churn_log() {
	cat <<-'LOG'
	{"k": 1, "s": 100, "a": 200, "set": "7001", "v": 1}
	{"k": 2, "s": 1000, "a": 1100, "set": "7001", "v": 2}
	{"summary": true, "seed": 1, "changes": 2, "by_kind": {"set": 2}, "rate": 1}
	LOG
}

churn_judge() {	# connection lines...: the judge's JSON
	local dir
	dir=$(mktemp -d)
	churn_log >"$dir/log"
	printf '%s\n' "$@" >"$dir/conns"
	python3 -S "${KA_ROOT:-$PWD}/tests/stress/churn.py" check "$dir/log" "/ka_churn/a:$dir/conns" || true
	rm -rf "$dir"
}

test_judge_passes_what_one_set_prescribes() {
	local v1 v2 d out
	v1=$(churn_values 1) v2=$(churn_values 2)
	d="0 $(cat /proc/sys/net/ipv4/tcp_keepalive_time) $(cat /proc/sys/net/ipv4/tcp_keepalive_intvl) $(cat /proc/sys/net/ipv4/tcp_keepalive_probes) 0"
	# Before any set; within version 1; across the second change, where
	# each end may hold either.
	out=$(churn_judge "50 60 7001 $d $d" "300 400 7001 1 $v1 1 $v1" \
		"1050 1060 7001 1 $v1 1 $v2")
	assert_eq "$(jq -c '[.connections, .wrong, .mixes]' <<<"$out")" "[3,0,0]" "judge: $out"
}

test_judge_catches_a_set_already_gone_and_a_mix() {
	local v1 v2 out
	v1=$(churn_values 1) v2=$(churn_values 2)
	read -r i1 n1 c1 u1 <<<"$v1"
	read -r i2 n2 _ _ <<<"$v2"
	# Made after version 2 was acknowledged, with version 1's values; and
	# version 1's idle with version 2's intvl.
	out=$(churn_judge "1200 1300 7001 1 $v1 1 $v2" \
		"300 400 7001 1 $i1 $n2 $c1 $u1 1 $v1")
	assert_eq "$(jq -c '[.connections, .wrong, .mixes]' <<<"$out")" "[2,2,1]" "judge: $out"
	[ "$i1" != "$i2" ] || fail "versions 1 and 2 write the same idle"
}
