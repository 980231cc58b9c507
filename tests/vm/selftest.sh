# SPDX-License-Identifier: GPL-2.0
#
# The VM harness must notice when things go wrong, or every other suite
# could pass on a broken kernel. Each test makes the guest fail in one way
# and checks that ka-vm exits 125 and says why. Runs on the host.
KA_VM=$PWD/tests/vm/ka-vm

test_failed_insmod_is_reported() {
	local bad=$KA_BUILD/selftest-bad.ko release
	release=$(modinfo -F vermagic module/ka_policy.ko | cut -d' ' -f1)
	echo "not a module" >"$bad"
	expect_fail 125 "$KA_VM" --quiet --log /dev/null \
		--kernel "/boot/vmlinuz-$release" --module "$bad" -- true
	assert_match "$EXPECT_STDERR" "ka-vm: error: insmod $bad failed" "stderr"
}

test_guest_kernel_panic_is_reported() {
	expect_fail 125 "$KA_VM" --quiet --log "$KA_BUILD/selftest-panic.log" -- \
		sh -c 'echo c > /proc/sysrq-trigger'
	assert_match "$EXPECT_STDERR" "ka-vm: error: the guest kernel panicked" "stderr"
}

test_timeout_is_reported() {
	expect_fail 125 "$KA_VM" --quiet --timeout 12 --log /dev/null -- sleep 60
	assert_match "$EXPECT_STDERR" "did not finish within 12s" "stderr"
}

# A guest that goes quiet is reported long before the whole-run timeout,
# with the phase it was in and where its CPUs were.
test_stall_is_reported_with_its_phase() {
	expect_fail 125 "$KA_VM" --quiet --stall 30 --log "$KA_BUILD/selftest-stall.log" -- sleep 600
	assert_match "$EXPECT_STDERR" "no sign of progress for 30s while running: sleep 600" "stderr"
	assert_match "$EXPECT_STDERR" "CPUs: kernel [0-9a-f]+,kernel [0-9a-f]+ " "stderr"
	# The NMI made the guest kernel panic and show where it was.
	grep -q 'NMI' "$KA_BUILD/selftest-stall.log" || fail "no NMI report on the console"
}

# With the module under test given, the kernel never loads a copy
# installed on the host (the guest's /lib/modules is the host's): the
# modprobe it runs refuses ka_policy's family alias where plain modprobe
# finds a copy (one installed in a tree of the guest's, modprobe -d), and
# passes other modules on.
test_kernel_never_loads_an_installed_copy() {
	"$KA_VM" --quiet --log /dev/null -- bash -c '
		m=$(cat /proc/sys/kernel/modprobe)
		d=/tmp/root/lib/modules/$(uname -r)/extra
		alias=net-pf-16-proto-16-family-ka_policy
		mkdir -p "$d" && cp "$KA_MODULE" "$d/" &&
			depmod -b /tmp/root "$(uname -r)" 2>/dev/null || exit 3
		modprobe -n -q -d /tmp/root -- $alias || exit 4
		! "$m" -n -q -d /tmp/root -- $alias || exit 1
		"$m" -n -q -- veth || exit 2' ||
		fail "the modprobe the guest kernel runs: exit $? (1: it finds the installed copy, 2: not veth; 3, 4: no installed copy made)"
}

test_module_built_for_another_kernel_is_refused() {
	local release
	release=$(modinfo -F vermagic module/ka_policy.ko | cut -d' ' -f1)
	expect_fail 125 "$KA_VM" --quiet --log /dev/null --kernel 5.10.0-32-amd64 \
		--module module/ka_policy.ko -- true
	assert_match "$EXPECT_STDERR" "was built for kernel $release, but the guest boots 5.10.0-32-amd64: pass --kernel $release" "stderr"
}

test_command_status_is_returned() {
	expect_fail 3 "$KA_VM" --quiet --log /dev/null -- sh -c 'exit 3'
}
