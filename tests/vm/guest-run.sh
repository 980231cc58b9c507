#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM, in the host's root file system: loads the module,
# runs the job's command (or a shell), unloads the module, and fails the
# job when the kernel complained on the way. Called by the job file that
# tests/vm/ka-vm writes; its settings arrive in KA_* variables.
#
# Exit status: the command's, or 125 when the harness itself found a fault
# (the message starts with "KA_VM_ERROR:").
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
cd "$KA_ROOT" || exit 125

# Taint flags a test run may cause: O (out-of-tree module, 4096) and
# E (unsigned module, 8192), and what the job allows on top (ka-vm
# --allow-taint). Anything else means the kernel saw trouble.
readonly TAINT_ALLOWED=$((4096 | 8192 | ${KA_TAINT_EXTRA:-0}))
# Kernel messages that mean a bug, whatever the test's own verdict.
readonly SPLAT='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|possible (recursive|circular) locking|suspicious RCU usage|inconsistent lock state|sleeping function called from invalid context|scheduling while atomic|Call Trace'

# Errors go to the console and, for ka-vm's verdict, to the result port.
error() {
	echo "KA_VM_ERROR: $*"
	echo "KA_VM_ERROR: ${*%%$'\n'*}" >/dev/ttyS1
	exit 125
}

check_taint() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	if (( t & ~TAINT_ALLOWED )); then
		error "kernel tainted ($t) $1; dmesg follows:
$(dmesg | tail -n 40)"
	fi
}

# The first line of the message names the first report (ka-vm shows only
# that line); the report itself follows.
check_dmesg() {
	local hits
	hits=$(dmesg | grep -E -B2 -A25 "$SPLAT" | head -n 120)
	[ -z "$hits" ] || error "kernel reported a problem $1: $(dmesg | grep -m1 -E "$SPLAT" | sed 's/^\[[ 0-9.]*\] //')
$hits"
}

module_loaded() {
	[ -d /sys/module/ka_policy ]
}

# kmemleak (the debug test kernel has it): what boot left is reported and
# forgotten before the test; after it, with the module unloaded, two scans (an object
# is reported once it stayed unreferenced and unchanged from one scan to the
# next, and is at least 5 s old) and any suspect fails the run.
readonly KMEMLEAK=/sys/kernel/debug/kmemleak
mountpoint -q /sys/kernel/debug ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

kmemleak_reset() {
	[ -e "$KMEMLEAK" ] || return 0
	# kmemleak reports an object only from its second scan on, and clear
	# greys only what was reported: scan twice, past the minimum age, so
	# that what boot leaked is reported, then cleared.
	sleep 5
	{ echo scan >"$KMEMLEAK" && sleep 1 && echo scan >"$KMEMLEAK" &&
		echo clear >"$KMEMLEAK"; } 2>/dev/null ||
		error "kmemleak does not work (disabled?):
$(dmesg | grep -i kmemleak | tail -n 5)"
}

# The kernel keeps the stacks of exited tasks for reuse without clearing
# them (7.x), and kmemleak scans them: a pointer left on the stack of the
# insmod that leaked it hides the leak. A burst of short processes on
# every CPU recycles those stacks first. (200 /bin/true: a second or two.)
recycle_stacks() {
	local i
	for i in $(seq 200); do /bin/true & done
	wait
}

check_kmemleak() {
	local report
	[ -e "$KMEMLEAK" ] || return 0
	recycle_stacks
	sleep 6
	{ echo scan >"$KMEMLEAK" && sleep 1 && echo scan >"$KMEMLEAK"; } 2>/dev/null ||
		error "kmemleak does not work (disabled?):
$(dmesg | grep -i kmemleak | tail -n 5)"
	report=$(cat "$KMEMLEAK")
	[ -z "$report" ] || error "kmemleak: $(grep -c '^unreferenced object' <<<"$report") new suspected memory leak(s) $1:
$(head -n 200 <<<"$report")"
}

# For ka-vm's stall watchdog: what the guest is doing.
phase() {
	echo "KA_VM_PHASE: $*" >/dev/ttyS1
}

phase "checking the kernel before the test"
check_taint "before the test"
kmemleak_reset
if [ -n "${KA_MODULE:-}" ]; then
	phase "loading the module"
	out=$(insmod "$KA_MODULE" 2>&1) ||
		error "insmod $KA_MODULE failed: $out
$(dmesg | tail -n 15)"
	check_taint "after loading the module"
fi

if [ "${KA_SHELL:-0}" = 1 ]; then
	echo "ka_policy test VM: $(uname -r), module ${KA_MODULE:-not loaded}; exit the shell to power off."
	PS1='ka-vm:\w# ' bash --norc -i
	rc=0
else
	phase "running: $*"
	"$@"
	rc=$?
fi
phase "unloading the module and checking the kernel"

if [ -n "${KA_MODULE:-}" ] && module_loaded; then
	out=$(rmmod ka_policy 2>&1) || error "rmmod ka_policy failed: $out"
fi
check_kmemleak "during the test"
check_dmesg "during the test"
check_taint "during the test"
exit "$rc"
