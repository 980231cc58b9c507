/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_POLICY_H
#define _KA_POLICY_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/ka_policy.h>

#include "stats.h"

struct cgroup;
struct ka_net;

/*
 * Which sockets a policy matches. It is also the policy's name and its
 * hash key, so every byte counts: build one with ka_selector_init().
 */
struct ka_selector {
	u64 cgroup_id;		/* 0: any cgroup */
	u16 port_min;		/* 0: any port */
	u16 port_max;		/* == port_min for a single port */
	u8 dir;			/* enum ka_dir; KA_DIR_BOTH without a port */
	u8 pad[3];
};

/* What a matching socket gets. Zero in a field means "not set". */
struct ka_action {
	u32 idle_s;
	u32 intvl_s;
	u32 cnt;
	u32 user_timeout_ms;
	bool has_user_timeout;
	bool off;		/* exemption: leave matching sockets alone */
	u8 mode;		/* enum ka_mode */
	/* idle_s and intvl_s in jiffies, computed when the policy is set */
	u32 idle_jiffies;
	u32 intvl_jiffies;
};

struct ka_policy {
	struct rhash_head node;		/* ka_net.policies, by selector */
	struct list_head list;		/* ka_net.list, under ka_net.lock */
	struct ka_selector sel;
	struct ka_action act;
	/* The cgroup as its setter's cgroup namespace showed it, or NULL. */
	const char *cgroup_path;
	/* Kept across a replace: a policy is named by its selector. */
	struct ka_counters __percpu *stats;
	bool stats_moved;		/* to a replacement: don't free them */
	struct rcu_head rcu;
};

extern unsigned int ka_max_policies;

void ka_selector_init(struct ka_selector *sel);
static inline bool ka_selector_has_port(const struct ka_selector *sel)
{
	return sel->port_min != 0;
}

int ka_policies_init(struct ka_net *kn);
void ka_policies_destroy(struct ka_net *kn);

/* Changes; the caller holds kn->lock. */
int ka_policy_set(struct ka_net *kn, const struct ka_selector *sel,
		  const struct ka_action *act, const char *cgroup_path);
int ka_policy_del(struct ka_net *kn, const struct ka_selector *sel);
void ka_policy_flush(struct ka_net *kn);

/* Must be called under rcu_read_lock(); no locks taken, no allocation. */
bool ka_policy_wants_cgroups(const struct ka_net *kn);
const struct ka_policy *ka_policy_lookup(const struct ka_net *kn, u8 dir,
					 u16 port, const struct cgroup *cgrp);

#endif /* _KA_POLICY_H */
