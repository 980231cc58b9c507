// SPDX-License-Identifier: GPL-2.0
/*
 * ka_policy_test: KUnit suites for ka_policy's logic. Each X_test.c tests
 * the module's X.c, registers its suite ka_X (kunit_test_suite()), and
 * includes X.c itself, so that it reaches its static functions (Kbuild
 * says why):
 *
 *   ka_apply          the per-field default/force decision, and undoing
 *                     it for a socket that connects again (apply_test.c)
 *   ka_cgpath         cgroup paths: normalizing, binding (cgpath_test.c)
 *   ka_events         which refused timeout events count as dropped
 *                     (events_test.c)
 *   ka_lifetime       connection lifetimes: noted, renewed, removed
 *                     (lifetime_test.c)
 *   ka_netlink        selector and action validation (netlink_test.c)
 *   ka_policy         the policy set: add, set, del, flush, replace
 *                     (policy_test.c)
 *   ka_policy_lookup  which policy a socket gets, with fake cgroups
 *                     (policy_lookup_test.c: policy.c too)
 *   ka_ranges         the port range index against a brute-force matcher
 *   ka_selhash        policies by selector, as the table grows and shrinks
 *   ka_stats          per-CPU counters
 *
 * The suites run when the module is loaded and print KTAP to the kernel
 * log (and /sys/kernel/debug/kunit/<suite>/results); the module does
 * nothing else. tests/run-tests.sh builds it with the module's sources
 * and runs it in a VM on the debug test kernel. A bug found later gets
 * its case here.
 *
 * This file holds the test module's tags, the helpers the suites share,
 * and netns.c, which has no suite but which apply.c and policy.c need,
 * and sockwalk.c, sockets.c and existing.c, which netlink.c needs (they
 * walk real sockets: tests/integration/sockets.sh and existing.sh test
 * them).
 */

#include "../netns.c"
#include "../sockwalk.c"
#include "../sockets.c"
#include "../existing.c"

#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kunit/resource.h>

#include "../cgpath.h"
#include "../policy.h"
#include "../ranges.h"
#include "ka_test.h"

int ka_test_cgpaths_init(struct kunit_suite *suite)
{
	return ka_cgpaths_init();
}

/* Entries go after a grace period (kfree_rcu): none is left by then. */
void ka_test_cgpaths_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	ka_cgpaths_exit();
}

struct ka_test_deferred {
	void (*fn)(void *data);
	void *data;
};

static int deferred_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void deferred_run(struct kunit_resource *res)
{
	struct ka_test_deferred *d = res->data;

	d->fn(d->data);
	kfree(d);
}

void ka_test_defer(struct kunit *test, void (*fn)(void *), void *data)
{
	struct ka_test_deferred *d;

	d = kmalloc_obj(*d, GFP_KERNEL);
	if (d) {
		d->fn = fn;
		d->data = data;
		if (kunit_alloc_resource(test, deferred_init, deferred_run,
					 GFP_KERNEL, d))
			return;
		kfree(d);
	}
	fn(data);
	/* data is gone: the case must not go on with it. */
	KUNIT_FAIL_AND_ABORT(test, "out of memory for a test resource");
}

static void table_free(void *t)
{
	ka_table_free(t);
}

struct ka_table *ka_test_table_new(struct kunit *test)
{
	struct ka_table *t = ka_table_new();

	KUNIT_ASSERT_NOT_NULL(test, t);
	ka_test_defer(test, table_free, t);
	return t;
}

int ka_test_table_compile(struct ka_table *t)
{
	return ka_table_index_ranges(t);
}

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ka_policy developers");
MODULE_DESCRIPTION("KUnit tests for ka_policy");
MODULE_VERSION(KA_POLICY_VERSION);
