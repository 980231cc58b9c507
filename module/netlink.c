// SPDX-License-Identifier: GPL-2.0
/*
 * The ka_policy generic netlink family: the control interface kactl uses.
 *
 * The family is netns aware: a request acts on the namespace of the socket
 * it came in on (genl_info_net), so kactl -n and a container's own tools
 * reach exactly one namespace. Reading is open to every user; operations
 * that change state carry GENL_UNS_ADMIN_PERM, which asks for CAP_NET_ADMIN
 * over the user namespace owning that network namespace.
 *
 * Attributes are validated strictly, on every op: unknown attributes are
 * rejected, ranges by the attribute policies, the rest in ka_nl_parse_*();
 * every rejection names the attribute in extack, and nothing changes
 * unless all of it is valid.
 */

#include <linux/cgroup.h>
#include <linux/ka_policy.h>
#include <linux/nsproxy.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "hooks.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"

static struct genl_family ka_genl_family;

static const int ka_counter_attrs[KA_CNT_MAX] = {
	[KA_CNT_APPLIED]	= KA_STATS_A_APPLIED,
	[KA_CNT_SKIPPED]	= KA_STATS_A_SKIPPED,
	[KA_CNT_PROBES_SENT]	= KA_STATS_A_PROBES_SENT,
	[KA_CNT_TIMEOUTS]	= KA_STATS_A_TIMEOUTS,
};

/* Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer. */
static struct netlink_range_validation ka_user_timeout_range = {
	.min = 0,
	.max = INT_MAX,
};

static const struct nla_policy ka_policy_nl_policy[KA_POLICY_A_MAX + 1] = {
	[KA_POLICY_A_DEFAULT]	= { .type = NLA_FLAG },
	[KA_POLICY_A_PORT_MIN]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KA_POLICY_A_PORT_MAX]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KA_POLICY_A_DIR]	= NLA_POLICY_MAX(NLA_U8, KA_DIR_OUT),
	[KA_POLICY_A_CGROUP_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[KA_POLICY_A_CGROUP_ID]	= NLA_POLICY_MIN(NLA_U64, 1),
	[KA_POLICY_A_OFF]	= { .type = NLA_FLAG },
	[KA_POLICY_A_IDLE]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPIDLE),
	[KA_POLICY_A_INTVL]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPINTVL),
	[KA_POLICY_A_CNT]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPCNT),
	[KA_POLICY_A_USER_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &ka_user_timeout_range),
	[KA_POLICY_A_MODE]	= NLA_POLICY_MAX(NLA_U8, KA_MODE_FORCE),
};

static const struct nla_policy ka_nl_policy_policy[KA_A_MAX + 1] = {
	[KA_A_POLICY] = NLA_POLICY_NESTED(ka_policy_nl_policy),
};

/* Requests that take no attributes: strict validation rejects any. */
static const struct nla_policy ka_nl_empty_policy[KA_A_MAX + 1] = {
};

/* ---- requests ---- */

/* cgrp's path in the caller's cgroup namespace, in a string of its size. */
static int ka_nl_cgroup_path(struct cgroup *cgrp, char **path)
{
	char *buf;
	int ret = 0;

	*path = NULL;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (cgroup_path_ns(cgrp, buf, PATH_MAX, current->nsproxy->cgroup_ns) < 0) {
		ret = -ENAMETOOLONG;
	} else {
		*path = kstrdup(buf, GFP_KERNEL_ACCOUNT);
		if (!*path)
			ret = -ENOMEM;
	}
	kfree(buf);
	return ret;
}

/*
 * The cgroup id for a path or id attribute. A policy being set needs a
 * cgroup that exists and that the caller can see, and keeps its path as
 * the caller's cgroup namespace shows it (*path, kmalloc'ed), so readers
 * never resolve paths; deleting one does not (its cgroup may be gone), so
 * a bare id is taken as it is.
 */
