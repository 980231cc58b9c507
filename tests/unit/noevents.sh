# SPDX-License-Identifier: GPL-2.0
#
# The module without events, as it is built for a kernel whose generic
# netlink cannot restrict who joins a multicast group (module/compat.h):
# KA_FORCE_NO_MCAST_PERM=y builds that on the kernel make builds for,
# which can. It builds clean (W=1 -Werror, sparse), and sends nothing: it
# does not link against netlink_broadcast(), which the normal build's
# events go through. tests/integration/monitor.sh checks, in a VM with
# such a module loaded, what a user sees (make check runs it with the
# module built here).

# build_variant DIR [MAKE-VARIABLE=VALUE...]: the module in DIR, against
# the kernel make builds for; prints its path.
build_variant() {
	local dir=$1 kdir
	shift
	kdir=$(make -s --no-print-directory kdir)
	[ -n "$kdir" ] || fail "no kernel build tree (make kdir)"
	tests/lib/build-module.sh "$kdir" "$dir" "$@" >"$dir.log" 2>&1 ||
		fail "the build failed: $(tail -n 20 "$dir.log")"
	echo "$dir/module/ka_policy.ko"
}

# Kept in tests/.build/noevents: make check's integration stage loads it
# in a VM (tests/run-tests.sh) and runs monitor.sh with it.
test_the_build_without_events_is_clean_and_sends_nothing() {
	local t=tests/.build/noevents ko
	rm -rf "$t"
	mkdir -p "$t"
	ko=$(build_variant "$t" KA_FORCE_NO_MCAST_PERM=y C=2)
	nm -u "$ko" | grep -qw netlink_broadcast &&
		fail "a build without events links against netlink_broadcast"
	modinfo -F alias "$ko" | grep -qx 'net-pf-16-proto-16-family-ka_policy' ||
		fail "no genetlink family alias: $(modinfo -F alias "$ko")"
}

# The other side: the normal build for this kernel, which has the
# permission flag (Debian's kernels all do), sends events.
test_the_normal_build_sends_events() {
	local t ko=module/ka_policy.ko
	# make check built it for this kernel already; else build one.
	if [ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" != \
	     "$(make -s --no-print-directory kver)" ]; then
		t=$(mktemp -d)
		defer rm -rf "$t" "$t.log"
		ko=$(build_variant "$t")
	fi
	nm -u "$ko" | grep -qw netlink_broadcast ||
		fail "the normal build has no events: does $(make -s --no-print-directory kdir) lack GENL_MCAST_CAP_NET_ADMIN and the 5.10.y backport (module/compat.h)?"
}
