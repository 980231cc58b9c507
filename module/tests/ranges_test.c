// SPDX-License-Identifier: GPL-2.0
/*
 * Port ranges (ranges.c): ka_ranges_prepare() and ka_ranges_commit() add,
 * replace and delete range policies one at a time, and test_lookup()
 * finds the one that holds a port: the most specific, by the precedence
 * rule at the top of policy.c; ranges of different cgroups and directions
 * never mix; single ports are not ranges (policy.c looks them up by hash).
 *
 * The fixed cases name the rules; the randomized cases compare thousands
 * of lookups against a brute-force matcher: over random overlapping sets
 * plus one change, and along long random sequences of sets, replaces and
 * deletes, where each change builds on the blocks the last ones left.
 */

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../ranges.c"

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../policy.h"
#include "ka_test.h"

/* ranges.c deals in selectors: these pass and return the policies around them. */
static int test_prepare(struct ka_ranges_change *c, struct ka_ranges *r,
			const struct ka_policy *add, const struct ka_policy *del)
{
	return ka_ranges_prepare(c, r, add ? &add->sel : NULL,
				 del ? &del->sel : NULL);
}

static const struct ka_policy *test_lookup(const struct ka_ranges *r,
					   u64 cgroup_id, u8 dir, u16 port)
{
	const struct ka_selector *sel = ka_ranges_lookup(r, cgroup_id, dir, port);

	return sel ? container_of(sel, struct ka_policy, sel) : NULL;
}

/* Block i of direction d (0 IN, 1 OUT) of a cgroup's ranges. */
static const void *test_block_at(const struct ka_ranges *r, u64 cgroup_id,
				 unsigned int d, unsigned int i)
{
	const struct ka_range_group_array *gs = rcu_dereference_protected(r->groups, true);
	bool found;
	unsigned int gi = group_find(gs, cgroup_id, &found);

	return found ? rcu_dereference_protected(gs->g[gi]->block[d][i], true) : NULL;
}

#define IN	KA_DIR_IN
#define OUT	KA_DIR_OUT
#define BOTH	KA_DIR_BOTH
#define NONE	(-1)
#define MAX_SPECS	8
#define MAX_CHECKS	16

struct range_spec {
	u64 cgroup_id;
	u16 min, max;		/* max 0: the end of the list */
	u8 dir;
	bool add;		/* passed as "add", not on the list */
	bool del;		/* on the list, and passed as "del" */
};

struct range_check {
	u64 cgroup_id;
	u16 port;		/* 0: the end of the list */
	u8 dir;			/* IN, OUT, or BOTH to check both */
	int want;		/* index of the spec that must win, or NONE */
};

struct range_case {
	const char *name;
	struct range_spec r[MAX_SPECS];
	struct range_check c[MAX_CHECKS];
};

