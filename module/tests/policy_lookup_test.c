// SPDX-License-Identifier: GPL-2.0
/*
 * ka_policy_lookup(): which policy a socket gets, from its direction, port
 * and cgroup, by the precedence rule stated at the top of policy.c. Each
 * scenario builds a table with ka_table_new()/ka_table_add() (no
 * namespace needed) and checks lookups.
 *
 * Cgroups are fakes: a lookup reads only cgrp->level, cgrp->ancestors[]
 * and, through cgroup_id(), each ancestor's kn->id (6.1's
 * include/linux/cgroup.h), so a zeroed struct cgroup with those fields and
 * a kernfs_node holding only an id stands for a real one. Nothing here
 * hands them to the cgroup core.
 */

#include <kunit/test.h>
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>

#include "../cgpath.h"
#include "../policy.h"
#include "ka_test.h"

#define IN	KA_DIR_IN
#define OUT	KA_DIR_OUT
#define BOTH	KA_DIR_BOTH
#define NONE	(-1)

/* The fake hierarchy; NOCG is "no cgroup" (the caller passes NULL). */
enum fake_cgroup {
	NOCG = -1,
	ROOT,		/* level 0 */
	SYS,		/* /system.slice */
	REDIS,		/* /system.slice/redis.service */
	NGINX,		/* /system.slice/nginx.service */
	USER,		/* /user.slice */
	DEEP,		/* /system.slice/redis.service/worker */
	N_FAKE_CGROUPS
};

static const struct {
	int parent;
	u64 id;
} fake_cgroups[N_FAKE_CGROUPS] = {
	[ROOT]	= { NOCG, 1 },
	[SYS]	= { ROOT, 100 },
	[REDIS]	= { SYS, 200 },
	[NGINX]	= { SYS, 300 },
	[USER]	= { ROOT, 1ULL << 33 },
	[DEEP]	= { REDIS, 500 },
};

/* test->priv: the fakes, built for each case. */
struct fake_cgroup_set {
	struct cgroup *cg[N_FAKE_CGROUPS];
};

static int policy_lookup_test_init(struct kunit *test)
{
	struct fake_cgroup_set *f;
	struct cgroup *cg, *parent;
	int i, level, l;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	/* Parents come before their children in fake_cgroups[]. */
	for (i = 0; i < N_FAKE_CGROUPS; i++) {
		parent = fake_cgroups[i].parent == NOCG ? NULL :
			 f->cg[fake_cgroups[i].parent];
		level = parent ? parent->level + 1 : 0;
		cg = kunit_kzalloc(test, struct_size(cg, ancestors, level + 1),
				   GFP_KERNEL);
		if (!cg)
			return -ENOMEM;
		cg->kn = kunit_kzalloc(test, sizeof(*cg->kn), GFP_KERNEL);
		if (!cg->kn)
			return -ENOMEM;
		cg->kn->id = fake_cgroups[i].id;
		cg->level = level;
		for (l = 0; l < level; l++)
			cg->ancestors[l] = parent->ancestors[l];
		cg->ancestors[level] = cg;
		f->cg[i] = cg;
	}
	test->priv = f;
	return 0;
}

/* The fakes are what the lookup expects of real cgroups. */
static void fake_cgroups_test(struct kunit *test)
{
	struct fake_cgroup_set *f = test->priv;

	KUNIT_EXPECT_EQ(test, f->cg[DEEP]->level, 3);
	KUNIT_EXPECT_EQ(test, cgroup_id(f->cg[DEEP]), 500);
	KUNIT_EXPECT_PTR_EQ(test, f->cg[DEEP]->ancestors[0], f->cg[ROOT]);
	KUNIT_EXPECT_PTR_EQ(test, f->cg[DEEP]->ancestors[1], f->cg[SYS]);
	KUNIT_EXPECT_PTR_EQ(test, f->cg[DEEP]->ancestors[2], f->cg[REDIS]);
	KUNIT_EXPECT_PTR_EQ(test, f->cg[DEEP]->ancestors[3], f->cg[DEEP]);
	KUNIT_EXPECT_EQ(test, cgroup_id(f->cg[USER]->ancestors[0]), 1);
}

/* ---- scenarios: a policy set and the lookups it must answer ---- */

