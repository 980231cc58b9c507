// SPDX-License-Identifier: GPL-2.0
/*
 * Selector and action validation (netlink.c): a request's KA_A_POLICY is
 * parsed with the module's attribute policy, then ka_nl_parse_policy()
 * (set) or ka_nl_parse_name() (del, and the --existing walk's selector:
 * no action, then ka_nl_parse_selector()) checks what the attribute policy
 * cannot express. Every rejection names the attribute (extack bad_attr)
 * and says why (extack message); nothing is left allocated.
 *
 * The parsers are static, so this file includes ../netlink.c instead of
 * being linked with it (see Kbuild). The copy's netlink family is never
 * registered, and it has no module alias (main.c holds that).
 */

#include "../netlink.c"

#include <kunit/test.h>
#include <linux/skbuff.h>

#include "ka_test.h"

#define MAX_ATTRS	6
#define ROOT_ID		U64_MAX		/* the root cgroup's id, at run time */

enum nl_op { OP_SET, OP_DEL };

struct nl_attr {
	u16 type;		/* 0: the end of the list */
	u64 val;		/* ROOT_ID stands for the root cgroup's id */
	const char *str;	/* strings: NUL included unless len says */
	int len;		/* >0: put len bytes of val or str, raw */
};

struct nl_case {
	const char *name;
	enum nl_op op;
	struct nl_attr attrs[MAX_ATTRS];
	int parse_err;		/* from nla_parse_nested(): the nla_policy */
	int err;		/* from ka_nl_parse_policy/name() */
	const char *msg;	/* extack message, NULL: none */
	bool msg_mod;		/* ... prefixed with the module name */
	u16 bad_attr;		/* the attribute extack names, 0: none */
	/* What a valid request parses into. */
	struct ka_selector sel;	/* dir 0 is BOTH: as ka_selector_init() */
	struct ka_action act;
	const char *path;	/* the cgroup path kept (absolute), NULL: none */
	bool by_path;		/* a cgroup by path: sel holds its key */
	u64 bound;		/* by path: the cgroup bound now (ROOT_ID), 0: none */
};

#define A(t, v)		{ .type = KA_POLICY_A_##t, .val = (v) }
#define FLAG(t)		{ .type = KA_POLICY_A_##t }
#define STR(t, s)	{ .type = KA_POLICY_A_##t, .str = (s) }

static const char msg_default[] = "the default policy takes no port, direction or cgroup";
static const char msg_no_sel[] = "a selector is needed: a port, a cgroup, or the default";
static const char msg_first[] = "a port range needs its first port";
static const char msg_below[] = "a port range cannot end below its first port";
static const char msg_dir[] = "a direction needs a port";
static const char msg_both[] = "give a cgroup by path or by id, not both";
static const char msg_off[] = "an exemption (off) takes no keepalive settings";
static const char msg_cgroup[] = "no such cgroup v2";
static const char msg_path[] = "a cgroup path is absolute, with no . or .. and no newline";
static const char msg_unset[] = "no policy with this selector";
static const char msg_name[] = "this request takes a selector only";

