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

/* What this suite tests, static functions and all (Kbuild says why). */
#include "../apply.c"

#include <kunit/test.h>
#include <linux/jiffies.h>

#include "../policy.h"

#define S(secs)	((secs) * HZ)

/* A socket's settings before (in) and after (out) the decision. */
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
#define SET4(on) { .keepopen = (on), .idle_jiffies = S(60), \
		   .intvl_jiffies = S(10), .probes = 5, .user_timeout_ms = 3000 }
#define APP4(on) { .keepopen = (on), .idle_jiffies = S(7200), \
		   .intvl_jiffies = S(75), .probes = 9, .user_timeout_ms = 100 }

static const struct decide_case decide_cases[] = {
	/* default mode */
	{ .name = "default fills every unset field",
	  .act = ALL4(KA_MODE_DEFAULT), .out = SET4(true),
	  .verdict = KA_APPLY },
	{ .name = "default keeps the application's idle",
	  .act = ALL4(KA_MODE_DEFAULT), .in = { .idle_jiffies = S(7) },
	  .out = { .keepopen = true, .idle_jiffies = S(7),
		   .intvl_jiffies = S(10), .probes = 5,
		   .user_timeout_ms = 3000 },
	  .verdict = KA_APPLY },
	{ .name = "default keeps the application's intvl",
	  .act = ALL4(KA_MODE_DEFAULT), .in = { .intvl_jiffies = S(7) },
	  .out = { .keepopen = true, .idle_jiffies = S(60),
		   .intvl_jiffies = S(7), .probes = 5,
		   .user_timeout_ms = 3000 },
	  .verdict = KA_APPLY },
	{ .name = "default keeps the application's cnt",
	  .act = ALL4(KA_MODE_DEFAULT), .in = { .probes = 2 },
	  .out = { .keepopen = true, .idle_jiffies = S(60),
		   .intvl_jiffies = S(10), .probes = 2,
		   .user_timeout_ms = 3000 },
	  .verdict = KA_APPLY },
	{ .name = "default keeps the application's user_timeout",
	  .act = ALL4(KA_MODE_DEFAULT), .in = { .user_timeout_ms = 99 },
	  .out = { .keepopen = true, .idle_jiffies = S(60),
		   .intvl_jiffies = S(10), .probes = 5, .user_timeout_ms = 99 },
	  .verdict = KA_APPLY },
	{ .name = "default honours SO_KEEPALIVE=0",
	  .act = ALL4(KA_MODE_DEFAULT), .in = { .app_off = true },
	  .out = { .app_off = true }, .verdict = KA_SKIP },
	{ .name = "default honours SO_KEEPALIVE=0 with fields set",
	  .act = ALL4(KA_MODE_DEFAULT),
	  .in = { .app_off = true, .idle_jiffies = S(1) },
	  .out = { .app_off = true, .idle_jiffies = S(1) },
		   .verdict = KA_SKIP },
	{ .name = "default leaves a fully configured socket alone",
	  .act = ALL4(KA_MODE_DEFAULT), .in = APP4(true), .out = APP4(true),
	  .verdict = KA_SKIP },
	{ .name = "default skips when every field already equals the policy",
	  .act = ALL4(KA_MODE_DEFAULT), .in = SET4(true), .out = SET4(true),
	  .verdict = KA_SKIP },
	{ .name = "default turns keepalive on when all fields are set",
	  .act = ALL4(KA_MODE_DEFAULT), .in = APP4(false), .out = APP4(true),
	  .verdict = KA_APPLY },
	{ .name = "default writes no field the policy leaves unset",
	  .act = { .idle_s = 30 }, .out = { .keepopen = true,
		   .idle_jiffies = S(30) },
	  .verdict = KA_APPLY },
	{ .name = "default policy with no field turns keepalive on",
	  .act = { .mode = KA_MODE_DEFAULT }, .in = { .idle_jiffies = S(5) },
	  .out = { .keepopen = true, .idle_jiffies = S(5) },
		   .verdict = KA_APPLY },
	{ .name = "default policy with no field skips a keepalive socket",
	  .act = { .mode = KA_MODE_DEFAULT }, .in = { .keepopen = true },
	  .out = { .keepopen = true }, .verdict = KA_SKIP },
	{ .name = "default fills a keepalive socket's unset fields",
	  .act = { .intvl_s = 20, .cnt = 3 },
	  .in = { .keepopen = true, .idle_jiffies = S(9) },
	  .out = { .keepopen = true, .idle_jiffies = S(9),
		   .intvl_jiffies = S(20), .probes = 3 },
	  .verdict = KA_APPLY },
	{ .name = "default user_timeout 0 on an unset socket changes nothing",
	  .act = { .has_user_timeout = true }, .in = { .keepopen = true },
	  .out = { .keepopen = true }, .verdict = KA_SKIP },
	{ .name = "default user_timeout not set by the policy is never written",
	  .act = { .idle_s = 60, .user_timeout_ms = 3000 },
	  .out = { .keepopen = true, .idle_jiffies = S(60) },
		   .verdict = KA_APPLY },
	/* force mode */
	{ .name = "force overrides every field", .act = ALL4(KA_MODE_FORCE),
	  .in = APP4(true), .out = SET4(true), .verdict = KA_APPLY },
	{ .name = "force overrides SO_KEEPALIVE=0", .act = ALL4(KA_MODE_FORCE),
	  .in = { .app_off = true },
	  .out = { .keepopen = true, .app_off = true, .idle_jiffies = S(60),
		   .intvl_jiffies = S(10), .probes = 5,
		   .user_timeout_ms = 3000 },
	  .verdict = KA_APPLY },
	{ .name = "force keeps fields the policy leaves unset",
	  .act = { .idle_s = 30, .mode = KA_MODE_FORCE }, .in = APP4(true),
	  .out = { .keepopen = true, .idle_jiffies = S(30),
		   .intvl_jiffies = S(75), .probes = 9,
		   .user_timeout_ms = 100 },
	  .verdict = KA_APPLY },
	{ .name = "force applies when every field already equals the policy",
	  .act = ALL4(KA_MODE_FORCE), .in = SET4(true), .out = SET4(true),
	  .verdict = KA_APPLY },
	{ .name = "force policy with no field turns keepalive on only",
	  .act = { .mode = KA_MODE_FORCE }, .in = APP4(false),
	  .out = APP4(true), .verdict = KA_APPLY },
	{ .name = "force user_timeout 0 clears the application's",
	  .act = { .has_user_timeout = true, .mode = KA_MODE_FORCE },
	  .in = { .keepopen = true, .user_timeout_ms = 100 },
	  .out = { .keepopen = true }, .verdict = KA_APPLY },
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
	       (a->idle_jiffies != b->idle_jiffies) << KA_F_IDLE |
	       (a->intvl_jiffies != b->intvl_jiffies) << KA_F_INTVL |
	       (a->probes != b->probes) << KA_F_CNT |
	       (a->user_timeout_ms != b->user_timeout_ms) << KA_F_USER_TIMEOUT;
}

