# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf: its version is VERSION's, and dkms builds the module against
# the installed kernel headers (in throw-away trees, so nothing lands in
# /usr/src or /var/lib/dkms).

test_dkms_version_is_the_project_version() {
	# dkms sources it with its own variables set: not under set -u.
	assert_eq "$(bash -c '. ./dkms.conf; echo "$PACKAGE_VERSION"')" "$(cat VERSION)" \
		"PACKAGE_VERSION in dkms.conf"
}

test_dkms_builds_the_module() {
	local t v kver ko
	t=$(mktemp -d)
	defer rm -rf "$t"
	v=$(cat VERSION)
	kver=$(make -s --no-print-directory kver)
	mkdir -p "$t/ka_policy-$v" "$t/tree"
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$t/ka_policy-$v"
	dkms build --dkmstree "$t/tree" --sourcetree "$t" -m ka_policy -v "$v" \
		-k "$kver" >"$t/log" 2>&1 || fail "dkms build failed: $(tail -20 "$t/log")"
	ko=$(find "$t/tree" -name ka_policy.ko | head -n 1)
	[ -n "$ko" ] || fail "dkms built no ka_policy.ko"
	assert_eq "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$kver" "vermagic"
	assert_eq "$(modinfo -F version "$ko")" "$v" "module version"
	# A request for the family loads the module (main.c).
	modinfo -F alias "$ko" | grep -qx 'net-pf-16-proto-16-family-ka_policy' ||
		fail "no genetlink family alias: $(modinfo -F alias "$ko")"
}
