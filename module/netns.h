/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETNS_H
#define _KA_NETNS_H

#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "stats.h"

struct ka_ranges;

/* What ka_policy keeps for each network namespace. */
struct ka_net {
	/* Events on every socket of the namespace, managed or not. */
	struct ka_counters __percpu *totals;

	/* Policies (policy.c). Readers: RCU. Writers: lock. */
	struct mutex lock;
	struct rhashtable policies;	/* every policy, by selector */
	struct list_head list;		/* every policy, oldest first */
	struct ka_ranges __rcu *ranges;	/* port range policies, in order */
	unsigned int count;
	/* Policies of each kind, so that lookups skip unused kinds. */
	unsigned int n_port_cgroup, n_port, n_cgroup, n_default, n_range;
	/* Bumped by every change: dumps detect a change midway. */
	unsigned int generation;
};

extern unsigned int ka_net_id;

/*
 * The area behind net_generic() is freed without an RCU grace period once
 * the namespace's exit methods ran, so only call this for a namespace the
 * caller holds: a netlink request's, a procfs reader's, or that of a
 * socket with sk->sk_net_refcnt set.
 */
static inline struct ka_net *ka_net(const struct net *net)
{
	return net_generic(net, ka_net_id);
}

int ka_netns_init(void);
void ka_netns_exit(void);

#endif /* _KA_NETNS_H */