static const struct range_case range_cases[] = {
	{ .name = "nested ranges: the narrowest wins",
	  .r = { { .min = 1000, .max = 2000, .dir = BOTH },
		 { .min = 1200, .max = 1300, .dir = BOTH },
		 { .min = 1250, .max = 1260, .dir = BOTH } },
	  .c = { { .port = 999, .dir = BOTH, .want = NONE },
		 { .port = 1000, .dir = BOTH, .want = 0 },
		 { .port = 1199, .dir = BOTH, .want = 0 },
		 { .port = 1200, .dir = BOTH, .want = 1 },
		 { .port = 1249, .dir = BOTH, .want = 1 },
		 { .port = 1250, .dir = BOTH, .want = 2 },
		 { .port = 1260, .dir = BOTH, .want = 2 },
		 { .port = 1261, .dir = BOTH, .want = 1 },
		 { .port = 1300, .dir = BOTH, .want = 1 },
		 { .port = 1301, .dir = BOTH, .want = 0 },
		 { .port = 2000, .dir = BOTH, .want = 0 },
		 { .port = 2001, .dir = BOTH, .want = NONE } } },
	{ .name = "equal width: an exact direction beats both",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .min = 100, .max = 200, .dir = IN } },
	  .c = { { .port = 150, .dir = IN, .want = 1 },
		 { .port = 100, .dir = IN, .want = 1 },
		 { .port = 200, .dir = IN, .want = 1 },
		 { .port = 150, .dir = OUT, .want = 0 },
		 { .port = 201, .dir = IN, .want = NONE } } },
	{ .name = "equal width: then the lower start",
	  .r = { { .min = 150, .max = 250, .dir = BOTH },
		 { .min = 100, .max = 200, .dir = BOTH } },
	  .c = { { .port = 99, .dir = BOTH, .want = NONE },
		 { .port = 149, .dir = BOTH, .want = 1 },
		 { .port = 150, .dir = BOTH, .want = 1 },
		 { .port = 200, .dir = BOTH, .want = 1 },
		 { .port = 201, .dir = BOTH, .want = 0 },
		 { .port = 250, .dir = BOTH, .want = 0 },
		 { .port = 251, .dir = BOTH, .want = NONE } } },
	{ .name = "equal width: direction before start",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .min = 150, .max = 250, .dir = IN } },
	  .c = { { .port = 170, .dir = IN, .want = 1 },
		 { .port = 170, .dir = OUT, .want = 0 },
		 { .port = 149, .dir = IN, .want = 0 },
		 { .port = 220, .dir = OUT, .want = NONE } } },
	{ .name = "adjacent ranges: port_max and port_max+1",
	  .r = { { .min = 100, .max = 199, .dir = BOTH },
		 { .min = 200, .max = 299, .dir = BOTH },
		 { .min = 301, .max = 400, .dir = IN } },
	  .c = { { .port = 99, .dir = BOTH, .want = NONE },
		 { .port = 100, .dir = BOTH, .want = 0 },
		 { .port = 199, .dir = BOTH, .want = 0 },
		 { .port = 200, .dir = BOTH, .want = 1 },
		 { .port = 299, .dir = BOTH, .want = 1 },
		 { .port = 300, .dir = BOTH, .want = NONE },
		 { .port = 301, .dir = IN, .want = 2 },
		 { .port = 400, .dir = IN, .want = 2 },
		 { .port = 401, .dir = IN, .want = NONE },
		 { .port = 301, .dir = OUT, .want = NONE } } },
	{ .name = "ranges touching 1 and 65535",
	  .r = { { .min = 1, .max = 10, .dir = BOTH },
		 { .min = 65500, .max = 65535, .dir = OUT },
		 { .min = 1, .max = 65535, .dir = BOTH } },
	  .c = { { .port = 1, .dir = BOTH, .want = 0 },
		 { .port = 10, .dir = BOTH, .want = 0 },
		 { .port = 11, .dir = BOTH, .want = 2 },
		 { .port = 65499, .dir = BOTH, .want = 2 },
		 { .port = 65500, .dir = OUT, .want = 1 },
		 { .port = 65535, .dir = OUT, .want = 1 },
		 { .port = 65535, .dir = IN, .want = 2 },
		 { .port = 65500, .dir = IN, .want = 2 } } },
	{ .name = "the whole port space",
	  .r = { { .min = 1, .max = 65535, .dir = IN } },
	  .c = { { .port = 1, .dir = IN, .want = 0 },
		 { .port = 32768, .dir = IN, .want = 0 },
		 { .port = 65535, .dir = IN, .want = 0 },
		 { .port = 1, .dir = OUT, .want = NONE },
		 { .port = 65535, .dir = OUT, .want = NONE } } },
	{ .name = "cgroups are separate",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .cgroup_id = 5, .min = 100, .max = 200, .dir = BOTH },
		 { .cgroup_id = 7, .min = 150, .max = 160, .dir = BOTH },
		 { .cgroup_id = 1ULL << 40, .min = 100, .max = 200, .dir = IN } },
	  .c = { { .port = 150, .dir = BOTH, .want = 0 },
		 { .cgroup_id = 5, .port = 150, .dir = BOTH, .want = 1 },
		 { .cgroup_id = 7, .port = 150, .dir = BOTH, .want = 2 },
		 { .cgroup_id = 7, .port = 120, .dir = BOTH, .want = NONE },
		 { .cgroup_id = 6, .port = 150, .dir = BOTH, .want = NONE },
		 { .cgroup_id = 1ULL << 40, .port = 150, .dir = IN, .want = 3 },
		 { .cgroup_id = 1ULL << 40, .port = 150, .dir = OUT, .want = NONE },
		 { .cgroup_id = (1ULL << 40) + 5, .port = 150, .dir = IN, .want = NONE } } },
	{ .name = "directions are separate",
	  .r = { { .min = 100, .max = 200, .dir = IN },
		 { .min = 150, .max = 300, .dir = OUT } },
	  .c = { { .port = 120, .dir = IN, .want = 0 },
		 { .port = 120, .dir = OUT, .want = NONE },
		 { .port = 170, .dir = IN, .want = 0 },
		 { .port = 170, .dir = OUT, .want = 1 },
		 { .port = 250, .dir = IN, .want = NONE },
		 { .port = 250, .dir = OUT, .want = 1 } } },
	{ .name = "single ports are not ranges",
	  .r = { { .min = 100, .max = 100, .dir = BOTH },
		 { .min = 90, .max = 110, .dir = BOTH } },
	  .c = { { .port = 100, .dir = BOTH, .want = 1 },
		 { .port = 90, .dir = BOTH, .want = 1 },
		 { .port = 111, .dir = BOTH, .want = NONE } } },
	{ .name = "no range at all",
	  .r = { { .min = 100, .max = 100, .dir = BOTH },
		 { .cgroup_id = 3, .min = 5, .max = 5, .dir = IN } },
	  .c = { { .port = 100, .dir = BOTH, .want = NONE },
		 { .cgroup_id = 3, .port = 5, .dir = IN, .want = NONE } } },
	{ .name = "del: the inner range goes",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .min = 120, .max = 130, .dir = BOTH, .del = true } },
	  .c = { { .port = 125, .dir = BOTH, .want = 0 },
		 { .port = 100, .dir = BOTH, .want = 0 },
		 { .port = 200, .dir = BOTH, .want = 0 } } },
	{ .name = "del: the outer range goes",
	  .r = { { .min = 100, .max = 200, .dir = BOTH, .del = true },
		 { .min = 120, .max = 130, .dir = BOTH } },
	  .c = { { .port = 125, .dir = BOTH, .want = 1 },
		 { .port = 150, .dir = BOTH, .want = NONE },
		 { .port = 119, .dir = BOTH, .want = NONE } } },
	{ .name = "del: the last range goes",
	  .r = { { .min = 100, .max = 200, .dir = IN, .del = true } },
	  .c = { { .port = 150, .dir = IN, .want = NONE } } },
	{ .name = "add: a range to a list",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .min = 120, .max = 130, .dir = OUT, .add = true } },
	  .c = { { .port = 125, .dir = OUT, .want = 1 },
		 { .port = 125, .dir = IN, .want = 0 },
		 { .port = 131, .dir = OUT, .want = 0 } } },
	{ .name = "add: to an empty list",
	  .r = { { .cgroup_id = 9, .min = 100, .max = 200, .dir = OUT,
		   .add = true } },
	  .c = { { .cgroup_id = 9, .port = 100, .dir = OUT, .want = 0 },
		 { .cgroup_id = 9, .port = 200, .dir = OUT, .want = 0 },
		 { .cgroup_id = 9, .port = 150, .dir = IN, .want = NONE },
		 { .port = 150, .dir = OUT, .want = NONE } } },
	{ .name = "add and del: a replaced range",
	  .r = { { .min = 100, .max = 200, .dir = BOTH },
		 { .min = 120, .max = 130, .dir = BOTH, .del = true },
		 { .min = 120, .max = 130, .dir = BOTH, .add = true } },
	  .c = { { .port = 125, .dir = BOTH, .want = 2 },
		 { .port = 131, .dir = BOTH, .want = 0 } } },
};

