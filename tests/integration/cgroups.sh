# SPDX-License-Identifier: GPL-2.0
#
# Cgroup policies through what cgroups go through on a real machine:
# systemd and container runtimes remove a service's cgroup when it stops
# and make a new one when it starts, and at boot the policies are loaded
# before the services' cgroups exist. A policy set by path follows the
# path; one set by id names one cgroup object. Readers in a cgroup
# namespace see paths as their namespace shows them, or not at all.
source "$KA_ROOT/tests/lib/ka.sh"
KA_GENL=$KA_ROOT/tests/lib/ka_genl.py

before_each() {
	ka_unload
	ka_load
}

# cgroup_json PATH KEY: KEY of the policy whose cgroup is PATH, from -j list.
cgroup_json() {
	"$KACTL" -j list | python3 -S -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("cgroup") == sys.argv[1]:
        print(p.get(sys.argv[2], ""))' "$1" "$2"
}

# The race an operator cares about, 100 times: the cgroup is made, a
# process moves itself in and connects at once, the cgroup is removed.
# Every connection must have the policy, each in a new cgroup.
test_policy_by_path_follows_a_recreated_cgroup() {
	local out
	kactl_set --cgroup /ka_re --idle 61
	out=$(python3 -S "$KA_CONN" cgroup-race /ka_re 7300 100)
	assert_eq "$(json_get "$out" inodes)" 100 "distinct cgroups made"
	assert_eq "$(python3 -S -c '
import json, sys
runs = json.loads(sys.argv[1])["runs"]
print(sum(1 for r in runs if r and r["keepalive"] == 1 and r["idle"] == 61))' "$out")" \
		100 "connections with the policy"
	assert_eq "$(stat_of cgroup=/ka_re,state=waiting applied)" 100 "applied, counted by the policy"
}

test_policy_for_a_cgroup_made_later() {
	kactl_set --cgroup /ka_later/app.service --idle 62
	assert_eq "$(cgroup_json /ka_later/app.service cgroup_state)" waiting "state before"
	assert_eq "$(stat_of cgroup=/ka_later/app.service,state=waiting idle)" 62 "ka_stats before"
	"$KACTL" list | grep -q '^cgroup /ka_later/app.service .* waiting$' ||
		fail "list does not say waiting: $("$KACTL" list)"
	cgroup_add /ka_later
	expect_ka "$(in_cgroup /ka_later python3 -S "$KA_CONN" pair 7301)" client keepalive=0
	cgroup_add /ka_later/app.service
	assert_eq "$(cgroup_json /ka_later/app.service cgroup_state)" active "state after"
	expect_ka "$(in_cgroup /ka_later/app.service python3 -S "$KA_CONN" pair 7301)" client keepalive=1 idle=62
	assert_eq "$(stat_of cgroup=/ka_later/app.service,state=active applied)" 2 "applied"
}

test_delete_and_set_by_path_whatever_happened_to_the_cgroup() {
	mkdir /sys/fs/cgroup/ka_gone
	"$KACTL" set --cgroup /ka_gone --idle 63
	defer "$KACTL" flush
	rmdir /sys/fs/cgroup/ka_gone
	mkdir /sys/fs/cgroup/ka_gone
	rmdir /sys/fs/cgroup/ka_gone
	# Set again: the same policy, replaced, not a second one.
	"$KACTL" set --cgroup /ka_gone --idle 64
	assert_eq "$(grep -c '^cgroup=/ka_gone,' /proc/net/ka_stats)" 1 "rows"
	assert_eq "$(stat_of cgroup=/ka_gone,state=waiting idle)" 64 "replaced"
	"$KACTL" del --cgroup /ka_gone
	assert_eq "$("$KACTL" -j list)" "[]" "policies after del"
}

test_load_replace_with_cgroups_that_do_not_exist_yet() {
	local f
	f=$(mktemp)
	defer rm -f "$f"
	defer "$KACTL" flush
	printf -- '--cgroup /ka_boot/redis.service --idle 65\n--port 7302 --cgroup /ka_boot/web.service --idle 66\n' >"$f"
	"$KACTL" load --replace "$f"
	assert_eq "$(cgroup_json /ka_boot/redis.service cgroup_state)" waiting "redis"
	assert_eq "$(cgroup_json /ka_boot/web.service cgroup_state)" waiting "web"
	cgroup_add /ka_boot
	cgroup_add /ka_boot/web.service
	expect_ka "$(in_cgroup /ka_boot/web.service python3 -S "$KA_CONN" pair 7302)" client keepalive=1 idle=66
}