static const struct nl_case nl_cases[] = {
	/* valid */
	{ "default", OP_SET, { FLAG(DEFAULT) } },
	{ "single port with every setting", OP_SET,
	  { A(PORT_MIN, 6379), A(IDLE, 60), A(INTVL, 10), A(CNT, 5),
	    A(USER_TIMEOUT, 0), A(MODE, KA_MODE_FORCE) },
	  .sel = { .port_min = 6379, .port_max = 6379 },
	  .act = { .idle_s = 60, .intvl_s = 10, .cnt = 5,
		   .has_user_timeout = true, .mode = KA_MODE_FORCE } },
	{ "port range with a direction", OP_SET,
	  { A(PORT_MIN, 8000), A(PORT_MAX, 8999), A(DIR, KA_DIR_IN), A(IDLE, 1) },
	  .sel = { .port_min = 8000, .port_max = 8999, .dir = KA_DIR_IN },
	  .act = { .idle_s = 1 } },
	{ "port_max equal to port_min", OP_SET,
	  { A(PORT_MIN, 80), A(PORT_MAX, 80), A(DIR, KA_DIR_BOTH) },
	  .sel = { .port_min = 80, .port_max = 80 } },
	{ "ports 1 to 65535", OP_SET,
	  { A(PORT_MIN, 1), A(PORT_MAX, 65535), A(DIR, KA_DIR_OUT) },
	  .sel = { .port_min = 1, .port_max = 65535, .dir = KA_DIR_OUT } },
	{ "the largest settings", OP_SET,
	  { A(PORT_MIN, 1), A(IDLE, 32767), A(INTVL, 32767), A(CNT, 127),
	    A(USER_TIMEOUT, INT_MAX) },
	  .sel = { .port_min = 1, .port_max = 1 },
	  .act = { .idle_s = 32767, .intvl_s = 32767, .cnt = 127,
		   .has_user_timeout = true, .user_timeout_ms = INT_MAX } },
	{ "cgroup path /, the root cgroup, bound at once", OP_SET,
	  { STR(CGROUP_PATH, "/"), A(CNT, 3) },
	  .act = { .cnt = 3 }, .path = "/", .by_path = true, .bound = ROOT_ID },
	{ "cgroup path, normalized, that does not exist (yet)", OP_SET,
	  { STR(CGROUP_PATH, "//ka-policy-test//no-such-cgroup/") },
	  .path = "/ka-policy-test/no-such-cgroup", .by_path = true },
	{ "a cgroup path naming a file: no cgroup there", OP_SET,
	  { STR(CGROUP_PATH, "/cgroup.procs") },
	  .path = "/cgroup.procs", .by_path = true },
	{ "cgroup id of the root, its path kept", OP_SET,
	  { A(CGROUP_ID, ROOT_ID) },
	  .sel = { .cgroup_id = ROOT_ID }, .path = "/" },
	{ "port, direction and cgroup", OP_SET,
	  { A(PORT_MIN, 443), A(DIR, KA_DIR_OUT), STR(CGROUP_PATH, "/") },
	  .sel = { .port_min = 443, .port_max = 443, .dir = KA_DIR_OUT },
	  .path = "/", .by_path = true, .bound = ROOT_ID },
	{ "an exemption", OP_SET,
	  { A(PORT_MIN, 8080), FLAG(OFF) },
	  .sel = { .port_min = 8080, .port_max = 8080 }, .act = { .off = true } },
	{ "delete: a cgroup id is taken as given", OP_DEL,
	  { A(CGROUP_ID, 123456789) },
	  .sel = { .cgroup_id = 123456789 } },
	{ "delete: a port range", OP_DEL,
	  { A(PORT_MIN, 10), A(PORT_MAX, 20), A(DIR, KA_DIR_OUT) },
	  .sel = { .port_min = 10, .port_max = 20, .dir = KA_DIR_OUT } },
	/* rejected by ka_nl_parse_name(): del names a policy, sets nothing */
	{ "delete with a setting", OP_DEL,
	  { A(PORT_MIN, 80), A(IDLE, 60) },
	  .err = -EINVAL, .msg = msg_name, .bad_attr = KA_POLICY_A_IDLE },
	{ "delete with off", OP_DEL,
	  { FLAG(DEFAULT), FLAG(OFF) },
	  .err = -EINVAL, .msg = msg_name, .bad_attr = KA_POLICY_A_OFF },
	/* rejected by ka_nl_parse_selector() */
	{ "default with a port", OP_SET,
	  { FLAG(DEFAULT), A(PORT_MIN, 80) },
	  .err = -EINVAL, .msg = msg_default, .bad_attr = KA_POLICY_A_DEFAULT },
	{ "default with a port_max", OP_DEL,
	  { FLAG(DEFAULT), A(PORT_MAX, 80) },
	  .err = -EINVAL, .msg = msg_default, .bad_attr = KA_POLICY_A_DEFAULT },
	{ "default with a direction", OP_SET,
	  { FLAG(DEFAULT), A(DIR, KA_DIR_IN) },
	  .err = -EINVAL, .msg = msg_default, .bad_attr = KA_POLICY_A_DEFAULT },
	{ "default with a cgroup", OP_SET,
	  { FLAG(DEFAULT), STR(CGROUP_PATH, "/") },
	  .err = -EINVAL, .msg = msg_default, .bad_attr = KA_POLICY_A_DEFAULT },
	{ "no selector", OP_SET,
	  { A(IDLE, 60) },
	  .err = -EINVAL, .msg = msg_no_sel, .msg_mod = true },
	{ "nothing at all", OP_DEL,
	  { },
	  .err = -EINVAL, .msg = msg_no_sel, .msg_mod = true },
	{ "port_max without port_min", OP_SET,
	  { A(PORT_MAX, 90) },
	  .err = -EINVAL, .msg = msg_first, .bad_attr = KA_POLICY_A_PORT_MAX },
	{ "port_max below port_min", OP_SET,
	  { A(PORT_MIN, 90), A(PORT_MAX, 89) },
	  .err = -EINVAL, .msg = msg_below, .bad_attr = KA_POLICY_A_PORT_MAX },
	{ "direction without a port", OP_SET,
	  { A(DIR, KA_DIR_IN), STR(CGROUP_PATH, "/") },
	  .err = -EINVAL, .msg = msg_dir, .bad_attr = KA_POLICY_A_DIR },
	{ "cgroup path and id both", OP_SET,
	  { STR(CGROUP_PATH, "/"), A(CGROUP_ID, ROOT_ID) },
	  .err = -EINVAL, .msg = msg_both, .bad_attr = KA_POLICY_A_CGROUP_ID },
	{ "delete: a cgroup path no policy names", OP_DEL,
	  { A(PORT_MIN, 1), STR(CGROUP_PATH, "/ka-policy-test/never-set") },
	  .err = -ENOENT, .msg = msg_unset, .msg_mod = true },
	{ "a relative cgroup path", OP_SET,
	  { STR(CGROUP_PATH, "system.slice") },
	  .err = -EINVAL, .msg = msg_path, .bad_attr = KA_POLICY_A_CGROUP_PATH },
	{ "a cgroup path with ..", OP_SET,
	  { STR(CGROUP_PATH, "/a/../b") },
	  .err = -EINVAL, .msg = msg_path, .bad_attr = KA_POLICY_A_CGROUP_PATH },
	{ "a cgroup path ending in .", OP_DEL,
	  { STR(CGROUP_PATH, "/a/.") },
	  .err = -EINVAL, .msg = msg_path, .bad_attr = KA_POLICY_A_CGROUP_PATH },
	{ "a cgroup path with a newline", OP_SET,
	  { STR(CGROUP_PATH, "/a\nb") },
	  .err = -EINVAL, .msg = msg_path, .bad_attr = KA_POLICY_A_CGROUP_PATH },
	{ "no such cgroup id", OP_SET,
	  { A(CGROUP_ID, 1ULL << 62) },
	  .err = -ENOENT, .msg = msg_cgroup, .bad_attr = KA_POLICY_A_CGROUP_ID },
	{ "a cgroup id with bit 63, which marks path keys", OP_DEL,
	  { A(CGROUP_ID, 1ULL << 63) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_CGROUP_ID },
	/* rejected by ka_nl_parse_action() */
	{ "off with idle", OP_SET,
	  { A(PORT_MIN, 80), FLAG(OFF), A(IDLE, 60) },
	  .err = -EINVAL, .msg = msg_off, .bad_attr = KA_POLICY_A_IDLE },
	{ "off with cnt", OP_SET,
	  { A(PORT_MIN, 80), FLAG(OFF), A(CNT, 3) },
	  .err = -EINVAL, .msg = msg_off, .bad_attr = KA_POLICY_A_CNT },
	{ "off with user_timeout", OP_SET,
	  { A(PORT_MIN, 80), FLAG(OFF), A(USER_TIMEOUT, 0) },
	  .err = -EINVAL, .msg = msg_off, .bad_attr = KA_POLICY_A_USER_TIMEOUT },
	{ "off with a mode", OP_SET,
	  { A(PORT_MIN, 80), FLAG(OFF), A(MODE, KA_MODE_DEFAULT) },
	  .err = -EINVAL, .msg = msg_off, .bad_attr = KA_POLICY_A_MODE },
	{ "off with settings and a cgroup: its path is freed", OP_SET,
	  { STR(CGROUP_PATH, "/"), FLAG(OFF), A(INTVL, 5) },
	  .err = -EINVAL, .msg = msg_off, .bad_attr = KA_POLICY_A_INTVL },
	/* rejected by the attribute policy */
	{ "port_min 0", OP_SET, { A(PORT_MIN, 0) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_PORT_MIN },
	{ "port_max 0", OP_SET, { A(PORT_MIN, 1), A(PORT_MAX, 0) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_PORT_MAX },
	{ "direction 3", OP_SET, { A(PORT_MIN, 1), A(DIR, 3) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_DIR },
	{ "idle 0", OP_SET, { A(PORT_MIN, 1), A(IDLE, 0) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_IDLE },
	{ "idle 32768", OP_SET, { A(PORT_MIN, 1), A(IDLE, 32768) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_IDLE },
	{ "intvl 32768", OP_SET, { A(PORT_MIN, 1), A(INTVL, 32768) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_INTVL },
	{ "cnt 0", OP_SET, { A(PORT_MIN, 1), A(CNT, 0) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_CNT },
	{ "cnt 128", OP_SET, { A(PORT_MIN, 1), A(CNT, 128) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_CNT },
	{ "user_timeout above INT_MAX", OP_SET,
	  { A(PORT_MIN, 1), A(USER_TIMEOUT, 1U << 31) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_USER_TIMEOUT },
	{ "mode 2", OP_SET, { A(PORT_MIN, 1), A(MODE, 2) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_MODE },
	{ "cgroup id 0", OP_DEL, { A(CGROUP_ID, 0) },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_CGROUP_ID },
	{ "cgroup path without its NUL", OP_SET,
	  { { .type = KA_POLICY_A_CGROUP_PATH, .str = "/abc", .len = 4 } },
	  .parse_err = -EINVAL, .bad_attr = KA_POLICY_A_CGROUP_PATH },
	{ "port_min of the wrong size", OP_SET,
	  { { .type = KA_POLICY_A_PORT_MIN, .val = 80, .len = 4 } },
	  .parse_err = -EINVAL, .bad_attr = KA_POLICY_A_PORT_MIN },
	{ "a flag with a payload", OP_SET,
	  { { .type = KA_POLICY_A_DEFAULT, .val = 1, .len = 4 } },
	  .parse_err = -ERANGE, .bad_attr = KA_POLICY_A_DEFAULT },
	{ "a reply-only attribute (stats)", OP_SET,
	  { A(PORT_MIN, 1), { .type = KA_POLICY_A_STATS, .val = 0, .len = 4 } },
	  .parse_err = -EINVAL, .bad_attr = KA_POLICY_A_STATS },
	{ "an unknown attribute", OP_SET,
	  { A(PORT_MIN, 1), { .type = KA_POLICY_A_MAX + 1, .val = 0, .len = 4 } },
	  .parse_err = -EINVAL, .bad_attr = KA_POLICY_A_MAX + 1 },
};

static void nl_case_desc(const struct nl_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nl, nl_cases, nl_case_desc);

static u64 root_cgroup_id(struct kunit *test)
{
	struct cgroup *root = cgroup_get_from_path("/");
	u64 id;

	KUNIT_ASSERT_FALSE(test, IS_ERR(root));
	id = cgroup_id(root);
	cgroup_put(root);
	return id;
}

/* Puts a's value the way the attribute policy expects it, or raw. */
static int put_attr(struct sk_buff *skb, const struct nl_attr *a, u64 root_id)
{
	u64 v = a->val == ROOT_ID ? root_id : a->val;

	if (a->len)
		return nla_put(skb, a->type, a->len, a->str ?: (void *)&v);
	switch (ka_policy_attr_nl_policy[a->type].type) {
	case NLA_FLAG:
		return nla_put_flag(skb, a->type);
	case NLA_U8:
		return nla_put_u8(skb, a->type, v);
	case NLA_U16:
		return nla_put_u16(skb, a->type, v);
	case NLA_U32:
		return nla_put_u32(skb, a->type, v);
	case NLA_U64:
		return nla_put_u64_64bit(skb, a->type, v, KA_POLICY_A_PAD);
	case NLA_NUL_STRING:
		return nla_put_string(skb, a->type, a->str);
	default:
		return -EINVAL;
	}
}

static void skb_free(void *skb)
{
	kfree_skb(skb);
}

static void nl_parse_test(struct kunit *test)
{
	const struct nl_case *c = test->param_value;
	struct nlattr *tb[KA_POLICY_A_MAX + 1], *nest;
	struct netlink_ext_ack extack = {};
	u64 root_id = root_cgroup_id(test);
	struct ka_selector sel, want_sel;
	struct ka_action act;
	struct sk_buff *skb;
	struct ka_cgroup_name cg = {};
	char msg[128];
	int i, ret;

	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	ka_test_defer(test, skb_free, skb);
	nest = nla_nest_start(skb, KA_A_POLICY);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	for (i = 0; i < MAX_ATTRS && c->attrs[i].type; i++)
		KUNIT_ASSERT_EQ(test, put_attr(skb, &c->attrs[i], root_id), 0);
	nla_nest_end(skb, nest);

	/* The genl core does this with the op's policy before the handler. */
	ret = nla_parse_nested(tb, KA_POLICY_A_MAX, nest, ka_policy_attr_nl_policy,
			       &extack);
	KUNIT_EXPECT_EQ(test, ret, c->parse_err);
	if (ret || c->parse_err) {
		KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
		if (extack.bad_attr)
			KUNIT_EXPECT_EQ(test, nla_type(extack.bad_attr), c->bad_attr);
		return;
	}

	if (c->op == OP_SET) {
		ret = ka_nl_parse_policy(tb, &cg, &sel, &act, &extack);
	} else {
		ret = ka_nl_parse_name(tb, &sel, &extack);
		memset(&act, 0, sizeof(act));
	}
	KUNIT_EXPECT_EQ(test, ret, c->err);

	if (c->msg) {
		snprintf(msg, sizeof(msg), "%s%s",
			 c->msg_mod ? KBUILD_MODNAME ": " : "", c->msg);
		KUNIT_EXPECT_STREQ(test, extack._msg ?: "(none)", msg);
	} else {
		KUNIT_EXPECT_NULL(test, extack._msg);
	}
	if (c->bad_attr) {
		KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, tb[c->bad_attr]);
		KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
	} else {
		KUNIT_EXPECT_NULL(test, extack.bad_attr);
	}
	if (ret) {
		/* Nothing left to free. */
		KUNIT_EXPECT_NULL(test, cg.path);
		KUNIT_EXPECT_NULL(test, cg.id_path);
		ka_cgroup_name_release(&cg);
		return;
	}

	want_sel = c->sel;
	if (want_sel.cgroup_id == ROOT_ID)
		want_sel.cgroup_id = root_id;
	if (!want_sel.port_min && !want_sel.port_max)
		want_sel.dir = KA_DIR_BOTH;
	if (c->by_path) {
		/* A path's key, and the cgroup at the path bound at once. */
		KUNIT_EXPECT_TRUE(test, ka_cgroup_key_is_path(sel.cgroup_id));
		KUNIT_ASSERT_NOT_NULL(test, cg.path);
		KUNIT_EXPECT_EQ(test, sel.cgroup_id, cg.path->key);
		KUNIT_EXPECT_STREQ(test, cg.path->path, c->path);
		KUNIT_EXPECT_EQ(test, cg.path->id,
				c->bound == ROOT_ID ? root_id : c->bound);
		KUNIT_EXPECT_NULL(test, cg.id_path);
	} else {
		KUNIT_EXPECT_EQ(test, sel.cgroup_id, want_sel.cgroup_id);
		KUNIT_EXPECT_NULL(test, cg.path);
		if (c->path)
			KUNIT_EXPECT_STREQ(test, cg.id_path ?: "(null)", c->path);
		else
			KUNIT_EXPECT_NULL(test, cg.id_path);
	}
	KUNIT_EXPECT_EQ(test, sel.port_min, want_sel.port_min);
	KUNIT_EXPECT_EQ(test, sel.port_max, want_sel.port_max);
	KUNIT_EXPECT_EQ(test, sel.dir, want_sel.dir);
	/* The selector is a hash key: no stray bytes. */
	KUNIT_EXPECT_EQ(test, sel.pad[0] | sel.pad[1] | sel.pad[2], 0);

	KUNIT_EXPECT_EQ(test, act.idle_s, c->act.idle_s);
	KUNIT_EXPECT_EQ(test, act.intvl_s, c->act.intvl_s);
	KUNIT_EXPECT_EQ(test, act.cnt, c->act.cnt);
	KUNIT_EXPECT_EQ(test, act.has_user_timeout, c->act.has_user_timeout);
	KUNIT_EXPECT_EQ(test, act.user_timeout_ms, c->act.user_timeout_ms);
	KUNIT_EXPECT_EQ(test, act.off, c->act.off);
	KUNIT_EXPECT_EQ(test, act.mode, c->act.mode);

	ka_cgroup_name_release(&cg);
}

/* The attribute policy covers every request attribute, and only those. */
static void nl_policy_table_test(struct kunit *test)
{
	int t;

	for (t = KA_POLICY_A_DEFAULT; t <= KA_POLICY_A_MAX; t++) {
		bool reply_only = t == KA_POLICY_A_STATS ||
				  t == KA_POLICY_A_CGROUP_STATE ||
				  t == KA_POLICY_A_CGROUP_HIDDEN;

		KUNIT_EXPECT_EQ_MSG(test, ka_policy_attr_nl_policy[t].type == NLA_UNSPEC,
				    reply_only, "attribute %d", t);
	}
	KUNIT_EXPECT_EQ(test, ka_policy_attr_nl_policy[KA_POLICY_A_PAD].type, NLA_UNSPEC);
}

static struct kunit_case netlink_test_cases[] = {
	KUNIT_CASE_PARAM(nl_parse_test, nl_gen_params),
	KUNIT_CASE(nl_policy_table_test),
	{}
};

static struct kunit_suite netlink_suite = {
	.name = "ka_netlink",
	.suite_init = ka_test_cgpaths_init,
	.suite_exit = ka_test_cgpaths_exit,
	.test_cases = netlink_test_cases,
};

kunit_test_suite(netlink_suite);
