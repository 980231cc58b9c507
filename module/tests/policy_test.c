// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace's policy set (policy.c): building a table (ka_table_add:
 * a selector given twice, max_policies), changing one in place (set,
 * del, flush: a set replaces a policy of the same selector and keeps its
 * counters; the ports filter that lets a lookup skip the hash) and
 * replacing it whole (ka_table_commit: counters carry over by
 * selector). The namespace is a bare struct ka_net: these functions
 * use only its lock, table and generation. The debug kernel's kmemleak
 * checks that whatever a rejected call was given is freed.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../policy.c"

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "../netns.h"
#include "ka_test.h"

static struct ka_selector port_sel(u16 min, u16 max, u8 dir, u64 cgroup_id)
{
	struct ka_selector sel;

	ka_selector_init(&sel);
	sel.port_min = min;
	sel.port_max = max;
	sel.dir = dir;
	sel.cgroup_id = cgroup_id;
	return sel;
}

static const char *or_null(const char *s)
{
	return s ?: "(null)";
}

static struct ka_action idle(u32 idle_s)
{
	struct ka_action act = { .idle_s = idle_s };

	return act;
}

/* ---- ka_table_add ---- */

static void table_add_duplicate_test(struct kunit *test)
{
	struct ka_table *t = ka_test_table_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_selector b = port_sel(80, 80, KA_DIR_IN, 0);
	struct ka_selector c = port_sel(80, 80, KA_DIR_BOTH, 7);
	struct ka_action act = idle(1);
	const struct ka_policy *p;
	int i = 0;

	KUNIT_EXPECT_EQ(test, ka_table_add(t, &a, &act, NULL), 0);
	act = idle(2);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &a, &act,
					   ID_NAME("/dup")), -EEXIST);
	act = idle(3);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &b, &act, NULL), 0);
	act = idle(4);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &c, &act,
					   ID_NAME("/c")), 0);
	KUNIT_EXPECT_EQ(test, t->count, 3);

	/* Oldest first, the duplicate nowhere. */
	list_for_each_entry(p, &t->list, list) {
		static const u32 order[] = { 1, 3, 4 };

		KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(order));
		KUNIT_EXPECT_EQ(test, p->act.idle_s, order[i]);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, 3);
	p = list_last_entry(&t->list, struct ka_policy, list);
	KUNIT_EXPECT_STREQ(test, or_null(p->cg.id_path), "/c");
}

static void restore_max_policies(void *old)
{
	ka_max_policies = (unsigned long)old;
}

static void limit_max_policies(struct kunit *test, unsigned int max)
{
	ka_test_defer(test, restore_max_policies,
		      (void *)(unsigned long)ka_max_policies);
	ka_max_policies = max;
}

static void table_add_max_policies_test(struct kunit *test)
{
	struct ka_table *t = ka_test_table_new(test);
	struct ka_action act = idle(1);
	struct ka_selector sel;
	int i;

	limit_max_policies(test, 3);
	for (i = 0; i < 3; i++) {
		sel = port_sel(100 + i, 100 + i, KA_DIR_BOTH, 0);
		KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	}
	sel = port_sel(200, 300, KA_DIR_BOTH, 0);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act,
					   ID_NAME("/x")), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t->count, 3);
	KUNIT_EXPECT_EQ(test, t->n_range, 0);
}

/* Per-kind counts (lookups skip kinds a table lacks), and jiffies. */
static void table_kinds_test(struct kunit *test)
{
	struct ka_table *t = ka_test_table_new(test);
	struct ka_selector sel;
	struct ka_action act = { .idle_s = 60, .intvl_s = 7 };
	const struct ka_policy *p;

	ka_selector_init(&sel);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	KUNIT_EXPECT_FALSE(test, ka_table_wants_cgroups(t));
	sel = port_sel(1, 9, KA_DIR_IN, 0);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	sel = port_sel(5, 5, KA_DIR_IN, 0);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	KUNIT_EXPECT_FALSE(test, ka_table_wants_cgroups(t));
	sel = port_sel(5, 6, KA_DIR_IN, 42);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	KUNIT_EXPECT_TRUE(test, ka_table_wants_cgroups(t));
	sel = port_sel(0, 0, KA_DIR_BOTH, 42);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);

	KUNIT_EXPECT_EQ(test, t->count, 5);
	KUNIT_EXPECT_EQ(test, t->n_default, 1);
	KUNIT_EXPECT_EQ(test, t->n_port, 2);
	KUNIT_EXPECT_EQ(test, t->n_port_cgroup, 1);
	KUNIT_EXPECT_EQ(test, t->n_cgroup, 1);
	KUNIT_EXPECT_EQ(test, t->n_range, 2);
	list_for_each_entry(p, &t->list, list) {
		KUNIT_EXPECT_EQ(test, p->act.idle_jiffies, 60 * HZ);
		KUNIT_EXPECT_EQ(test, p->act.intvl_jiffies, 7 * HZ);
	}
}