# By id (netlink only): that cgroup object, not its path.
test_policy_by_id_names_one_cgroup_object() {
	local id
	mkdir /sys/fs/cgroup/ka_obj
	defer rmdir /sys/fs/cgroup/ka_obj
	id=$(stat -c %i /sys/fs/cgroup/ka_obj)
	assert_eq "$(python3 -S "$KA_GENL" policy_set cgroup_id=u64:"$id" idle=u32:67)" ok "set by id"
	defer "$KACTL" flush
	expect_ka "$(in_cgroup /ka_obj python3 -S "$KA_CONN" pair 7303)" client keepalive=1 idle=67
	"$KACTL" list | grep -q "^cgroup id:$id .* active\$" ||
		fail "list: $("$KACTL" list)"
	rmdir /sys/fs/cgroup/ka_obj
	mkdir /sys/fs/cgroup/ka_obj
	expect_ka "$(in_cgroup /ka_obj python3 -S "$KA_CONN" pair 7303)" client keepalive=0
	assert_eq "$(stat_of cgroup_id="$id",state=gone idle)" 67 "ka_stats: gone"
}

# A reader sees a path relative to its own cgroup namespace, and nothing
# of a cgroup outside it; a setter inside names paths the same way.
test_paths_as_the_reader_cgroup_namespace_shows_them() {
	local inside
	cgroup_add /ka_ns
	cgroup_add /ka_ns/inner
	kactl_set --cgroup /ka_ns/inner --idle 68
	"$KACTL" set --cgroup /ka_elsewhere --idle 69
	inside=$(in_cgroup /ka_ns unshare -C "$KACTL" -j list)
	assert_eq "$(python3 -S -c '
import json, sys
print(" ".join(sorted(p.get("cgroup", "hidden" if p.get("cgroup_hidden") else "?")
                      for p in json.loads(sys.argv[1]))))' "$inside")" \
		"/inner hidden" "policies seen inside"
	[[ $inside != *ka_elsewhere* && $inside != *ka_ns* ]] ||
		fail "a path outside the namespace leaked: $inside"
	inside=$(in_cgroup /ka_ns unshare -C cat /proc/net/ka_stats)
	[[ $inside == *"cgroup=/inner,state=active "* ]] || fail "ka_stats inside: $inside"
	[[ $inside == *"cgroup=(outside) "* ]] || fail "ka_stats inside: $inside"
	[[ $inside != *ka_* ]] || fail "a path outside the namespace leaked: $inside"
	# Set inside: the host sees the whole path, and the policy works.
	in_cgroup /ka_ns unshare -C "$KACTL" set --cgroup /inner2 --idle 70
	assert_eq "$(stat_of cgroup=/ka_ns/inner2,state=waiting idle)" 70 "set inside, seen outside"
	cgroup_add /ka_ns/inner2
	expect_ka "$(in_cgroup /ka_ns/inner2 python3 -S "$KA_CONN" pair 7304)" client keepalive=1 idle=70
}

# The longest path a policy may name (1023 bytes), in every dump, many
# times over, so that the dumps span several messages.
test_longest_cgroup_path_in_every_dump() {
	local i path long=""
	for i in 1 2 3; do
		long+=/$(printf 'c%.0s' $(seq 254))
	done
	# 3 * 255 bytes so far; 20 paths of 1023 bytes in all.
	for i in $(seq 10 29); do
		path=$long/ka$i$(printf 'x%.0s' $(seq $((1023 - ${#long} - 5))))
		[ ${#path} -eq 1023 ] || fail "path of ${#path} bytes"
		"$KACTL" set --cgroup "$path" --idle "$i"
	done
	defer "$KACTL" flush
	assert_eq "$("$KACTL" -j list | python3 -S -c '
import json, sys; print(sum(1 for p in json.load(sys.stdin) if len(p["cgroup"]) == 1023))')" \
		20 "kactl -j list"
	assert_eq "$("$KACTL" list | grep -c ' waiting$')" 20 "kactl list"
	assert_eq "$("$KACTL" -j stats | python3 -S -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if len(p["scope"]) == len("cgroup  (waiting)") + 1023))')" \
		20 "kactl -j stats"
	assert_eq "$(grep -c '^cgroup=/c' /proc/net/ka_stats)" 20 "ka_stats"
	# One byte more is refused, by kactl and by the kernel.
	expect_fail 2 "$KACTL" set --cgroup "${path}y" --idle 5
	assert_match "$EXPECT_STDERR" "longer than 1023 bytes" "kactl"
	assert_eq "$(python3 -S "$KA_GENL" policy_set cgroup_path=str:"${path}y" idle=u32:5)" \
		"error ENAMETOOLONG: a cgroup path is at most 1023 bytes long, counted from the root of the cgroup hierarchy" \
		"kernel"
}
