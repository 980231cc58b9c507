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
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cgpath.h"
#include "existing.h"
#include "gfp.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "sockets.h"
#include "stats.h"

static const int ka_counter_attrs[KA_NR_COUNTERS] = {
	[KA_CNT_APPLIED]	= KA_STATS_A_APPLIED,
	[KA_CNT_SKIPPED]	= KA_STATS_A_SKIPPED,
	[KA_CNT_PROBES_SENT]	= KA_STATS_A_PROBES_SENT,
	[KA_CNT_TIMEOUTS]	= KA_STATS_A_TIMEOUTS,
	[KA_CNT_EVENTS_DROPPED]	= KA_STATS_A_EVENTS_DROPPED,
};

/* Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer. */
static struct netlink_range_validation ka_user_timeout_range = {
	.min = 0,
	.max = INT_MAX,
};

/* Ids never have bit 63 set, which marks a path's key (cgpath.h). */
static struct netlink_range_validation ka_cgroup_id_range = {
	.min = 1,
	.max = S64_MAX,
};

/*
 * The attribute policies, named by what they validate, and the ops below
 * mirror the spec, Documentation/netlink/specs/ka_policy.yaml, entry for
 * entry; tests/lib/spec_check.py holds the two together. The kernel's
 * ynl-gen cannot write them for 5.10 and 6.1: its split ops are 6.2+, its
 * genl_ops (kernel-policy: per-op) need a do with request attributes in
 * every op and have no dump start/done, and its ranges are const, which
 * the policies of 5.10 and 6.1 do not take (above).
 *
 * The attributes inside one KA_A_POLICY nest (enum ka_policy_attr).
 * Reply-only ones (stats, cgroup state, hidden) are left NLA_UNSPEC, which
 * strict validation rejects in a request.
 */
static const struct nla_policy ka_policy_attr_nl_policy[KA_POLICY_A_MAX + 1] = {
	[KA_POLICY_A_DEFAULT]	= { .type = NLA_FLAG },
	[KA_POLICY_A_PORT_MIN]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KA_POLICY_A_PORT_MAX]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KA_POLICY_A_DIR]	= NLA_POLICY_MAX(NLA_U8, KA_DIR_OUT),
	[KA_POLICY_A_CGROUP_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[KA_POLICY_A_CGROUP_ID]	= NLA_POLICY_FULL_RANGE(NLA_U64, &ka_cgroup_id_range),
	[KA_POLICY_A_OFF]	= { .type = NLA_FLAG },
	[KA_POLICY_A_IDLE]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPIDLE),
	[KA_POLICY_A_INTVL]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPINTVL),
	[KA_POLICY_A_CNT]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPCNT),
	[KA_POLICY_A_USER_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &ka_user_timeout_range),
	[KA_POLICY_A_MODE]	= NLA_POLICY_MAX(NLA_U8, KA_MODE_FORCE),
};

/* set, add, del, replace and existing-apply: KA_A_POLICY only. */
static const struct nla_policy ka_policy_req_nl_policy[KA_A_MAX + 1] = {
	[KA_A_POLICY] = NLA_POLICY_NESTED(ka_policy_attr_nl_policy),
};

/* Requests that take no attributes: strict validation rejects any. */
static const struct nla_policy ka_empty_req_nl_policy[KA_A_MAX + 1] = {
};

/* ---- requests ---- */

/*
 * A cgroup path attribute, normalized and made absolute (from the caller's
 * cgroup namespace) into buf, of KA_CGPATH_BUF_SIZE bytes.
 */
static int ka_nl_cgroup_abs_path(const struct nlattr *attr, char *buf,
				 struct netlink_ext_ack *extack)
{
	char *rel;
	int ret;

	rel = kmalloc(KA_CGPATH_BUF_SIZE, KA_GFP_POLICY);
	if (!rel)
		return -ENOMEM;
	ret = ka_cgpath_normalize(nla_data(attr), rel, KA_CGPATH_BUF_SIZE);
	if (ret >= 0)
		ret = ka_cgpath_absolute(rel, buf, KA_CGPATH_BUF_SIZE);
	kfree(rel);
	if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a cgroup path is absolute, with no . or .. and no newline");
	else if (ret == -ENAMETOOLONG)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a cgroup path is at most 1023 bytes long, counted from the root of the cgroup hierarchy");
	return ret < 0 ? ret : 0;
}