static void range_case_desc(const struct range_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(range, range_cases, range_case_desc);

static void range_policy_init(struct ka_policy *p, u64 cgroup_id, u16 min,
			      u16 max, u8 dir)
{
	memset(p, 0, sizeof(*p));
	ka_selector_init(&p->sel);
	p->sel.cgroup_id = cgroup_id;
	p->sel.port_min = min;
	p->sel.port_max = max;
	p->sel.dir = dir;
}

/*
 * r: the ranges of list, added one by one as a table indexes them, then
 * add and del as one change, as set and del make it (both: a replace).
 */
static int ranges_build(struct ka_ranges *r, struct list_head *list,
			const struct ka_policy *add,
			const struct ka_policy *del)
{
	struct ka_ranges_change c;
	struct ka_policy *p;
	int ret;

	list_for_each_entry(p, list, list) {
		if (!ka_selector_is_range(&p->sel))
			continue;
		ret = test_prepare(&c, r, p, NULL);
		if (ret)
			return ret;
		ka_ranges_commit(&c, false);
	}
	if (!add && !del)
		return 0;
	ret = test_prepare(&c, r, add, del);
	if (!ret)
		ka_ranges_commit(&c, true);
	return ret;
}

static void ranges_clear(void *r)
{
	ka_ranges_clear(r, false);
}

/* Empty ranges, cleared when the test case ends. */
static struct ka_ranges *ranges_new(struct kunit *test)
{
	struct ka_ranges *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	ka_test_defer(test, ranges_clear, r);
	return r;
}

static void range_param_test(struct kunit *test)
{
	const struct range_case *c = test->param_value;
	const struct ka_policy *add = NULL, *del = NULL, *got, *want;
	struct ka_ranges *r = ranges_new(test);
	struct ka_policy *p;
	LIST_HEAD(list);
	int i, n, d, ret;
	u8 dirs[2];

	p = kunit_kcalloc(test, MAX_SPECS, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (n = 0; n < MAX_SPECS && c->r[n].max; n++) {
		const struct range_spec *s = &c->r[n];

		range_policy_init(&p[n], s->cgroup_id, s->min, s->max, s->dir);
		if (s->add) {
			add = &p[n];
			continue;
		}
		list_add_tail(&p[n].list, &list);
		if (s->del)
			del = &p[n];
	}
	ret = ranges_build(r, &list, add, del);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "error %d", ret);

	rcu_read_lock();
	for (i = 0; i < MAX_CHECKS && c->c[i].port; i++) {
		const struct range_check *k = &c->c[i];

		dirs[0] = k->dir == BOTH ? IN : k->dir;
		dirs[1] = k->dir == BOTH ? OUT : k->dir;
		want = k->want == NONE ? NULL : &p[k->want];
		for (d = 0; d < 2; d++) {
			got = test_lookup(r, k->cgroup_id, dirs[d], k->port);
			KUNIT_EXPECT_PTR_EQ_MSG(test, got, want,
						"cgroup %llu dir %u port %u: got policy %ld, want %d",
						k->cgroup_id, dirs[d], k->port,
						got ? (long)(got - p) : -1L, k->want);
		}
	}
	rcu_read_unlock();
}

/* ---- randomized: indexed lookups against a brute-force matcher ---- */

#define RANDOM_ROUNDS	200
#define RANDOM_MAX	64

/* Whether a beats b for a port both hold: the rules, restated plainly. */
static bool more_specific(const struct ka_selector *a,
			  const struct ka_selector *b)
{
	u32 wa = a->port_max - a->port_min, wb = b->port_max - b->port_min;
	bool a_both = a->dir == KA_DIR_BOTH, b_both = b->dir == KA_DIR_BOTH;

	if (wa != wb)
		return wa < wb;
	if (a_both != b_both)
		return !a_both;
	return a->port_min < b->port_min;
}

static const struct ka_policy *brute_force(const struct ka_policy *p, int n,
					   const struct ka_policy *del,
					   u64 cgroup_id, u8 dir, u16 port)
{
	const struct ka_policy *best = NULL;
	int i;

	for (i = 0; i < n; i++) {
		const struct ka_selector *s = &p[i].sel;

		if (&p[i] == del || !ka_selector_is_range(s) ||
		    s->cgroup_id != cgroup_id ||
		    (s->dir != dir && s->dir != KA_DIR_BOTH) ||
		    port < s->port_min || port > s->port_max)
			continue;
		if (!best || more_specific(s, &best->sel))
			best = &p[i];
	}
	return best;
}

static const u64 random_cgroups[] = { 0, 1, 1ULL << 40 };

/* A random range, mostly among a few hundred ports so that many overlap. */
static void random_range(struct rnd_state *rs, struct ka_policy *p)
{
	u32 zone = prandom_u32_state(rs) % 8, min, width;
	static const u8 dirs[] = { KA_DIR_BOTH, KA_DIR_IN, KA_DIR_OUT };

	if (zone < 5) {			/* the crowd */
		min = 1 + prandom_u32_state(rs) % 300;
		width = 1 + prandom_u32_state(rs) % 60;
	} else if (zone == 5) {		/* near the top */
		min = 65535 - prandom_u32_state(rs) % 200;
		width = 1 + prandom_u32_state(rs) % 200;
	} else if (zone == 6) {		/* from port 1 */
		min = 1;
		width = 1 + prandom_u32_state(rs) % 400;
	} else {			/* anywhere, any width */
		min = 1 + prandom_u32_state(rs) % 65535;
		width = 1 + prandom_u32_state(rs) % 65535;
	}
	if (prandom_u32_state(rs) % 10 == 0)
		width = 0;	/* a single port: compiling must skip it */
	if (min > 65534)
		min = 65534;
	range_policy_init(p, random_cgroups[prandom_u32_state(rs) % 3], min,
			  min + width > 65535 ? 65535 : min + width,
			  dirs[prandom_u32_state(rs) % 3]);
}

static bool same_selector(const struct ka_policy *p, int n,
			  const struct ka_policy *q)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&p[i].sel, &q->sel, sizeof(q->sel)))
			return true;
	return false;
}

