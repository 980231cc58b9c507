// SPDX-License-Identifier: GPL-2.0
/*
 * Keepalive policies of one network namespace: storage and lookup.
 *
 * A policy is a selector (which sockets) and an action (what they get).
 * The selector is the policy's name: setting an existing selector replaces
 * the policy, atomically for readers, and keeps its counters.
 *
 * Precedence, for a socket going in direction dir on port (the local port
 * of an accepted connection, the remote port of an outgoing one), in its
 * cgroup chain (own cgroup first, then each ancestor):
 *
 *   1. port and cgroup: for each cgroup nearest first, the port match below
 *   2. port alone:      the port match below, with no cgroup
 *   3. cgroup alone:    the nearest cgroup that has a policy
 *   4. the namespace default
 *
 * where "the port match" is, in this order: the single port with this
 * exact direction, the single port with direction both, then the
 * narrowest range holding the port (an exact direction before both, then
 * the lower start, on equal width). The first policy found wins, even an
 * exemption: that is how an exemption carves sockets out of a broader
 * policy.
 *
 * Readers (the connect and accept paths) run under RCU in atomic context:
 * one rhashtable holds every policy by selector, so each step is a hash
 * lookup, and per-kind counts let a lookup skip kinds the namespace does
 * not use: with no policies at all it costs one load. Port ranges are
 * also listed, most specific first, in an array that is rebuilt whenever a
 * range policy changes; it is scanned in order (one pass, no allocation).
 * Writers hold ka_net.lock.
 */

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "netns.h"
#include "policy.h"

unsigned int ka_max_policies __read_mostly = 65536;
module_param_named(max_policies, ka_max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "Most policies a network namespace may hold (default 65536)");

/* Port range policies, most specific first (see ka_range_cmp()). */
struct ka_ranges {
	struct rcu_head rcu;
	unsigned int n;
	const struct ka_policy *p[];
};

static const struct rhashtable_params ka_rht_params = {
	.key_len	= sizeof(struct ka_selector),
	.key_offset	= offsetof(struct ka_policy, sel),
	.head_offset	= offsetof(struct ka_policy, node),
	.automatic_shrinking = true,
};

void ka_selector_init(struct ka_selector *sel)
{
	BUILD_BUG_ON(sizeof(*sel) != 16);
	memset(sel, 0, sizeof(*sel));
	sel->dir = KA_DIR_BOTH;
}

static bool sel_is_range(const struct ka_selector *sel)
{
	return sel->port_max != sel->port_min;
}

/* Which per-kind count a selector belongs to. */
static unsigned int *kind_count(struct ka_net *kn, const struct ka_selector *sel)
{
	if (ka_selector_has_port(sel))
		return sel->cgroup_id ? &kn->n_port_cgroup : &kn->n_port;
	return sel->cgroup_id ? &kn->n_cgroup : &kn->n_default;
}

static void count_policy(struct ka_net *kn, const struct ka_selector *sel,
			 int delta)
{
	unsigned int *n = kind_count(kn, sel);

	WRITE_ONCE(*n, *n + delta);
	if (sel_is_range(sel))
		WRITE_ONCE(kn->n_range, kn->n_range + delta);
	WRITE_ONCE(kn->count, kn->count + delta);
	kn->generation++;
}

static int ka_range_cmp(const void *a, const void *b)
{
	const struct ka_selector *x = &(*(const struct ka_policy **)a)->sel;
	const struct ka_selector *y = &(*(const struct ka_policy **)b)->sel;
	u32 wx = x->port_max - x->port_min, wy = y->port_max - y->port_min;
	bool bx = x->dir == KA_DIR_BOTH, by = y->dir == KA_DIR_BOTH;

	if (wx != wy)
		return wx < wy ? -1 : 1;
	if (bx != by)
		return bx ? 1 : -1;
	if (x->port_min != y->port_min)
		return x->port_min < y->port_min ? -1 : 1;
	return 0;
}