/*
 * A cgroup by path: it need not exist. Setting (cg) publishes the path,
 * then binds the cgroup there now, if any (cgpath.c says why in that
 * order); deleting (cg NULL) looks up the key of the path, which exists
 * while some policy names it.
 */
static int ka_nl_cgroup_by_path(const struct nlattr *attr,
				struct ka_cgroup_name *cg, u64 *key,
				struct netlink_ext_ack *extack)
{
	char *abs;
	int ret;

	abs = kmalloc(KA_CGPATH_BUF_SIZE, KA_GFP_POLICY);
	if (!abs)
		return -ENOMEM;
	ret = ka_nl_cgroup_abs_path(attr, abs, extack);
	if (ret)
		goto out;
	if (!cg) {
		*key = ka_cgpath_find_key(abs);
		if (!*key) {
			NL_SET_ERR_MSG_MOD(extack, "no policy with this selector");
			ret = -ENOENT;
		}
		goto out;
	}
	cg->path = ka_cgpath_get(abs);
	if (!cg->path) {
		ret = -ENOMEM;
		goto out;
	}
	ka_cgpath_resolve(cg->path);
	*key = cg->path->key;
out:
	kfree(abs);
	return ret;
}

/*
 * A cgroup by id: that object only. Setting (cg) needs a cgroup that
 * exists and that the caller can see, and keeps its absolute path to
 * tell later readers from other cgroup namespaces apart; deleting takes
 * the id as it is (the cgroup may be gone).
 */
static int ka_nl_cgroup_by_id(const struct nlattr *attr,
			      struct ka_cgroup_name *cg, u64 *key,
			      struct netlink_ext_ack *extack)
{
	struct cgroup *cgrp;
	char *buf;
	int len;

	*key = nla_get_u64(attr);
	if (!cg)
		return 0;
	cgrp = cgroup_get_from_id(*key);
	if (IS_ERR_OR_NULL(cgrp)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such cgroup v2");
		return cgrp ? PTR_ERR(cgrp) : -ENOENT;
	}
	/* Never shown in a reply: any path the kernel has will do. */
	buf = kmalloc(PATH_MAX, KA_GFP_POLICY);
	len = buf ? kernfs_path(cgrp->kn, buf, PATH_MAX) : -ENOMEM;
	cgroup_put(cgrp);
	if (len >= PATH_MAX - 1) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the cgroup's path is too long");
		len = -ENAMETOOLONG;
	}
	if (len >= 0) {
		cg->id_path = kstrdup(buf, KA_GFP_POLICY);
		if (!cg->id_path)
			len = -ENOMEM;
	}
	kfree(buf);
	return len < 0 ? len : 0;
}

/* cg: what a cgroup selector keeps, when setting; NULL to delete. */
static int ka_nl_parse_selector(struct nlattr **tb, struct ka_cgroup_name *cg,
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
		if (tb[KA_POLICY_A_CGROUP_PATH])
			ret = ka_nl_cgroup_by_path(tb[KA_POLICY_A_CGROUP_PATH],
						   cg, &sel->cgroup_id, extack);
		else
			ret = ka_nl_cgroup_by_id(tb[KA_POLICY_A_CGROUP_ID], cg,
						 &sel->cgroup_id, extack);
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
				ka_policy_attr_nl_policy, info->extack);
}

/*
 * A whole policy to set. The action is parsed first: it can fail but
 * holds nothing, while a cgroup selector takes references (*cg, which
 * goes to the caller, or is released here on error).
 */
static int ka_nl_parse_policy(struct nlattr **tb, struct ka_cgroup_name *cg,
			      struct ka_selector *sel, struct ka_action *act,
			      struct netlink_ext_ack *extack)
{
	int ret;

	memset(cg, 0, sizeof(*cg));
	ret = ka_nl_parse_action(tb, act, extack);
	if (ret)
		return ret;
	ret = ka_nl_parse_selector(tb, cg, sel, extack);
	if (ret)
		ka_cgroup_name_release(cg);
	return ret;
}