static bool same_live(const struct ka_policy **live, int n,
		      const struct ka_policy *q)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&live[i]->sel, &q->sel, sizeof(q->sel)))
			return true;
	return false;
}

/*
 * Looks port up in every cgroup and direction, indexed and brute force;
 * counts mismatches in *bad and reports the first few.
 */
static void check_port(struct kunit *test, const struct ka_ranges *r,
		       const struct ka_policy *p, int n,
		       const struct ka_policy *del, u32 port, int round,
		       int *bad)
{
	const struct ka_policy *got, *want;
	int c, d;

	if (port < 1 || port > 65535)
		return;
	for (c = 0; c < ARRAY_SIZE(random_cgroups); c++) {
		for (d = KA_DIR_IN; d <= KA_DIR_OUT; d++) {
			rcu_read_lock();
			got = test_lookup(r, random_cgroups[c], d, port);
			rcu_read_unlock();
			want = brute_force(p, n, del, random_cgroups[c], d, port);
			if (got == want)
				continue;
			if (++*bad > 10)
				continue;
			KUNIT_FAIL(test, "round %d: cgroup %llu dir %d port %u: got %ld, want %ld",
				   round, random_cgroups[c], d, port,
				   got ? (long)(got - p) : -1L,
				   want ? (long)(want - p) : -1L);
		}
	}
}

