// SPDX-License-Identifier: GPL-2.0
/* The module's ranges.c, compiled again for the test module (see Kbuild). */
#include "../ranges.c"
#include "ka_test.h"

/* For ranges_test.c: block i of direction d (0 IN, 1 OUT) of a cgroup. */
const void *ka_ranges_test_block(const struct ka_ranges *r, u64 cgroup_id,
				 unsigned int d, unsigned int i)
{
	const struct ka_range_groups *gs = rcu_dereference_protected(r->groups, true);
	bool found;
	unsigned int gi = group_find(gs, cgroup_id, &found);

	return found ? rcu_dereference_protected(gs->g[gi]->block[d][i], true) : NULL;
}