static const int ka_existing_skip_attrs[KA_EX_SKIP_MAX] = {
	[KA_EX_SKIP_APPLICATION]	= KA_EXISTING_A_SKIP_APPLICATION,
	[KA_EX_SKIP_KEEPALIVE_OFF]	= KA_EXISTING_A_SKIP_KEEPALIVE_OFF,
	[KA_EX_SKIP_UNCHANGED]		= KA_EXISTING_A_SKIP_UNCHANGED,
	[KA_EX_SKIP_LISTENER]		= KA_EXISTING_A_SKIP_LISTENER,
	[KA_EX_SKIP_CLOSED]		= KA_EXISTING_A_SKIP_CLOSED,
	[KA_EX_SKIP_MPTCP]		= KA_EXISTING_A_SKIP_MPTCP,
};

static int ka_nl_put_existing(struct sk_buff *skb,
			      const struct ka_existing_result *res)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, KA_A_EXISTING_RESULT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KA_EXISTING_A_SOCKETS, res->sockets) ||
	    nla_put_u32(skb, KA_EXISTING_A_MATCHED, res->matched) ||
	    nla_put_u32(skb, KA_EXISTING_A_CHANGED, res->changed) ||
	    nla_put_u32(skb, KA_EXISTING_A_EXEMPT, res->exempt) ||
	    nla_put_u64_64bit(skb, KA_EXISTING_A_TIME_US, res->time_us,
			      KA_EXISTING_A_PAD))
		goto err;
	for (i = 0; i < KA_EX_SKIP_MAX; i++) {
		if (nla_put_u32(skb, ka_existing_skip_attrs[i], res->skipped[i]))
			goto err;
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
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
	struct ka_cgroup_name cg;
	struct ka_selector sel;
	struct ka_action act;
	int ret;

	ret = ka_nl_policy_attrs(info, tb);
	if (ret)
		return ret;
	ret = ka_nl_parse_policy(tb, &cg, &sel, &act, info->extack);
	if (ret)
		return ret;

	mutex_lock(&kn->lock);
	if (excl && ka_policy_exists(kn, &sel)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KA_A_POLICY],
				    "a policy for this selector exists");
		ka_cgroup_name_release(&cg);
		ret = -EEXIST;
	} else {
		ret = ka_policy_set(kn, &sel, &act, &cg);
	}
	mutex_unlock(&kn->lock);
	if (ret == -ENOSPC && kn->contained)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "this namespace holds max_policies_userns policies already");
	else if (ret == -ENOSPC)
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

/* A policy named by its selector alone (del, existing-apply). */
static int ka_nl_parse_name(struct nlattr **tb, struct ka_selector *sel,
			    struct netlink_ext_ack *extack)
{
	int i;

	for (i = KA_POLICY_A_OFF; i <= KA_POLICY_A_MAX; i++) {
		if (tb[i]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "this request takes a selector only");
			return -EINVAL;
		}
	}
	return ka_nl_parse_selector(tb, NULL, sel, extack);
}

static int ka_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ka_net *kn = ka_net(genl_info_net(info));
	struct nlattr *tb[KA_POLICY_A_MAX + 1];
	struct ka_selector sel;
	int ret;

	ret = ka_nl_policy_attrs(info, tb);
	if (!ret)
		ret = ka_nl_parse_name(tb, &sel, info->extack);
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
	struct ka_cgroup_name cg;
	struct ka_selector sel;
	struct ka_action act;
	struct ka_table *t;
	struct nlattr *attr;
	int rem, ret = 0;

	t = ka_table_new();
	if (!t)
		return -ENOMEM;
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != KA_A_POLICY)
			continue;
		ret = nla_parse_nested(tb, KA_POLICY_A_MAX, attr,
				       ka_policy_attr_nl_policy, info->extack);
		if (ret)
			goto out;
		if (t->count >= ka_policy_limit(kn)) {
			if (kn->contained)
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "more policies than max_policies_userns");
			else
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "more policies than max_policies");
			ret = -ENOSPC;
			goto out;
		}
		ret = ka_nl_parse_policy(tb, &cg, &sel, &act, info->extack);
		if (ret)
			goto out;
		ret = ka_table_add(t, &sel, &act, &cg);
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