#define MAX_POLICIES	10
#define MAX_LOOKUPS	16

struct pol_spec {
	bool used;
	int cg;			/* enum fake_cgroup, NOCG: none */
	u16 port_min;		/* 0: no port */
	u16 port_max;		/* 0: port_min alone */
	u8 dir;
	bool off;
};

/* Selectors, as designated initializers for struct pol_spec. */
#define DEFAULT_POL		.used = true, .cg = NOCG
#define CGROUP(c)		.used = true, .cg = (c)
#define PORT(p, d)		RANGE(p, 0, d)
#define RANGE(a, b, d)		.used = true, .cg = NOCG, .port_min = (a), \
				.port_max = (b), .dir = (d)
#define PORT_CG(p, d, c)	RANGE_CG(p, 0, d, c)
#define RANGE_CG(a, b, d, c)	.used = true, .cg = (c), .port_min = (a), \
				.port_max = (b), .dir = (d)

struct lookup_check {
	u8 dir;
	u16 port;		/* 0: the end of the list */
	int cg;			/* the socket's cgroup, NOCG: none */
	int want;		/* index of the policy it gets, or NONE */
};

struct lookup_scenario {
	const char *name;
	struct pol_spec pol[MAX_POLICIES];
	struct lookup_check check[MAX_LOOKUPS];
};

