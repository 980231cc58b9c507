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
	out=$(python3 -S "$KA_GENL" "$@") && fail "accepted: $*"
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
	assert_eq "$(python3 -S "$KA_GENL" policy_set port_min=u16:7701 idle=u32:5)" ok "valid set"
	expect_ka "$(pair 7701)" client keepalive=1 idle=5
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
	rejected ENOENT "no such cgroup" policy_set cgroup_id=u64:999999 idle=u32:5
	rejected ERANGE "out of range" policy_set cgroup_id=u64:9223372036854775808 idle=u32:5
	local bad="a cgroup path is absolute, with no \. or \.\. and no newline"
	rejected EINVAL "$bad" policy_set cgroup_path=str:system.slice idle=u32:5
	rejected EINVAL "$bad" policy_set cgroup_path=str: idle=u32:5
	rejected EINVAL "$bad" policy_set cgroup_path=str:/a/./b idle=u32:5
	rejected EINVAL "$bad" policy_set cgroup_path=str:/a/.. idle=u32:5
	rejected EINVAL "$bad" policy_set "cgroup_path=str:/a
b" idle=u32:5
	rejected ENAMETOOLONG "at most 1023 bytes long" \
		policy_set cgroup_path=str:/"$(printf 'a%.0s' $(seq 1023))" idle=u32:5
	rejected ENOENT "no policy with this selector" policy_del cgroup_path=str:/ka-never-set
}

# A cgroup by id, on every kernel (5.10 exports no lookup by id: compat.h
# walks the hierarchy), and as the setter's cgroup namespace sees it.
test_cgroup_by_id() {
	local id other
	cgroup_add /ka_byid
	cgroup_add /ka_byid/inner
	cgroup_add /ka_other
	id=$(stat -c %i /sys/fs/cgroup/ka_byid/inner)
	other=$(stat -c %i /sys/fs/cgroup/ka_other)
	assert_eq "$(python3 -S "$KA_GENL" policy_set cgroup_id=u64:"$id" idle=u32:5)" ok "set by id"
	assert_eq "$(stat_of cgroup_id="$id",state=active idle)" 5 "ka_stats row, named by its id"
	# Deleting by id needs no lookup.
	assert_eq "$(python3 -S "$KA_GENL" policy_del cgroup_id=u64:"$id")" ok "del by id"
	assert_eq "$(stat_of cgroup_id="$id",state=active idle)" "" "ka_stats row after del by id"
	# Inside a cgroup namespace rooted at /ka_byid, /ka_byid/inner can be
	# named, and /ka_other does not exist.
	assert_eq "$(in_cgroup /ka_byid unshare -C python3 -S "$KA_GENL" policy_set \
		cgroup_id=u64:"$id" idle=u32:6)" ok "set by id in a cgroup namespace"
	assert_eq "$(stat_of cgroup_id="$id",state=active idle)" 6 "ka_stats row"
	assert_match "$(in_cgroup /ka_byid unshare -C python3 -S "$KA_GENL" policy_set \
		cgroup_id=u64:"$other" idle=u32:6)" "^error ENOENT: no such cgroup" \
		"a cgroup outside the namespace"
	"$KACTL" flush
}

test_bad_actions() {
	rejected EINVAL "exemption \(off\) takes no keepalive settings" \
		policy_set port_min=u16:7700 off=flag: idle=u32:5
	rejected EINVAL "this request takes a selector only" \
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

# existing-apply (a dump) names its policy by a selector: the module
# checks it in the dump's first part, and a refusal ends the dump with an
# NLMSG_DONE that carries the errno and the extack message, on every
# kernel (a refusal in the dump's start callback lost its message on
# 6.1, whose genetlink gives that callback no extack).
test_existing_apply_refusals_carry_their_message() {
	rejected ENOENT "^error ENOENT: no policy with this selector$" \
		--dump existing_apply port_min=u16:7799
	rejected EINVAL "this request takes a selector only" \
		--dump existing_apply port_min=u16:7700 idle=u32:5
	rejected EINVAL "port range cannot end below its first port" \
		--dump existing_apply port_min=u16:7710 port_max=u16:7709
	rejected ERANGE "out of range" --dump existing_apply port_min=u16:0
	assert_eq "$(python3 -S "$KA_GENL" --dump existing_apply port_min=u16:7700)" ok \
		"the walk of a policy that exists"
	assert_eq "$(python3 -S "$KA_GENL" --dump existing_apply)" ok "the walk of every policy"
}

# Add creates only: a selector that has a policy is refused and keeps it
# whole; add checks what set checks; set still replaces.
test_add_creates_only() {
	rejected EEXIST "^error EEXIST: a policy for this selector exists$" \
		policy_add port_min=u16:7700 idle=u32:20
	rejected EEXIST "a policy for this selector exists" \
		policy_add port_min=u16:7700 port_max=u16:7700 dir=u8:0 off=flag:
	rejected ERANGE "out of range" policy_add port_min=u16:7701 idle=u32:0
	rejected EINVAL "a selector is needed" policy_add idle=u32:5
	rejected EINVAL "the request carries no policy" policy_add
	assert_eq "$(python3 -S "$KA_GENL" policy_add port_min=u16:7701 idle=u32:21)" ok "add of a new selector"
	assert_eq "$(python3 -S "$KA_GENL" policy_add default=flag: idle=u32:22)" ok "add of the default"
	rejected EEXIST "a policy for this selector exists" policy_add default=flag: idle=u32:23
	assert_eq "$(python3 -S "$KA_GENL" policy_set port_min=u16:7701 idle=u32:24)" ok "set of an existing selector"
	assert_eq "$(awk 'NR > 2 { print $1, $2 }' /proc/net/ka_stats | xargs)" \
		"port=7700 10 port=7701 24 default 22" "policies"
	expect_ka "$(pair 7701)" client keepalive=1 idle=24
}

test_replace_with_bad_values_keeps_the_old_policy() {
	rejected ERANGE "." policy_set port_min=u16:7700 idle=u32:0
	assert_eq "$(stat_of port=7700 idle)" 10 "idle of the kept policy"
	expect_ka "$(pair 7700)" client keepalive=1 idle=10
}
