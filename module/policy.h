/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_POLICY_H
#define _KA_POLICY_H

#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/ka_policy.h>

#include "ranges.h"
#include "selector.h"
#include "selhash.h"
#include "stats.h"

struct cgroup;
struct sk_buff;
struct ka_net;

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

/*
 * What a cgroup selector keeps besides its key. netlink.c makes it, the
 * policy takes it over (ka_cgroup_name_release() undoes one not taken).
 */
struct ka_cgroup_name {
	/* By path: the path, followed (cgpath.c). */
	struct ka_cgpath *path;
	/* By id: the cgroup's absolute path then, to tell who may see it. */
	char *id_path;
};

void ka_cgroup_name_release(struct ka_cgroup_name *cg);

struct ka_policy {
	struct ka_selhash_node hnode;	/* ka_table.policies, by selector */
	struct list_head list;		/* ka_table.list, under ka_net.lock */
	struct ka_selector sel;
	struct ka_action act;
	struct ka_cgroup_name cg;	/* with a cgroup selector */
	/* Kept across a replace: a policy is named by its selector. */
	struct ka_policy_counters *stats;
	bool stats_moved;		/* to a replacement: don't free them */
	bool stats_borrowed;		/* from the policy it replaces */
	u32 id;				/* in ka_net.policy_ids, see below */
	struct rcu_head rcu;
};

/*
 * Policy ids. Each policy of a namespace has an id, 1..KA_POLICY_ID_MAX,
 * given when it is set and kept, like its counters, when a policy of the
 * same selector replaces it (set, or a whole replace): a policy is named
 * by its selector. ka_apply() stamps the id of the policy it applied
 * into the socket (apply.h: KA_POLICY_ID_BITS bits of sk_flags), so that
 * the policy a socket got is known exactly later (ka_sock_policy(): the
 * counters and kactl sockets), not re-matched: a more specific policy
 * added since does not take over the socket. ka_policy_by_id() finds
 * the policy; NULL once it was deleted (kactl sockets: "policy
 * (deleted)").
 *
 * Ids are allocated cyclically, so that a deleted policy's id is not
 * reused at once: the next id after the last one given, skipping ids in
 * use. A namespace holds at most max_policies policies (65536 by
 * default), far fewer than the ids, so an id is always free; but after
 * KA_POLICY_ID_MAX policies were set in a namespace the ids wrap, and a
 * socket that a long-deleted policy was applied to may then be
 * attributed to the new policy that got its id. With 20 bits that takes
 * over a million policy creations while the socket lives. A namespace's
 * ids start at a random point (ka_policy_table_init()): a socket keeps
 * its id across an unload of the module, and should not name a policy
 * of the next load.
 */
#define KA_POLICY_ID_BITS	20
#define KA_POLICY_ID_MAX	((1U << KA_POLICY_ID_BITS) - 1)

/* Under rcu_read_lock() or kn->lock; NULL for an id no policy has. */
const struct ka_policy *ka_policy_by_id(struct ka_net *kn, u32 id);

extern unsigned int ka_max_policies;

/* max_policies, or max_policies_userns in a container's namespace. */
unsigned int ka_policy_limit(const struct ka_net *kn);

/* Fills in the action's derived fields (*_jiffies) from the rest. */
void ka_action_prepare(struct ka_action *act);

void ka_selector_init(struct ka_selector *sel);

/*
 * A namespace's policy set. Readers take it with one rcu_dereference()
 * and see either the set before a replace or the one after, never a mix.
 * set and del change it in place (each a single atomic step for
 * readers); a replace builds a whole new table and swaps the pointer,
 * and a flush swaps in an empty one.
 */
