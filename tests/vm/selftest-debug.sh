# SPDX-License-Identifier: GPL-2.0
#
# The debug test kernel must catch the bugs it is there for, and the
# harness must turn each report into a failed run: otherwise the suites on
# that kernel would pass whatever the module did. Each test loads
# ka_canary.ko (tests/vm/canary) with one bug and checks that ka-vm exits
# 125 naming it. Runs on the host; tests/run-tests.sh sets KA_DEBUG_KERNEL
# (the image) and KA_CANARY (the module built for it).
KA_VM=$PWD/tests/vm/ka-vm

# canary FAULT: ka-vm's stderr for a run that loads the canary with FAULT.
canary() {
	expect_fail 125 "$KA_VM" --quiet --log "$KA_BUILD/canary-$1.log" \
		--kernel "$KA_DEBUG_KERNEL" --modules none --no-module -- \
		sh -c "insmod '$KA_CANARY' fault=$1 && rmmod ka_canary"
}

test_a_leak_is_caught_by_kmemleak_after_unload() {
	canary leak
	assert_match "$EXPECT_STDERR" "kmemleak: [1-9][0-9]* new suspected memory leak" "stderr"
	# What it saw is the canary's object, with its allocation's backtrace.
	grep -q "ka_canary leak" "$KA_BUILD/canary-leak.log" ||
		fail "the leak report does not name ka_canary's object; ka-vm: $EXPECT_STDERR"
}

test_sleeping_in_atomic_context_is_caught() {
	canary sleep
	assert_match "$EXPECT_STDERR" "sleeping function called from invalid context" "stderr"
}

test_an_out_of_bounds_read_is_caught_by_kasan() {
	canary kasan
	assert_match "$EXPECT_STDERR" "KASAN|panicked" "stderr"
	grep -q "BUG: KASAN: slab-out-of-bounds in canary_kasan" "$KA_BUILD/canary-kasan.log" ||
		fail "no KASAN report of canary_kasan on the console; ka-vm: $EXPECT_STDERR"
}

test_a_lock_order_inversion_is_caught_by_lockdep() {
	canary lockdep
	assert_match "$EXPECT_STDERR" "possible circular locking dependency" "stderr"
}
