# SPDX-License-Identifier: GPL-2.0
#
# Shared by the stress programs of tests/stress (issue 16): each is a
# file of tests (tests/lib/testlib.sh) that runs in the test VM, at one of
# two sizes from the same code:
#
#   KA_STRESS=full   make stress (tests/stress.sh), on the debug kernel:
#                    the figures of Documentation/testing.rst
#   otherwise        make check's short run of the same programs
#
# Every program reports what it did as one "figure" line, which
# tests/stress.sh gathers into the table (a failed test's output reaches
# the TAP stream as "# " lines too, so a failing figure still has its
# row).
source "$KA_ROOT/tests/lib/ka.sh"

# stress_n FULL SHORT: how many (connections, cycles, messages) to make.
stress_n() {
	if [ "${KA_STRESS:-}" = full ]; then echo "$1"; else echo "$2"; fi
}

# stress_figure N WHAT COUNT SECONDS FAILURES: the program's row of the
# table: figure N of the issue, what was done, how many, in how long,
# how many failures were found (the test fails on its own when that is
# not 0: this only records it).
stress_figure() {
	jq -cn --argjson figure "$1" --arg what "$2" --argjson count "$3" \
		--argjson seconds "$4" --argjson failures "$5" \
		--arg scale "${KA_STRESS:-short}" --arg kernel "$(uname -r)" \
		'{$figure, $what, $count, $seconds, $failures, $scale, $kernel}' |
		sed 's/^/figure: /' | while IFS= read -r l; do note "$l"; done
}

# Every program starts with the module loaded (one may unload it) and a
# scratch directory of its own, $KA_OUT, removed when it ends.
before_each() {
	ka_load
	KA_OUT=$(mktemp -d)
	defer rm -rf "$KA_OUT"
}

# stress_tool NAME: the path of tests/stress/NAME.c built, by
# tests/stress.sh --tools on the host (make stress and make check run it), else
# here, into $KA_OUT.
stress_tool() {
	local src=$KA_ROOT/tests/stress/$1.c built=$KA_ROOT/tests/.build/stress/$1
	if [ -x "$built" ] && [ "$built" -nt "$src" ]; then
		echo "$built"
		return
	fi
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$KA_OUT/$1" "$src" ||
		fail "$src does not build"
	echo "$KA_OUT/$1"
}