/* ---- a namespace's table: set, del, flush, replace ---- */

static void kn_destroy(void *data)
{
	ka_policy_table_destroy(data);
	rcu_barrier();		/* released policies: call_rcu into this module */
}

static struct ka_net *kn_new(struct kunit *test)
{
	struct ka_net *kn = kunit_kzalloc(test, sizeof(*kn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, kn);
	KUNIT_ASSERT_EQ(test, ka_policy_table_init(kn), 0);
	ka_test_defer(test, kn_destroy, kn);
	return kn;
}

/* The policy a socket without cgroup gets, as the hooks see it. */
static const struct ka_policy *kn_lookup(struct ka_net *kn, u8 dir, u16 port)
{
	const struct ka_policy *p;

	rcu_read_lock();
	p = ka_policy_lookup(ka_table_rcu(kn), dir, port, NULL);
	rcu_read_unlock();
	return p;	/* valid while the caller holds kn->lock */
}

/* Its idle setting, 0 when no policy matches. */
static u32 kn_lookup_idle(struct ka_net *kn, u8 dir, u16 port)
{
	const struct ka_policy *p = kn_lookup(kn, dir, port);

	return p ? p->act.idle_s : 0;
}

static u64 applied(const struct ka_policy *p)
{
	struct ka_counters sum;

	ka_policy_counters_sum(p->stats, &sum);
	return sum.v[KA_CNT_APPLIED];
}

static void kn_set_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_action act = idle(60);
	struct ka_policy_counters *stats;
	const struct ka_policy *p;
	unsigned int gen;

	mutex_lock(&kn->lock);
	gen = kn->generation;
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act,
					    ID_NAME("/one")), 0);
	KUNIT_EXPECT_NE(test, kn->generation, gen);
	p = kn_lookup(kn, KA_DIR_IN, 80);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p)
		KUNIT_EXPECT_NOT_NULL(test, p->stats);
	if (!p || !p->stats)
		goto out;
	KUNIT_EXPECT_EQ(test, p->act.idle_s, 60);
	KUNIT_EXPECT_STREQ(test, or_null(p->cg.id_path), "/one");
	stats = p->stats;
	ka_policy_counters_inc(stats, KA_CNT_APPLIED);

	/* The same selector again: replaced, counters kept. */
	gen = kn->generation;
	act = idle(30);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	KUNIT_EXPECT_NE(test, kn->generation, gen);
	p = kn_lookup(kn, KA_DIR_OUT, 80);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (!p)
		goto out;
	KUNIT_EXPECT_EQ(test, p->act.idle_s, 30);
	KUNIT_EXPECT_NULL(test, p->cg.id_path);
	KUNIT_EXPECT_PTR_EQ(test, p->stats, stats);
	KUNIT_EXPECT_EQ(test, applied(p), 1);
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->count, 1);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&ka_table_locked(kn)->list));
out:
	mutex_unlock(&kn->lock);
}

static void kn_set_max_policies_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_selector b = port_sel(81, 90, KA_DIR_BOTH, 0);
	struct ka_action act = idle(60);

	limit_max_policies(test, 1);
	mutex_lock(&kn->lock);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &b, &act,
					    ID_NAME("/b")), -ENOSPC);
	/* Replacing an existing selector still works at the limit. */
	act = idle(61);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->count, 1);
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 85));
	mutex_unlock(&kn->lock);
}

static void kn_del_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_selector b = port_sel(80, 80, KA_DIR_IN, 0);
	struct ka_action act = idle(60);

	mutex_lock(&kn->lock);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &a), -ENOENT);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	act = idle(61);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &b, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_IN, 80), 61);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &b), 0);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_IN, 80), 60);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &b), -ENOENT);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &a), 0);
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 80));
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->count, 0);
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->n_port, 0);
	mutex_unlock(&kn->lock);
}