static void expect_state(struct kunit *test, const struct ka_sock_state *st,
			 const struct ka_sock_state *want)
{
	KUNIT_EXPECT_EQ(test, st->keepopen, want->keepopen);
	KUNIT_EXPECT_EQ(test, st->app_off, want->app_off);
	KUNIT_EXPECT_EQ(test, st->idle_jiffies, want->idle_jiffies);
	KUNIT_EXPECT_EQ(test, st->intvl_jiffies, want->intvl_jiffies);
	KUNIT_EXPECT_EQ(test, st->probes, want->probes);
	KUNIT_EXPECT_EQ(test, st->user_timeout_ms, want->user_timeout_ms);
	KUNIT_EXPECT_EQ(test, st->ours, want->ours);
}

#define OURS(f)		BIT(KA_F_##f)
#define OURS_ALL	KA_F_ALL

/* in and out as in decide_case, marks included. */
struct undo_case {
	const char *name;
	struct ka_sock_state in;
	struct ka_sock_state out;
	bool undone;
};

static const struct undo_case undo_cases[] = {
	{ .name = "undo without marks changes nothing", .in = APP4(true),
	  .out = APP4(true) },
	{ .name = "undo of every mark leaves every field unset",
	  .in = { .keepopen = true, .idle_jiffies = S(60),
		  .intvl_jiffies = S(10), .probes = 5, .user_timeout_ms = 3000,
		  .ours = OURS_ALL },
	  .undone = true },
	{ .name = "undo takes back only the marked fields",
	  .in = { .keepopen = true, .idle_jiffies = S(60),
		  .intvl_jiffies = S(10), .probes = 5, .user_timeout_ms = 3000,
		  .ours = OURS(IDLE) | OURS(CNT) },
	  .out = { .keepopen = true, .intvl_jiffies = S(10),
		   .user_timeout_ms = 3000 },
	  .undone = true },
	{ .name = "undo turns keepalive off only when it was ka_policy's",
	  .in = { .keepopen = true, .idle_jiffies = S(60), .ours = OURS(IDLE) },
	  .out = { .keepopen = true }, .undone = true },
	{ .name = "undo keeps the application's SO_KEEPALIVE=0",
	  .in = { .keepopen = true, .app_off = true, .idle_jiffies = S(60),
		  .ours = OURS(KEEPOPEN) | OURS(IDLE) },
	  .out = { .app_off = true }, .undone = true },
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
	{ .name = "reconnect gets the second policy's values, not the first's",
	  .a = { .idle_s = 60, .intvl_s = 10 }, .b = { .idle_s = 30, .cnt = 4 },
	  .after = { .keepopen = true, .idle_jiffies = S(30), .probes = 4,
		     .ours = OURS(KEEPOPEN) | OURS(IDLE) | OURS(CNT) },
	  .verdict = KA_APPLY },
	{ .name = "reconnect with the same fields is applied, not skipped",
	  .a = { .idle_s = 60, .intvl_s = 10 },
	  .b = { .idle_s = 30, .intvl_s = 5 },
	  .after = { .keepopen = true, .idle_jiffies = S(30),
		     .intvl_jiffies = S(5),
		     .ours = OURS(KEEPOPEN) | OURS(IDLE) | OURS(INTVL) },
	  .verdict = KA_APPLY },
	{ .name = "reconnect without a policy is back to the application's settings",
	  .a = ALL4(KA_MODE_DEFAULT), .none = true, .verdict = KA_SKIP },
	{ .name = "reconnect keeps what the application set before",
	  .before = { .idle_jiffies = S(20) }, .a = { .idle_s = 60,
		      .intvl_s = 10 },
	  .b = { .idle_s = 30, .intvl_s = 5 },
	  .after = { .keepopen = true, .idle_jiffies = S(20),
		     .intvl_jiffies = S(5),
		     .ours = OURS(KEEPOPEN) | OURS(INTVL) },
	  .verdict = KA_APPLY },
	{ .name = "reconnect keeps what the application set in between",
	  .a = { .idle_s = 60, .intvl_s = 10 }, .app_sets = OURS(INTVL),
	  .app = { .intvl_jiffies = S(7) }, .b = { .idle_s = 30, .intvl_s = 5 },
	  .after = { .keepopen = true, .idle_jiffies = S(30),
		     .intvl_jiffies = S(7),
		     .ours = OURS(KEEPOPEN) | OURS(IDLE) },
	  .verdict = KA_APPLY },
	{ .name = "reconnect keeps keepalive the application turned on in between",
	  .a = { .idle_s = 60 }, .app_sets = OURS(KEEPOPEN),
	  .app = { .keepopen = true }, .none = true,
	  .after = { .keepopen = true }, .verdict = KA_SKIP },
	{ .name = "reconnect leaves a field force overwrote unset",
	  .before = { .idle_jiffies = S(20) },
	  .a = { .idle_s = 60, .mode = KA_MODE_FORCE }, .none = true,
	  .verdict = KA_SKIP },
	{ .name = "reconnect keeps a value force found already set",
	  .before = { .keepopen = true, .idle_jiffies = S(60) },
	  .a = { .idle_s = 60, .mode = KA_MODE_FORCE }, .none = true,
	  .after = { .keepopen = true, .idle_jiffies = S(60) },
		     .verdict = KA_SKIP },
	{ .name = "reconnect after force over SO_KEEPALIVE=0 honours it again",
	  .before = { .app_off = true },
	  .a = { .idle_s = 60, .mode = KA_MODE_FORCE }, .b = { .idle_s = 30 },
	  .after = { .app_off = true }, .verdict = KA_SKIP },
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
	KUNIT_EXPECT_EQ(test, st.idle_jiffies, c->out.idle_jiffies);
	KUNIT_EXPECT_EQ(test, st.intvl_jiffies, c->out.intvl_jiffies);
	KUNIT_EXPECT_EQ(test, st.probes, c->out.probes);
	KUNIT_EXPECT_EQ(test, st.user_timeout_ms, c->out.user_timeout_ms);
	KUNIT_EXPECT_EQ(test, st.ours, changed_fields(&c->in, &c->out));
	/* SKIP means nothing changed: the caller writes nothing back. */
	if (verdict == KA_SKIP) {
		KUNIT_EXPECT_EQ(test, st.keepopen, c->in.keepopen);
		KUNIT_EXPECT_EQ(test, st.idle_jiffies, c->in.idle_jiffies);
		KUNIT_EXPECT_EQ(test, st.intvl_jiffies, c->in.intvl_jiffies);
		KUNIT_EXPECT_EQ(test, st.probes, c->in.probes);
		KUNIT_EXPECT_EQ(test, st.user_timeout_ms, c->in.user_timeout_ms);
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
		st->idle_jiffies = app->idle_jiffies;
	if (fields & OURS(INTVL))
		st->intvl_jiffies = app->intvl_jiffies;
	if (fields & OURS(CNT))
		st->probes = app->probes;
	if (fields & OURS(USER_TIMEOUT))
		st->user_timeout_ms = app->user_timeout_ms;
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

static struct kunit_case apply_test_cases[] = {
	KUNIT_CASE_PARAM(decide_test, decide_gen_params),
	KUNIT_CASE_PARAM(undo_test, undo_gen_params),
	KUNIT_CASE_PARAM(reconnect_test, reconnect_gen_params),
	{}
};

static struct kunit_suite apply_suite = {
	.name = "ka_apply",
	.test_cases = apply_test_cases,
};

kunit_test_suite(apply_suite);
