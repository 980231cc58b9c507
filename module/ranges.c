// SPDX-License-Identifier: GPL-2.0
/*
 * Port range policies: found in O(log n), changed in time that does not
 * grow with how many there are.
 *
 * What this file indexes is selectors (selector.h): each range is a
 * struct ka_selector that its owner embeds in its own object, passed and
 * returned by pointer; policy.c gets its policy back with container_of().
 * It knows nothing of policies, of their list or of how policy.c changes
 * a table: it is given one range to add, replace or delete at a time.
 *
 * Ranges may overlap and nest; at each port the most specific range that
 * covers it wins, as policy.c's precedence rule orders them (beats()).
 * That is a total order: two ranges of one cgroup and direction that tie
 * are one selector, one policy.
 *
 * Layout. Ranges are grouped by cgroup (0: none), the groups kept in an
 * array sorted by cgroup id. A group cuts the port space, for each
 * direction, into KA_RANGE_BLOCKS blocks of 1024 ports; a block is an
 * immutable array of disjoint segments sorted by start, each naming the
 * range that wins there (no block: no range). A lookup is a binary
 * search among the groups, one load, and a binary search among at most
 * 1024 segments: no lock, no allocation.
 *
 * Changes rebuild only the blocks the changed range covers, each from the
 * block it replaces. Adding range R repaints R's ports wherever R beats
 * the range there or none is there; replacing R by a policy with the same
 * selector swaps the pointer. Both cost O(segments of R's blocks), at
 * most the 65,536 ports whatever the number of ranges, so setting n
 * ranges one by one is O(n) (the sum of a quadratic rebuild of every
 * range on each set is what this replaced). Deleting R refills, in each
 * of R's blocks where R won ports, those holes from the group's other
 * ranges that overlap them, found in an interval tree of the group's
 * ranges: O(log n) to find R, plus a paint (O(segments of the block))
 * for each range overlapping the holes. That is what grows: many nested
 * ranges over one port make deleting them narrowest first grow faster
 * than their number (painting only the holes' span would bound it), but
 * ranges elsewhere cost a delete nothing. A block a change leaves as it
 * was is kept, not copied. A group that appears or goes away copies the
 * groups array: O(cgroups with ranges), and a group holds 2 x 64 block
 * pointers (kmalloc-2k); that is what to improve if many cgroups get
 * ranges of their own (an RCU hash of groups, block pointers per
 * direction on demand).
 *
 * Readers see a change as one step for each port: a lookup reads one
 * block, each new block is published with one pointer store, and a new
 * group with the store of a new groups array. What a change replaces is
 * freed after a grace period.
 */

#include <linux/err.h>
#include <linux/interval_tree_generic.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "gfp.h"
#include "ranges.h"
#include "selector.h"

#define KA_RANGE_BLOCK_PORTS	BIT(KA_RANGE_BLOCK_SHIFT)

struct ka_range_seg {
	const struct ka_selector *p;
	u16 start, end;
};

struct ka_range_block {
	struct rcu_head rcu;
	unsigned int n;
	struct ka_range_seg seg[];
};

/* Writers only: one of a group's range policies, in its interval tree. */
struct ka_range_node {
	struct rb_node rb;
	u32 start, last, subtree_last;	/* the range's ports */
	const struct ka_selector *p;
};

/*
 * The tree keeps its nodes in (start, last, dir) order, a total order on
 * one group's ranges, so that a range's own node is found in O(log n)
 * (node_find()); the generated iterators need only start in order.
 * node_insert() replaces the generated insert, which orders by start
 * alone, and __maybe_unused spares it a warning.
 */
#define NODE_START(n)	((n)->start)
#define NODE_LAST(n)	((n)->last)
INTERVAL_TREE_DEFINE(struct ka_range_node, rb, u32, subtree_last,
		     NODE_START, NODE_LAST, static __maybe_unused, range_tree);

/* <0, 0, >0: p's range before, at, after node's in the tree's order. */
static int node_cmp(const struct ka_selector *p, const struct ka_range_node *node)
{
	const struct ka_selector *a = p, *b = node->p;

	if (a->port_min != b->port_min)
		return a->port_min < b->port_min ? -1 : 1;
	if (a->port_max != b->port_max)
		return a->port_max < b->port_max ? -1 : 1;
	return (int)a->dir - (int)b->dir;
}