/*
 * The ports filter: a bit for each single port a policy names, of any
 * cgroup; none for a range or a policy without a port; none at all (no
 * map) until the first; a deleted policy's bit stays (a superset, which
 * a lookup passes through to what it would find without the filter).
 */
static void kn_ports_filter_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_IN, 0);
	struct ka_selector cg = port_sel(443, 443, KA_DIR_BOTH, 9);
	struct ka_selector range = port_sel(1000, 2000, KA_DIR_BOTH, 0);
	struct ka_selector def;
	struct ka_action act = idle(5);
	struct ka_table *t;

	ka_selector_init(&def);
	mutex_lock(&kn->lock);
	t = ka_table_locked(kn);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &range, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &def, &act, NULL), 0);
	KUNIT_EXPECT_NULL(test, t->ports);
	KUNIT_EXPECT_FALSE(test, ports_may_have(t, 1500));

	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &cg, &act, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, t->ports);
	KUNIT_EXPECT_EQ(test, bitmap_weight(t->ports, U16_MAX + 1), 2);
	KUNIT_EXPECT_TRUE(test, ports_may_have(t, 80));
	KUNIT_EXPECT_TRUE(test, ports_may_have(t, 443));
	KUNIT_EXPECT_FALSE(test, ports_may_have(t, 81));
	KUNIT_EXPECT_PTR_EQ(test, kn_lookup(kn, KA_DIR_IN, 80),
			    policy_find(&t->policies, &a));

	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &a), 0);
	KUNIT_EXPECT_TRUE(test, ports_may_have(t, 80));
	/* Through the stale bit to the default, as without the filter. */
	KUNIT_EXPECT_PTR_EQ(test, kn_lookup(kn, KA_DIR_IN, 80),
			    policy_find(&t->policies, &def));
	mutex_unlock(&kn->lock);
}

/* Set and del change the ranges. */
static void kn_ranges_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector outer = port_sel(100, 200, KA_DIR_BOTH, 0);
	struct ka_selector inner = port_sel(120, 130, KA_DIR_BOTH, 0);
	struct ka_action act = idle(1);

	mutex_lock(&kn->lock);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &outer, &act, NULL), 0);
	act = idle(2);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &inner, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_IN, 125), 2);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_OUT, 150), 1);
	act = idle(3);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &inner, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_IN, 130), 3);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &inner), 0);
	KUNIT_EXPECT_EQ(test, kn_lookup_idle(kn, KA_DIR_IN, 125), 1);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &outer), 0);
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 125));
	KUNIT_EXPECT_TRUE(test, ka_ranges_empty(&ka_table_locked(kn)->ranges));
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->n_range, 0);
	mutex_unlock(&kn->lock);
}

/*
 * A dump's cb->seq of 0 turns NLM_F_DUMP_INTR off: the generation starts
 * at 1 and, when it wraps, goes from UINT_MAX to 1, never to 0.
 */
static void kn_generation_never_zero_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_action act = idle(1);
	struct ka_selector sel = port_sel(80, 80, KA_DIR_BOTH, 0);

	KUNIT_EXPECT_EQ(test, kn->generation, 1U);
	mutex_lock(&kn->lock);
	kn->generation = UINT_MAX;
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &sel, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, kn->generation, 1U);
	KUNIT_EXPECT_EQ(test, ka_policy_del(kn, &sel), 0);
	KUNIT_EXPECT_EQ(test, kn->generation, 2U);
	mutex_unlock(&kn->lock);
}

static void kn_flush_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_action act = idle(1);
	struct ka_selector sel;
	struct ka_table *t;
	unsigned int gen;

	mutex_lock(&kn->lock);
	ka_selector_init(&sel);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &sel, &act, NULL), 0);
	sel = port_sel(100, 200, KA_DIR_IN, 0);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &sel, &act, NULL), 0);
	sel = port_sel(22, 22, KA_DIR_IN, 9);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &sel, &act,
					    ID_NAME("/nine")), 0);
	gen = kn->generation;
	ka_policy_flush(kn);
	KUNIT_EXPECT_NE(test, kn->generation, gen);
	t = ka_table_locked(kn);
	KUNIT_EXPECT_EQ(test, t->count, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->list));
	KUNIT_EXPECT_EQ(test, t->n_default + t->n_port + t->n_cgroup +
			t->n_port_cgroup + t->n_range, 0);
	KUNIT_EXPECT_TRUE(test, ka_ranges_empty(&t->ranges));
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 150));
	/* And the table still works. */
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &sel, &act, NULL), 0);
	mutex_unlock(&kn->lock);
}

