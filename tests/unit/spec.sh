# SPDX-License-Identifier: GPL-2.0
#
# The netlink YAML spec, the uapi header and the module's own attribute
# policies and ops describe one family: names, values, types, range checks,
# do/dump, admin permission, each op's request attributes
# (tests/lib/spec_check.py). The module's side is hand-written, not
# generated with ynl-gen: module/netlink.c says why.

test_spec_agrees_with_uapi_and_module() {
	local out
	out=$(/usr/bin/python3 tests/lib/spec_check.py) || fail "disagreements:
$out"
}
