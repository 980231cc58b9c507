// SPDX-License-Identifier: GPL-2.0
/*
 * Policies by selector (selhash.c): every policy inserted is found, by
 * an equal selector and as the same object, until it is removed or
 * replaced; nothing else is found; a lookup with a second direction
 * finds the exact selector first, else its twin of that direction; the buckets double as the table
 * fills and shrink back when it empties. The random case runs thousands
 * of inserts, replaces and removes against a plain array, through
 * several resizes each way, on a published table (resizes wait for grace
 * periods, old arrays are freed after one) and on an unpublished one.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../selhash.c"

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../policy.h"
#include "ka_test.h"

#define SEQ_STEPS	6000
#define SEQ_MAX		700

static void selhash_destroy(void *h)
{
	ka_selhash_destroy(h);
}

static void random_selector(struct rnd_state *rs, struct ka_selector *sel)
{
	ka_selector_init(sel);
	sel->cgroup_id = prandom_u32_state(rs) % 4;
	sel->port_min = prandom_u32_state(rs) % 2000;
	sel->port_max = sel->port_min + prandom_u32_state(rs) % 2;
	sel->dir = prandom_u32_state(rs) % 3;
}

static struct ka_policy *live_find(struct ka_policy **live, int n,
				   const struct ka_selector *sel)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&live[i]->sel, sel, sizeof(*sel)))
			return live[i];
	return NULL;
}

static bool live_has(struct ka_policy **live, int n,
		     const struct ka_selector *sel)
{
	return live_find(live, n, sel);
}

/* Lookups run under RCU, as the connect and accept paths' do. */
static struct ka_selhash_node *lookup_dir(const struct ka_selhash *h,
					  const struct ka_selector *sel,
					  u8 alt_dir)
{
	struct ka_selhash_node *n;

	rcu_read_lock();
	n = ka_selhash_lookup_dir(h, sel, alt_dir);
	rcu_read_unlock();
	return n;
}

static struct ka_selhash_node *lookup(const struct ka_selhash *h,
				      const struct ka_selector *sel)
{
	return lookup_dir(h, sel, sel->dir);
}

/* What ka_selhash_lookup_dir(h, sel, KA_DIR_BOTH) must find. */
static struct ka_selhash_node *live_find_or_both(struct ka_policy **live,
						 int n, struct ka_selector sel)
{
	struct ka_policy *p = live_find(live, n, &sel);

	if (!p) {
		sel.dir = KA_DIR_BOTH;
		p = live_find(live, n, &sel);
	}
	return p ? &p->hnode : NULL;
}

static void selhash_sequence(struct kunit *test, bool published)
{
	struct ka_policy *pool, **live, *p;
	int step, i, k, n = 0, used = 0, bad = 0;
	unsigned int most = 0;
	struct ka_selector sel;
	struct ka_selhash *h;
	struct rnd_state rs;
	u32 op;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	pool = kunit_kcalloc(test, SEQ_STEPS, sizeof(*pool), GFP_KERNEL);
	live = kunit_kcalloc(test, SEQ_MAX, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_EQ(test, ka_selhash_init(h, offsetof(struct ka_policy, sel) -
						   offsetof(struct ka_policy, hnode)), 0);
	ka_test_defer(test, selhash_destroy, h);
	if (published)
		ka_selhash_publish(h);
	prandom_seed_state(&rs, 0x73656c68617368ULL + published);

	for (step = 0; step < SEQ_STEPS && !bad; step++) {
		/* Fill to SEQ_MAX, then empty, then fill again. */
		op = prandom_u32_state(&rs) % 8;
		if ((step / 1500) % 2)
			op = op < 6 ? 2 : op - 6;	/* mostly removes */
		else
			op = op < 6 ? 0 : op - 6;	/* mostly inserts */
		if (op == 0 && n < SEQ_MAX) {
			random_selector(&rs, &pool[used].sel);
			if (live_has(live, n, &pool[used].sel))
				continue;
			KUNIT_ASSERT_EQ(test, ka_selhash_reserve(h), 0);
			ka_selhash_insert(h, &pool[used].hnode);
			live[n++] = &pool[used++];
		} else if (op == 1 && n) {
			k = prandom_u32_state(&rs) % n;
			pool[used].sel = live[k]->sel;
			ka_selhash_replace(h, &live[k]->hnode, &pool[used].hnode);
			live[k] = &pool[used++];
		} else if (n) {
			k = prandom_u32_state(&rs) % n;
			ka_selhash_remove(h, &live[k]->hnode);
			live[k] = live[--n];
			ka_selhash_shrink(h);
		}
		most = max(most, ka_selhash_buckets(h));
		KUNIT_EXPECT_EQ(test, h->count, n);
		for (i = 0; i < 4 && n; i++) {
			p = live[prandom_u32_state(&rs) % n];
			sel = p->sel;	/* equal, not the same memory */
			if (lookup(h, &sel) != &p->hnode && ++bad <= 5)
				KUNIT_FAIL(test, "step %d: a live policy not found", step);
			/* Its twins: exact, of direction both, or none. */
			sel.dir = prandom_u32_state(&rs) % 3;
			if (lookup_dir(h, &sel, KA_DIR_BOTH) !=
			    live_find_or_both(live, n, sel) && ++bad <= 5)
				KUNIT_FAIL(test, "step %d: wrong twin found", step);
		}
		random_selector(&rs, &sel);
		if (lookup(h, &sel) && !live_has(live, n, &sel) && ++bad <= 5)
			KUNIT_FAIL(test, "step %d: found a removed policy", step);
		if (lookup_dir(h, &sel, KA_DIR_BOTH) !=
		    live_find_or_both(live, n, sel) && ++bad <= 5)
			KUNIT_FAIL(test, "step %d: wrong entry for a direction or both", step);
		if (used == SEQ_STEPS)
			break;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* It grew past the live count, and shrank back with it. */
	KUNIT_EXPECT_GE(test, most, 512U);
	while (n) {
		ka_selhash_remove(h, &live[--n]->hnode);
		ka_selhash_shrink(h);
	}
	KUNIT_EXPECT_LE(test, ka_selhash_buckets(h), 8U);
	KUNIT_EXPECT_EQ(test, h->count, 0);
	/* Old bucket arrays go after a grace period; the pool outlives them. */
	rcu_barrier();
}

static void selhash_published_test(struct kunit *test)
{
	selhash_sequence(test, true);
}

static void selhash_unpublished_test(struct kunit *test)
{
	selhash_sequence(test, false);
}

static struct kunit_case selhash_test_cases[] = {
	KUNIT_CASE(selhash_published_test),
	KUNIT_CASE(selhash_unpublished_test),
	{}
};

static struct kunit_suite selhash_suite = {
	.name = "ka_selhash",
	.test_cases = selhash_test_cases,
};

kunit_test_suite(selhash_suite);
