// SPDX-License-Identifier: GPL-2.0
/*
 * ka_decide(): what a policy does to one socket's keepalive settings.
 *
 * Default mode fills in, field by field, what the application left unset
 * (zero) and honours an explicit SO_KEEPALIVE=0; force mode replaces the
 * fields the policy sets and turns keepalive on regardless. Neither mode
 * ever writes a field the policy does not set. The verdict is APPLY when
 * something changed (always, in force mode) and SKIP otherwise, and the
 * socket's "ours" marks name exactly the fields the decision changed.
 *
 * ka_undo() takes back what the marks name, before a socket that
 * connects again is decided afresh: the reconnect cases run a first
 * decision, what the application sets in between (which clears the
 * marks, as the hooks do), the undo and a second decision.
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

/* The fields whose value differs from a to b, as "ours" marks. */
static u8 changed_fields(const struct ka_sock_state *a,
			 const struct ka_sock_state *b)
{
	return (a->keepopen != b->keepopen) << KA_F_KEEPOPEN |
	       (a->time != b->time) << KA_F_IDLE |
	       (a->intvl != b->intvl) << KA_F_INTVL |
	       (a->probes != b->probes) << KA_F_CNT |
	       (a->user_timeout != b->user_timeout) << KA_F_USER_TIMEOUT;
}

static void expect_state(struct kunit *test, const struct ka_sock_state *st,
			 const struct ka_sock_state *want)
{
	KUNIT_EXPECT_EQ(test, st->keepopen, want->keepopen);
	KUNIT_EXPECT_EQ(test, st->app_off, want->app_off);
	KUNIT_EXPECT_EQ(test, st->time, want->time);
	KUNIT_EXPECT_EQ(test, st->intvl, want->intvl);
	KUNIT_EXPECT_EQ(test, st->probes, want->probes);
	KUNIT_EXPECT_EQ(test, st->user_timeout, want->user_timeout);
	KUNIT_EXPECT_EQ(test, st->ours, want->ours);
}

#define OURS(f)		BIT(KA_F_##f)
#define OURS_ALL	KA_F_ALL

/* in and out as in decide_case, with the marks last. */
struct undo_case {
	const char *name;
	struct ka_sock_state in;
	struct ka_sock_state out;
	bool undone;
};

static const struct undo_case undo_cases[] = {
	{ "undo without marks changes nothing",
	  APP4(true), APP4(true), false },
	{ "undo of every mark leaves every field unset",
	  { true, false, S(60), S(10), 5, 3000, OURS_ALL }, {}, true },
	{ "undo takes back only the marked fields",
	  { true, false, S(60), S(10), 5, 3000, OURS(IDLE) | OURS(CNT) },
	  { true, false, 0, S(10), 0, 3000, 0 }, true },
	{ "undo turns keepalive off only when it was ka_policy's",
	  { true, false, S(60), 0, 0, 0, OURS(IDLE) },
	  { .keepopen = true }, true },
	{ "undo keeps the application's SO_KEEPALIVE=0",
	  { true, true, S(60), 0, 0, 0, OURS(KEEPOPEN) | OURS(IDLE) },
	  { .app_off = true }, true },
};