static int ka_nl_cgroup_id(struct nlattr **tb, char **path, u64 *id,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	struct cgroup *cgrp;
	int ret = 0;

	if (tb[KA_POLICY_A_CGROUP_PATH]) {
		attr = tb[KA_POLICY_A_CGROUP_PATH];
		cgrp = cgroup_get_from_path(nla_data(attr));
	} else {
		attr = tb[KA_POLICY_A_CGROUP_ID];
		*id = nla_get_u64(attr);
		if (!path)
			return 0;
		cgrp = cgroup_get_from_id(*id);
	}
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such cgroup v2");
		return PTR_ERR(cgrp);
	}
	*id = cgroup_id(cgrp);
	if (path)
		ret = ka_nl_cgroup_path(cgrp, path);
	cgroup_put(cgrp);
	return ret;
}

/* path: where to keep the cgroup's path when setting, NULL to delete. */
static int ka_nl_parse_selector(struct nlattr **tb, char **path,
				struct ka_selector *sel,
				struct netlink_ext_ack *extack)
{
	bool port = tb[KA_POLICY_A_PORT_MIN] || tb[KA_POLICY_A_PORT_MAX];
	bool cgroup = tb[KA_POLICY_A_CGROUP_PATH] || tb[KA_POLICY_A_CGROUP_ID];
	int ret;

	ka_selector_init(sel);
	if (tb[KA_POLICY_A_DEFAULT]) {
		if (port || cgroup || tb[KA_POLICY_A_DIR]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KA_POLICY_A_DEFAULT],
					    "the default policy takes no port, direction or cgroup");
			return -EINVAL;
		}
		return 0;
	}
	if (!port && !cgroup) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a selector is needed: a port, a cgroup, or the default");
		return -EINVAL;
	}
	if (port) {
		if (!tb[KA_POLICY_A_PORT_MIN]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KA_POLICY_A_PORT_MAX],
					    "a port range needs its first port");
			return -EINVAL;
		}
		sel->port_min = nla_get_u16(tb[KA_POLICY_A_PORT_MIN]);
		sel->port_max = nla_get_u16_default(tb[KA_POLICY_A_PORT_MAX],
						    sel->port_min);
		if (sel->port_max < sel->port_min) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KA_POLICY_A_PORT_MAX],
					    "a port range cannot end below its first port");
			return -EINVAL;
		}
	}
	if (tb[KA_POLICY_A_DIR]) {
		if (!port) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KA_POLICY_A_DIR],
					    "a direction needs a port");
			return -EINVAL;
		}
		sel->dir = nla_get_u8(tb[KA_POLICY_A_DIR]);
	}
	if (cgroup) {
		if (tb[KA_POLICY_A_CGROUP_PATH] && tb[KA_POLICY_A_CGROUP_ID]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KA_POLICY_A_CGROUP_ID],
					    "give a cgroup by path or by id, not both");
			return -EINVAL;
		}
		ret = ka_nl_cgroup_id(tb, path, &sel->cgroup_id, extack);
		if (ret)
			return ret;
	}
	return 0;
}

static const int ka_setting_attrs[] = {
	KA_POLICY_A_IDLE, KA_POLICY_A_INTVL, KA_POLICY_A_CNT,
	KA_POLICY_A_USER_TIMEOUT, KA_POLICY_A_MODE,
};

static int ka_nl_parse_action(struct nlattr **tb, struct ka_action *act,
			      struct netlink_ext_ack *extack)
{
	int i;

	memset(act, 0, sizeof(*act));
	if (tb[KA_POLICY_A_OFF]) {
		for (i = 0; i < ARRAY_SIZE(ka_setting_attrs); i++) {
			if (tb[ka_setting_attrs[i]]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[ka_setting_attrs[i]],
						    "an exemption (off) takes no keepalive settings");
				return -EINVAL;
			}
		}
		act->off = true;
		return 0;
	}
	act->idle_s = nla_get_u32_default(tb[KA_POLICY_A_IDLE], 0);
	act->intvl_s = nla_get_u32_default(tb[KA_POLICY_A_INTVL], 0);
	act->cnt = nla_get_u32_default(tb[KA_POLICY_A_CNT], 0);
	if (tb[KA_POLICY_A_USER_TIMEOUT]) {
		act->has_user_timeout = true;
		act->user_timeout_ms = nla_get_u32(tb[KA_POLICY_A_USER_TIMEOUT]);
	}
	act->mode = nla_get_u8_default(tb[KA_POLICY_A_MODE], KA_MODE_DEFAULT);
	return 0;
}

