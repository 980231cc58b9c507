// SPDX-License-Identifier: GPL-2.0
/*
 * struct cgroup lists its ancestors as pointers, ancestors[] (6.0:
 * "cgroup: Replace cgroup->ancestor_ids[] with ->ancestors[]"); before,
 * ancestor_ids[] held their ids.
 */
#include <linux/cgroup.h>

struct cgroup *ka_probe(struct cgroup *cgrp)
{
	return cgrp->ancestors[0];
}
