# SPDX-License-Identifier: GPL-2.0
#
# module/conftest.sh, the build's feature probes, with a stand-in for the
# kernel's compiler: which probes compile is up to the test, so that every
# outcome (a feature found, missing, found but not exported, a compiler
# that cannot build anything) is checked without a kernel tree.

before_each() {
	T=$(mktemp -d)
	defer rm -rf "$T"
	mkdir "$T/probes"
	printf '/* a feature */\nint ka_probe(void);\n' >"$T/probes/alpha.c"
	printf '/* another */\nint ka_probe(void);\n' >"$T/probes/beta_two.c"
	printf '/*\n * ka-conftest-export: gamma_fn\n */\n' >"$T/probes/gamma.c"
	printf '0x1\tgamma_fn\tvmlinux\tEXPORT_SYMBOL_GPL\t\n' >"$T/symvers"
	# The stand-in: -E prints an enum sock_flags as <net/sock.h> would;
	# -c succeeds for the files named in $T/ok (and the sanity check).
	cat >"$T/cc" <<'CC'
#!/bin/sh
for a; do
	case $a in
	-E) printf 'typedef int x;\nenum sock_flags {\n SOCK_DEAD,\n SOCK_DONE,\n SOCK_URGINLINE = 5,\n SOCK_LAST_ONE,\n};\nint y;\n'; exit 0 ;;
	*.c) src=$a ;;
	esac
done
grep -qx "$(basename "$src" .c)" "$(dirname "$0")/ok" || { echo "$src: error: no such thing" >&2; exit 1; }
CC
	chmod +x "$T/cc"
	echo sanity >"$T/ok"
}

conftest() {
	sh module/conftest.sh "$T/ka_config.h" "$T/probes" "$T/symvers" "$T/cc" -O2
}

test_found_and_missing_features() {
	echo alpha >>"$T/ok"
	conftest || fail "conftest.sh failed"
	grep -qx '#define KA_HAVE_ALPHA 1' "$T/ka_config.h" || fail "alpha not found: $(cat "$T/ka_config.h")"
	grep -qx '/\* #undef KA_HAVE_BETA_TWO \*/' "$T/ka_config.h" || fail "beta_two not missing"
	grep -q 'beta_two.c: error: no such thing' "$T/ka_config.log" || fail "the log lacks why beta_two failed"
}

test_last_sock_flag_is_read() {
	conftest || fail "conftest.sh failed"
	grep -qx '#define KA_SOCK_FLAG_LAST SOCK_LAST_ONE' "$T/ka_config.h" ||
		fail "$(grep SOCK_FLAG "$T/ka_config.h")"
}

test_a_probe_needs_its_export() {
	echo gamma >>"$T/ok"
	conftest || fail "conftest.sh failed"
	grep -qx '#define KA_HAVE_GAMMA 1' "$T/ka_config.h" || fail "gamma exported, not found"
	: >"$T/symvers.empty"
	sh module/conftest.sh "$T/ka_config.h" "$T/probes" "$T/symvers.empty" "$T/cc" ||
		fail "conftest.sh failed"
	grep -qx '/\* #undef KA_HAVE_GAMMA \*/' "$T/ka_config.h" || fail "gamma found though not exported"
}

test_a_compiler_that_builds_nothing_fails_the_build() {
	: >"$T/ok"
	expect_fail 1 conftest
	assert_match "$EXPECT_STDERR" "cannot build a trivial file" "stderr"
	[ ! -e "$T/ka_config.h" ] || fail "a header was written"
}

test_an_unchanged_header_is_not_rewritten() {
	conftest || fail "conftest.sh failed"
	touch -d '2000-01-01' "$T/ka_config.h"
	conftest || fail "conftest.sh failed"
	[ "$(stat -c %Y "$T/ka_config.h")" = "$(date -d 2000-01-01 +%s)" ] ||
		fail "rewritten: objects that include it would rebuild"
}
