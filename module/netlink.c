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
 * Attributes are validated strictly (resv_start_op = 0 keeps strict
 * validation on every op, unknown attributes are rejected).
 */

#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/ka_policy.h>

#include "netlink.h"
#include "netns.h"

static struct genl_family ka_genl_family;

static const int ka_counter_attrs[KA_CNT_MAX] = {
	[KA_CNT_APPLIED]	= KA_STATS_A_APPLIED,
	[KA_CNT_SKIPPED]	= KA_STATS_A_SKIPPED,
	[KA_CNT_PROBES_SENT]	= KA_STATS_A_PROBES_SENT,
	[KA_CNT_TIMEOUTS]	= KA_STATS_A_TIMEOUTS,
};

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
		if (nla_put_u64_64bit(skb, ka_counter_attrs[i], sum.v[i],
				      KA_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
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
	    nla_put_u32(msg, KA_A_API_VERSION, KA_GENL_VERSION))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* cb->args[0]: 1 once the namespace totals went out. */
static int ka_nl_stats_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ka_net *kn = ka_net(sock_net(skb->sk));
	void *hdr;

	if (cb->args[0])
		return 0;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ka_genl_family, NLM_F_MULTI, KA_CMD_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (ka_nl_put_counters(skb, KA_A_STATS, kn->totals)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	cb->args[0] = 1;
	return skb->len;
}

/* Requests that take no attributes: strict validation rejects any. */
static const struct nla_policy ka_nl_empty_policy[KA_A_MAX + 1] = {
};

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
};

static struct genl_family ka_genl_family __ro_after_init = {
	.name		= KA_GENL_NAME,
	.version	= KA_GENL_VERSION,
	.maxattr	= KA_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	.resv_start_op	= 0,
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