/*
 * The range array as it will be once add replaces del (either may be
 * NULL). Built before anything changes, so that a failed allocation
 * leaves the namespace as it was.
 */
static struct ka_ranges *ranges_build(struct ka_net *kn,
				      const struct ka_policy *add,
				      const struct ka_policy *del)
{
	unsigned int n = kn->n_range + (add ? 1 : 0);
	const struct ka_policy *p;
	struct ka_ranges *r;

	r = kvmalloc(struct_size(r, p, n), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->n = 0;
	list_for_each_entry(p, &kn->list, list) {
		if (p != del && sel_is_range(&p->sel))
			r->p[r->n++] = p;
	}
	if (add)
		r->p[r->n++] = add;
	sort(r->p, r->n, sizeof(r->p[0]), ka_range_cmp, NULL);
	return r;
}

static void ranges_publish(struct ka_net *kn, struct ka_ranges *r)
{
	struct ka_ranges *old = rcu_replace_pointer(kn->ranges, r,
						    lockdep_is_held(&kn->lock));

	if (old)
		kvfree_rcu(old, rcu);
}

static void ka_policy_free_rcu(struct rcu_head *head)
{
	struct ka_policy *p = container_of(head, struct ka_policy, rcu);

	if (!p->stats_moved)
		ka_counters_free(p->stats);
	kfree(p);
}

/*
 * Frees p after a grace period; the caller unlinked it from every index.
 * Readers may still count on p->stats until then, so it stays valid.
 */
static void policy_release(struct ka_policy *p, bool stats_moved)
{
	p->stats_moved = stats_moved;
	call_rcu(&p->rcu, ka_policy_free_rcu);
}

int ka_policy_set(struct ka_net *kn, const struct ka_selector *sel,
		  const struct ka_action *act)
{
	struct ka_ranges *ranges = NULL;
	struct ka_policy *old, *p;
	int ret;

	lockdep_assert_held(&kn->lock);
	old = rhashtable_lookup_fast(&kn->policies, sel, ka_rht_params);
	if (!old && kn->count >= READ_ONCE(ka_max_policies))
		return -ENOSPC;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->sel = *sel;
	p->act = *act;
	p->act.idle_jiffies = act->idle_s * HZ;
	p->act.intvl_jiffies = act->intvl_s * HZ;
	if (old) {
		p->stats = old->stats;
	} else {
		p->stats = ka_counters_alloc(GFP_KERNEL_ACCOUNT);
		if (!p->stats) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
	if (sel_is_range(sel)) {
		ranges = ranges_build(kn, p, old);
		if (!ranges) {
			ret = -ENOMEM;
			goto err_free_stats;
		}
	}

	if (old) {
		ret = rhashtable_replace_fast(&kn->policies, &old->node,
					      &p->node, ka_rht_params);
		if (ret)
			goto err_free_ranges;
		list_replace(&old->list, &p->list);
		kn->generation++;
	} else {
		ret = rhashtable_insert_fast(&kn->policies, &p->node,
					     ka_rht_params);
		if (ret)
			goto err_free_ranges;
		list_add_tail(&p->list, &kn->list);
		count_policy(kn, sel, 1);
	}
	if (ranges)
		ranges_publish(kn, ranges);
	if (old)
		policy_release(old, true);
	return 0;

err_free_ranges:
	kvfree(ranges);
err_free_stats:
	if (!old)
		ka_counters_free(p->stats);
err_free:
	kfree(p);
	return ret;
}

static void policy_unlink(struct ka_net *kn, struct ka_policy *p)
{
	rhashtable_remove_fast(&kn->policies, &p->node, ka_rht_params);
	list_del(&p->list);
	count_policy(kn, &p->sel, -1);
}

int ka_policy_del(struct ka_net *kn, const struct ka_selector *sel)
{
	struct ka_ranges *ranges = NULL;
	struct ka_policy *p;

	lockdep_assert_held(&kn->lock);
	p = rhashtable_lookup_fast(&kn->policies, sel, ka_rht_params);
	if (!p)
		return -ENOENT;
	if (sel_is_range(sel)) {
		ranges = ranges_build(kn, NULL, p);
		if (!ranges)
			return -ENOMEM;
	}
	policy_unlink(kn, p);
	if (ranges)
		ranges_publish(kn, ranges);
	policy_release(p, false);
	return 0;
}

void ka_policy_flush(struct ka_net *kn)
{
	struct ka_policy *p, *tmp;

	lockdep_assert_held(&kn->lock);
	ranges_publish(kn, NULL);
	list_for_each_entry_safe(p, tmp, &kn->list, list) {
		policy_unlink(kn, p);
		policy_release(p, false);
	}
}

int ka_policies_init(struct ka_net *kn)
{
	mutex_init(&kn->lock);
	INIT_LIST_HEAD(&kn->list);
	RCU_INIT_POINTER(kn->ranges, NULL);
	return rhashtable_init(&kn->policies, &ka_rht_params);
}

void ka_policies_destroy(struct ka_net *kn)
{
	mutex_lock(&kn->lock);
	ka_policy_flush(kn);
	mutex_unlock(&kn->lock);
	rhashtable_destroy(&kn->policies);
}

/* ---- lookup: RCU, atomic context ---- */

static const struct ka_policy *exact(const struct ka_net *kn, u64 cgroup_id,
				     u16 port, u8 dir)
{
	struct ka_selector key = {
		.cgroup_id = cgroup_id,
		.port_min = port,
		.port_max = port,
		.dir = dir,
	};

	return rhashtable_lookup((struct rhashtable *)&kn->policies, &key,
				 ka_rht_params);
}

static const struct ka_policy *range(const struct ka_net *kn, u64 cgroup_id,
				     u16 port, u8 dir)
{
	const struct ka_ranges *r = rcu_dereference(kn->ranges);
	unsigned int i;

	if (!r)
		return NULL;
	for (i = 0; i < r->n; i++) {
		const struct ka_selector *s = &r->p[i]->sel;

		if (s->cgroup_id == cgroup_id &&
		    port >= s->port_min && port <= s->port_max &&
		    (s->dir == dir || s->dir == KA_DIR_BOTH))
			return r->p[i];
	}
	return NULL;
}

static const struct ka_policy *port_match(const struct ka_net *kn,
					  u64 cgroup_id, u16 port, u8 dir)
{
	const struct ka_policy *p;

	p = exact(kn, cgroup_id, port, dir);
	if (!p)
		p = exact(kn, cgroup_id, port, KA_DIR_BOTH);
	if (!p && READ_ONCE(kn->n_range))
		p = range(kn, cgroup_id, port, dir);
	return p;
}

/* Whether lookups need the socket's cgroup chain at all. */
bool ka_policy_wants_cgroups(const struct ka_net *kn)
{
	return READ_ONCE(kn->n_port_cgroup) || READ_ONCE(kn->n_cgroup);
}

const struct ka_policy *ka_policy_lookup(const struct ka_net *kn, u8 dir,
					 u16 port,
					 const struct ka_cgroup_chain *cgroups)
{
	const struct ka_policy *p;
	unsigned int i;

	if (!READ_ONCE(kn->count))
		return NULL;
	if (cgroups && READ_ONCE(kn->n_port_cgroup)) {
		for (i = 0; i < cgroups->n; i++) {
			p = port_match(kn, cgroups->ids[i], port, dir);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(kn->n_port)) {
		p = port_match(kn, 0, port, dir);
		if (p)
			return p;
	}
	if (cgroups && READ_ONCE(kn->n_cgroup)) {
		for (i = 0; i < cgroups->n; i++) {
			p = exact(kn, cgroups->ids[i], 0, KA_DIR_BOTH);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(kn->n_default))
		return exact(kn, 0, 0, KA_DIR_BOTH);
	return NULL;
}