/* The request's KA_A_POLICY, parsed; the genl core validated it. */
static int ka_nl_policy_attrs(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, KA_A_POLICY)) {
		NL_SET_ERR_MSG_MOD(info->extack, "the request carries no policy");
		return -EINVAL;
	}
	return nla_parse_nested(tb, KA_POLICY_A_MAX, info->attrs[KA_A_POLICY],
				ka_policy_nl_policy, info->extack);
}

/* A whole policy to set; *path (kmalloc'ed or NULL) goes to the caller. */
static int ka_nl_parse_policy(struct nlattr **tb, char **path,
			      struct ka_selector *sel, struct ka_action *act,
			      struct netlink_ext_ack *extack)
{
	int ret;

	*path = NULL;
	ret = ka_nl_parse_selector(tb, path, sel, extack);
	if (ret)
		return ret;
	ret = ka_nl_parse_action(tb, act, extack);
	if (ret) {
		kfree(*path);
		*path = NULL;
	}
	return ret;
}

/*
 * Set creates or replaces; add (excl) only creates, so that one admin
 * cannot overwrite another's policy, and its counters, unawares. Add is
 * a command of its own, not set with NLM_F_CREATE | NLM_F_EXCL as in
 * rtnetlink: since 6.1 the genetlink core refuses those flags for a
 * family that validates strictly (genl_header_check()), and the kernel's
 * netlink documentation calls them deprecated for new families.
 */
static int ka_nl_policy_write(struct genl_info *info, bool excl)
{
	struct ka_net *kn = ka_net(genl_info_net(info));
	struct nlattr *tb[KA_POLICY_A_MAX + 1];
	struct ka_selector sel;
	struct ka_action act;
	char *path;
	int ret;

	ret = ka_nl_policy_attrs(info, tb);
	if (ret)
		return ret;
	ret = ka_nl_parse_policy(tb, &path, &sel, &act, info->extack);
	if (ret)
		return ret;

	mutex_lock(&kn->lock);
	if (excl && ka_policy_exists(kn, &sel)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KA_A_POLICY],
				    "a policy for this selector exists");
		kfree(path);
		ret = -EEXIST;
	} else {
		ret = ka_policy_set(kn, &sel, &act, path);
	}
	mutex_unlock(&kn->lock);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "this namespace holds max_policies policies already");
	return ret;
}

static int ka_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return ka_nl_policy_write(info, false);
}

static int ka_nl_policy_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return ka_nl_policy_write(info, true);
}

static int ka_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ka_net *kn = ka_net(genl_info_net(info));
	struct nlattr *tb[KA_POLICY_A_MAX + 1];
	struct ka_selector sel;
	int ret, i;

	ret = ka_nl_policy_attrs(info, tb);
	if (ret)
		return ret;
	for (i = KA_POLICY_A_OFF; i <= KA_POLICY_A_MAX; i++) {
		if (tb[i]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "delete takes a selector only");
			return -EINVAL;
		}
	}
	ret = ka_nl_parse_selector(tb, NULL, &sel, info->extack);
	if (ret)
		return ret;

	mutex_lock(&kn->lock);
	ret = ka_policy_del(kn, &sel);
	mutex_unlock(&kn->lock);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_MOD(info->extack, "no policy with this selector");
	return ret;
}

static int ka_nl_policy_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ka_net *kn = ka_net(genl_info_net(info));

	mutex_lock(&kn->lock);
	ka_policy_flush(kn);
	mutex_unlock(&kn->lock);
	return 0;
}