static void ranges_random_test(struct kunit *test)
{
	int round, i, k, n, bad = 0, lookups = 0;
	const struct ka_policy *del;
	u32 ports[4], port;
	struct ka_ranges *r = ranges_new(test);
	struct rnd_state rs;
	struct ka_policy *p;

	p = kunit_kcalloc(test, RANDOM_MAX + 1, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	prandom_seed_state(&rs, 0x6b615f706f6cULL);

	for (round = 0; round < RANDOM_ROUNDS && !bad; round++) {
		LIST_HEAD(list);
		int ret, want_n = 1 + prandom_u32_state(&rs) % RANDOM_MAX;
		u32 mode = prandom_u32_state(&rs) % 3;

		/*
		 * Unique selectors, as a table holds them; p[want_n] is the
		 * one to add, a range (policy.c adds nothing else).
		 */
		for (n = 0; n < want_n + 1; ) {
			random_range(&rs, &p[n]);
			if (!same_selector(p, n, &p[n]) &&
			    (n < want_n || ka_selector_is_range(&p[n].sel)))
				n++;
		}
		for (i = 0; i < want_n; i++)
			list_add_tail(&p[i].list, &list);
		/* The list alone, plus p[want_n], or minus one of its ranges. */
		del = NULL;
		if (mode == 2) {
			del = &p[prandom_u32_state(&rs) % want_n];
			if (!ka_selector_is_range(&del->sel))
				del = NULL;
		}
		n = mode == 1 ? want_n + 1 : want_n;
		ret = ranges_build(r, &list, mode == 1 ? &p[want_n] : NULL, del);
		if (ret) {
			KUNIT_FAIL(test, "round %d: error %d", round, ret);
			break;
		}
		/* Every boundary, each side of it, and random ports. */
		for (i = 0; i < n; i++) {
			ports[0] = p[i].sel.port_min - 1;
			ports[1] = p[i].sel.port_min;
			ports[2] = p[i].sel.port_max;
			ports[3] = p[i].sel.port_max + 1;
			for (k = 0; k < 4; k++)
				check_port(test, r, p, n, del, ports[k], round,
					   &bad);
			lookups += 4 * 6;
		}
		for (i = 0; i < 32; i++) {
			port = 1 + prandom_u32_state(&rs) % (i & 1 ? 65535 : 400);
			check_port(test, r, p, n, del, port, round, &bad);
			lookups += 6;
		}
		ka_ranges_clear(r, false);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_GE(test, lookups, 10000);
	kunit_info(test, "%d rounds, about %d lookups", round, lookups);
}

/* Empty ranges find nothing, and deleting every range empties them. */
static void ranges_empty_test(struct kunit *test)
{
	struct ka_ranges *r = ranges_new(test);
	struct ka_ranges_change c;
	struct ka_policy *p;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, test_lookup(r, 0, KA_DIR_IN, 80));
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, ka_ranges_empty(r));

	range_policy_init(p, 7, 80, 90, KA_DIR_IN);
	KUNIT_ASSERT_EQ(test, test_prepare(&c, r, p, NULL), 0);
	ka_ranges_commit(&c, true);
	KUNIT_EXPECT_FALSE(test, ka_ranges_empty(r));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, test_lookup(r, 7, KA_DIR_IN, 80), p);
	KUNIT_EXPECT_NULL(test, test_lookup(r, 7, KA_DIR_OUT, 80));
	KUNIT_EXPECT_NULL(test, test_lookup(r, 0, KA_DIR_IN, 80));
	rcu_read_unlock();

	KUNIT_ASSERT_EQ(test, test_prepare(&c, r, NULL, p), 0);
	ka_ranges_commit(&c, true);
	KUNIT_EXPECT_TRUE(test, ka_ranges_empty(r));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, test_lookup(r, 7, KA_DIR_IN, 80));
	rcu_read_unlock();
	/* The policy outlives the ranges' grace period (freed by kunit). */
	rcu_barrier();
}

