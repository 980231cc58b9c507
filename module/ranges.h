/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_RANGES_H
#define _KA_RANGES_H

#include <linux/list.h>
#include <linux/types.h>

struct ka_policy;
struct ka_ranges;

/*
 * The port range policies on list (linked by ka_policy.list), plus add and
 * minus del (either may be NULL), compiled for lookup. n_range bounds how
 * many range policies the list holds. NULL when no range is left, an
 * ERR_PTR on allocation failure. Sleeps; free the result with
 * ka_ranges_free() or kvfree_rcu(r, rcu).
 */
struct ka_ranges *ka_ranges_compile(const struct list_head *list,
				    unsigned int n_range,
				    const struct ka_policy *add,
				    const struct ka_policy *del);
void ka_ranges_free(struct ka_ranges *r);
void ka_ranges_free_rcu(struct ka_ranges *r);

/* The range policy for (cgroup_id, dir, port), dir IN or OUT; any context. */
const struct ka_policy *ka_ranges_lookup(const struct ka_ranges *r,
					 u64 cgroup_id, u8 dir, u16 port);

#endif /* _KA_RANGES_H */
