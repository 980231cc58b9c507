// SPDX-License-Identifier: GPL-2.0
/*
 * Port ranges (ranges.c): ka_ranges_compile() turns overlapping range
 * policies into disjoint segments, ka_ranges_lookup() finds the one that
 * holds a port. The most specific range wins: the narrowest, then an
 * exact direction over both, then the lower start; ranges of different
 * cgroups and directions never mix; single ports are not ranges (policy.c
 * looks them up by hash). The compile step takes the list plus one policy
 * to add and minus one to delete, as set and del use it.
 *
 * The fixed cases name the rules; the randomized case compares thousands
 * of lookups over random overlapping sets against a brute-force matcher.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../policy.h"
#include "../ranges.h"
#include "ka_test.h"

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
	{ "nested ranges: the narrowest wins",
	  { { 0, 1000, 2000, BOTH }, { 0, 1200, 1300, BOTH },
	    { 0, 1250, 1260, BOTH } },
	  { { 0, 999, BOTH, NONE }, { 0, 1000, BOTH, 0 }, { 0, 1199, BOTH, 0 },
	    { 0, 1200, BOTH, 1 }, { 0, 1249, BOTH, 1 }, { 0, 1250, BOTH, 2 },
	    { 0, 1260, BOTH, 2 }, { 0, 1261, BOTH, 1 }, { 0, 1300, BOTH, 1 },
	    { 0, 1301, BOTH, 0 }, { 0, 2000, BOTH, 0 }, { 0, 2001, BOTH, NONE } } },
	{ "equal width: an exact direction beats both",
	  { { 0, 100, 200, BOTH }, { 0, 100, 200, IN } },
	  { { 0, 150, IN, 1 }, { 0, 100, IN, 1 }, { 0, 200, IN, 1 },
	    { 0, 150, OUT, 0 }, { 0, 201, IN, NONE } } },
	{ "equal width: then the lower start",
	  { { 0, 150, 250, BOTH }, { 0, 100, 200, BOTH } },
	  { { 0, 99, BOTH, NONE }, { 0, 149, BOTH, 1 }, { 0, 150, BOTH, 1 },
	    { 0, 200, BOTH, 1 }, { 0, 201, BOTH, 0 }, { 0, 250, BOTH, 0 },
	    { 0, 251, BOTH, NONE } } },
	{ "equal width: direction before start",
	  { { 0, 100, 200, BOTH }, { 0, 150, 250, IN } },
	  { { 0, 170, IN, 1 }, { 0, 170, OUT, 0 }, { 0, 149, IN, 0 },
	    { 0, 220, OUT, NONE } } },
	{ "adjacent ranges: port_max and port_max+1",
	  { { 0, 100, 199, BOTH }, { 0, 200, 299, BOTH }, { 0, 301, 400, IN } },
	  { { 0, 99, BOTH, NONE }, { 0, 100, BOTH, 0 }, { 0, 199, BOTH, 0 },
	    { 0, 200, BOTH, 1 }, { 0, 299, BOTH, 1 }, { 0, 300, BOTH, NONE },
	    { 0, 301, IN, 2 }, { 0, 400, IN, 2 }, { 0, 401, IN, NONE },
	    { 0, 301, OUT, NONE } } },
	{ "ranges touching 1 and 65535",
	  { { 0, 1, 10, BOTH }, { 0, 65500, 65535, OUT }, { 0, 1, 65535, BOTH } },
	  { { 0, 1, BOTH, 0 }, { 0, 10, BOTH, 0 }, { 0, 11, BOTH, 2 },
	    { 0, 65499, BOTH, 2 }, { 0, 65500, OUT, 1 }, { 0, 65535, OUT, 1 },
	    { 0, 65535, IN, 2 }, { 0, 65500, IN, 2 } } },
	{ "the whole port space",
	  { { 0, 1, 65535, IN } },
	  { { 0, 1, IN, 0 }, { 0, 32768, IN, 0 }, { 0, 65535, IN, 0 },
	    { 0, 1, OUT, NONE }, { 0, 65535, OUT, NONE } } },
	{ "cgroups are separate",
	  { { 0, 100, 200, BOTH }, { 5, 100, 200, BOTH }, { 7, 150, 160, BOTH },
	    { 1ULL << 40, 100, 200, IN } },
	  { { 0, 150, BOTH, 0 }, { 5, 150, BOTH, 1 }, { 7, 150, BOTH, 2 },
	    { 7, 120, BOTH, NONE }, { 6, 150, BOTH, NONE },
	    { 1ULL << 40, 150, IN, 3 }, { 1ULL << 40, 150, OUT, NONE },
	    { (1ULL << 40) + 5, 150, IN, NONE } } },
	{ "directions are separate",
	  { { 0, 100, 200, IN }, { 0, 150, 300, OUT } },
	  { { 0, 120, IN, 0 }, { 0, 120, OUT, NONE }, { 0, 170, IN, 0 },
	    { 0, 170, OUT, 1 }, { 0, 250, IN, NONE }, { 0, 250, OUT, 1 } } },
	{ "single ports are not ranges",
	  { { 0, 100, 100, BOTH }, { 0, 90, 110, BOTH } },
	  { { 0, 100, BOTH, 1 }, { 0, 90, BOTH, 1 }, { 0, 111, BOTH, NONE } } },
	{ "no range at all",
	  { { 0, 100, 100, BOTH }, { 3, 5, 5, IN } },
	  { { 0, 100, BOTH, NONE }, { 3, 5, IN, NONE } } },
	{ "del: the inner range goes",
	  { { 0, 100, 200, BOTH }, { 0, 120, 130, BOTH, .del = true } },
	  { { 0, 125, BOTH, 0 }, { 0, 100, BOTH, 0 }, { 0, 200, BOTH, 0 } } },
	{ "del: the outer range goes",
	  { { 0, 100, 200, BOTH, .del = true }, { 0, 120, 130, BOTH } },
	  { { 0, 125, BOTH, 1 }, { 0, 150, BOTH, NONE }, { 0, 119, BOTH, NONE } } },
	{ "del: the last range goes",
	  { { 0, 100, 200, IN, .del = true } },
	  { { 0, 150, IN, NONE } } },
	{ "add: a range to a list",
	  { { 0, 100, 200, BOTH }, { 0, 120, 130, OUT, .add = true } },
	  { { 0, 125, OUT, 1 }, { 0, 125, IN, 0 }, { 0, 131, OUT, 0 } } },
	{ "add: to an empty list",
	  { { 9, 100, 200, OUT, .add = true } },
	  { { 9, 100, OUT, 0 }, { 9, 200, OUT, 0 }, { 9, 150, IN, NONE },
	    { 0, 150, OUT, NONE } } },
	{ "add and del: a replaced range",
	  { { 0, 100, 200, BOTH }, { 0, 120, 130, BOTH, .del = true },
	    { 0, 120, 130, BOTH, .add = true } },
	  { { 0, 125, BOTH, 2 }, { 0, 131, BOTH, 0 } } },
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

static void range_case_test(struct kunit *test)
{
	const struct range_case *c = test->param_value;
	const struct ka_policy *add = NULL, *del = NULL, *got, *want;
	struct ka_policy *p;
	unsigned int n_range = 0;
	struct ka_ranges *r;
	LIST_HEAD(list);
	int i, n, d;
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
		n_range += ka_selector_is_range(&p[n].sel);
		if (s->del)
			del = &p[n];
	}
	r = ka_ranges_compile(&list, n_range, add, del);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(r), "error %ld", PTR_ERR(r));
	ka_test_defer_ranges(test, r);

	for (i = 0; i < MAX_CHECKS && c->c[i].port; i++) {
		const struct range_check *k = &c->c[i];

		dirs[0] = k->dir == BOTH ? IN : k->dir;
		dirs[1] = k->dir == BOTH ? OUT : k->dir;
		want = k->want == NONE ? NULL : &p[k->want];
		for (d = 0; d < 2; d++) {
			got = ka_ranges_lookup(r, k->cgroup_id, dirs[d], k->port);
			KUNIT_EXPECT_PTR_EQ_MSG(test, got, want,
						"cgroup %llu dir %u port %u: got policy %ld, want %d",
						k->cgroup_id, dirs[d], k->port,
						got ? (long)(got - p) : -1L, k->want);
		}
	}
}

/* ---- randomized: compiled lookups against a brute-force matcher ---- */

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