/*
 * Replace: the request is the namespace's whole new policy set, one
 * KA_A_POLICY each (none: the empty set). info->attrs[] holds only the
 * last of repeated attributes, so the payload is walked; the genl core
 * has validated each one against the attribute policies, and strict
 * validation let nothing else through. The set is built aside, checked
 * in full (a selector given twice, max_policies, cgroups that exist) and
 * swapped in at once, or dropped: nothing changes on any error.
 */
static int ka_nl_policy_replace_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct ka_net *kn = ka_net(genl_info_net(info));
	struct nlattr *tb[KA_POLICY_A_MAX + 1];
	struct ka_selector sel;
	struct ka_action act;
	struct ka_table *t;
	struct nlattr *attr;
	int rem, ret = 0;
	char *path;

	t = ka_table_new();
	if (!t)
		return -ENOMEM;
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		ret = nla_parse_nested(tb, KA_POLICY_A_MAX, attr,
				       ka_policy_nl_policy, info->extack);
		if (ret)
			goto out;
		ret = ka_nl_parse_policy(tb, &path, &sel, &act, info->extack);
		if (ret)
			goto out;
		ret = ka_table_add(t, &sel, &act, path);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "this selector is given twice");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "more policies than max_policies");
		if (ret)
			goto out;
	}
	ret = ka_table_commit(kn, t);
	if (!ret)
		return 0;
out:
	ka_table_free(t);
	return ret;
}

/* ---- replies ---- */

