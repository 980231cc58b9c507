# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/build-module.sh fails on any warning kbuild prints about the
# module, but not on 7.x's pahole version check where pahole has no part
# in a module's build (no CONFIG_DEBUG_INFO_BTF_MODULES): installing the
# 6.12 headers pulls pahole in after the debug kernel was built, which
# turned make check red once. A fake kernel tree prints what kbuild does.

# fake_kdir CONFIG-LINE MESSAGE...: a kernel tree whose "make modules"
# prints the MESSAGE lines on stderr and succeeds.
fake_kdir() {
	local line
	kdir=$(mktemp -d)
	defer rm -rf "$kdir"
	printf '%s\n' "$1" >"$kdir/.config"
	shift
	{
		printf 'modules:\n'
		for line in "$@"; do
			printf '\t@echo >&2 "%s"\n' "$line"
		done
	} >"$kdir/Makefile"
}

# build_into: runs build-module.sh against the fake tree; returns its status.
build_into() {
	local out
	out=$(mktemp -d)
	defer rm -rf "$out"
	tests/lib/build-module.sh "$kdir" "$out" >/dev/null 2>&1
}

pahole_warning=(
	'warning: pahole version differs from the one used to build the kernel'
	'  The kernel was built with: 0'
	'  You are using:             124'
)

test_a_pahole_difference_without_module_btf_is_not_a_warning() {
	fake_kdir '# CONFIG_DEBUG_INFO_BTF_MODULES is not set' "${pahole_warning[@]}"
	build_into || fail "the pahole check failed a build that does not use pahole"
}

test_a_pahole_difference_with_module_btf_fails_the_build() {
	fake_kdir 'CONFIG_DEBUG_INFO_BTF_MODULES=y' "${pahole_warning[@]}"
	! build_into || fail "a pahole difference where pahole makes the module's BTF passed"
}

test_any_other_warning_fails_the_build() {
	fake_kdir '# CONFIG_DEBUG_INFO_BTF_MODULES is not set' \
		'WARNING: modpost: missing MODULE_DESCRIPTION() in ka_policy.o'
	! build_into || fail "a modpost warning passed"
	fake_kdir '# CONFIG_DEBUG_INFO_BTF_MODULES is not set' \
		'warning: the compiler differs from the one used to build the kernel'
	! build_into || fail "a compiler difference passed"
}