/*
 * A change that leaves a block as it was keeps the block itself: readers
 * are not made to change blocks, nothing is copied. B (ports 100-2000,
 * both directions) loses every IN port to A (the same ports, IN only):
 * adding and deleting B keeps A's IN blocks, and changes the OUT ones.
 */
static void ranges_unchanged_block_kept_test(struct kunit *test)
{
	struct ka_ranges *r = ranges_new(test);
	struct ka_ranges_change c;
	const void *in0, *in1;
	struct ka_policy *a, *b;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	range_policy_init(a, 0, 100, 2000, KA_DIR_IN);
	range_policy_init(b, 0, 100, 2000, KA_DIR_BOTH);
	KUNIT_ASSERT_EQ(test, test_prepare(&c, r, a, NULL), 0);
	ka_ranges_commit(&c, false);
	in0 = test_block_at(r, 0, 0, 0);
	in1 = test_block_at(r, 0, 0, 1);
	KUNIT_ASSERT_NOT_NULL(test, in0);
	KUNIT_ASSERT_NOT_NULL(test, in1);

	KUNIT_ASSERT_EQ(test, test_prepare(&c, r, b, NULL), 0);
	ka_ranges_commit(&c, false);
	KUNIT_EXPECT_PTR_EQ(test, test_block_at(r, 0, 0, 0), in0);
	KUNIT_EXPECT_PTR_EQ(test, test_block_at(r, 0, 0, 1), in1);
	KUNIT_EXPECT_NOT_NULL(test, test_block_at(r, 0, 1, 0));

	KUNIT_ASSERT_EQ(test, test_prepare(&c, r, NULL, b), 0);
	ka_ranges_commit(&c, false);
	KUNIT_EXPECT_PTR_EQ(test, test_block_at(r, 0, 0, 0), in0);
	KUNIT_EXPECT_PTR_EQ(test, test_block_at(r, 0, 0, 1), in1);
	KUNIT_EXPECT_NULL(test, test_block_at(r, 0, 1, 0));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, test_lookup(r, 0, KA_DIR_IN, 150), a);
	KUNIT_EXPECT_NULL(test, test_lookup(r, 0, KA_DIR_OUT, 150));
	rcu_read_unlock();
}

/* ---- randomized sequences: each change builds on the last ---- */

#define SEQ_STEPS	3000
#define SEQ_LIVE	48
#define SEQ_POOL	(SEQ_STEPS + SEQ_LIVE)

