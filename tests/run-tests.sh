#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh [unit|style|vm|debug|packages|all]: runs the test suites, collects
# their TAP lines under tests/.build/results and ends with "N passed, N
# failed". Exit status 1 when anything failed or nothing ran.
#
#   unit  host tests: kactl's parser and output, and its CLI run on kactl
#         built with ASan and UBSan (make kactl-asan)
#   style checkpatch --strict and sparse on the module
#   vm    the VM harness's self-test, then the integration tests in a VM
#         (tests/vm/ka-vm) on each Debian kernel that tests/kernels.list
#         marks "check": Debian 12's default 6.1 and Debian 11's 5.10, the
#         oldest supported (make matrix runs the others)
#   debug on the debug test kernel, 7.x (tests/kernel/build.sh: KASAN,
#         UBSAN, lockdep, kmemleak, hang detectors, KUnit; built when it is
#         not cached): the KUnit suites, the integration tests again with
#         tests/debug/, and the stress programs of tests/stress at a small
#         size (make stress runs them at full size)
#   packages  the Debian packages (make deb) installed on this machine for
#         real, DKMS's module loaded and used on each kernel in the VM,
#         then purged (tests/packages.sh: as root; a package or a module
#         of ka_policy already on the machine fails it, unless
#         KA_PACKAGES_SKIP_INSTALLED=1 makes it skip)
#
# "all" (make check) runs the VMs in two lanes at once, after the host
# stages: [debian] the harness, the Debian kernels' integration runs,
# then the debug kernel's; [debug] the debug kernel's build (when not
# cached), the harness on it, KUnit, the short stress programs. Two emulated
# guests at once each run about 1.65 times slower than one alone
# (measured: 203 and 215 s for what took 127 s alone), so the lanes save
# about 15% of the time, more while the kernel builds. The packages stage
# comes after both lanes: what it installs on this machine is what every
# guest sees (their root is this machine's), and a test that unloads the
# module and expects kactl to find none would have the kernel load the
# installed one. Each lane's lines
# carry its name; the results count as before. To keep within its time,
# "all" runs the whole integration suite on the default kernel only, and
# on the others the tests check_subsets (below) names; vm and debug run
# all of them.
set -u
cd "$(dirname "$0")/.."
root=$PWD
source tests/lib/kernels.sh
source tests/lib/tap.sh
what=${1:-all}
results=$root/tests/.build/results
rm -rf "$results"
mkdir -p "$results"

# A suite that could not run at all still counts, as one failure.
suite_failed() {	# file message
	echo "not ok - $2" | tee -a "$1"
}

