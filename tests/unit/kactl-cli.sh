# SPDX-License-Identifier: GPL-2.0
#
# kactl's command line on the host, where the module is never loaded:
# usage errors exit 2 and point to --help, a missing module exits 1 and
# says how to load it.
KACTL=${KACTL:-$PWD/userspace/kactl}

test_version_option_needs_no_module() {
	assert_eq "$("$KACTL" -V)" "kactl $(cat VERSION)" "kactl -V"
}

test_help_exits_0() {
	"$KACTL" --help | grep -q '^Usage: kactl'
}

test_unknown_command_is_usage_error() {
	expect_fail 2 "$KACTL" frobnicate
	assert_match "$EXPECT_STDERR" "unknown command 'frobnicate'" "stderr"
	assert_match "$EXPECT_STDERR" "kactl --help" "stderr"
}

test_unknown_option_is_usage_error() {
	expect_fail 2 "$KACTL" --frobnicate stats
	assert_match "$EXPECT_STDERR" "kactl --help" "stderr"
}

test_no_command_is_usage_error() {
	expect_fail 2 "$KACTL"
	assert_match "$EXPECT_STDERR" "no command given" "stderr"
}

test_prefix_of_command_is_not_accepted() {
	expect_fail 2 "$KACTL" stat
}

test_missing_module_is_reported() {
	expect_fail 1 "$KACTL" stats
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "stderr"
	assert_match "$EXPECT_STDERR" "modprobe ka_policy" "stderr"
	assert_eq "$EXPECT_STDOUT" "" "stdout"
}