/* Checks port in every cgroup and direction against the live set. */
static void seq_check(struct kunit *test, const struct ka_ranges *r,
		      const struct ka_policy **live, int n_live, u32 port,
		      int step, int *bad)
{
	const struct ka_policy *got, *want;
	int c, d, i;

	if (port < 1 || port > 65535)
		return;
	for (c = 0; c < ARRAY_SIZE(random_cgroups); c++) {
		for (d = KA_DIR_IN; d <= KA_DIR_OUT; d++) {
			want = NULL;
			for (i = 0; i < n_live; i++) {
				const struct ka_selector *s = &live[i]->sel;

				if (s->cgroup_id != random_cgroups[c] ||
				    (s->dir != d && s->dir != KA_DIR_BOTH) ||
				    port < s->port_min || port > s->port_max)
					continue;
				if (!want || more_specific(s, &want->sel))
					want = live[i];
			}
			rcu_read_lock();
			got = test_lookup(r, random_cgroups[c], d, port);
			rcu_read_unlock();
			if (got != want && ++*bad <= 10)
				KUNIT_FAIL(test, "step %d: cgroup %llu dir %d port %u: wrong",
					   step, random_cgroups[c], d, port);
		}
	}
}

/*
 * Adds, replaces and deletes ranges at random, SEQ_LIVE at most at once,
 * checking the changed range's edges and random ports after each step,
 * then deletes what is left: the ranges must end empty.
 */
static void ranges_sequence_test(struct kunit *test)
{
	const struct ka_policy **live, *del, *add;
	struct ka_ranges *r = ranges_new(test);
	int step, i, k, n_live = 0, used = 0, bad = 0;
	struct ka_ranges_change c;
	struct rnd_state rs;
	struct ka_policy *p;
	u32 op, ports[4];

	p = kunit_kcalloc(test, SEQ_POOL, sizeof(*p), GFP_KERNEL);
	live = kunit_kcalloc(test, SEQ_LIVE, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, live);
	prandom_seed_state(&rs, 0x72616e676573ULL);

	for (step = 0; step < SEQ_STEPS && !bad && used < SEQ_POOL; step++) {
		op = prandom_u32_state(&rs) % 3;
		if (!n_live || (op == 0 && n_live < SEQ_LIVE)) {
			do {	/* a new selector: add */
				random_range(&rs, &p[used]);
			} while (!ka_selector_is_range(&p[used].sel) ||
				 same_live(live, n_live, &p[used]));
			add = &p[used++];
			del = NULL;
		} else if (op == 1) {	/* the same selector, a new policy */
			k = prandom_u32_state(&rs) % n_live;
			p[used] = *live[k];
			add = &p[used++];
			del = live[k];
		} else {		/* delete */
			k = prandom_u32_state(&rs) % n_live;
			add = NULL;
			del = live[k];
		}
		if (test_prepare(&c, r, add, del)) {
			KUNIT_FAIL(test, "step %d: out of memory", step);
			break;
		}
		ka_ranges_commit(&c, true);
		if (!del)
			live[n_live++] = add;
		else if (add)
			live[k] = add;
		else
			live[k] = live[--n_live];

		ports[0] = (add ?: del)->sel.port_min - 1;
		ports[1] = (add ?: del)->sel.port_min;
		ports[2] = (add ?: del)->sel.port_max;
		ports[3] = (add ?: del)->sel.port_max + 1;
		for (i = 0; i < 4; i++)
			seq_check(test, r, live, n_live, ports[i], step, &bad);
		for (i = 0; i < 4; i++)
			seq_check(test, r, live, n_live,
				  1 + prandom_u32_state(&rs) % (i & 1 ? 65535 : 400),
				  step, &bad);
	}
	while (n_live && !bad) {
		KUNIT_ASSERT_EQ(test, test_prepare(&c, r, NULL, live[0]), 0);
		ka_ranges_commit(&c, true);
		live[0] = live[--n_live];
		seq_check(test, r, live, n_live, 1 + prandom_u32_state(&rs) % 400,
			  step++, &bad);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_TRUE(test, ka_ranges_empty(r));
	kunit_info(test, "%d steps", step);
	rcu_barrier();
}

static struct kunit_case ranges_test_cases[] = {
	KUNIT_CASE_PARAM(range_param_test, range_gen_params),
	KUNIT_CASE(ranges_empty_test),
	KUNIT_CASE(ranges_unchanged_block_kept_test),
	KUNIT_CASE(ranges_random_test),
	KUNIT_CASE(ranges_sequence_test),
	{}
};

static struct kunit_suite ranges_suite = {
	.name = "ka_ranges",
	.test_cases = ranges_test_cases,
};

kunit_test_suite(ranges_suite);