/* Counters whose hook did not attach are left out: "unavailable". */
static int ka_nl_put_counters(struct sk_buff *skb, int attr,
			      const struct ka_counters __percpu *c)
{
	struct ka_counters sum;
	struct nlattr *nest;
	int i;

	ka_counters_sum(c, &sum);
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < KA_CNT_MAX; i++) {
		if (!ka_counter_available(i))
			continue;
		if (nla_put_u64_64bit(skb, ka_counter_attrs[i], sum.v[i],
				      KA_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ka_nl_put_policy(struct sk_buff *skb, const struct ka_policy *p,
			    bool with_stats)
{
	const struct ka_selector *sel = &p->sel;
	const struct ka_action *act = &p->act;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KA_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (!ka_selector_has_port(sel) && !sel->cgroup_id &&
	    nla_put_flag(skb, KA_POLICY_A_DEFAULT))
		goto err;
	if (ka_selector_has_port(sel) &&
	    (nla_put_u16(skb, KA_POLICY_A_PORT_MIN, sel->port_min) ||
	     nla_put_u16(skb, KA_POLICY_A_PORT_MAX, sel->port_max) ||
	     nla_put_u8(skb, KA_POLICY_A_DIR, sel->dir)))
		goto err;
	if (sel->cgroup_id &&
	    (nla_put_u64_64bit(skb, KA_POLICY_A_CGROUP_ID, sel->cgroup_id,
			       KA_POLICY_A_PAD) ||
	     (p->cgroup_path &&
	      nla_put_string(skb, KA_POLICY_A_CGROUP_PATH, p->cgroup_path))))
		goto err;
	if ((act->off && nla_put_flag(skb, KA_POLICY_A_OFF)) ||
	    (act->idle_s && nla_put_u32(skb, KA_POLICY_A_IDLE, act->idle_s)) ||
	    (act->intvl_s && nla_put_u32(skb, KA_POLICY_A_INTVL, act->intvl_s)) ||
	    (act->cnt && nla_put_u32(skb, KA_POLICY_A_CNT, act->cnt)) ||
	    (act->has_user_timeout &&
	     nla_put_u32(skb, KA_POLICY_A_USER_TIMEOUT, act->user_timeout_ms)) ||
	    nla_put_u8(skb, KA_POLICY_A_MODE, act->mode))
		goto err;
	if (with_stats && ka_nl_put_counters(skb, KA_POLICY_A_STATS, p->stats))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* What this kernel does not let the module do: enum ka_feature bits. */
static u32 ka_missing_features(void)
{
	u32 missing = 0;

	if (!ka_counter_available(KA_CNT_PROBES_SENT))
		missing |= BIT(KA_FEATURE_PROBES_SENT);
	if (!ka_counter_available(KA_CNT_TIMEOUTS))
		missing |= BIT(KA_FEATURE_TIMEOUTS);
	return missing;
}

static int ka_nl_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &ka_genl_family, 0, KA_CMD_VERSION);
	if (!hdr)
		goto err_free;
	if (nla_put_string(msg, KA_A_VERSION, KA_POLICY_VERSION) ||
	    nla_put_u32(msg, KA_A_API_VERSION, KA_GENL_VERSION) ||
	    nla_put_u32(msg, KA_A_MISSING, ka_missing_features()))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Policy dumps. Each part holds kn->lock while it fills one skb and
 * resumes from a cursor; a change between two parts marks the dump
 * NLM_F_DUMP_INTR (kn->generation), and kactl asks the user to retry.
 */
struct ka_dump_ctx {
	struct ka_cursor cur;
	loff_t next;		/* index of the next policy to send */
	bool totals_sent;	/* stats: the namespace totals went out */
};

static int ka_nl_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      u8 cmd)
{
	struct ka_dump_ctx *ctx = (struct ka_dump_ctx *)cb->ctx;
	struct ka_net *kn = ka_net(sock_net(skb->sk));
	bool stats = cmd == KA_CMD_STATS;
	const struct ka_policy *p;
	void *hdr;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof_field(struct netlink_callback, ctx));
	if (stats && !ctx->totals_sent) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ka_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			return -EMSGSIZE;
		if (ka_nl_put_counters(skb, KA_A_STATS, kn->totals)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		ctx->totals_sent = true;
	}

	mutex_lock(&kn->lock);
	cb->seq = kn->generation;
	while ((p = ka_policy_at(kn, &ctx->cur, ctx->next))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ka_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (ka_nl_put_policy(skb, p, stats)) {
			genlmsg_cancel(skb, hdr);
			ret = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->next++;
	}
	mutex_unlock(&kn->lock);
	/* Full skb: send what fits, come back for the rest. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int ka_nl_stats_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return ka_nl_dump(skb, cb, KA_CMD_STATS);
}

static int ka_nl_policy_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	return ka_nl_dump(skb, cb, KA_CMD_POLICY_GET);
}

static const struct genl_ops ka_genl_ops[] = {
	{
		.cmd	= KA_CMD_VERSION,
		.doit	= ka_nl_version_doit,
		.policy	= ka_nl_empty_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_STATS,
		.dumpit	= ka_nl_stats_dumpit,
		.policy	= ka_nl_empty_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_POLICY_SET,
		.doit	= ka_nl_policy_set_doit,
		.policy	= ka_nl_policy_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_DEL,
		.doit	= ka_nl_policy_del_doit,
		.policy	= ka_nl_policy_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_GET,
		.dumpit	= ka_nl_policy_get_dumpit,
		.policy	= ka_nl_empty_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_POLICY_FLUSH,
		.doit	= ka_nl_policy_flush_doit,
		.policy	= ka_nl_empty_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_REPLACE,
		.doit	= ka_nl_policy_replace_doit,
		.policy	= ka_nl_policy_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_ADD,
		.doit	= ka_nl_policy_add_doit,
		.policy	= ka_nl_policy_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family ka_genl_family __ro_after_init = {
	.name		= KA_GENL_NAME,
	.version	= KA_GENL_VERSION,
	.maxattr	= KA_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	/*
	 * resv_start_op (6.1+) stays 0: strict validation for every op, as
	 * 5.10, which has no such field, does by default.
	 */
	.ops		= ka_genl_ops,
	.n_ops		= ARRAY_SIZE(ka_genl_ops),
	.module		= THIS_MODULE,
};

int __init ka_genl_init(void)
{
	return genl_register_family(&ka_genl_family);
}

void ka_genl_exit(void)
{
	genl_unregister_family(&ka_genl_family);
}

/* Lets "genl ctrl" or a netlink request autoload the module by name. */
MODULE_ALIAS_GENL_FAMILY(KA_GENL_NAME);