static void node_insert(struct ka_range_node *node, struct rb_root_cached *root)
{
	struct rb_node **link = &root->rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		struct ka_range_node *at = rb_entry(*link, struct ka_range_node, rb);

		parent = *link;
		if (at->subtree_last < node->last)
			at->subtree_last = node->last;
		if (node_cmp(node->p, at) < 0) {
			link = &at->rb.rb_left;
		} else {
			link = &at->rb.rb_right;
			leftmost = false;
		}
	}
	node->subtree_last = node->last;
	rb_link_node(&node->rb, parent, link);
	rb_insert_augmented_cached(&node->rb, root, leftmost,
				   &range_tree_augment);
}

struct ka_range_group {
	u64 cgroup_id;
	struct rb_root_cached tree;	/* writers only: the ranges */
	unsigned int n_pol;
	struct ka_range_block __rcu *block[2][KA_RANGE_BLOCKS];	/* [dir] */
	struct rcu_head rcu;
};

struct ka_range_group_array {
	struct rcu_head rcu;
	unsigned int n;
	struct ka_range_group *g[];	/* sorted by cgroup_id */
};

/* KA_DIR_IN 0, KA_DIR_OUT 1: the first index of a group's blocks. */
static unsigned int dir_index(u8 dir)
{
	return dir == KA_DIR_OUT;
}

static bool covers_dir(const struct ka_selector *sel, unsigned int d)
{
	return sel->dir == KA_DIR_BOTH || dir_index(sel->dir) == d;
}

/* Whether a beats b at a port both cover: policy.c's precedence rule. */
static bool beats(const struct ka_selector *a, const struct ka_selector *b)
{
	u32 wa = a->port_max - a->port_min, wb = b->port_max - b->port_min;
	bool a_both = a->dir == KA_DIR_BOTH, b_both = b->dir == KA_DIR_BOTH;

	if (wa != wb)
		return wa < wb;
	if (a_both != b_both)
		return b_both;
	return a->port_min < b->port_min;
}

/* Writers: the caller serializes them (policy.c holds ka_net.lock). */
static struct ka_range_group_array *groups_of(struct ka_ranges *r)
{
	return rcu_dereference_protected(r->groups, true);
}

static struct ka_range_block *block_of(struct ka_range_group *g,
				       unsigned int d, unsigned int i)
{
	return rcu_dereference_protected(g->block[d][i], true);
}