/*
 * Counters whose hook did not attach are left out: "unavailable"; so are
 * the namespace-only ones in a policy's (attr KA_POLICY_A_STATS).
 */
static int ka_nl_put_counters(struct sk_buff *skb, int attr,
			      const struct ka_counters *sum)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < KA_NR_COUNTERS; i++) {
		if (!ka_counter_available(i) ||
		    (attr == KA_POLICY_A_STATS && !ka_counter_per_policy(i)))
			continue;
		if (nla_put_u64_64bit(skb, ka_counter_attrs[i], sum->v[i],
				      KA_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ka_nl_put_policy(struct sk_buff *skb, const struct ka_policy *p,
			    const char *root, bool with_stats)
{
	const struct ka_action *act = &p->act;
	struct ka_counters sum;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KA_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (ka_policy_put_selector(skb, p, root))
		goto err;
	if ((act->off && nla_put_flag(skb, KA_POLICY_A_OFF)) ||
	    (act->idle_s && nla_put_u32(skb, KA_POLICY_A_IDLE, act->idle_s)) ||
	    (act->intvl_s && nla_put_u32(skb, KA_POLICY_A_INTVL, act->intvl_s)) ||
	    (act->cnt && nla_put_u32(skb, KA_POLICY_A_CNT, act->cnt)) ||
	    (act->has_user_timeout &&
	     nla_put_u32(skb, KA_POLICY_A_USER_TIMEOUT, act->user_timeout_ms)) ||
	    nla_put_u8(skb, KA_POLICY_A_MODE, act->mode))
		goto err;
	if (with_stats) {
		ka_policy_counters_sum(p->stats, &sum);
		if (ka_nl_put_counters(skb, KA_POLICY_A_STATS, &sum))
			goto err;
	}
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
	if (!KA_EVENTS)
		missing |= BIT(KA_FEATURE_EVENTS);
	return missing;
}

/* Set before the family is registered, never changed. */
static const struct ka_genl_hooks *ka_nl_hooks __ro_after_init;

static int ka_nl_put_hook(const char *name, u64 missed, void *arg)
{
	struct sk_buff *msg = arg;
	struct nlattr *nest;

	nest = nla_nest_start(msg, KA_A_HOOK);
	if (!nest ||
	    nla_put_string(msg, KA_HOOK_A_NAME, name) ||
	    nla_put_u64_64bit(msg, KA_HOOK_A_MISSED, missed, KA_HOOK_A_PAD))
		return -EMSGSIZE;	/* the caller frees the message */
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Also a look at the event listeners, so that kactl monitor, which asks
 * once it has joined the group, gets lifetimes for every connection made
 * after the reply (hooks.c). Anyone may ask, and when nothing changed the
 * look changes nothing; a change is rate-limited there.
 */
static int ka_nl_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	ka_nl_hooks->listeners_look();

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &ka_genl_family, 0, KA_CMD_VERSION);
	if (!hdr)
		goto err_free;
	if (nla_put_string(msg, KA_A_VERSION, KA_POLICY_VERSION) ||
	    nla_put_u32(msg, KA_A_API_VERSION, KA_GENL_VERSION) ||
	    nla_put_u32(msg, KA_A_MISSING, ka_missing_features()) ||
	    ka_nl_hooks->missed_walk(ka_nl_put_hook, msg))
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
	char *root;		/* the reader's cgroup namespace root, or NULL */
};

/* Cgroup paths are shown relative to the reader's cgroup namespace. */
static int ka_nl_dump_start(struct netlink_callback *cb)
{
	struct ka_dump_ctx *ctx = (struct ka_dump_ctx *)cb->ctx;

	ctx->root = kmalloc(KA_CGPATH_BUF_SIZE, GFP_KERNEL);
	if (!ctx->root)
		return -ENOMEM;
	/* Deeper than any policy's path: every cgroup policy is hidden. */
	if (ka_cgpath_ns_root(ctx->root, KA_CGPATH_BUF_SIZE) < 0) {
		kfree(ctx->root);
		ctx->root = NULL;
	}
	return 0;
}

static int ka_nl_dump_done(struct netlink_callback *cb)
{
	kfree(((struct ka_dump_ctx *)cb->ctx)->root);
	return 0;
}

static int ka_nl_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      u8 cmd)
{
	struct ka_dump_ctx *ctx = (struct ka_dump_ctx *)cb->ctx;
	struct ka_net *kn = ka_net(sock_net(skb->sk));
	bool stats = cmd == KA_CMD_STATS;
	const struct ka_policy *p;
	struct ka_counters sum;
	void *hdr;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof_field(struct netlink_callback, ctx));
	if (stats && !ctx->totals_sent) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ka_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			return -EMSGSIZE;
		ka_counters_sum(kn->totals, &sum);
		if (ka_nl_put_counters(skb, KA_A_STATS, &sum)) {
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
		if (ka_nl_put_policy(skb, p, ctx->root, stats)) {
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

/* sockets.c builds the messages; the family is this file's. */
static int ka_nl_socket_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	return ka_sockets_dump(skb, cb, &ka_genl_family);
}

/*
 * --existing: the walk of existing.c as a dump, one step per part and
 * one message per step, so that no part runs longer than a step. The
 * genetlink core holds its lock (cb_lock, for reading) across the first
 * part, run by the request's sendmsg(), and a family's registration
 * waits on it, and with it every later genetlink request of the system:
 * so the first part runs no step and takes no socket lock: it checks
 * the request, allocates the walk and sends a message with no result
 * (the walk has begun). The steps run in the later parts, in the
 * reader's recvmsg(), holding no genetlink lock; each sends one
 * KA_A_EXISTING_RESULT, the reader adds them up. A dump part must not
 * be empty (netlink ends a dump whose dumpit returns 0), and none is: a
 * step always sends its message, even one that saw no socket
 * (existing.c). The walk's state is freed at done: at the end of the
 * walk, or when the reader closes its socket before.
 *
 * The request is checked in the first part, not in a .start callback:
 * an error there ends the dump at once, and its NLMSG_DONE carries the
 * errno and the extack message on every kernel; before 6.2 genetlink
 * gives a dump's .start no extack (cb->extack is NULL there), and the
 * message of a refusal made in .start was lost. Both run in the same
 * sendmsg(), under the same locks.
 */
struct ka_existing_dump {
	struct ka_existing_walk *walk;	/* NULL until the first part */
	unsigned long rcu_begun;	/* RCU's state at the first part */
	bool stepped;		/* the walk took its first step */
	bool over;		/* the last step's message went out */
};

/*
 * The first part: a KA_A_POLICY in the request names the one policy to
 * apply, which must exist now (it may be deleted during the walk, which
 * then changes nothing more).
 */
static int ka_nl_existing_begin(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct ka_existing_dump *d = (struct ka_existing_dump *)cb->ctx;
	struct ka_net *kn = ka_net(sock_net(skb->sk));
	struct nlattr *policy = ka_genl_dump_attrs(cb)[KA_A_POLICY];
	struct nlattr *tb[KA_POLICY_A_MAX + 1];
	struct ka_selector sel;
	bool found;
	int ret;

	if (policy) {
		ret = nla_parse_nested(tb, KA_POLICY_A_MAX, policy,
				       ka_policy_attr_nl_policy, cb->extack) ?:
		      ka_nl_parse_name(tb, &sel, cb->extack);
		if (ret)
			return ret;
		/* ka_policy_exists() reads the table under kn->lock. */
		mutex_lock(&kn->lock);
		found = ka_policy_exists(kn, &sel);
		mutex_unlock(&kn->lock);
		if (!found) {
			NL_SET_ERR_MSG_ATTR(cb->extack, policy,
					    "no policy with this selector");
			return -ENOENT;
		}
	}
	d->walk = ka_existing_begin(policy ? &sel : NULL);
	d->rcu_begun = get_state_synchronize_rcu();
	return d->walk ? 0 : -ENOMEM;
}

static int ka_nl_existing_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct ka_existing_dump *d = (struct ka_existing_dump *)cb->ctx;
	struct ka_existing_result res;
	bool step = d->walk;
	void *hdr;
	int ret;

	BUILD_BUG_ON(sizeof(*d) > sizeof_field(struct netlink_callback, ctx));
	if (d->over)
		return 0;
	/* The first part, under cb_lock: the first step is the next part's. */
	if (step) {
		/*
		 * The change this walk follows (kactl's previous request) is
		 * published, but a connection accepted in softirq may have
		 * read the set before it, and be hashed only after the walk
		 * passed its bucket: it would keep the set of before. Such
		 * a reader is done after a grace period since the first
		 * part, which a walk usually has seen go by already.
		 */
		if (!d->stepped) {
			cond_synchronize_rcu(d->rcu_begun);
			d->stepped = true;
		}
		ret = ka_existing_step(sock_net(skb->sk), d->walk, &res);
		if (ret < 0)
			return ret;
		d->over = !ret;
	} else {
		ret = ka_nl_existing_begin(skb, cb);
		if (ret)
			return ret;
	}
	/* An empty skb takes one message: this fails only on a bug. */
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ka_genl_family, NLM_F_MULTI, KA_CMD_EXISTING_APPLY);
	if (!hdr)
		return -EMSGSIZE;
	if (step && ka_nl_put_existing(skb, &res)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return skb->len;
}

static int ka_nl_existing_done(struct netlink_callback *cb)
{
	ka_existing_end(((struct ka_existing_dump *)cb->ctx)->walk);
	return 0;
}

static const struct genl_ops ka_genl_ops[] = {
	{
		.cmd	= KA_CMD_VERSION,
		.doit	= ka_nl_version_doit,
		.policy	= ka_empty_req_nl_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_STATS,
		.start	= ka_nl_dump_start,
		.dumpit	= ka_nl_stats_dumpit,
		.done	= ka_nl_dump_done,
		.policy	= ka_empty_req_nl_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_POLICY_SET,
		.doit	= ka_nl_policy_set_doit,
		.policy	= ka_policy_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_DEL,
		.doit	= ka_nl_policy_del_doit,
		.policy	= ka_policy_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_GET,
		.start	= ka_nl_dump_start,
		.dumpit	= ka_nl_policy_get_dumpit,
		.done	= ka_nl_dump_done,
		.policy	= ka_empty_req_nl_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_POLICY_FLUSH,
		.doit	= ka_nl_policy_flush_doit,
		.policy	= ka_empty_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_REPLACE,
		.doit	= ka_nl_policy_replace_doit,
		.policy	= ka_policy_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_POLICY_ADD,
		.doit	= ka_nl_policy_add_doit,
		.policy	= ka_policy_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= KA_CMD_SOCKET_GET,	/* every user, as /proc/net/tcp */
		.start	= ka_sockets_dump_start,
		.dumpit	= ka_nl_socket_get_dumpit,
		.done	= ka_sockets_dump_done,
		.policy	= ka_empty_req_nl_policy,
		.maxattr = KA_A_MAX,
	},
	{
		.cmd	= KA_CMD_EXISTING_APPLY,
		.dumpit	= ka_nl_existing_dumpit,
		.done	= ka_nl_existing_done,
		.policy	= ka_policy_req_nl_policy,
		.maxattr = KA_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

/*
 * Index KA_MCGRP_IDX_EVENTS (netlink.h); who may join: compat.h. None on
 * a kernel that cannot restrict who joins (KA_EVENTS 0): no group at all.
 */
static const struct genl_multicast_group ka_genl_mcgrps[] = {
#if KA_EVENTS
	[KA_MCGRP_IDX_EVENTS] = { .name = KA_MCGRP_EVENTS,
				  .flags = KA_MCGRP_ADMIN_FLAGS },
#endif
};

struct genl_family ka_genl_family __ro_after_init = {
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
	.mcgrps		= ka_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ka_genl_mcgrps),
	.module		= THIS_MODULE,
};

int __init ka_genl_init(const struct ka_genl_hooks *hooks)
{
	ka_nl_hooks = hooks;
	return genl_register_family(&ka_genl_family);
}

void ka_genl_exit(void)
{
	genl_unregister_family(&ka_genl_family);
}