static const struct lookup_scenario scenarios[] = {
	{ "the documentation's worked example",
	  { { DEFAULT_POL },				/* 0 */
	    { CGROUP(SYS) },				/* 1 */
	    { PORT(6379, BOTH) },			/* 2 */
	    { PORT_CG(6379, IN, REDIS) },		/* 3 */
	    { RANGE(8000, 8999, BOTH) },		/* 4 */
	    { PORT(8080, BOTH), .off = true } },	/* 5 */
	  /* redis accepts: rule 1 */
	  { { .dir = IN, .port = 6379, .cg = REDIS, .want = 3 },
	    /* a client connects: rule 2 */
	    { .dir = OUT, .port = 6379, .cg = USER, .want = 2 },
	    /* port before cgroup, the range */
	    { .dir = OUT, .port = 8081, .cg = NGINX, .want = 4 },
	    /* the exemption */
	    { .dir = IN, .port = 8080, .cg = NGINX, .want = 5 },
	    /* rule 3, an ancestor */
	    { .dir = OUT, .port = 5432, .cg = NGINX, .want = 1 },
	    /* rule 4 */
	    { .dir = OUT, .port = 22, .cg = USER, .want = 0 },
	    /* rule 1 is for "in" only */
	    { .dir = OUT, .port = 6379, .cg = REDIS, .want = 2 },
	    /* a descendant of redis */
	    { .dir = IN, .port = 6379, .cg = DEEP, .want = 3 },
	    { .dir = IN, .port = 6379, .cg = NOCG, .want = 2 },
	    { .dir = OUT, .port = 22, .cg = NOCG, .want = 0 },
	    { .dir = IN, .port = 5432, .cg = SYS, .want = 1 },
	    { .dir = IN, .port = 5432, .cg = ROOT, .want = 0 } } },
	{ "port and cgroup, port, cgroup, default",
	  { { DEFAULT_POL }, { CGROUP(SYS) }, { PORT(80, BOTH) },
	    { PORT_CG(80, BOTH, SYS) } },
	  { { .dir = IN, .port = 80, .cg = SYS, .want = 3 },
	    { .dir = OUT, .port = 80, .cg = NGINX, .want = 3 },
	    { .dir = IN, .port = 80, .cg = USER, .want = 2 },
	    { .dir = IN, .port = 80, .cg = NOCG, .want = 2 },
	    { .dir = IN, .port = 81, .cg = SYS, .want = 1 },
	    { .dir = IN, .port = 81, .cg = REDIS, .want = 1 },
	    { .dir = IN, .port = 81, .cg = USER, .want = 0 },
	    { .dir = OUT, .port = 81, .cg = NOCG, .want = 0 } } },
	{ "the order the policies were added does not matter",
	  { { PORT_CG(80, BOTH, SYS) }, { PORT(80, BOTH) }, { CGROUP(SYS) },
	    { DEFAULT_POL } },
	  { { .dir = IN, .port = 80, .cg = SYS, .want = 0 },
	    { .dir = IN, .port = 80, .cg = USER, .want = 1 },
	    { .dir = IN, .port = 81, .cg = SYS, .want = 2 },
	    { .dir = IN, .port = 81, .cg = USER, .want = 3 } } },
	{ "port match: exact direction, both, then a range",
	  { { RANGE(70, 90, BOTH) }, { PORT(80, BOTH) }, { PORT(80, IN) },
	    { RANGE(75, 85, OUT) } },
	  { { .dir = IN, .port = 80, .cg = NOCG, .want = 2 },
	    { .dir = OUT, .port = 80, .cg = NOCG, .want = 1 },
	    { .dir = IN, .port = 81, .cg = NOCG, .want = 0 },
	    { .dir = OUT, .port = 81, .cg = NOCG, .want = 3 },
	    { .dir = OUT, .port = 70, .cg = NOCG, .want = 0 },
	    { .dir = OUT, .port = 86, .cg = NOCG, .want = 0 },
	    { .dir = IN, .port = 91, .cg = NOCG, .want = NONE } } },
	{ "a single port in one direction only",
	  { { PORT(443, OUT) } },
	  { { .dir = OUT, .port = 443, .cg = NOCG, .want = 0 },
	    { .dir = IN, .port = 443, .cg = NOCG, .want = NONE },
	    { .dir = OUT, .port = 444, .cg = NOCG, .want = NONE } } },
	{ "port and cgroup: nearest cgroup first, whole port match each",
	  { { RANGE_CG(1000, 2000, BOTH, REDIS) },
	    { PORT_CG(1500, BOTH, SYS) },
	    { PORT_CG(1500, IN, ROOT) },
	    { PORT(1500, BOTH) } },
	  /* a range in the own cgroup first */
	  { { .dir = IN, .port = 1500, .cg = REDIS, .want = 0 },
	    { .dir = IN, .port = 1500, .cg = DEEP, .want = 0 },
	    { .dir = IN, .port = 1500, .cg = NGINX, .want = 1 },
	    /* a root-level policy */
	    { .dir = IN, .port = 1500, .cg = USER, .want = 2 },
	    /* root's is "in" only: port alone */
	    { .dir = OUT, .port = 1500, .cg = USER, .want = 3 },
	    { .dir = IN, .port = 1999, .cg = NGINX, .want = NONE },
	    { .dir = IN, .port = 1500, .cg = NOCG, .want = 3 } } },
	{ "cgroup alone: the nearest ancestor wins",
	  { { CGROUP(ROOT) }, { CGROUP(SYS) }, { CGROUP(REDIS) } },
	  { { .dir = IN, .port = 1, .cg = DEEP, .want = 2 },
	    { .dir = IN, .port = 1, .cg = REDIS, .want = 2 },
	    { .dir = OUT, .port = 65535, .cg = NGINX, .want = 1 },
	    { .dir = IN, .port = 1, .cg = SYS, .want = 1 },
	    { .dir = IN, .port = 1, .cg = USER, .want = 0 },
	    { .dir = IN, .port = 1, .cg = ROOT, .want = 0 },
	    { .dir = IN, .port = 1, .cg = NOCG, .want = NONE } } },
	{ "no matching cgroup falls through to the default",
	  { { DEFAULT_POL }, { CGROUP(USER) }, { PORT_CG(443, BOTH, USER) } },
	  { { .dir = IN, .port = 443, .cg = NGINX, .want = 0 },
	    { .dir = IN, .port = 443, .cg = USER, .want = 2 },
	    { .dir = OUT, .port = 444, .cg = USER, .want = 1 },
	    { .dir = OUT, .port = 443, .cg = DEEP, .want = 0 },
	    { .dir = IN, .port = 443, .cg = NOCG, .want = 0 } } },
	{ "no matching cgroup and no default: nothing",
	  { { CGROUP(NGINX) }, { PORT_CG(80, BOTH, REDIS) } },
	  { { .dir = IN, .port = 80, .cg = USER, .want = NONE },
	    { .dir = IN, .port = 80, .cg = SYS, .want = NONE },
	    { .dir = IN, .port = 80, .cg = NOCG, .want = NONE },
	    { .dir = IN, .port = 80, .cg = DEEP, .want = 1 },
	    { .dir = IN, .port = 81, .cg = NGINX, .want = 0 } } },
	{ "an exemption wins where it matches, and only there",
	  { { DEFAULT_POL },					/* 0 */
	    { CGROUP(SYS), .off = true },			/* 1 */
	    { PORT(22, BOTH) },					/* 2 */
	    { RANGE(9000, 9100, BOTH), .off = true },		/* 3 */
	    { PORT_CG(9050, BOTH, REDIS) },			/* 4 */
	    { PORT(9060, IN), .off = true },			/* 5 */
	    { RANGE_CG(9000, 9100, BOTH, NGINX), .off = true } },	/* 6 */
	  /* exempt cgroup before the default */
	  { { .dir = IN, .port = 1, .cg = NGINX, .want = 1 },
	    { .dir = IN, .port = 1, .cg = USER, .want = 0 },
	    /* a port policy before the cgroup */
	    { .dir = IN, .port = 22, .cg = NGINX, .want = 2 },
	    /* exempt range */
	    { .dir = IN, .port = 9050, .cg = USER, .want = 3 },
	    /* port and cgroup before it */
	    { .dir = IN, .port = 9050, .cg = REDIS, .want = 4 },
	    { .dir = IN, .port = 9060, .cg = USER, .want = 5 },
	    { .dir = OUT, .port = 9060, .cg = USER, .want = 3 },
	    { .dir = IN, .port = 9050, .cg = NGINX, .want = 6 } } },
	{ "no policies",
	  { },
	  { { .dir = IN, .port = 80, .cg = NOCG, .want = NONE },
	    { .dir = OUT, .port = 80, .cg = DEEP, .want = NONE } } },
	{ "the default alone",
	  { { DEFAULT_POL } },
	  { { .dir = IN, .port = 80, .cg = NOCG, .want = 0 },
	    { .dir = OUT, .port = 65535, .cg = DEEP, .want = 0 },
	    { .dir = IN, .port = 1, .cg = ROOT, .want = 0 } } },
};