/* The first group whose cgroup_id is >= id; *found when equal. */
static unsigned int group_find(const struct ka_range_group_array *gs, u64 id,
			       bool *found)
{
	unsigned int lo = 0, hi = gs ? gs->n : 0;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (gs->g[mid]->cgroup_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = gs && lo < gs->n && gs->g[lo]->cgroup_id == id;
	return lo;
}

/* ---- blocks ---- */

/* Segments being built; room for a block's worth (one per port). */
struct seg_buf {
	struct ka_range_seg *seg;
	unsigned int n;
};

/* Appends [start, end] won by p, merged with the last when they touch. */
static void emit(struct seg_buf *b, u32 start, u32 end,
		 const struct ka_selector *p)
{
	struct ka_range_seg *last = b->n ? &b->seg[b->n - 1] : NULL;

	if (last && last->p == p && last->end + 1 == start) {
		last->end = end;
		return;
	}
	b->seg[b->n++] = (struct ka_range_seg){ .p = p, .start = start,
						.end = end };
}

/*
 * in's segments with p painted over [lo, hi] (inside in's block)
 * wherever p beats the range there or none is there, into out.
 */
static void paint(const struct ka_range_seg *in, unsigned int n, u32 lo,
		  u32 hi, const struct ka_selector *p, struct seg_buf *out)
{
	u32 pos = lo, a, b;	/* pos: the first port of [lo, hi] not done */
	unsigned int i;

	out->n = 0;
	for (i = 0; i < n; i++) {
		const struct ka_range_seg *s = &in[i];

		if (s->end < lo) {
			emit(out, s->start, s->end, s->p);
			continue;
		}
		if (s->start > hi) {
			if (pos <= hi)
				emit(out, pos, hi, p);
			pos = hi + 1;
			emit(out, s->start, s->end, s->p);
			continue;
		}
		if (s->start < lo)
			emit(out, s->start, lo - 1, s->p);
		a = max_t(u32, s->start, lo);
		b = min_t(u32, s->end, hi);
		if (pos < a)
			emit(out, pos, a - 1, p);
		emit(out, a, b, beats(p, s->p) ? p : s->p);
		pos = b + 1;
		if (s->end > hi)
			emit(out, hi + 1, s->end, s->p);
	}
	if (pos <= hi)
		emit(out, pos, hi, p);
}

/*
 * A block holding b's segments: old itself when they are old's (nothing
 * to copy, nothing for readers to change), NULL for none, ERR_PTR on no
 * memory.
 */
static struct ka_range_block *block_new(const struct seg_buf *b,
					struct ka_range_block *old)
{
	struct ka_range_block *blk;

	if (!b->n)
		return NULL;
	if (old && old->n == b->n) {
		unsigned int k;

		/* Field by field: the padding of a segment is never written. */
		for (k = 0; k < b->n; k++)
			if (old->seg[k].p != b->seg[k].p ||
			    old->seg[k].start != b->seg[k].start ||
			    old->seg[k].end != b->seg[k].end)
				break;
		if (k == b->n)
			return old;
	}
	blk = kvmalloc(struct_size(blk, seg, b->n), KA_GFP_POLICY);
	if (!blk)
		return ERR_PTR(-ENOMEM);
	blk->n = b->n;
	memcpy(blk->seg, b->seg, flex_array_size(blk, seg, b->n));
	return blk;
}

static void block_free(struct ka_range_block *blk, bool published)
{
	if (blk && published)
		kvfree_rcu(blk, rcu);
	else
		kvfree(blk);
}

/*
 * Block i of direction d after the change: add painted over it, del
 * swapped for add, or del gone and its ports given to the best of the
 * group's other ranges. buf: two scratch buffers. The block itself when
 * the change leaves it as it was.
 */
static struct ka_range_block *block_change(const struct ka_ranges_change *c,
					   unsigned int d, unsigned int i,
					   struct seg_buf *buf)
{
	const struct ka_selector *p = c->add ?: c->del;
	struct ka_range_block *old = NULL;
	struct ka_range_node *node;
	u32 blo = i << KA_RANGE_BLOCK_SHIFT, lo, hi, hlo = U32_MAX, hhi = 0;
	unsigned int k, n = 0, cur = 0;

	if (!c->group_new)
		old = block_of(c->group, d, i);
	lo = max_t(u32, p->port_min, blo);
	hi = min_t(u32, p->port_max, blo + KA_RANGE_BLOCK_PORTS - 1);
	if (old)
		n = old->n;

	if (c->add && !c->del) {
		paint(old ? old->seg : NULL, n, lo, hi, c->add, &buf[0]);
		return block_new(&buf[0], old);
	}

	/*
	 * Replaced or deleted: first del's segments go (or become add);
	 * [hlo, hhi] spans the holes a delete leaves.
	 */
	buf[0].n = 0;
	for (k = 0; k < n; k++) {
		const struct ka_range_seg *s = &old->seg[k];

		if (s->p != c->del) {
			buf[0].seg[buf[0].n++] = *s;
			continue;
		}
		if (c->add) {
			emit(&buf[0], s->start, s->end, c->add);
			continue;
		}
		hlo = min_t(u32, hlo, s->start);
		hhi = max_t(u32, hhi, s->end);
	}
	if (c->add || hlo > hhi)
		return block_new(&buf[0], old);

	/*
	 * The holes are filled by painting the other ranges that overlap
	 * them: each port ends with the best range covering it, whatever
	 * the order, and ports del did not win keep their range, which
	 * beats every other range covering them.
	 */
	for (node = range_tree_iter_first(&c->group->tree, hlo, hhi); node;
	     node = range_tree_iter_next(node, hlo, hhi)) {
		const struct ka_selector *q = node->p;

		if (q == c->del || !covers_dir(q, d))
			continue;
		paint(buf[cur].seg, buf[cur].n, max_t(u32, q->port_min, hlo),
		      min_t(u32, q->port_max, hhi), q, &buf[!cur]);
		cur = !cur;
	}
	return block_new(&buf[cur], old);
}

/* ---- groups ---- */

static void group_free(struct ka_range_group *g)
{
	struct ka_range_node *node, *next;
	unsigned int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < KA_RANGE_BLOCKS; i++)
			kvfree(rcu_dereference_protected(g->block[d][i], true));
	rbtree_postorder_for_each_entry_safe(node, next, &g->tree.rb_root, rb)
		kfree(node);
	kfree(g);
}

static void group_free_rcu(struct rcu_head *head)
{
	group_free(container_of(head, struct ka_range_group, rcu));
}