/* A replace swaps the whole set; selectors in both keep their counters. */
static void kn_replace_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_selector b = port_sel(81, 81, KA_DIR_BOTH, 0);
	struct ka_selector c = port_sel(1000, 2000, KA_DIR_OUT, 0);
	struct ka_action act = idle(1);
	struct ka_policy_counters *b_stats;
	const struct ka_policy *p;
	struct ka_table *t;
	unsigned int gen;

	mutex_lock(&kn->lock);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &b, &act, NULL), 0);
	p = kn_lookup(kn, KA_DIR_IN, 81);
	b_stats = p ? p->stats : NULL;
	gen = kn->generation;
	mutex_unlock(&kn->lock);
	KUNIT_ASSERT_NOT_NULL(test, b_stats);
	ka_policy_counters_inc(b_stats, KA_CNT_APPLIED);
	ka_policy_counters_inc(b_stats, KA_CNT_APPLIED);

	t = ka_table_new();
	KUNIT_ASSERT_NOT_NULL(test, t);
	act = idle(2);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &b, &act, NULL), 0);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &c, &act,
					   ID_NAME("/c")), 0);
	if (ka_table_commit(kn, t)) {
		ka_table_free(t);
		KUNIT_FAIL(test, "ka_table_commit failed");
		return;
	}

	mutex_lock(&kn->lock);
	KUNIT_EXPECT_PTR_EQ(test, ka_table_locked(kn), t);
	KUNIT_EXPECT_NE(test, kn->generation, gen);
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 80));
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 1500));
	KUNIT_EXPECT_EQ(test, t->count, 2);
	p = kn_lookup(kn, KA_DIR_IN, 81);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (!p)
		goto out;
	KUNIT_EXPECT_EQ(test, p->act.idle_s, 2);
	KUNIT_EXPECT_PTR_EQ(test, p->stats, b_stats);
	KUNIT_EXPECT_EQ(test, applied(p), 2);
	/* The new range is compiled, with counters of its own. */
	p = kn_lookup(kn, KA_DIR_OUT, 1500);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p)
		KUNIT_EXPECT_NOT_NULL(test, p->stats);
	if (!p || !p->stats)
		goto out;
	KUNIT_EXPECT_STREQ(test, or_null(p->cg.id_path), "/c");
	KUNIT_EXPECT_PTR_NE(test, p->stats, b_stats);
	KUNIT_EXPECT_EQ(test, applied(p), 0);
out:
	mutex_unlock(&kn->lock);
}

/* Replacing with the empty set. */
static void kn_replace_empty_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 90, KA_DIR_BOTH, 0);
	struct ka_action act = idle(1);
	struct ka_table *t;

	mutex_lock(&kn->lock);
	KUNIT_EXPECT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	mutex_unlock(&kn->lock);
	t = ka_table_new();
	KUNIT_ASSERT_NOT_NULL(test, t);
	if (ka_table_commit(kn, t)) {
		ka_table_free(t);
		KUNIT_FAIL(test, "ka_table_commit failed");
		return;
	}
	mutex_lock(&kn->lock);
	KUNIT_EXPECT_NULL(test, kn_lookup(kn, KA_DIR_IN, 85));
	KUNIT_EXPECT_EQ(test, ka_table_locked(kn)->count, 0);
	mutex_unlock(&kn->lock);
}

/*
 * Policy ids, what exact attribution rests on: a new selector gets a new
 * id; a set or a replace of the same selector keeps it and points it at
 * the new policy; a delete, a flush, or a replace without the selector
 * makes it resolve to nothing; ids are not reused at once (cyclic).
 */
