/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_RANGES_H
#define _KA_RANGES_H

#include <linux/types.h>

struct ka_selector;
struct ka_range_group_array;
struct ka_range_group;
struct ka_range_block;
struct ka_range_node;

/* Ports per block: the unit a change rebuilds (ranges.c says why). */
#define KA_RANGE_BLOCK_SHIFT	10
#define KA_RANGE_BLOCKS		(65536 >> KA_RANGE_BLOCK_SHIFT)

/*
 * A namespace table's port ranges (selectors with a range of ports,
 * each embedded in its policy), indexed for lookup. Embedded
 * in struct ka_table; zeroed is empty.
 */
struct ka_ranges {
	struct ka_range_group_array __rcu *groups;
};

/*
 * One change to the ranges: prepared (everything that can fail: the new
 * blocks are built aside), then committed (published, cannot fail) or
 * aborted (nothing changed). Writers are serialized by the caller.
 */
struct ka_ranges_change {
	struct ka_ranges *r;
	const struct ka_selector *add, *del;
	struct ka_range_group *group;
	struct ka_range_group_array *new_groups;	/* group added or removed */
	bool group_new, group_gone;
	struct ka_range_node *node;	/* add's, new; or del's, in the tree */
	unsigned int b0, nb;	/* the blocks touched: b0 .. b0 + nb - 1 */
	struct ka_range_block **block;	/* [dir * nb + i], new; NULL: empty */
};

/*
 * Prepares adding the range add, replacing del by add (the same
 * selector), or deleting del (add NULL). May sleep; 0 or -ENOMEM
 * (-ENOENT, with a warning, for a del that is not indexed: a bug).
 */
int ka_ranges_prepare(struct ka_ranges_change *c, struct ka_ranges *r,
		      const struct ka_selector *add, const struct ka_selector *del);

/*
 * Publishes a prepared change. published: readers may hold r now (what
 * the change replaces is freed after a grace period); false for a table
 * nobody can see yet (freed at once).
 */
void ka_ranges_commit(struct ka_ranges_change *c, bool published);
void ka_ranges_abort(struct ka_ranges_change *c);

/* Every range gone: published (freed after a grace period) or not. */
void ka_ranges_clear(struct ka_ranges *r, bool published);

/* Whether r holds no range. */
bool ka_ranges_empty(const struct ka_ranges *r);

/* The range that wins (cgroup_id, dir, port), dir IN or OUT; under RCU. */
const struct ka_selector *ka_ranges_lookup(const struct ka_ranges *r,
					   u64 cgroup_id, u8 dir, u16 port);

#endif /* _KA_RANGES_H */