run_unit() {
	local bin=$root/tests/.build/kactl_test
	echo "== host unit tests"
	if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-I userspace -I module/uapi -o "$bin" tests/unit/kactl_test.c \
		userspace/parse.c userspace/out.c userspace/policy.c userspace/conf.c; then
		suite_failed "$results/unit.tap" "unit: kactl_test does not build"
		return
	fi
	"$bin" | tee "$results/unit.tap" | grep -v '^ok '
	# The CLI cases run the sanitizer build of kactl (tests/unit/kactl-cli.sh).
	if ! make -s --no-print-directory kactl-asan KA_WERROR=1 \
		>"$results/kactl-asan.log" 2>&1; then
		tail -n 20 "$results/kactl-asan.log"
		suite_failed "$results/kactl-asan.tap" "cli: kactl does not build with ASan and UBSan"
	fi
	KACTL=$root/tests/.build/kactl-asan/kactl tests/lib/testlib.sh cli \
		tests/unit/*.sh | tee "$results/cli.tap" | grep -v '^ok '
}

# run_vm NAME WHAT KA-VM-OPTIONS... -- COMMAND...: one VM run whose TAP
# lines (from the result port) count; a VM that failed counts once more.
run_vm() {
	local name=$1 what=$2 rc
	shift 2
	echo "== $name: $what"
	local start=$SECONDS
	tests/vm/ka-vm --quiet --log "$results/$name.console" \
		--results "$results/$name.tap" "$@" 2>"$results/$name.err"
	rc=$?
	tap_failures "$results/$name.tap"
	# A retried boot (an emulator fault, tests/vm/ka-vm) is never silent.
	grep '^ka-vm: .*retr' "$results/$name.err" | tee -a "$results/retries"
	if [ $rc = 125 ] || ! [ -s "$results/$name.tap" ]; then
		suite_failed "$results/$name.tap" \
			"$name: $(cat "$results/$name.err") (exit $rc)"
		console_excerpt "$results/$name.console"
	elif [ $rc != 0 ] && ! grep -q '^not ok' "$results/$name.tap"; then
		suite_failed "$results/$name.tap" "$name: exit $rc with no failed test"
	fi
	local skips
	skips=$(grep -c '^ok .* # SKIP' "$results/$name.tap")
	if [ "$skips" = 0 ]; then skips=; else skips=", $skips skipped"; fi
	echo "   $(grep '^ok ' "$results/$name.tap" | grep -vc ' # SKIP') passed$skips in $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s (console log: $results/$name.console)"
}

# The part of a console log that says why a guest died: from a little
# before its first kernel report to the end of that report's backtrace
# (what follows, panic_print's task list, says little), or else its tail.
console_excerpt() {
	local clean first
	clean=$(sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/\r//g' "$1")
	first=$(grep -n -m1 -E 'Kernel panic|BUG:|WARNING:|INFO: |soft lockup|hard LOCKUP|detected stall|possible circular' <<<"$clean" | cut -d: -f1)
	if [ -n "$first" ]; then
		sed -n "$((first > 10 ? first - 10 : 1)),$((first + 80))p" <<<"$clean"
	else
		tail -n 30 <<<"$clean"
	fi | sed 's/^/# console: /'
}

run_style() {
	echo "== style: checkpatch and sparse"
	tests/style.sh | tee "$results/style.tap" | grep -v '^ok '
}

run_harness() {
	echo "== VM harness self-test"
	mkdir -p "$root/tests/.build/vm"
	KA_BUILD=$root/tests/.build/vm tests/lib/testlib.sh harness \
		tests/vm/selftest.sh | tee "$results/harness.tap" | grep -v '^ok '
}

# make bench's instruction counter (a QEMU plugin): does it count, and do
# its counts agree run to run. One boot of about a minute.
run_insncount() {
	echo "== the instruction counter of make bench"
	tests/bench/insn-selftest.sh | tee "$results/insncount.tap" | grep -v '^ok '
}

# What make check runs beside the whole integration suite on Debian's
# default kernel, so that it keeps within its time on a 2-core machine
# under emulation (a test takes about 8 s on 6.1 and 40 to 120 s on the
# debug kernel there; each canary of the debug harness's self-test is a
# boot of its own): on 5.10, the life cycle and one test of each kernel
# path that differs between kernels (the hooks' arguments, setsockopt,
# the active reset, the sockets walk and dump, events and who may hear
# them, cgroup ancestry and ids, IPv6); on the
# debug kernel, the fault injection tests and the paths no stress
# program takes (--existing's walk and its unload, events, the dump of
# closing sockets); of the debug harness's self-test, KASAN's canary
# (95 s; kmemleak's, whose scans take 4 to 5 min, and the others run in
# tests/run-tests.sh debug); and the scale tests small everywhere (10,000
# connections listed take a minute). tests/run-tests.sh vm
# and debug run all of them, make matrix the whole suite on every kernel.
other_kernel_integration=(tests/integration/*.sh)
debug_integration=(tests/integration/*.sh tests/debug/*.sh)
harness_debug=(tests/vm/selftest-debug.sh)
check_small=
check_subsets() {
	check_small=y
	local i=tests/integration
	other_kernel_integration=(
		$i/lifecycle.sh
		$i/policy.sh:port_in_applies_to_accepted_side_only,port_out_applies_to_connecting_side_only,application_settings_kept_and_counted_as_skipped,force_mode_overrides_application,cgroup_matches_descendants_nearest_wins,ipv6
		$i/deadpeer.sh:dead_peer_gets_etimedout_in_time_and_is_counted
		$i/existing.sh:redis_connection_open_before_the_policy_gets_keepalive,walks_race_with_closing_sockets_and_policy_changes,rmmod_during_a_walk
		$i/monitor.sh:dead_peer_is_one_timeout_event_in_time,event_tells_lifetime_of_connections_made_while_listening,monitor_needs_cap_net_admin_over_the_netns,an_unprivileged_listener_hears_nothing_of_a_real_event
		$i/cgroups.sh:policy_by_id_names_one_cgroup_object
		$i/sockets.sh:sources_and_values_match_getsockopt_and_ss,sockets_closing_during_dumps
	)
	debug_integration=(
		tests/debug/*.sh
		$i/existing.sh:rmmod_during_a_walk
		$i/monitor.sh:dead_peer_is_one_timeout_event_in_time
		$i/sockets.sh:sockets_closing_during_dumps
	)
	harness_debug=(tests/vm/selftest-debug.sh:an_out_of_bounds_read_is_caught_by_kasan)
}

# The integration suite on each "check" kernel of tests/kernels.list: the
# default one with module/ka_policy.ko (make check built it), the others
# with a module built for them in tests/.build/kernels/<release>.
run_integration() {
	local default listed release runs what dir
	default=$(modinfo -F vermagic module/ka_policy.ko | cut -d' ' -f1)
	while read -r listed _ runs what; do
		case $listed in '#'*|''|debug) continue ;; esac
		[ "$runs" = check ] || continue
		# A release that left Debian's archive stands for its series.
		release=$(kernel_installed "$listed")
		if [ -z "$release" ]; then
			suite_failed "$results/integration-$listed.tap" \
				"integration: no kernel of the series of $listed is installed (make deps installs one)"
			continue
		fi
		[ "$release" = "$listed" ] ||
			echo "== $listed is not installed: testing $release, the newest of its series"
		if [ "$release" = "$default" ]; then
			dir=$root
		else
			dir=$root/tests/.build/kernels/$release
			if ! tests/lib/build-module.sh "/usr/src/linux-headers-$release" "$dir" \
				>"$results/build-$release.log" 2>&1; then
				tail -n 20 "$results/build-$release.log"
				suite_failed "$results/build-$release.tap" \
					"build: the module does not build against $release with W=1 -Werror"
				continue
			fi
			echo "ok 1 - build: the module builds against $release with W=1 -Werror" |
				tee "$results/build-$release.tap"
		fi
		# The scale tests run at full size on the default kernel only,
		# and small in make check (check_subsets).
		KA_TEST_SCALE=$([ "$release" = "$default" ] && [ -z "$check_small" ] || echo small) \
			run_vm "integration-$release" "integration tests on $what" \
			--kernel "$release" --module "$dir/module/ka_policy.ko" --timeout 3600 -- \
			tests/lib/testlib.sh "integration-$release" \
			$([ "$release" = "$default" ] && echo tests/integration/*.sh ||
				echo "${other_kernel_integration[@]}")
	done <tests/kernels.list
	# The module as a kernel without a multicast group permission flag
	# gets it (module/compat.h): built by the unit stage's noevents.sh,
	# else here; monitor.sh checks what a user sees.
	dir=$root/tests/.build/noevents
	if ! [ -f "$dir/module/ka_policy.ko" ] &&
		! tests/lib/build-module.sh "$(make -s --no-print-directory kdir)" "$dir" \
			KA_FORCE_NO_MCAST_PERM=y >"$results/build-noevents.log" 2>&1; then
		suite_failed "$results/integration-noevents.tap" \
			"build: the module without events does not build (KA_FORCE_NO_MCAST_PERM=y)"
		return
	fi
	run_vm integration-noevents "monitor.sh with the module built without events" \
		--module "$dir/module/ka_policy.ko" --timeout 900 -- \
		tests/lib/testlib.sh integration-noevents tests/integration/monitor.sh
}

# The debug kernel's build tree, built (about 10 min on 2 cores) when not cached.
debug_kdir=
run_debug_build() {
	local mod=$root/tests/.build/debug-module/module out start=$SECONDS
	echo "== the debug test kernel and the module built for it"
	if ! debug_kdir=$(tests/kernel/build.sh | tail -n 1) ||
		! [ -f "$debug_kdir/arch/x86/boot/bzImage" ]; then
		suite_failed "$results/debug-build.tap" "debug: the test kernel does not build (tests/kernel/build.sh)"
		return 1
	fi
	printf '  %-12s %3dm%02ds\n' kernel $(( (SECONDS - start) / 60 )) $(( (SECONDS - start) % 60 )) >>"$results/times"
	if ! make --no-print-directory module-debug \
		>"$results/debug-build.log" 2>&1; then
		tail -n 30 "$results/debug-build.log"
		suite_failed "$results/debug-build.tap" "debug: the module or its KUnit suites do not build against $debug_kdir"
		return 1
	fi
	echo "ok 1 - debug: module and KUnit suites build against $(cat "$debug_kdir/include/config/kernel.release") with W=1 -Werror" |
		tee "$results/debug-build.tap"
	# sparse on what only this build has: the KUnit suites, fault
	# injection. The kernel's own check says whether this sparse can read
	# its headers: bookworm's 0.6.4 cannot read 7.x's (__typeof_unqual__),
	# and no newer one installs here. Then the fault injection build is
	# checked against Debian's default kernel instead, and the KUnit
	# suites, which need a KUnit kernel, are a visible SKIP.
	if [ "$("$debug_kdir/source/scripts/checker-valid.sh" sparse 2>/dev/null)" != 0 ]; then
		out=$(make -s -C "$debug_kdir" M="$root/tests/.build/debug-module" C=2 \
			KA_KUNIT=m KA_FAULT_INJECT=y W=1 KA_WERROR=1 modules 2>&1 |
			grep -v -e 'Skipping BTF generation' \
				-e '^warning: pahole version differs' \
				-e '^  The kernel was built with: ' -e '^  You are using:  ')
		what="the KUnit suites and the fault injection build"
	else
		out=$(tests/lib/build-module.sh "$(make -s --no-print-directory kdir)" \
			"$root/tests/.build/sparse-fault-inject" C=2 KA_FAULT_INJECT=y 2>&1)
		what="the fault injection build, against $(make -s --no-print-directory kver) # SKIP the KUnit suites: $(sparse --version 2>&1 | head -n 1) cannot read $(cat "$debug_kdir/include/config/kernel.release")'s headers"
	fi
	if [ -z "$out" ]; then
		echo "ok 2 - debug: sparse on $what"
	else
		echo "not ok 2 - debug: sparse on ${what%% # SKIP*}"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi | tee -a "$results/debug-build.tap"
	debug_module=$mod/ka_policy.ko
	debug_kunit=$mod/tests/ka_policy_test.ko
	# The harness's self-test on this kernel loads a module with bugs.
	rm -rf "$root/tests/.build/canary"
	cp -R tests/vm/canary "$root/tests/.build/canary"
	if ! make -C "$debug_kdir" M="$root/tests/.build/canary" modules \
		>>"$results/debug-build.log" 2>&1; then
		tail -n 20 "$results/debug-build.log"
		suite_failed "$results/debug-build.tap" "debug: tests/vm/canary does not build"
		return 1
	fi
}

# The debug kernel's harness self-test.
run_harness_debug() {
	echo "== VM harness self-test on the debug kernel: does it catch bugs?"
	# A directory of its own: the other lane's harness runs at once.
	mkdir -p "$root/tests/.build/vm-debug"
	KA_BUILD=$root/tests/.build/vm-debug \
		KA_DEBUG_KERNEL=$debug_kdir/arch/x86/boot/bzImage \
		KA_CANARY=$root/tests/.build/canary/ka_canary.ko \
		tests/lib/testlib.sh harness-debug "${harness_debug[@]}" |
		tee "$results/harness-debug.tap" | grep -v '^ok '
}

run_kunit() {
	local tool=$root/tests/.build/kunit-tool/tools/testing/kunit
	# The KTAP parser of the same tree, where the guest sees it (its /root,
	# where the cache usually is, is a tmpfs of its own); kunit.py insists
	# on living at tools/testing/kunit.
	rm -rf "$root/tests/.build/kunit-tool"
	mkdir -p "$(dirname "$tool")"
	cp -R "$debug_kdir/source/tools/testing/kunit" "$tool"
	# TAINT_TEST (262144): the kernel's mark for a KUnit module loaded.
	run_vm kunit "KUnit suites on the debug kernel" \
		--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none --no-module \
		--allow-taint 262144 -- tests/kunit/guest.sh "$debug_kunit" "$tool"
}

# run_integration_debug FILE...: integration tests on the debug kernel.
run_integration_debug() {
	run_vm integration-debug "integration tests on the debug kernel (KASAN, lockdep, kmemleak)" \
		--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none \
		--module "$debug_module" --timeout 3000 -- \
		tests/lib/testlib.sh integration-debug "$@"
}

# The stress programs at make check's size (make stress: full size), on
# the debug kernel.
run_stress() {
	if ! tests/stress.sh --tools >"$results/stress-tools.log" 2>&1; then
		tail -n 20 "$results/stress-tools.log"
		suite_failed "$results/stress-tools.tap" "stress: the C tools of tests/stress do not build"
	fi
	# A stress program's steps wait up to 600 s (a dead peers' round)
	# with nothing on the console: the stall bound is twice that (a hung
	# kernel is the hang detectors', a hung test the timeout's).
	run_vm stress-debug "the stress programs, short, on the debug kernel" \
		--kernel "$debug_kdir/arch/x86/boot/bzImage" --modules none \
		--module "$debug_module" --timeout 2400 --stall 1200 -- \
		tests/lib/testlib.sh stress-debug tests/stress/*.sh
}

run_debug() {
	run_debug_build || return
	run_harness_debug
	run_kunit
	run_integration_debug "${debug_integration[@]}"
	run_stress
}

# lanes: make check's VMs, two at once (see the top); each lane's output
# lines start with its name. The debug lane starts by building the debug
# kernel (when it is not cached) while the Debian lane's guests run; the
# Debian lane, done first, then runs the debug kernel's integration tests
# once that build is there (it says so in $results/debug-ready).
lanes() {
	local ready=$results/debug-ready
	rm -f "$ready"
	{
		timed harness
		timed insncount
		timed integration
		[ -e "$ready" ] || echo "== waiting for the debug kernel's build"
		until [ -e "$ready" ]; do sleep 5; done
		case $(cat "$ready") in
		ok)
			debug_kdir=$(tests/kernel/build.sh --print-dir)
			debug_module=$root/tests/.build/debug-module/module/ka_policy.ko
			timed integration_debug "${debug_integration[@]}" ;;
		failed) ;;	# counted by the debug lane
		*) suite_failed "$results/integration-debug.tap" \
			"integration-debug: the debug lane ended before its build did" ;;
		esac
	} 2>&1 | sed -u 's/^/[debian] /' &
	# A subshell, not a group: its EXIT trap (whatever ends this lane,
	# the other one stops waiting) runs only in a subshell of its own.
	(
		trap '[ -e "$ready" ] || echo gone >"$ready"' EXIT
		if timed debug_build; then
			echo ok >"$ready.tmp" && mv "$ready.tmp" "$ready"
			timed harness_debug
			timed kunit
			timed stress
		else
			echo failed >"$ready.tmp" && mv "$ready.tmp" "$ready"
		fi
	) 2>&1 | sed -u 's/^/[debug]  /' &
	wait
}

run_packages() {
	echo "== packages: make deb, installed here, each kernel in the VM, purged"
	tests/packages.sh "$results" || true	# its TAP lines count
}

# timed STAGE: runs run_STAGE and records how long it took: where make
# check's time goes is printed at the end.
timed() {	# STAGE [ARG...]
	local start=$SECONDS rc=0
	"run_$@" || rc=$?
	printf '  %-12s %3dm%02ds\n' "$1" $(( (SECONDS - start) / 60 )) $(( (SECONDS - start) % 60 )) >>"$results/times"
	return $rc
}

case "$what" in
unit) run_unit ;;
vm) run_harness; run_integration ;;
style) run_style ;;
debug) run_debug ;;
packages) run_packages ;;
all) check_subsets; timed unit; timed style; lanes; timed packages ;;
*) echo "usage: $0 [unit|style|vm|debug|packages|all]" >&2; exit 2 ;;
esac

if [ -s "$results/times" ]; then
	echo "Time per stage:"
	cat "$results/times"
fi
if [ -s "$results/retries" ]; then
	echo "VM boots retried after an emulator fault: $(wc -l <"$results/retries")"
	sed 's/^/  /' "$results/retries"
fi
passed=$(cat "$results"/*.tap | grep '^ok ' | grep -v ' # SKIP' | grep -vc ' # TODO ')
# Tests this kernel cannot run (TAP SKIP): listed, counted apart.
skipped=$(cat "$results"/*.tap | grep -c '^ok .* # SKIP')
if [ "$skipped" != 0 ]; then
	echo "Skipped (this kernel cannot run them):"
	grep -h '^ok .* # SKIP' "$results"/*.tap | sed 's/^/  /'
fi
failed=$(cat "$results"/*.tap | grep '^not ok' | grep -vc ' # TODO ')
# Known failures being worked on (TAP TODO, tests/lib/testlib.sh):
# printed every time, counted apart, never as passed.
todo=$(cat "$results"/*.tap | grep -cE '^(not )?ok .* # TODO ')
if [ "$todo" != 0 ]; then
	echo "Known failures (TODO), not counted as passed:"
	grep -hE '^(not )?ok .* # TODO ' "$results"/*.tap | sed 's/^/  /'
fi
if [ "$failed" != 0 ]; then
	echo "Failed:"
	grep -h '^not ok' "$results"/*.tap | grep -v ' # TODO ' | sed 's/^/  /'
fi
[ "$todo" = 0 ] || echo "$todo known failure(s) (TODO), listed above"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
