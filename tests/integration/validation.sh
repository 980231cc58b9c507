# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own checks on policy requests, bypassing kactl: every kind
# of invalid input is rejected with an extack message and changes nothing.
source "$KA_ROOT/tests/lib/ka.sh"
KA_GENL=$KA_ROOT/tests/lib/ka_genl.py

# rejected ERRNO MESSAGE-REGEX COMMAND ATTRS...: the kernel refuses it, and
# the namespace's policies are the same afterwards.
rejected() {
	local want_errno=$1 want_msg=$2 before out
	shift 2
	before=$("$KACTL" -j list)
	out=$(python3 "$KA_GENL" "$@") && fail "accepted: $*"
	assert_match "$out" "^error $want_errno: " "errno for: $*"
	assert_match "$out" "$want_msg" "extack for: $*"
	assert_eq "$("$KACTL" -j list)" "$before" "policies after: $*"
}

before_each() {
	ka_load
	"$KACTL" flush
	defer "$KACTL" flush
	# A policy that a rejected request must leave alone.
	"$KACTL" set --port 7700 --idle 10
}

test_crafted_valid_request_is_accepted() {
	assert_eq "$(python3 "$KA_GENL" policy_set port_min=u16:7701 idle=u32:5)" ok "valid set"
	expect_ka "$(pair 7701)" client 1 5
}

test_values_out_of_range() {
	local range="integer out of range|out of range"
	rejected ERANGE "$range" policy_set port_min=u16:7700 idle=u32:0
	rejected ERANGE "$range" policy_set port_min=u16:7700 idle=u32:32768
	rejected ERANGE "$range" policy_set port_min=u16:7700 intvl=u32:0
	rejected ERANGE "$range" policy_set port_min=u16:7700 intvl=u32:32768
	rejected ERANGE "$range" policy_set port_min=u16:7700 cnt=u32:0
	rejected ERANGE "$range" policy_set port_min=u16:7700 cnt=u32:128
	rejected ERANGE "$range" policy_set port_min=u16:7700 user_timeout=u32:2147483648
	rejected ERANGE "$range" policy_set port_min=u16:0 idle=u32:5
	rejected ERANGE "$range" policy_set port_min=u16:7700 dir=u8:3
	rejected ERANGE "$range" policy_set port_min=u16:7700 mode=u8:2
}

test_bad_selectors() {
	rejected EINVAL "cannot end below its first port" \
		policy_set port_min=u16:7710 port_max=u16:7709 idle=u32:5
	rejected EINVAL "needs its first port" policy_set port_max=u16:7710 idle=u32:5
	rejected EINVAL "a direction needs a port" \
		policy_set cgroup_path=str:/ dir=u8:1 idle=u32:5
	rejected EINVAL "default policy takes no port" \
		policy_set default=flag: port_min=u16:7700 idle=u32:5
	rejected EINVAL "a selector is needed" policy_set idle=u32:5
	rejected EINVAL "by path or by id, not both" \
		policy_set cgroup_path=str:/ cgroup_id=u64:1 idle=u32:5
	rejected ENOENT "no such cgroup" policy_set cgroup_path=str:/nope idle=u32:5
	if ka_has cgroup_id; then
		rejected ENOENT "no such cgroup" policy_set cgroup_id=u64:999999 idle=u32:5
	fi
}

# A cgroup by id works exactly where kactl version does not list it as
# missing (5.10 cannot look a cgroup up by id); by path it works on all.
test_cgroup_by_id_works_or_is_reported_missing() {
	local id
	cgroup_add /ka_byid
	id=$(stat -c %i /sys/fs/cgroup/ka_byid)
	if ka_has cgroup_id; then
		assert_eq "$(python3 "$KA_GENL" policy_set cgroup_id=u64:"$id" idle=u32:5)" ok "set by id"
		"$KACTL" list | grep -q '^cgroup /ka_byid idle 5 '
	else
		rejected EOPNOTSUPP "cannot look a cgroup up by id: give its path" \
			policy_set cgroup_id=u64:"$id" idle=u32:5
		dmesg | grep -q "cannot look cgroups up by id" ||
			fail "the kernel log does not say why"
	fi
	# Deleting by id needs no lookup, on every kernel.
	"$KACTL" set --cgroup /ka_byid --idle 6
	assert_eq "$(python3 "$KA_GENL" policy_del cgroup_id=u64:"$id")" ok "del by id"
	! "$KACTL" list | grep -q '^cgroup /ka_byid ' || fail "still listed after del by id"
}

test_bad_actions() {
	rejected EINVAL "exemption \(off\) takes no keepalive settings" \
		policy_set port_min=u16:7700 off=flag: idle=u32:5
	rejected EINVAL "delete takes a selector only" \
		policy_del port_min=u16:7700 idle=u32:5
}

test_malformed_messages() {
	rejected EINVAL "^error EINVAL: Unknown attribute type$" \
		policy_set port_min=u16:7700 99=u32:1
	rejected EINVAL "invalid attribute length" policy_set port_min=u32:7700 idle=u32:5
	rejected EINVAL "Unsupported attribute" policy_set --top version=u32:1
	rejected EINVAL "the request carries no policy" policy_set
	rejected EINVAL "Unknown attribute type" policy_flush --top 99=u32:1
	rejected EINVAL "Unsupported attribute" version --top stats=u32:1
}

test_replace_with_bad_values_keeps_the_old_policy() {
	rejected ERANGE "." policy_set port_min=u16:7700 idle=u32:0
	assert_eq "$(stat_of port=7700 idle)" 10 "idle of the kept policy"
	expect_ka "$(pair 7700)" client 1 10
}
