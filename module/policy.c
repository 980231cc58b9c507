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
 * cgroup chain (own cgroup first, then each ancestor). This is the one
 * statement of the rule: the code, its tests and the documentation point
 * here.
 *
 *   1. port and cgroup: for each cgroup nearest first, the port match below
 *   2. port alone:      the port match below, with no cgroup
 *   3. cgroup alone:    the nearest cgroup that has a policy
 *   4. the namespace default
 *
 * where "the port match" is, in this order: the single port with this
 * exact direction, the single port with direction both, then the most
 * specific range holding the port (ranges.c indexes them): the narrowest,
 * then on equal width the one with this exact direction over one with
 * both, then the lower start. The first policy found wins, even an
 * exemption: that is how an exemption carves sockets out of a broader
 * policy.
 *
 * Readers (the connect and accept paths) run under RCU in atomic context.
 * A namespace's policies form one struct ka_table, reached through one
 * RCU pointer: a hash table holds every policy by selector (selhash.c:
 * charged to the setter, unlike the kernel's rhashtable), so each step
 * above is a hash lookup, and per-kind counts let a lookup skip kinds the
 * namespace does not use: with no policies at all it costs two loads.
 * Port ranges are indexed as disjoint segments in blocks of ports
 * (ranges.c); a change rebuilds the blocks its range covers.
 *
 * A cgroup policy names its cgroup by id (that object only) or by path
 * (whatever cgroup is at the path: systemd and container runtimes remove
 * and re-create a service's cgroup on every restart). Paths are resolved
 * when cgroups appear, never per connection: cgpath.c learns of each new
 * cgroup from a probe on kernfs_activate(), which cgroup_mkdir() calls
 * just before the directory becomes visible, and binds it to the path's
 * key; a lookup turns each ancestor's id into that key with one more hash
 * lookup. Why that hook, and the exact guarantee, are in cgpath.c.
 *
 * Writers hold ka_net.lock. set and del change the table in place: each
 * is one atomic step for readers (the hash table and the range index are
 * RCU-safe), and a removed policy is freed after a grace period. A
 * replace (kactl load --replace) must not let any socket see a mix of two
 * sets, so it builds a complete new table aside, swaps the pointer and
 * frees the old table once no reader can hold it; a flush swaps in an
 * empty table the same way.
 *
 * Policy ids (policy.h) follow the selector: reserved when a selector
 * first gets a policy (an empty slot, which lookups do not see), pointed
 * at the policy just before readers can reach it through the table,
 * pointed at the replacement when a policy is replaced (before the old one
 * is freed, after a grace period), erased when the selector's policy is
 * deleted. So an id found under RCU is a live policy, or was one less
 * than a grace period ago.
 */

#include <linux/bitmap.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "cgpath.h"
#include "gfp.h"
#include "netns.h"
#include "policy.h"
#include "ranges.h"

unsigned int ka_max_policies __read_mostly = 65536;
module_param_named(max_policies, ka_max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "Most policies a network namespace may hold (default 65536)");

/*
 * A container's root (CAP_NET_ADMIN in the user namespace owning its
 * network namespace) is not the machine's administrator: its namespace
 * gets a lower limit. Its policies are charged to its memory cgroup too.
 */
static unsigned int ka_max_policies_userns __read_mostly = 4096;
module_param_named(max_policies_userns, ka_max_policies_userns, uint, 0644);
MODULE_PARM_DESC(max_policies_userns,
		 "Most policies a network namespace owned by a user namespace other than the initial one may hold (default 4096)");

/*
 * selhash.c and ranges.c index a policy by its node and its selector and
 * give those back: the policy around them.
 */
static struct ka_policy *policy_of_node(struct ka_selhash_node *n)
{
	return n ? container_of(n, struct ka_policy, hnode) : NULL;
}

/* Writers' lookups: what it finds stays while they hold kn->lock. */
static struct ka_policy *policy_find(const struct ka_selhash *h,
				     const struct ka_selector *sel)
{
	struct ka_policy *p;

	rcu_read_lock();
	p = policy_of_node(ka_selhash_lookup(h, sel));
	rcu_read_unlock();
	return p;
}

static const struct ka_policy *policy_of_range(const struct ka_selector *sel)
{
	return sel ? container_of(sel, struct ka_policy, sel) : NULL;
}

unsigned int ka_policy_limit(const struct ka_net *kn)
{
	unsigned int max = READ_ONCE(ka_max_policies);

	if (kn->contained)
		max = min(max, READ_ONCE(ka_max_policies_userns));
	return max;
}

void ka_selector_init(struct ka_selector *sel)
{
	BUILD_BUG_ON(sizeof(*sel) != 16);
	memset(sel, 0, sizeof(*sel));
	sel->dir = KA_DIR_BOTH;
}

/* Which per-kind count a selector belongs to. */
static unsigned int *kind_count(struct ka_table *t,
				const struct ka_selector *sel)
{
	if (ka_selector_has_port(sel))
		return sel->cgroup_id ? &t->n_port_cgroup : &t->n_port;
	return sel->cgroup_id ? &t->n_cgroup : &t->n_default;
}

/*
 * The ports filter (ka_table.ports). Most sockets match no single-port
 * policy, and a bit test tells so for far less than hashing their port
 * and walking a chain (Documentation/performance.rst). 8 KiB, only in a
 * table that has a single-port policy. A bit stays set when its port's
 * last policy goes: the filter is a superset, which costs such a port a
 * hash lookup, no more; a replace or a flush starts from a new table.
 */
static bool single_port(const struct ka_selector *sel)
{
	return ka_selector_has_port(sel) && !ka_selector_is_range(sel);
}

/* Room for sel's bit: may sleep; 0 or -ENOMEM. */
static int ports_reserve(struct ka_table *t, const struct ka_selector *sel)
{
	unsigned long *map;

	if (!single_port(sel) || t->ports)
		return 0;
	map = bitmap_zalloc(U16_MAX + 1, KA_GFP_POLICY);
	if (!map)
		return -ENOMEM;
	/* Zeroed before readers can see it. */
	smp_store_release(&t->ports, map);
	return 0;
}

/* Before the policy is visible in the hash: a reader never skips it. */
static void ports_add(struct ka_table *t, const struct ka_selector *sel)
{
	if (single_port(sel))
		set_bit(sel->port_min, t->ports);
}

/* False when no single-port policy names port. RCU. */
static bool ports_may_have(const struct ka_table *t, u16 port)
{
	/* Pairs with ports_reserve(): a map seen is a zeroed one. */
	const unsigned long *map = smp_load_acquire(&t->ports);

	return map && test_bit(port, map);
}

static void count_policy(struct ka_table *t, const struct ka_selector *sel,
			 int delta)
{
	unsigned int *n = kind_count(t, sel);

	WRITE_ONCE(*n, *n + delta);
	if (ka_selector_is_range(sel))
		WRITE_ONCE(t->n_range, t->n_range + delta);
	if (ka_cgroup_key_is_path(sel->cgroup_id))
		WRITE_ONCE(t->n_cgroup_path, t->n_cgroup_path + delta);
	else if (sel->cgroup_id)
		WRITE_ONCE(t->n_cgroup_id, t->n_cgroup_id + delta);
	WRITE_ONCE(t->count, t->count + delta);
}

void ka_cgroup_name_release(struct ka_cgroup_name *cg)
{
	if (!cg)
		return;
	if (cg->path)
		ka_cgpath_put(cg->path);
	kfree(cg->id_path);
	cg->path = NULL;
	cg->id_path = NULL;
}

/* Also from an RCU callback: ka_cgpath_put() may run in softirq. */
static void ka_policy_free(struct ka_policy *p)
{
	if (!p->stats_moved && !p->stats_borrowed)
		ka_policy_counters_free(p->stats);
	ka_cgroup_name_release(&p->cg);
	kfree(p);
}

static void ka_policy_free_rcu(struct rcu_head *head)
{
	ka_policy_free(container_of(head, struct ka_policy, rcu));
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

/*
 * Never 0: a dump's cb->seq of 0 turns NLM_F_DUMP_INTR detection off, so
 * the count starts at 1 and skips 0 when it wraps.
 */
static void generation_bump(struct ka_net *kn)
{
	if (!++kn->generation)
		kn->generation = 1;
}

struct ka_table *ka_table_locked(struct ka_net *kn)
{
	return rcu_dereference_protected(kn->table, lockdep_is_held(&kn->lock));
}

/* Once, when a policy is set: the probe handlers then only copy jiffies. */
void ka_action_prepare(struct ka_action *act)
{
	act->idle_jiffies = act->idle_s * HZ;
	act->intvl_jiffies = act->intvl_s * HZ;
}

/* ---- ids ---- */

/* A free id for p, reserved (lookups see none yet); 0 or -errno. */
static int policy_id_reserve(struct ka_net *kn, struct ka_policy *p)
{
	int ret;

	ret = xa_alloc_cyclic(&kn->policy_ids, &p->id, NULL,
			      XA_LIMIT(1, KA_POLICY_ID_MAX), &kn->next_policy_id,
			      KA_GFP_POLICY);
	if (ret < 0) {
		p->id = 0;
		return ret;
	}
	return 0;	/* 1: the ids wrapped (policy.h) */
}

/*
 * Points p's id at p. The slot exists (reserved, or an earlier policy's
 * of the same selector), so no memory is needed and this cannot fail.
 */
static void policy_id_publish(struct ka_net *kn, struct ka_policy *p)
{
	WARN_ON_ONCE(xa_is_err(xa_store(&kn->policy_ids, p->id, p, GFP_ATOMIC)));
}

static void policy_id_erase(struct ka_net *kn, struct ka_policy *p)
{
	if (p->id)
		xa_erase(&kn->policy_ids, p->id);
	p->id = 0;
}

const struct ka_policy *ka_policy_by_id(struct ka_net *kn, u32 id)
{
	return id ? xa_load(&kn->policy_ids, id) : NULL;
}

/* A new policy, not linked anywhere yet; takes over *cg (NULL: none). */
static struct ka_policy *policy_alloc(const struct ka_selector *sel,
				      const struct ka_action *act,
				      struct ka_cgroup_name *cg)
{
	struct ka_policy *p;

	/* One kmalloc-128 object each: 65,536 of them are 8 MiB. */
	BUILD_BUG_ON(sizeof(*p) > 128);
	p = kzalloc_obj(*p, KA_GFP_POLICY);
	if (!p) {
		ka_cgroup_name_release(cg);
		return NULL;
	}
	p->sel = *sel;
	p->act = *act;
	if (cg) {
		p->cg = *cg;
		memset(cg, 0, sizeof(*cg));
	}
	ka_action_prepare(&p->act);
	return p;
}

bool ka_policy_exists(struct ka_net *kn, const struct ka_selector *sel)
{
	return policy_find(&ka_table_locked(kn)->policies, sel);
}

int ka_policy_set(struct ka_net *kn, const struct ka_selector *sel,
		  const struct ka_action *act, struct ka_cgroup_name *cg)
{
	struct ka_table *t = ka_table_locked(kn);
	bool range = ka_selector_is_range(sel);
	struct ka_ranges_change rc;
	struct ka_policy *old, *p;
	int ret;

	old = policy_find(&t->policies, sel);
	if (!old && t->count >= ka_policy_limit(kn)) {
		ka_cgroup_name_release(cg);
		return -ENOSPC;
	}
	if ((!old && ka_selhash_reserve(&t->policies)) ||
	    ports_reserve(t, sel)) {
		ka_cgroup_name_release(cg);
		return -ENOMEM;
	}
	p = policy_alloc(sel, act, cg);
	if (!p)
		return -ENOMEM;
	if (old) {
		p->stats = old->stats;
		p->id = old->id;
	} else {
		p->stats = ka_policy_counters_alloc(KA_GFP_POLICY);
		if (!p->stats) {
			ret = -ENOMEM;
			goto err_free;
		}
		ret = policy_id_reserve(kn, p);
		if (ret)
			goto err_free;
	}
	if (range) {
		ret = ka_ranges_prepare(&rc, &t->ranges, &p->sel,
					old ? &old->sel : NULL);
		if (ret)
			goto err_free;
	}

	/* Nothing fails from here on. */
	policy_id_publish(kn, p);
	if (old) {
		ka_selhash_replace(&t->policies, &old->hnode, &p->hnode);
		list_replace(&old->list, &p->list);
	} else {
		ports_add(t, sel);
		ka_selhash_insert(&t->policies, &p->hnode);
		list_add_tail(&p->list, &t->list);
		count_policy(t, sel, 1);
	}
	if (range)
		ka_ranges_commit(&rc, true);
	if (old)
		policy_release(old, true);
	generation_bump(kn);
	return 0;

err_free:
	p->stats_borrowed = !!old;
	if (!old)
		policy_id_erase(kn, p);
	ka_policy_free(p);
	return ret;
}

static void policy_unlink(struct ka_table *t, struct ka_policy *p)
{
	ka_selhash_remove(&t->policies, &p->hnode);
	list_del(&p->list);
	count_policy(t, &p->sel, -1);
}

int ka_policy_del(struct ka_net *kn, const struct ka_selector *sel)
{
	struct ka_table *t = ka_table_locked(kn);
	struct ka_ranges_change rc;
	struct ka_policy *p;
	int ret;

	p = policy_find(&t->policies, sel);
	if (!p)
		return -ENOENT;
	if (ka_selector_is_range(sel)) {
		ret = ka_ranges_prepare(&rc, &t->ranges, NULL, &p->sel);
		if (ret)
			return ret;
	}
	policy_unlink(t, p);
	if (ka_selector_is_range(sel))
		ka_ranges_commit(&rc, true);
	policy_id_erase(kn, p);
	policy_release(p, false);
	ka_selhash_shrink(&t->policies);
	generation_bump(kn);
	return 0;
}

/*
 * A table that a replace or a flush took out of use is freed once no
 * reader can hold it: after a grace period, in process context (a table
 * of 65,536 policies is too much work for an RCU callback), on a queue
 * of the module's own, which unloading drains. The writer does not wait
 * for the grace period: it costs milliseconds (tens under emulation),
 * which every kactl load --replace and flush would pay.
 */
static struct workqueue_struct *ka_table_free_wq;

static void table_free_work(struct work_struct *work)
{
	ka_table_free(container_of(to_rcu_work(work), struct ka_table, free_work));
}

static void table_free_rcu(struct ka_table *t)
{
	INIT_RCU_WORK(&t->free_work, table_free_work);
	queue_rcu_work(ka_table_free_wq, &t->free_work);
}

/*
 * One step for readers, like a replace: an empty table swapped in. Done
 * in place, policy by policy, the set would pass through states that are
 * neither before nor after (an exemption gone while the default it
 * carves out of is still there).
 */
void ka_policy_flush(struct ka_net *kn)
{
	struct ka_table *t = ka_table_locked(kn), *empty;
	struct ka_policy *p, *tmp;

	empty = ka_table_new();
	if (empty) {
		ka_selhash_publish(&empty->policies);
		rcu_assign_pointer(kn->table, empty);
		list_for_each_entry(p, &t->list, list)
			policy_id_erase(kn, p);
		generation_bump(kn);
		table_free_rcu(t);	/* its counters go with it */
		return;
	}
	/* No memory for a table: in place, readers first told it is empty. */
	WRITE_ONCE(t->n_port_cgroup, 0);
	WRITE_ONCE(t->n_port, 0);
	WRITE_ONCE(t->n_cgroup, 0);
	WRITE_ONCE(t->n_default, 0);
	WRITE_ONCE(t->n_range, 0);
	ka_ranges_clear(&t->ranges, true);
	list_for_each_entry_safe(p, tmp, &t->list, list) {
		ka_selhash_remove(&t->policies, &p->hnode);
		list_del(&p->list);
		policy_id_erase(kn, p);
		policy_release(p, false);
	}
	t->count = 0;
	t->n_cgroup_id = 0;
	t->n_cgroup_path = 0;
	ka_selhash_shrink(&t->policies);
	generation_bump(kn);
}

const struct ka_policy *ka_policy_at(struct ka_net *kn, struct ka_cursor *c,
				     loff_t pos)
{
	struct ka_table *t = ka_table_locked(kn);
	const struct ka_policy *p;
	loff_t i = 0;

	if (c->p && c->generation == kn->generation && c->pos <= pos) {
		p = c->p;
		i = c->pos;
	} else {
		p = list_first_entry_or_null(&t->list, struct ka_policy, list);
	}
	for (; p && i < pos; i++)
		p = list_is_last(&p->list, &t->list) ? NULL :
						       list_next_entry(p, list);
	c->p = p;
	c->pos = pos;
	c->generation = kn->generation;
	return p;
}

/* ---- whole tables: a namespace's first, and replacements ---- */

struct ka_table *ka_table_new(void)
{
	struct ka_table *t;

	t = kzalloc_obj(*t, KA_GFP_POLICY);
	if (!t)
		return NULL;
	INIT_LIST_HEAD(&t->list);
	if (ka_selhash_init(&t->policies, offsetof(struct ka_policy, sel) -
					   offsetof(struct ka_policy, hnode))) {
		kfree(t);
		return NULL;
	}
	return t;
}

/* t is unpublished: nothing else can see it. */
int ka_table_add(struct ka_table *t, const struct ka_selector *sel,
		 const struct ka_action *act, struct ka_cgroup_name *cg)
{
	struct ka_policy *p;

	if (t->count >= READ_ONCE(ka_max_policies)) {
		ka_cgroup_name_release(cg);
		return -ENOSPC;
	}
	if (policy_find(&t->policies, sel)) {
		ka_cgroup_name_release(cg);
		return -EEXIST;		/* a selector given twice */
	}
	if (ka_selhash_reserve(&t->policies) || ports_reserve(t, sel)) {
		ka_cgroup_name_release(cg);
		return -ENOMEM;
	}
	p = policy_alloc(sel, act, cg);
	if (!p)
		return -ENOMEM;
	ports_add(t, sel);
	ka_selhash_insert(&t->policies, &p->hnode);
	list_add_tail(&p->list, &t->list);
	count_policy(t, sel, 1);
	return 0;
}

/* Nothing can reach t any more: no reader, no writer. */
void ka_table_free(struct ka_table *t)
{
	struct ka_policy *p, *tmp;
	unsigned int n = 0;

	if (!t)
		return;
	list_for_each_entry_safe(p, tmp, &t->list, list) {
		ka_policy_free(p);
		/* 65,536 policies is a long loop: every caller may sleep. */
		if (!(++n % 1024))
			cond_resched();
	}
	ka_selhash_destroy(&t->policies);
	ka_ranges_clear(&t->ranges, false);
	bitmap_free(t->ports);
	kfree(t);
}

/* The ranges of an unpublished table, indexed one by one. */
int ka_table_index_ranges(struct ka_table *t)
{
	struct ka_ranges_change rc;
	struct ka_policy *p;
	int ret;

	ka_ranges_clear(&t->ranges, false);
	list_for_each_entry(p, &t->list, list) {
		if (!ka_selector_is_range(&p->sel))
			continue;
		ret = ka_ranges_prepare(&rc, &t->ranges, &p->sel, NULL);
		if (ret) {
			ka_ranges_clear(&t->ranges, false);
			return ret;
		}
		ka_ranges_commit(&rc, false);
	}
	return 0;
}

/*
 * Counters and ids: a policy of t whose selector the current table has
 * takes over its counters and id (a policy is named by its selector), the
 * others get new ones. Everything that can fail happens before the swap;
 * on failure t is left for the caller to free, and the namespace is
 * unchanged.
 */
int ka_table_commit(struct ka_net *kn, struct ka_table *t)
{
	struct ka_policy *p, *prev;
	struct ka_table *old;
	int ret;

	ret = ka_table_index_ranges(t);
	if (ret)
		return ret;

	mutex_lock(&kn->lock);
	old = ka_table_locked(kn);
	list_for_each_entry(p, &t->list, list) {
		prev = policy_find(&old->policies, &p->sel);
		if (prev) {
			p->stats = prev->stats;
			p->stats_borrowed = true;
			p->id = prev->id;
			continue;
		}
		p->stats = ka_policy_counters_alloc(KA_GFP_POLICY);
		if (!p->stats) {
			ret = -ENOMEM;
			goto err_ids;
		}
		ret = policy_id_reserve(kn, p);
		if (ret)
			goto err_ids;
	}
	list_for_each_entry(p, &t->list, list) {
		policy_id_publish(kn, p);
		if (!p->stats_borrowed)
			continue;
		prev = policy_find(&old->policies, &p->sel);
		prev->stats_moved = true;
		p->stats_borrowed = false;
	}
	/* The old set's policies that no new one replaces: their ids go. */
	list_for_each_entry(prev, &old->list, list) {
		if (!prev->stats_moved)
			policy_id_erase(kn, prev);
	}
	ka_selhash_publish(&t->policies);
	rcu_assign_pointer(kn->table, t);
	generation_bump(kn);
	/* Sockets being matched against the old set finish with it first. */
	table_free_rcu(old);
	mutex_unlock(&kn->lock);
	return 0;

err_ids:
	/* Only the new selectors' ids are t's own; the others stay. */
	list_for_each_entry(p, &t->list, list) {
		if (p->stats_borrowed)
			p->id = 0;
		else
			policy_id_erase(kn, p);
	}
	mutex_unlock(&kn->lock);
	return ret;
}

int ka_policy_table_init(struct ka_net *kn)
{
	struct ka_table *t = ka_table_new();

	if (!t)
		return -ENOMEM;
	mutex_init(&kn->lock);
	kn->generation = 1;
	xa_init_flags(&kn->policy_ids, XA_FLAGS_ALLOC1);
	/*
	 * Sockets keep the id of their policy (apply.h) across an unload
	 * of the module, and a later load starts the ids again: from a
	 * random point, so that an earlier load's socket is unlikely to
	 * name a policy of this one (one chance in KA_POLICY_ID_MAX).
	 */
	kn->next_policy_id = get_random_u32() % KA_POLICY_ID_MAX + 1;
	ka_selhash_publish(&t->policies);
	RCU_INIT_POINTER(kn->table, t);
	return 0;
}

/*
 * The namespace is going away: no socket of it is left (each held a
 * reference), so no reader can reach its table.
 */
void ka_policy_table_destroy(struct ka_net *kn)
{
	ka_table_free(rcu_dereference_protected(kn->table, true));
	RCU_INIT_POINTER(kn->table, NULL);
	xa_destroy(&kn->policy_ids);
}

/*
 * Registered by main.c after netns.c's operations, which give every
 * namespace its struct ka_net: namespaces are set up in registration
 * order and torn down in reverse.
 */
static int __net_init policy_net_init(struct net *net)
{
	return ka_policy_table_init(ka_net(net));
}

/* Freed policies still go through call_rcu: module unload waits (main.c). */
static void __net_exit policy_net_exit(struct net *net)
{
	ka_policy_table_destroy(ka_net(net));
}

static struct pernet_operations ka_policy_net_ops = {
	.init = policy_net_init,
	.exit = policy_net_exit,
};

int ka_policy_free_init(void)
{
	ka_table_free_wq = alloc_workqueue("ka_policy_free", WQ_UNBOUND, 0);
	return ka_table_free_wq ? 0 : -ENOMEM;
}

/* The tables still waiting for their grace period go before the module. */
void ka_policy_free_exit(void)
{
	rcu_barrier();
	destroy_workqueue(ka_table_free_wq);
}

int ka_policy_pernet_init(void)
{
	int ret;

	ret = ka_policy_free_init();
	if (ret)
		return ret;
	ret = register_pernet_subsys(&ka_policy_net_ops);
	if (ret)
		ka_policy_free_exit();
	return ret;
}

void ka_policy_pernet_exit(void)
{
	unregister_pernet_subsys(&ka_policy_net_ops);
	ka_policy_free_exit();
}

/* ---- lookup: RCU, atomic context ---- */

/*
 * The policy whose selector is exactly this one, else the one that
 * differs only in having direction alt_dir: one hash lookup.
 */
static const struct ka_policy *policy_by_port(const struct ka_table *t,
					      u64 cgroup_id, u16 port, u8 dir,
					      u8 alt_dir)
{
	struct ka_selector key = {
		.cgroup_id = cgroup_id,
		.port_min = port,
		.port_max = port,
		.dir = dir,
	};

	return policy_of_node(ka_selhash_lookup_dir(&t->policies, &key,
						    alt_dir));
}

/* The policy whose selector is exactly this one, if any. */
static const struct ka_policy *policy_by_selector(const struct ka_table *t,
						  u64 cgroup_id, u16 port, u8 dir)
{
	return policy_by_port(t, cgroup_id, port, dir, dir);
}

static const struct ka_policy *port_match(const struct ka_table *t,
					  u64 cgroup_id, u16 port, u8 dir)
{
	const struct ka_policy *p;

	/* This exact direction, else both (precedence at the top). */
	p = NULL;
	if (ports_may_have(t, port))
		p = policy_by_port(t, cgroup_id, port, dir, KA_DIR_BOTH);
	if (!p && READ_ONCE(t->n_range))
		p = policy_of_range(ka_ranges_lookup(&t->ranges, cgroup_id,
						     dir, port));
	return p;
}

const struct ka_table *ka_table_rcu(const struct ka_net *kn)
{
	return rcu_dereference(kn->table);
}

/* Whether lookups need the socket's cgroup chain at all. */
bool ka_table_wants_cgroups(const struct ka_table *t)
{
	return READ_ONCE(t->n_port_cgroup) || READ_ONCE(t->n_cgroup);
}

/*
 * The policy of one cgroup of a socket's chain, with (with_port) or
 * without a port: set by its id, else by the path it is at. Both may
 * exist for one cgroup; the one by id is the more exact and wins.
 */
static const struct ka_policy *cgroup_match(const struct ka_table *t,
					    u64 id, u16 port, u8 dir,
					    bool with_port)
{
	const struct ka_policy *p = NULL;
	u64 key;

	if (READ_ONCE(t->n_cgroup_id))
		p = with_port ? port_match(t, id, port, dir) :
				policy_by_selector(t, id, 0, KA_DIR_BOTH);
	if (p || !READ_ONCE(t->n_cgroup_path))
		return p;
	key = ka_cgpath_key_of(id);
	if (!key)
		return NULL;
	return with_port ? port_match(t, key, port, dir) :
			   policy_by_selector(t, key, 0, KA_DIR_BOTH);
}

/*
 * cgrp is the socket's cgroup (NULL when the caller knows no cgroup
 * policy exists); its ancestors are tried nearest first, up to the root.
 * A live socket pins its cgroup, and with it the ancestors' ids.
 */
const struct ka_policy *ka_policy_lookup(const struct ka_table *t, u8 dir,
					 u16 port, const struct cgroup *cgrp)
{
	const struct ka_policy *p;
	int level;

	if (!READ_ONCE(t->count))
		return NULL;
	if (cgrp && READ_ONCE(t->n_port_cgroup)) {
		for (level = cgrp->level; level >= 0; level--) {
			p = cgroup_match(t, ka_cgroup_ancestor_id(cgrp, level),
					 port, dir, true);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(t->n_port)) {
		p = port_match(t, 0, port, dir);
		if (p)
			return p;
	}
	if (cgrp && READ_ONCE(t->n_cgroup)) {
		for (level = cgrp->level; level >= 0; level--) {
			p = cgroup_match(t, ka_cgroup_ancestor_id(cgrp, level),
					 0, KA_DIR_BOTH, false);
			if (p)
				return p;
		}
	}
	if (READ_ONCE(t->n_default))
		return policy_by_selector(t, 0, 0, KA_DIR_BOTH);
	return NULL;
}

/* ---- the selector as netlink attributes ---- */

/*
 * A cgroup selector as this reader may see it: by path, the path relative
 * to the reader's cgroup namespace (root); by id, the id; and where the
 * cgroup is now. A cgroup outside the reader's namespace shows as hidden.
 */
static int ka_policy_put_cgroup(struct sk_buff *skb,
				const struct ka_policy *p, const char *root)
{
	const struct ka_cgroup_name *cg = &p->cg;
	const char *rel;

	rel = ka_cgpath_relative(cg->path ? cg->path->path : cg->id_path, root);
	if (!rel)
		return nla_put_flag(skb, KA_POLICY_A_CGROUP_HIDDEN);
	if (cg->path)
		return nla_put_string(skb, KA_POLICY_A_CGROUP_PATH, rel) ||
		       nla_put_u8(skb, KA_POLICY_A_CGROUP_STATE,
				  ka_cgpath_state(cg->path));
	return nla_put_u64_64bit(skb, KA_POLICY_A_CGROUP_ID, p->sel.cgroup_id,
				 KA_POLICY_A_PAD) ||
	       nla_put_u8(skb, KA_POLICY_A_CGROUP_STATE,
			  ka_cgroup_id_state(p->sel.cgroup_id));
}

/*
 * The selector's ports and direction, or that it is the default: all of
 * it but the cgroup, which each reader sees its own way. Atomic context
 * is fine (events.c).
 */
int ka_policy_put_selector_ports(struct sk_buff *skb,
				 const struct ka_selector *sel)
{
	if (!ka_selector_has_port(sel) && !sel->cgroup_id &&
	    nla_put_flag(skb, KA_POLICY_A_DEFAULT))
		return -EMSGSIZE;
	if (ka_selector_has_port(sel) &&
	    (nla_put_u16(skb, KA_POLICY_A_PORT_MIN, sel->port_min) ||
	     nla_put_u16(skb, KA_POLICY_A_PORT_MAX, sel->port_max) ||
	     nla_put_u8(skb, KA_POLICY_A_DIR, sel->dir)))
		return -EMSGSIZE;
	return 0;
}

/*
 * What names a policy, as KA_POLICY_A_* attributes in the nest the caller
 * opened: the policy dump's, and kactl sockets' source of a socket's
 * settings (sockets.c), so that both name a policy the same way.
 */
int ka_policy_put_selector(struct sk_buff *skb, const struct ka_policy *p,
			   const char *root)
{
	if (ka_policy_put_selector_ports(skb, &p->sel) ||
	    (p->sel.cgroup_id && ka_policy_put_cgroup(skb, p, root)))
		return -EMSGSIZE;
	return 0;
}
