// SPDX-License-Identifier: GPL-2.0
/*
 * ka_decide(): what a policy does to one socket's keepalive settings.
 *
 * Default mode fills in, field by field, what the application left unset
 * (zero) and honours an explicit SO_KEEPALIVE=0; force mode replaces the
 * fields the policy sets and turns keepalive on regardless. Neither mode
 * ever writes a field the policy does not set. The verdict is APPLY when
 * something changed (always, in force mode) and SKIP otherwise.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>

#include "../apply.h"
#include "../policy.h"

#define S(secs)	((secs) * HZ)

/* in and out list keepopen, app_off, time, intvl, probes, user_timeout. */
struct decide_case {
	const char *name;
	struct ka_action act;		/* *_jiffies are computed from *_s */
	struct ka_sock_state in;
	struct ka_sock_state out;
	enum ka_verdict verdict;
};

/* A policy setting all four fields, in each mode. */
#define ALL4(m) { .idle_s = 60, .intvl_s = 10, .cnt = 5, \
		  .has_user_timeout = true, .user_timeout_ms = 3000, .mode = (m) }
/* The settings of ALL4 on a socket, and other values an application set. */
#define SET4(on) { .keepopen = (on), .time = S(60), .intvl = S(10), \
		   .probes = 5, .user_timeout = 3000 }
#define APP4(on) { .keepopen = (on), .time = S(7200), .intvl = S(75), \
		   .probes = 9, .user_timeout = 100 }

static const struct decide_case decide_cases[] = {
	/* default mode */
	{ "default fills every unset field",
	  ALL4(KA_MODE_DEFAULT), {}, SET4(true), KA_APPLY },
	{ "default keeps the application's idle",
	  ALL4(KA_MODE_DEFAULT), { .time = S(7) },
	  { true, false, S(7), S(10), 5, 3000 }, KA_APPLY },
	{ "default keeps the application's intvl",
	  ALL4(KA_MODE_DEFAULT), { .intvl = S(7) },
	  { true, false, S(60), S(7), 5, 3000 }, KA_APPLY },
	{ "default keeps the application's cnt",
	  ALL4(KA_MODE_DEFAULT), { .probes = 2 },
	  { true, false, S(60), S(10), 2, 3000 }, KA_APPLY },
	{ "default keeps the application's user_timeout",
	  ALL4(KA_MODE_DEFAULT), { .user_timeout = 99 },
	  { true, false, S(60), S(10), 5, 99 }, KA_APPLY },
	{ "default honours SO_KEEPALIVE=0",
	  ALL4(KA_MODE_DEFAULT), { .app_off = true },
	  { .app_off = true }, KA_SKIP },
	{ "default honours SO_KEEPALIVE=0 with fields set",
	  ALL4(KA_MODE_DEFAULT), { false, true, S(1), 0, 0, 0 },
	  { false, true, S(1), 0, 0, 0 }, KA_SKIP },
	{ "default leaves a fully configured socket alone",
	  ALL4(KA_MODE_DEFAULT), APP4(true), APP4(true), KA_SKIP },
	{ "default skips when every field already equals the policy",
	  ALL4(KA_MODE_DEFAULT), SET4(true), SET4(true), KA_SKIP },
	{ "default turns keepalive on when all fields are set",
	  ALL4(KA_MODE_DEFAULT), APP4(false), APP4(true), KA_APPLY },
	{ "default writes no field the policy leaves unset",
	  { .idle_s = 30 }, {}, { true, false, S(30), 0, 0, 0 }, KA_APPLY },
	{ "default policy with no field turns keepalive on",
	  { .mode = KA_MODE_DEFAULT }, { .time = S(5) },
	  { true, false, S(5), 0, 0, 0 }, KA_APPLY },
	{ "default policy with no field skips a keepalive socket",
	  { .mode = KA_MODE_DEFAULT }, { .keepopen = true },
	  { .keepopen = true }, KA_SKIP },
	{ "default fills a keepalive socket's unset fields",
	  { .intvl_s = 20, .cnt = 3 }, { .keepopen = true, .time = S(9) },
	  { true, false, S(9), S(20), 3, 0 }, KA_APPLY },
	{ "default user_timeout 0 on an unset socket changes nothing",
	  { .has_user_timeout = true }, { .keepopen = true },
	  { .keepopen = true }, KA_SKIP },
	{ "default user_timeout not set by the policy is never written",
	  { .idle_s = 60, .user_timeout_ms = 3000 }, {},
	  { true, false, S(60), 0, 0, 0 }, KA_APPLY },
	/* force mode */
	{ "force overrides every field",
	  ALL4(KA_MODE_FORCE), APP4(true), SET4(true), KA_APPLY },
	{ "force overrides SO_KEEPALIVE=0",
	  ALL4(KA_MODE_FORCE), { .app_off = true },
	  { true, true, S(60), S(10), 5, 3000 }, KA_APPLY },
	{ "force keeps fields the policy leaves unset",
	  { .idle_s = 30, .mode = KA_MODE_FORCE }, APP4(true),
	  { true, false, S(30), S(75), 9, 100 }, KA_APPLY },
	{ "force applies when every field already equals the policy",
	  ALL4(KA_MODE_FORCE), SET4(true), SET4(true), KA_APPLY },
	{ "force policy with no field turns keepalive on only",
	  { .mode = KA_MODE_FORCE }, APP4(false), APP4(true), KA_APPLY },
	{ "force user_timeout 0 clears the application's",
	  { .has_user_timeout = true, .mode = KA_MODE_FORCE },
	  { .keepopen = true, .user_timeout = 100 },
	  { .keepopen = true }, KA_APPLY },
};

static void decide_case_desc(const struct decide_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_cases, decide_case_desc);

static void decide_test(struct kunit *test)
{
	const struct decide_case *c = test->param_value;
	struct ka_action act = c->act;
	struct ka_sock_state st = c->in;
	enum ka_verdict verdict;

	ka_action_prepare(&act);
	verdict = ka_decide(&act, &st);

	KUNIT_EXPECT_EQ(test, verdict, c->verdict);
	KUNIT_EXPECT_EQ(test, st.keepopen, c->out.keepopen);
	KUNIT_EXPECT_EQ(test, st.app_off, c->out.app_off);
	KUNIT_EXPECT_EQ(test, st.time, c->out.time);
	KUNIT_EXPECT_EQ(test, st.intvl, c->out.intvl);
	KUNIT_EXPECT_EQ(test, st.probes, c->out.probes);
	KUNIT_EXPECT_EQ(test, st.user_timeout, c->out.user_timeout);
	/* SKIP means nothing changed: the caller writes nothing back. */
	if (verdict == KA_SKIP) {
		KUNIT_EXPECT_EQ(test, st.keepopen, c->in.keepopen);
		KUNIT_EXPECT_EQ(test, st.time, c->in.time);
		KUNIT_EXPECT_EQ(test, st.intvl, c->in.intvl);
		KUNIT_EXPECT_EQ(test, st.probes, c->in.probes);
		KUNIT_EXPECT_EQ(test, st.user_timeout, c->in.user_timeout);
	}
}

static struct kunit_case decide_test_cases[] = {
	KUNIT_CASE_PARAM(decide_test, decide_gen_params),
	{}
};

static struct kunit_suite decide_suite = {
	.name = "ka_decide",
	.test_cases = decide_test_cases,
};

kunit_test_suite(decide_suite);