static void group_release(struct ka_range_group *g, bool published)
{
	if (published)
		call_rcu(&g->rcu, group_free_rcu);
	else
		group_free(g);
}

static void group_array_release(struct ka_range_group_array *gs, bool published)
{
	if (gs && published)
		kvfree_rcu(gs, rcu);
	else
		kvfree(gs);
}

/* p's node in g's tree, in O(log n). */
static struct ka_range_node *node_find(struct ka_range_group *g,
				       const struct ka_selector *p)
{
	struct rb_node *rb = g->tree.rb_root.rb_node;

	while (rb) {
		struct ka_range_node *node = rb_entry(rb, struct ka_range_node, rb);
		int cmp = node_cmp(p, node);

		if (!cmp)
			return node->p == p ? node : NULL;
		rb = cmp < 0 ? rb->rb_left : rb->rb_right;
	}
	return NULL;
}

/* gs (which may be NULL) with g inserted at i, or with entry i removed. */
static struct ka_range_group_array *
groups_copy(const struct ka_range_group_array *gs, unsigned int i,
	    struct ka_range_group *g)
{
	unsigned int n = (gs ? gs->n : 0) + (g ? 1 : -1);
	struct ka_range_group_array *new;

	if (!n)
		return NULL;
	new = kvmalloc(struct_size(new, g, n), KA_GFP_POLICY);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->n = n;
	if (i)
		memcpy(new->g, gs->g, i * sizeof(new->g[0]));
	if (g) {
		new->g[i] = g;
		if (gs && gs->n > i)
			memcpy(&new->g[i + 1], &gs->g[i],
			       (gs->n - i) * sizeof(new->g[0]));
	} else if (gs->n > i + 1) {
		memcpy(&new->g[i], &gs->g[i + 1],
		       (gs->n - i - 1) * sizeof(new->g[0]));
	}
	return new;
}

/* ---- changes ---- */