static void kn_policy_ids_test(struct kunit *test)
{
	struct ka_net *kn = kn_new(test);
	struct ka_selector a = port_sel(80, 80, KA_DIR_BOTH, 0);
	struct ka_selector b = port_sel(80, 80, KA_DIR_OUT, 0);
	struct ka_action act = idle(60);
	const struct ka_policy *p;
	u32 id_a, id_b, id_a2;
	struct ka_table *t;

	mutex_lock(&kn->lock);
	KUNIT_ASSERT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	p = kn_lookup(kn, KA_DIR_IN, 80);
	KUNIT_ASSERT_NOT_NULL(test, p);
	id_a = p->id;
	KUNIT_EXPECT_NE(test, id_a, 0);
	KUNIT_EXPECT_LE(test, id_a, KA_POLICY_ID_MAX);
	KUNIT_EXPECT_PTR_EQ(test, ka_policy_by_id(kn, id_a), p);
	/* A more specific policy: an id of its own; a's stays a's. */
	KUNIT_ASSERT_EQ(test, ka_policy_set(kn, &b, &act, NULL), 0);
	p = kn_lookup(kn, KA_DIR_OUT, 80);
	KUNIT_ASSERT_NOT_NULL(test, p);
	id_b = p->id;
	KUNIT_EXPECT_NE(test, id_b, id_a);
	KUNIT_EXPECT_PTR_EQ(test, ka_policy_by_id(kn, id_b), p);
	KUNIT_EXPECT_PTR_EQ(test, ka_policy_by_id(kn, id_a),
			    kn_lookup(kn, KA_DIR_IN, 80));
	/* Set again: the same id, now the new policy. */
	act = idle(30);
	KUNIT_ASSERT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	p = ka_policy_by_id(kn, id_a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->act.idle_s, 30);
	KUNIT_EXPECT_PTR_EQ(test, p, kn_lookup(kn, KA_DIR_IN, 80));
	/* Deleted: nothing; set again: a new id, not the old one. */
	KUNIT_ASSERT_EQ(test, ka_policy_del(kn, &a), 0);
	KUNIT_EXPECT_NULL(test, ka_policy_by_id(kn, id_a));
	KUNIT_ASSERT_EQ(test, ka_policy_set(kn, &a, &act, NULL), 0);
	id_a2 = kn_lookup(kn, KA_DIR_IN, 80)->id;
	KUNIT_EXPECT_NE(test, id_a2, id_a);
	KUNIT_EXPECT_NULL(test, ka_policy_by_id(kn, id_a));
	KUNIT_EXPECT_NULL(test, ka_policy_by_id(kn, 0));
	mutex_unlock(&kn->lock);

	/* Replace with a alone: a keeps its id, b's goes. */
	t = ka_table_new();
	KUNIT_ASSERT_NOT_NULL(test, t);
	act = idle(5);
	KUNIT_EXPECT_EQ(test, ka_table_add(t, &a, &act, NULL), 0);
	if (ka_table_commit(kn, t)) {
		ka_table_free(t);
		KUNIT_FAIL(test, "ka_table_commit failed");
		return;
	}
	mutex_lock(&kn->lock);
	p = ka_policy_by_id(kn, id_a2);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p)
		KUNIT_EXPECT_EQ(test, p->act.idle_s, 5);
	KUNIT_EXPECT_NULL(test, ka_policy_by_id(kn, id_b));
	ka_policy_flush(kn);
	KUNIT_EXPECT_NULL(test, ka_policy_by_id(kn, id_a2));
	mutex_unlock(&kn->lock);
}

static struct kunit_case policy_test_cases[] = {
	KUNIT_CASE(table_add_duplicate_test),
	KUNIT_CASE(table_add_max_policies_test),
	KUNIT_CASE(table_kinds_test),
	KUNIT_CASE(kn_set_test),
	KUNIT_CASE(kn_set_max_policies_test),
	KUNIT_CASE(kn_del_test),
	KUNIT_CASE(kn_ports_filter_test),
	KUNIT_CASE(kn_ranges_test),
	KUNIT_CASE(kn_generation_never_zero_test),
	KUNIT_CASE(kn_flush_test),
	KUNIT_CASE(kn_replace_test),
	KUNIT_CASE(kn_replace_empty_test),
	KUNIT_CASE(kn_policy_ids_test),
	{}
};

/* A flush or a replace frees the old table on the module's queue. */
static int policy_suite_init(struct kunit_suite *suite)
{
	return ka_policy_free_init();
}

static void policy_suite_exit(struct kunit_suite *suite)
{
	ka_policy_free_exit();
}

static struct kunit_suite policy_suite = {
	.name = "ka_policy",
	.suite_init = policy_suite_init,
	.suite_exit = policy_suite_exit,
	.test_cases = policy_test_cases,
};

kunit_test_suite(policy_suite);
