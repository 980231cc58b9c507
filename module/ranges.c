// SPDX-License-Identifier: GPL-2.0
/*
 * Port range policies, compiled for lookup in O(log n).
 *
 * Ranges may overlap and nest; the most specific one covering a port wins:
 * the narrowest, then the one for this exact direction over one for both,
 * then the lower start. Compiling turns the ranges of each (cgroup,
 * direction) into disjoint segments, each naming the range that wins
 * there, sorted by (cgroup_id, dir, start), so that a lookup is one binary
 * search with no locks and no allocation. Compiling is O(n log n): the
 * range boundaries cut the ports into elementary intervals and each range,
 * most specific first, paints the intervals that nothing more specific
 * painted before it; a union-find "next unpainted" index makes every
 * interval painted once.
 *
 * The compiled form is immutable: a change compiles a new one and
 * publishes it with RCU (policy.c).
 */

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "gfp.h"
#include "policy.h"
#include "ranges.h"

/*
 * Disjoint segments sorted by (cgroup_id, dir,
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

static u32 range_entries(struct ka_range_entry *e, const struct ka_policy *p)
{
	u32 n = 0;

	if (p->sel.dir != KA_DIR_OUT)
		e[n++] = (struct ka_range_entry){ p, p->sel.cgroup_id, KA_DIR_IN };
	if (p->sel.dir != KA_DIR_IN)
		e[n++] = (struct ka_range_entry){ p, p->sel.cgroup_id, KA_DIR_OUT };
	return n;
}

/*
 * Built before anything changes, so that a failed allocation leaves the
 * namespace as it was.
 */
struct ka_ranges *ka_ranges_compile(const struct list_head *list,
				    unsigned int n_range,
				    const struct ka_policy *add,
				    const struct ka_policy *del)
{
	const struct ka_policy **owner = NULL;
	struct ka_range_entry *e = NULL;
	struct ka_ranges *r = NULL, *ret;
	const struct ka_policy *p;
	u32 n = 0, i, j, *pts = NULL, *next = NULL;

	/* Each range at most twice (both directions), two boundaries each. */
	e = kvmalloc_array(2 * (n_range + 1), sizeof(*e), KA_GFP_POLICY);
	if (!e)
		return ERR_PTR(-ENOMEM);
	list_for_each_entry(p, list, list) {
		if (p != del && ka_selector_is_range(&p->sel) &&
		    !WARN_ON_ONCE(n + 2 > 2 * n_range))
			n += range_entries(&e[n], p);
	}
	if (add)
		n += range_entries(&e[n], add);
	ret = NULL;
	if (!n)
		goto out;
	sort(e, n, sizeof(e[0]), ka_range_entry_cmp, NULL);

	ret = ERR_PTR(-ENOMEM);
	r = kvmalloc(struct_size(r, seg, 2 * n), KA_GFP_POLICY);
	pts = kvmalloc_array(2 * n, sizeof(*pts), KA_GFP_POLICY);
	next = kvmalloc_array(2 * n, sizeof(*next), KA_GFP_POLICY);
	owner = kvmalloc_array(2 * n, sizeof(*owner), KA_GFP_POLICY);
	if (!r || !pts || !next || !owner)
		goto out;
	r->n = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && e[j].cgroup_id == e[i].cgroup_id &&
		     e[j].dir == e[i].dir; j++)
			;
		ranges_compile_group(r, &e[i], j - i, pts, next, owner);
	}
	ret = r;
	r = NULL;
out:
	kvfree(owner);
	kvfree(next);
	kvfree(pts);
	kvfree(r);
	kvfree(e);
	return ret;
}

void ka_ranges_free(struct ka_ranges *r)
{
	kvfree(r);
}

void ka_ranges_free_rcu(struct ka_ranges *r)
{
	if (r)
		kvfree_rcu(r, rcu);
}

/* The segment holding (cgroup_id, dir, port): binary search. */
const struct ka_policy *ka_ranges_lookup(const struct ka_ranges *r,
					 u64 cgroup_id, u8 dir, u16 port)
{
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
