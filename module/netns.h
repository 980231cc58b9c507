/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETNS_H
#define _KA_NETNS_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "stats.h"

struct ka_table;

/* What ka_policy keeps for each network namespace. */
struct ka_net {
	/* Events on every socket of the namespace, managed or not. */
	struct ka_counters __percpu *totals;

	/* Policies (policy.c). Readers: RCU. Writers: lock. */
	struct mutex lock;
	struct ka_table __rcu *table;
	/* Bumped by every change: dumps detect a change midway. */
	unsigned int generation;
	/*
	 * Policy ids (policy.h): id -> policy, written under lock, read
	 * under RCU; next_policy_id is the cyclic allocator's cursor.
	 */
	struct xarray policy_ids;
	u32 next_policy_id;
	/*
	 * Events (events.c): the rate limit's window (jiffies) and its
	 * count; whether the last event sent here reached a listener, and
	 * the events refused while a sender was finding that out.
	 */
	unsigned long event_window;
	atomic_t event_count;
	atomic_t event_unsure;
	bool event_heard;
	/* Owned by a user namespace other than the initial one. */
	bool contained;
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
