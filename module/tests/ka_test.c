// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the KUnit suites. */

#include <linux/err.h>
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