/*
 * Looks port up in every cgroup and direction, compiled and brute force;
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
			got = ka_ranges_lookup(r, random_cgroups[c], d, port);
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
	struct rnd_state rs;
	struct ka_policy *p;
	struct ka_ranges *r;

	p = kunit_kcalloc(test, RANDOM_MAX + 1, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	prandom_seed_state(&rs, 0x6b615f706f6cULL);

	for (round = 0; round < RANDOM_ROUNDS && !bad; round++) {
		LIST_HEAD(list);
		unsigned int n_range;
		int want_n = 1 + prandom_u32_state(&rs) % RANDOM_MAX;
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
		n_range = 0;
		for (i = 0; i < want_n; i++) {
			list_add_tail(&p[i].list, &list);
			n_range += ka_selector_is_range(&p[i].sel);
		}
		/* Compile the list alone, plus p[want_n], or minus one. */
		del = mode == 2 ? &p[prandom_u32_state(&rs) % want_n] : NULL;
		n = mode == 1 ? want_n + 1 : want_n;
		r = ka_ranges_compile(&list, n_range,
				      mode == 1 ? &p[want_n] : NULL, del);
		if (IS_ERR(r)) {
			KUNIT_FAIL(test, "round %d: error %ld", round, PTR_ERR(r));
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
		ka_ranges_free(r);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_GE(test, lookups, 10000);
	kunit_info(test, "%d rounds, about %d lookups", round, lookups);
}

/* No ranges compiled is NULL, and a lookup in NULL finds nothing. */
static void ranges_empty_test(struct kunit *test)
{
	LIST_HEAD(list);

	KUNIT_EXPECT_NULL(test, ka_ranges_compile(&list, 0, NULL, NULL));
	KUNIT_EXPECT_NULL(test, ka_ranges_lookup(NULL, 0, KA_DIR_IN, 80));
}

static struct kunit_case ranges_test_cases[] = {
	KUNIT_CASE_PARAM(range_case_test, range_gen_params),
	KUNIT_CASE(ranges_empty_test),
	KUNIT_CASE(ranges_random_test),
	{}
};

static struct kunit_suite ranges_suite = {
	.name = "ka_ranges",
	.test_cases = ranges_test_cases,
};

kunit_test_suite(ranges_suite);