static void scenario_desc(const struct lookup_scenario *s, char *desc)
{
	strscpy(desc, s->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(scenario, scenarios, scenario_desc);

static void precedence_test(struct kunit *test)
{
	const struct lookup_scenario *s = test->param_value;
	struct fake_cgroup_set *f = test->priv;
	const struct ka_policy *pol[MAX_POLICIES], *got, *want;
	const struct ka_policy *p;
	bool wants_cgroups = false;
	struct ka_selector sel;
	struct ka_action act;
	struct ka_table *t;
	int i, n;

	t = ka_test_table_new(test);
	for (n = 0; n < MAX_POLICIES && s->pol[n].used; n++) {
		const struct pol_spec *ps = &s->pol[n];

		ka_selector_init(&sel);
		sel.cgroup_id = ps->cg == NOCG ? 0 : cgroup_id(f->cg[ps->cg]);
		sel.port_min = ps->port_min;
		sel.port_max = ps->port_max ?: ps->port_min;
		sel.dir = ps->dir;
		memset(&act, 0, sizeof(act));
		act.off = ps->off;
		act.idle_s = 1000 + n;	/* names the policy in messages */
		KUNIT_ASSERT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
		wants_cgroups |= ps->cg != NOCG;
	}
	KUNIT_ASSERT_EQ(test, ka_test_table_compile(t), 0);
	KUNIT_EXPECT_EQ(test, t->count, n);
	KUNIT_EXPECT_EQ(test, ka_table_wants_cgroups(t), wants_cgroups);

	/* The list keeps the order policies were added in. */
	i = 0;
	list_for_each_entry(p, &t->list, list) {
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ(test, p->act.idle_s, 1000 + i);
		pol[i++] = p;
	}
	KUNIT_ASSERT_EQ(test, i, n);

	for (i = 0; i < MAX_LOOKUPS && s->check[i].port; i++) {
		const struct lookup_check *c = &s->check[i];

		want = c->want == NONE ? NULL : pol[c->want];
		rcu_read_lock();
		got = ka_policy_lookup(t, c->dir, c->port,
				       c->cg == NOCG ? NULL : f->cg[c->cg]);
		rcu_read_unlock();
		KUNIT_EXPECT_PTR_EQ_MSG(test, got, want,
					"check %d: dir %u port %u cgroup %d: got policy %d, want %d",
					i, c->dir, c->port, c->cg,
					got ? (int)got->act.idle_s - 1000 : NONE,
					c->want);
	}
}

static const struct ka_policy *lookup(const struct ka_table *t, u16 port,
				      const struct cgroup *cgrp)
{
	const struct ka_policy *p;

	rcu_read_lock();
	p = ka_policy_lookup(t, KA_DIR_OUT, port, cgrp);
	rcu_read_unlock();
	return p;
}

/* Adds a policy (idle names it) by path to t, which takes the path over. */
static void add_by_path(struct kunit *test, struct ka_table *t,
			struct ka_cgpath *cp, u16 port, u32 idle)
{
	struct ka_cgroup_name cg = { .path = cp };
	struct ka_selector sel;
	struct ka_action act = { .idle_s = idle };

	ka_selector_init(&sel);
	sel.cgroup_id = cp->key;
	sel.port_min = port;
	sel.port_max = port;
	KUNIT_ASSERT_EQ(test, ka_table_add(t, &sel, &act, &cg), 0);
}

/*
 * A policy by path matches the cgroup bound to the path now and its
 * descendants; one by id on the same cgroup wins over it; port and
 * cgroup beats cgroup alone whichever way the cgroup is named.
 */
static void path_policy_test(struct kunit *test)
{
	struct fake_cgroup_set *f = test->priv;
	struct ka_table *t = ka_test_table_new(test);
	struct ka_selector sel;
	struct ka_action act = { .idle_s = 3 };
	struct ka_cgpath *cp;
	const struct ka_policy *p;

	cp = ka_cgpath_get("/system.slice/redis.service");
	KUNIT_ASSERT_NOT_NULL(test, cp);
	add_by_path(test, t, cp, 0, 1);
	KUNIT_EXPECT_TRUE(test, ka_table_wants_cgroups(t));
	KUNIT_EXPECT_EQ(test, t->n_cgroup_path, 1);
	KUNIT_EXPECT_EQ(test, t->n_cgroup_id, 0);

	/* No cgroup at the path yet. */
	KUNIT_EXPECT_NULL(test, lookup(t, 80, f->cg[REDIS]));
	ka_cgpath_bind(cp, cgroup_id(f->cg[REDIS]));
	p = lookup(t, 80, f->cg[REDIS]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 1);
	p = lookup(t, 80, f->cg[DEEP]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 1);
	KUNIT_EXPECT_NULL(test, lookup(t, 80, f->cg[NGINX]));

	/* By id on the same cgroup: the more exact name wins. */
	ka_selector_init(&sel);
	sel.cgroup_id = cgroup_id(f->cg[REDIS]);
	KUNIT_ASSERT_EQ(test, ka_table_add(t, &sel, &act, NULL), 0);
	p = lookup(t, 80, f->cg[REDIS]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 3);

	/* Port and path beats both. */
	cp = ka_cgpath_get("/system.slice/redis.service");
	KUNIT_ASSERT_NOT_NULL(test, cp);
	add_by_path(test, t, cp, 80, 2);
	p = lookup(t, 80, f->cg[DEEP]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 2);
	p = lookup(t, 81, f->cg[DEEP]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 3);

	/* A new cgroup at the path (a newer id): the old one is not it. */
	ka_cgpath_bind(cp, cgroup_id(f->cg[NGINX]));
	p = lookup(t, 80, f->cg[NGINX]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 2);
	p = lookup(t, 80, f->cg[REDIS]);
	KUNIT_EXPECT_EQ(test, p ? p->act.idle_s : 0, 3);
}

static struct kunit_case policy_lookup_test_cases[] = {
	KUNIT_CASE(fake_cgroups_test),
	KUNIT_CASE_PARAM(precedence_test, scenario_gen_params),
	KUNIT_CASE(path_policy_test),
	{}
};

static struct kunit_suite policy_lookup_suite = {
	.name = "ka_policy_lookup",
	.suite_init = ka_test_cgpaths_init,
	.suite_exit = ka_test_cgpaths_exit,
	.init = policy_lookup_test_init,
	.test_cases = policy_lookup_test_cases,
};

kunit_test_suite(policy_lookup_suite);
