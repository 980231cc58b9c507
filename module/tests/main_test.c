// SPDX-License-Identifier: GPL-2.0
/*
 * ka_policy_test: KUnit suites for ka_policy's logic, one file each, and
 * each file registers its own suite (kunit_test_suite()):
 *
 *   ka_decide      the per-field default/force decision, and undoing it
 *                  for a socket that connects again (apply.c)
 *   ka_ranges      the port range index against a brute-force matcher
 *   ka_selhash     policies by selector, as the table grows and shrinks
 *   ka_precedence  which policy a socket gets (policy.c), with fake cgroups
 *   ka_table       the policy set: add, set, del, flush, replace
 *   ka_selector    netlink selector and action validation (netlink.c)
 *   ka_counters    per-CPU counters
 *
 * The suites run when the module is loaded and print KTAP to the kernel
 * log (and /sys/kernel/debug/kunit/<suite>/results); the module does
 * nothing else. tests/run-tests.sh builds it with the module's sources
 * (Kbuild here says how) and runs it in a VM on the debug test kernel.
 * A bug found later gets its case here.
 */

#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ka_policy developers");
MODULE_DESCRIPTION("KUnit tests for ka_policy");
MODULE_VERSION(KA_POLICY_VERSION);