int ka_ranges_prepare(struct ka_ranges_change *c, struct ka_ranges *r,
		      const struct ka_selector *add, const struct ka_selector *del)
{
	const struct ka_selector *sel = add ?: del;
	struct ka_range_group_array *gs = groups_of(r);
	struct seg_buf buf[2] = {};
	unsigned int d, i, gi;
	bool found;
	int ret = -ENOMEM;

	memset(c, 0, sizeof(*c));
	c->r = r;
	c->add = add;
	c->del = del;
	c->b0 = sel->port_min >> KA_RANGE_BLOCK_SHIFT;
	c->nb = (sel->port_max >> KA_RANGE_BLOCK_SHIFT) - c->b0 + 1;

	gi = group_find(gs, sel->cgroup_id, &found);
	if (found) {
		c->group = gs->g[gi];
	} else {
		if (WARN_ON_ONCE(!add))
			return -ENOENT;
		c->group = kzalloc_obj(*c->group, KA_GFP_POLICY);
		if (!c->group)
			return -ENOMEM;
		c->group->cgroup_id = sel->cgroup_id;
		c->group_new = true;
	}
	if (!add && c->group->n_pol == 1) {
		/* The group's last range: the group goes, nothing to build. */
		c->group_gone = true;
		c->new_groups = groups_copy(gs, gi, NULL);
		if (IS_ERR(c->new_groups)) {
			c->new_groups = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	if (c->group_new) {
		c->new_groups = groups_copy(gs, gi, c->group);
		if (IS_ERR(c->new_groups)) {
			c->new_groups = NULL;
			goto err;
		}
	}
	if (del) {
		c->node = node_find(c->group, del);
		if (WARN_ON_ONCE(!c->node)) {
			c->node = NULL;
			ret = -ENOENT;
			goto err;
		}
	} else {
		/* Allocated now: a set must not fail once it publishes. */
		c->node = kmalloc_obj(*c->node, KA_GFP_POLICY);
		if (!c->node)
			goto err;
		c->node->start = sel->port_min;
		c->node->last = sel->port_max;
		c->node->p = add;
	}

	c->block = kvcalloc(2 * c->nb, sizeof(*c->block), KA_GFP_POLICY);
	buf[0].seg = kvmalloc_array(KA_RANGE_BLOCK_PORTS, sizeof(*buf[0].seg),
				    KA_GFP_POLICY);
	buf[1].seg = kvmalloc_array(KA_RANGE_BLOCK_PORTS, sizeof(*buf[1].seg),
				    KA_GFP_POLICY);
	if (!c->block || !buf[0].seg || !buf[1].seg)
		goto err;
	for (d = 0; d < 2; d++) {
		if (!covers_dir(sel, d))
			continue;
		for (i = 0; i < c->nb; i++) {
			struct ka_range_block *blk;

			blk = block_change(c, d, c->b0 + i, buf);
			if (IS_ERR(blk))
				goto err;
			c->block[d * c->nb + i] = blk;
		}
	}
	ret = 0;
err:
	kvfree(buf[1].seg);
	kvfree(buf[0].seg);
	if (ret)
		ka_ranges_abort(c);
	return ret;
}

/* Block i of direction d before the change. */
static struct ka_range_block *block_before(const struct ka_ranges_change *c,
					   unsigned int d, unsigned int i)
{
	return c->group_new ? NULL : block_of(c->group, d, c->b0 + i);
}

void ka_ranges_abort(struct ka_ranges_change *c)
{
	unsigned int d, i;

	if (c->block) {
		for (d = 0; d < 2; d++)
			for (i = 0; i < c->nb; i++)
				if (c->block[d * c->nb + i] != block_before(c, d, i))
					kvfree(c->block[d * c->nb + i]);
		kvfree(c->block);
		c->block = NULL;
	}
	if (!c->del)
		kfree(c->node);
	c->node = NULL;
	kvfree(c->new_groups);
	c->new_groups = NULL;
	if (c->group_new) {
		group_free(c->group);
		c->group = NULL;
	}
}

/* g's tree of ranges after the change (its node is prepared). */
static void tree_update(struct ka_range_group *g, struct ka_ranges_change *c)
{
	if (!c->del) {
		node_insert(c->node, &g->tree);
		g->n_pol++;
	} else if (c->add) {
		c->node->p = c->add;	/* the same selector: the same range */
	} else {
		range_tree_remove(c->node, &g->tree);
		kfree(c->node);
		g->n_pol--;
	}
	c->node = NULL;
}

void ka_ranges_commit(struct ka_ranges_change *c, bool published)
{
	const struct ka_selector *sel = c->add ?: c->del;
	struct ka_range_group *g = c->group;
	struct ka_range_group_array *old_groups;
	unsigned int d, i;

	if (!c->group_gone) {
		for (d = 0; d < 2; d++) {
			if (!covers_dir(sel, d))
				continue;
			for (i = 0; i < c->nb; i++) {
				struct ka_range_block *new = c->block[d * c->nb + i];

				if (new == block_before(c, d, i))
					continue;
				block_free(rcu_replace_pointer(g->block[d][c->b0 + i],
							       new, true),
					   published);
			}
		}
		tree_update(g, c);
	}
	kvfree(c->block);
	c->block = NULL;
	if (c->group_new || c->group_gone) {
		old_groups = rcu_replace_pointer(c->r->groups, c->new_groups,
						 true);
		group_array_release(old_groups, published);
		c->new_groups = NULL;
	}
	if (c->group_gone)
		group_release(g, published);
}

void ka_ranges_clear(struct ka_ranges *r, bool published)
{
	struct ka_range_group_array *gs = rcu_replace_pointer(r->groups, NULL, true);
	unsigned int i;

	if (!gs)
		return;
	for (i = 0; i < gs->n; i++)
		group_release(gs->g[i], published);
	group_array_release(gs, published);
}

bool ka_ranges_empty(const struct ka_ranges *r)
{
	return !rcu_access_pointer(r->groups);
}

/* ---- lookup: RCU, any context ---- */

const struct ka_selector *ka_ranges_lookup(const struct ka_ranges *r,
					   u64 cgroup_id, u8 dir, u16 port)
{
	const struct ka_range_group_array *gs = rcu_dereference(r->groups);
	const struct ka_range_block *blk;
	const struct ka_range_seg *s;
	unsigned int lo, hi;
	bool found;

	lo = group_find(gs, cgroup_id, &found);
	if (!found)
		return NULL;
	blk = rcu_dereference(gs->g[lo]->block[dir_index(dir)]
					      [port >> KA_RANGE_BLOCK_SHIFT]);
	if (!blk)
		return NULL;
	/* lo ends at the first segment that starts after port. */
	for (lo = 0, hi = blk->n; lo < hi;) {
		unsigned int mid = (lo + hi) / 2;

		if (blk->seg[mid].start <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &blk->seg[lo - 1];
	return port <= s->end ? s->p : NULL;
}