struct ka_table {
	struct ka_selhash policies;	/* every policy, by selector */
	/*
	 * A bit per port, set for each single port a policy names (any
	 * cgroup, any direction), never cleared: a lookup of a port whose
	 * bit is clear skips the hash (policy.c). Allocated with the first.
	 */
	unsigned long *ports;
	struct list_head list;		/* every policy, oldest first */
	struct ka_ranges ranges;	/* port range policies, indexed */
	unsigned int count;
	/* Policies of each kind, so that lookups skip unused kinds. */
	unsigned int n_port_cgroup, n_port, n_cgroup, n_default, n_range;
	/* Cgroup policies (of both kinds above) by id, and by path. */
	unsigned int n_cgroup_id, n_cgroup_path;
	struct rcu_work free_work;	/* replaced or flushed: freed after a GP */
};

int ka_policy_table_init(struct ka_net *kn);
void ka_policy_table_destroy(struct ka_net *kn);
int ka_policy_pernet_init(void);
void ka_policy_pernet_exit(void);
/* The queue that frees replaced tables (pernet_init sets it up; KUnit). */
int ka_policy_free_init(void);
void ka_policy_free_exit(void);

/* The current table for a writer or a reader holding kn->lock. */
struct ka_table *ka_table_locked(struct ka_net *kn);

/* Whether a policy with this selector exists; the caller holds kn->lock. */
bool ka_policy_exists(struct ka_net *kn, const struct ka_selector *sel);

/* Changes; the caller holds kn->lock. set takes over *cg, even on error. */
int ka_policy_set(struct ka_net *kn, const struct ka_selector *sel,
		  const struct ka_action *act, struct ka_cgroup_name *cg);
int ka_policy_del(struct ka_net *kn, const struct ka_selector *sel);
void ka_policy_flush(struct ka_net *kn);

/*
 * A replacement set, built without kn->lock: new, add each policy (takes
 * over *cg), then either commit (swaps it in, takes kn->lock itself;
 * the old set is freed after a grace period, on the module's queue) or
 * free.
 */
struct ka_table *ka_table_new(void);
int ka_table_add(struct ka_table *t, const struct ka_selector *sel,
		 const struct ka_action *act, struct ka_cgroup_name *cg);
int ka_table_commit(struct ka_net *kn, struct ka_table *t);
/* Indexes an unpublished table's ranges (commit does it); 0 or -ENOMEM. */
int ka_table_index_ranges(struct ka_table *t);
void ka_table_free(struct ka_table *t);

/*
 * A place in the policy list, for readers that walk it in parts (a netlink
 * dump, reads of /proc/net/ka_stats), each part under kn->lock: resuming
 * where the last part stopped costs O(1) while the set is unchanged, and a
 * walk from the start after a change. The caller notices changes through
 * kn->generation.
 */
struct ka_cursor {
	const struct ka_policy *p;	/* the policy at pos, NULL: none */
	unsigned int generation;	/* kn->generation when p was found */
	loff_t pos;
};

/* The policy at index pos, oldest first, or NULL; holds kn->lock. */
const struct ka_policy *ka_policy_at(struct ka_net *kn, struct ka_cursor *c,
				     loff_t pos);

/*
 * Lookups: under rcu_read_lock(), no locks taken, no allocation. Take the
 * table once per decision: ka_table_wants_cgroups() says whether the
 * lookup needs the socket's cgroup at all.
 */
const struct ka_table *ka_table_rcu(const struct ka_net *kn);
bool ka_table_wants_cgroups(const struct ka_table *t);
const struct ka_policy *ka_policy_lookup(const struct ka_table *t, u8 dir,
					 u16 port, const struct cgroup *cgrp);

/*
 * A policy's selector as KA_POLICY_A_* attributes, in the nest the caller
 * opened: as the policy dump names it (kactl sockets too); its ports and
 * direction only (events, which name the cgroup their own way).
 */
int ka_policy_put_selector(struct sk_buff *skb, const struct ka_policy *p,
			   const char *root);
int ka_policy_put_selector_ports(struct sk_buff *skb,
				 const struct ka_selector *sel);

#endif /* _KA_POLICY_H */
