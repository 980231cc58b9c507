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
 * not use: with no policies at all it costs one load. Port ranges, which
 * may overlap, are compiled into disjoint segments per (cgroup, direction),
 * each holding the most specific range that covers it, and found by binary
 * search: O(log n). The segments are rebuilt, O(n log n), whenever a range
 * policy changes. Writers hold ka_net.lock.
 */

#include <linux/cgroup.h>
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

/*
 * Compiled port ranges: disjoint segments sorted by (cgroup_id, dir,
 * start), dir being KA_DIR_IN or KA_DIR_OUT (a range for both directions
 * appears under each).
 */
struct ka_range_seg {
	u64 cgroup_id;
	const struct ka_policy *p;
	u16 start, end;
	u8 dir;
};

struct ka_ranges {
	struct rcu_head rcu;
	unsigned int n;
	struct ka_range_seg seg[];
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

/* A range policy as it applies to one direction, while compiling. */
struct ka_range_entry {
	const struct ka_policy *p;
	u64 cgroup_id;
	u8 dir;
};

/* Groups by (cgroup, direction), then most specific first. */
static int ka_range_entry_cmp(const void *a, const void *b)
{
	const struct ka_range_entry *x = a, *y = b;

	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return ka_range_cmp(&x->p, &y->p);
}

static int ka_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Union-find: the first unpainted interval at or after k. */
static u32 next_unpainted(u32 *next, u32 k)
{
	u32 root = k, tmp;

	while (next[root] != root)
		root = next[root];
	while (next[k] != root) {
		tmp = next[k];
		next[k] = root;
		k = tmp;
	}
	return root;
}

/*
 * Segments of one group, e[0..n) sorted most specific first. The range
 * boundaries cut the ports into elementary intervals; each range, most
 * specific first, paints the intervals it covers that no more specific
 * range painted already. "next" skips painted intervals, so every
 * interval is painted once: O(n log n) for the group.
 */
static void ranges_compile_group(struct ka_ranges *r,
				 const struct ka_range_entry *e, u32 n,
				 u32 *pts, u32 *next,
				 const struct ka_policy **owner)
{
	u32 i, k, m = 0, u;

	for (i = 0; i < n; i++) {
		pts[m++] = e[i].p->sel.port_min;
		pts[m++] = e[i].p->sel.port_max + 1;
	}
	sort(pts, m, sizeof(pts[0]), ka_u32_cmp, NULL);
	for (u = 1, k = 1; k < m; k++)
		if (pts[k] != pts[u - 1])
			pts[u++] = pts[k];
	m = u;
	for (k = 0; k < m; k++) {
		next[k] = k;
		owner[k] = NULL;
	}
	for (i = 0; i < n; i++) {
		const struct ka_selector *sel = &e[i].p->sel;
		u32 lo = 0, hi = m;

		while (lo < hi) {	/* first boundary >= port_min */
			u32 mid = (lo + hi) / 2;

			if (pts[mid] < sel->port_min)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = next_unpainted(next, lo);
		     k < m - 1 && pts[k] <= sel->port_max;
		     k = next_unpainted(next, k)) {
			owner[k] = e[i].p;
			next[k] = k + 1;
		}
	}
	for (k = 0; k + 1 < m; k++) {
		struct ka_range_seg *last = r->n ? &r->seg[r->n - 1] : NULL;

		if (!owner[k])
			continue;
		if (last && last->p == owner[k] && last->dir == e[0].dir &&
		    last->cgroup_id == e[0].cgroup_id &&
		    last->end + 1 == pts[k]) {
			last->end = pts[k + 1] - 1;
			continue;
		}
		r->seg[r->n++] = (struct ka_range_seg) {
			.cgroup_id = e[0].cgroup_id,
			.dir = e[0].dir,
			.start = pts[k],
			.end = pts[k + 1] - 1,
			.p = owner[k],
		};
	}
}

/*
 * The compiled ranges as they will be once add replaces del (either may
 * be NULL). Built before anything changes, so that a failed allocation
 * leaves the namespace as it was. *out is NULL when no range is left.
 */
static int ranges_build(struct ka_net *kn, const struct ka_policy *add,
			const struct ka_policy *del, struct ka_ranges **out)
{
	const struct ka_policy **owner = NULL;
	struct ka_range_entry *e = NULL;
	struct ka_ranges *r = NULL;
	const struct ka_policy *p;
	u32 n = 0, i, j, *pts = NULL, *next = NULL;
	int ret = -ENOMEM;

	/* Each range at most twice (both directions), two boundaries each. */
	e = kvmalloc_array(2 * (kn->n_range + 1), sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	list_for_each_entry(p, &kn->list, list) {
		if (p == del || !sel_is_range(&p->sel))
			continue;
		if (p->sel.dir != KA_DIR_OUT)
			e[n++] = (struct ka_range_entry){ p, p->sel.cgroup_id, KA_DIR_IN };
		if (p->sel.dir != KA_DIR_IN)
			e[n++] = (struct ka_range_entry){ p, p->sel.cgroup_id, KA_DIR_OUT };
	}
	if (add) {
		if (add->sel.dir != KA_DIR_OUT)
			e[n++] = (struct ka_range_entry){ add, add->sel.cgroup_id, KA_DIR_IN };
		if (add->sel.dir != KA_DIR_IN)
			e[n++] = (struct ka_range_entry){ add, add->sel.cgroup_id, KA_DIR_OUT };
	}
	*out = NULL;
	if (!n) {
		ret = 0;
		goto out;
	}
	sort(e, n, sizeof(e[0]), ka_range_entry_cmp, NULL);

	r = kvmalloc(struct_size(r, seg, 2 * n), GFP_KERNEL_ACCOUNT);
	pts = kvmalloc_array(2 * n, sizeof(*pts), GFP_KERNEL);
	next = kvmalloc_array(2 * n, sizeof(*next), GFP_KERNEL);
	owner = kvmalloc_array(2 * n, sizeof(*owner), GFP_KERNEL);
	if (!r || !pts || !next || !owner)
		goto out;
	r->n = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && e[j].cgroup_id == e[i].cgroup_id &&
		     e[j].dir == e[i].dir; j++)
			;
		ranges_compile_group(r, &e[i], j - i, pts, next, owner);
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	kvfree(owner);
	kvfree(next);
	kvfree(pts);
	kvfree(r);
	kvfree(e);
	return ret;
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
	kfree(p->cgroup_path);
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
		  const struct ka_action *act, const char *cgroup_path)
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
	if (cgroup_path) {
		p->cgroup_path = kstrdup(cgroup_path, GFP_KERNEL_ACCOUNT);
		if (!p->cgroup_path) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
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
		ret = ranges_build(kn, p, old, &ranges);
		if (ret)
			goto err_free_stats;
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
	if (sel_is_range(sel))
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
	kfree(p->cgroup_path);
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
	int ret;

	lockdep_assert_held(&kn->lock);
	p = rhashtable_lookup_fast(&kn->policies, sel, ka_rht_params);
	if (!p)
		return -ENOENT;
	if (sel_is_range(sel)) {
		ret = ranges_build(kn, NULL, p, &ranges);
		if (ret)
			return ret;
	}
	policy_unlink(kn, p);
	if (sel_is_range(sel))
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

/* The segment holding (cgroup_id, dir, port): binary search. */
static const struct ka_policy *range(const struct ka_net *kn, u64 cgroup_id,
				     u16 port, u8 dir)
{
	const struct ka_ranges *r = rcu_dereference(kn->ranges);
	const struct ka_range_seg *s;
	unsigned int lo = 0, hi;

	if (!r)
		return NULL;
	/* lo ends at the first segment that starts after the key. */
	for (hi = r->n; lo < hi;) {
		unsigned int mid = (lo + hi) / 2;

		s = &r->seg[mid];
		if (s->cgroup_id < cgroup_id ||
		    (s->cgroup_id == cgroup_id &&
		     (s->dir < dir || (s->dir == dir && s->start <= port))))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &r->seg[lo - 1];
	if (s->cgroup_id == cgroup_id && s->dir == dir && port <= s->end)
		return s->p;
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

/*
 * cgrp is the socket's cgroup (NULL when the caller knows no cgroup
 * policy exists); its ancestors are tried nearest first, up to the root.
 * A live socket pins its cgroup, and with it the ancestors array.
 */
const struct ka_policy *ka_policy_lookup(const struct ka_net *kn, u8 dir,
					 u16 port, const struct cgroup *cgrp)
{
	const struct ka_policy *p;
	int level;

	if (!READ_ONCE(kn->count))
		return NULL;
	if (cgrp && READ_ONCE(kn->n_port_cgroup)) {
		for (level = cgrp->level; level >= 0; level--) {
			p = port_match(kn, cgroup_id(cgrp->ancestors[level]),
				       port, dir);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(kn->n_port)) {
		p = port_match(kn, 0, port, dir);
		if (p)
			return p;
	}
	if (cgrp && READ_ONCE(kn->n_cgroup)) {
		for (level = cgrp->level; level >= 0; level--) {
			p = exact(kn, cgroup_id(cgrp->ancestors[level]), 0,
				  KA_DIR_BOTH);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(kn->n_default))
		return exact(kn, 0, 0, KA_DIR_BOTH);
	return NULL;
}
