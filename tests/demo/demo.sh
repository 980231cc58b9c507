#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the test VM (tests/vm/ka-vm) with ka_policy loaded
# and shows, command by command, what the module does.
set -eu
KACTL=$KA_ROOT/userspace/kactl

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

run() {
	printf '$ %s\n' "$*"
	"$@"
}

step "A VM running Debian's kernel $(uname -r), ka_policy loaded:"
run grep ka_policy /proc/modules
run "$KACTL" version

step "Each network namespace gets its own counters in /proc/net/ka_stats:"
run cat /proc/net/ka_stats
ip netns add demo
trap 'ip netns del demo 2>/dev/null' EXIT
run ip netns exec demo cat /proc/net/ka_stats

step "kactl reads them over generic netlink, as a table or as JSON:"
run "$KACTL" stats
run "$KACTL" -j -p stats

step "Unloading removes everything it created:"
run rmmod ka_policy
run ls /proc/net/ka_stats || true
run "$KACTL" stats || true
run insmod "$KA_MODULE"
echo
echo "Demo done."