static void undo_case_desc(const struct undo_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(undo, undo_cases, undo_case_desc);

/*
 * A socket that connects again: before, the application's settings at
 * the first connect(); a, the policy then; what the application sets
 * between the two (app_sets names the fields, taken from app); b, the
 * policy at the second connect() (none: no policy or an exemption);
 * after, the settings and marks at the end.
 */
struct reconnect_case {
	const char *name;
	struct ka_sock_state before;
	struct ka_action a;
	u8 app_sets;
	struct ka_sock_state app;
	struct ka_action b;
	bool none;
	struct ka_sock_state after;
	enum ka_verdict verdict;
};

static const struct reconnect_case reconnect_cases[] = {
	{ "reconnect gets the second policy's values, not the first's",
	  {}, { .idle_s = 60, .intvl_s = 10 }, 0, {},
	  { .idle_s = 30, .cnt = 4 }, false,
	  { true, false, S(30), 0, 4, 0, OURS(KEEPOPEN) | OURS(IDLE) | OURS(CNT) },
	  KA_APPLY },
	{ "reconnect with the same fields is applied, not skipped",
	  {}, { .idle_s = 60, .intvl_s = 10 }, 0, {},
	  { .idle_s = 30, .intvl_s = 5 }, false,
	  { true, false, S(30), S(5), 0, 0,
	    OURS(KEEPOPEN) | OURS(IDLE) | OURS(INTVL) },
	  KA_APPLY },
	{ "reconnect without a policy is back to the application's settings",
	  {}, ALL4(KA_MODE_DEFAULT), 0, {}, {}, true, {}, KA_SKIP },
	{ "reconnect keeps what the application set before",
	  { .time = S(20) }, { .idle_s = 60, .intvl_s = 10 }, 0, {},
	  { .idle_s = 30, .intvl_s = 5 }, false,
	  { true, false, S(20), S(5), 0, 0, OURS(KEEPOPEN) | OURS(INTVL) },
	  KA_APPLY },
	{ "reconnect keeps what the application set in between",
	  {}, { .idle_s = 60, .intvl_s = 10 }, OURS(INTVL), { .intvl = S(7) },
	  { .idle_s = 30, .intvl_s = 5 }, false,
	  { true, false, S(30), S(7), 0, 0, OURS(KEEPOPEN) | OURS(IDLE) },
	  KA_APPLY },
	{ "reconnect keeps keepalive the application turned on in between",
	  {}, { .idle_s = 60 }, OURS(KEEPOPEN), { .keepopen = true },
	  {}, true, { .keepopen = true }, KA_SKIP },
	{ "reconnect leaves a field force overwrote unset",
	  { .time = S(20) }, { .idle_s = 60, .mode = KA_MODE_FORCE }, 0, {},
	  {}, true, {}, KA_SKIP },
	{ "reconnect keeps a value force found already set",
	  { .keepopen = true, .time = S(60) },
	  { .idle_s = 60, .mode = KA_MODE_FORCE }, 0, {}, {}, true,
	  { .keepopen = true, .time = S(60) }, KA_SKIP },
	{ "reconnect after force over SO_KEEPALIVE=0 honours it again",
	  { .app_off = true }, { .idle_s = 60, .mode = KA_MODE_FORCE }, 0, {},
	  { .idle_s = 30 }, false, { .app_off = true }, KA_SKIP },
};

static void reconnect_case_desc(const struct reconnect_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(reconnect, reconnect_cases, reconnect_case_desc);

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
	KUNIT_EXPECT_EQ(test, st.ours, changed_fields(&c->in, &c->out));
	/* SKIP means nothing changed: the caller writes nothing back. */
	if (verdict == KA_SKIP) {
		KUNIT_EXPECT_EQ(test, st.keepopen, c->in.keepopen);
		KUNIT_EXPECT_EQ(test, st.time, c->in.time);
		KUNIT_EXPECT_EQ(test, st.intvl, c->in.intvl);
		KUNIT_EXPECT_EQ(test, st.probes, c->in.probes);
		KUNIT_EXPECT_EQ(test, st.user_timeout, c->in.user_timeout);
	}
}

static void undo_test(struct kunit *test)
{
	const struct undo_case *c = test->param_value;
	struct ka_sock_state st = c->in;

	KUNIT_EXPECT_EQ(test, ka_undo(&st), c->undone);
	expect_state(test, &st, &c->out);
}

/* What the application's setsockopt() does, hooks included. */
static void app_sets(struct ka_sock_state *st, u8 fields,
		     const struct ka_sock_state *app)
{
	if (fields & OURS(KEEPOPEN))
		st->keepopen = app->keepopen;
	if (fields & OURS(IDLE))
		st->time = app->time;
	if (fields & OURS(INTVL))
		st->intvl = app->intvl;
	if (fields & OURS(CNT))
		st->probes = app->probes;
	if (fields & OURS(USER_TIMEOUT))
		st->user_timeout = app->user_timeout;
	st->ours &= ~fields;
}

static void reconnect_test(struct kunit *test)
{
	const struct reconnect_case *c = test->param_value;
	struct ka_action a = c->a, b = c->b;
	struct ka_sock_state st = c->before;
	enum ka_verdict verdict = KA_SKIP;

	ka_action_prepare(&a);
	ka_action_prepare(&b);
	KUNIT_EXPECT_FALSE(test, ka_undo(&st));
	ka_decide(&a, &st);
	app_sets(&st, c->app_sets, &c->app);
	ka_undo(&st);
	if (!c->none)
		verdict = ka_decide(&b, &st);
	KUNIT_EXPECT_EQ(test, verdict, c->verdict);
	expect_state(test, &st, &c->after);
}

static struct kunit_case decide_test_cases[] = {
	KUNIT_CASE_PARAM(decide_test, decide_gen_params),
	KUNIT_CASE_PARAM(undo_test, undo_gen_params),
	KUNIT_CASE_PARAM(reconnect_test, reconnect_gen_params),
	{}
};

static struct kunit_suite decide_suite = {
	.name = "ka_decide",
	.test_cases = decide_test_cases,
};

kunit_test_suite(decide_suite);
