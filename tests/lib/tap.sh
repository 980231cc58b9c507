# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tests/run-tests.sh, tests/packages.sh and tests/matrix.sh:
# reading the TAP files a VM run leaves (tests/vm/ka-vm --results).

# tap_failures FILE: the failed tests of FILE, each "not ok" line with
# the "# " lines after it, which say why (tests/lib/testlib.sh sends a
# failed test's last lines); a passing test's "# " lines, measurements,
# are left out.
tap_failures() {
	awk '/^not ok /{ p = 1; print; next } /^ok /{ p = 0; next } p' "$1"
}
