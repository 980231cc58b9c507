# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/kernels.sh: a release of tests/kernels.list stands for its
# series once Debian drops it, and never for another listed release.
# Installed kernels are faked in a root of their own (KA_KERNELS_ROOT).
source tests/lib/kernels.sh

# fake_kernels RELEASE...: image and headers of each, in a fresh root.
fake_kernels() {
	local r
	KA_KERNELS_ROOT=$(mktemp -d)
	defer rm -rf "$KA_KERNELS_ROOT"
	mkdir -p "$KA_KERNELS_ROOT/boot" "$KA_KERNELS_ROOT/usr/src"
	for r in "$@"; do
		touch "$KA_KERNELS_ROOT/boot/vmlinuz-$r"
		mkdir "$KA_KERNELS_ROOT/usr/src/linux-headers-$r"
	done
}

test_series_leaves_only_the_abi_open() {
	assert_eq "$(kernel_series 5.10.0-32-amd64)" '5\.10\.0-[0-9]+-amd64' "Debian ABI"
	assert_eq "$(kernel_series 6.12.95+deb12-amd64)" '6\.12\.[0-9]+\+deb12-amd64' "backport"
	assert_eq "$(kernel_series 6.1.0-0.deb11.21-amd64)" '6\.1\.0-0\.deb11\.21-amd64' "another form: itself"
	grep -xqE "$(kernel_series 6.1.0-57-amd64)" <<<6.1.0-58-amd64 || fail "6.1.0-58 not in 6.1.0-57's series"
	! grep -xqE "$(kernel_series 6.1.0-57-amd64)" <<<6.1.0-58-cloud-amd64 ||
		fail "another flavour in the series"
}

test_a_listed_release_is_used_when_installed() {
	fake_kernels 5.10.0-32-amd64 5.10.0-40-amd64
	assert_eq "$(kernel_installed 5.10.0-32-amd64)" 5.10.0-32-amd64 "the listed one"
}

test_a_gone_release_stands_for_the_newest_of_its_series() {
	fake_kernels 5.10.0-33-amd64 5.10.0-40-amd64 5.10.0-9-amd64 6.1.0-60-amd64
	assert_eq "$(kernel_installed 5.10.0-32-amd64)" 5.10.0-40-amd64 "newest of 5.10.0"
	fake_kernels 6.12.117+deb12-amd64
	assert_eq "$(kernel_installed 6.12.95+deb12-amd64)" 6.12.117+deb12-amd64 "backport series"
	fake_kernels 6.1.0-60-amd64
	assert_eq "$(kernel_installed 5.10.0-32-amd64)" "" "no kernel of the series"
}

test_a_listed_release_never_stands_for_another() {
	# 6.1.0-50 and 6.1.0-57 are both in tests/kernels.list.
	grep -q '^6\.1\.0-50-amd64 ' tests/kernels.list && grep -q '^6\.1\.0-57-amd64 ' tests/kernels.list ||
		skip "tests/kernels.list no longer lists 6.1.0-50 and 6.1.0-57"
	fake_kernels 6.1.0-57-amd64
	assert_eq "$(kernel_installed 6.1.0-50-amd64)" "" "6.1.0-57 for 6.1.0-50"
	fake_kernels 6.1.0-57-amd64 6.1.0-58-amd64
	assert_eq "$(kernel_installed 6.1.0-50-amd64)" 6.1.0-58-amd64 "an unlisted one of the series"
}
