// SPDX-License-Identifier: GPL-2.0
/*
 * A module can look a cgroup up by its id: cgroup_get_from_id(), declared
 * and exported (EXPORT_SYMBOL_GPL) since 6.0; 5.10 has neither, nor an
 * exported kernfs lookup by id, so compat.h walks the hierarchy instead.
 *
 * ka-conftest-export: cgroup_get_from_id
 */
#include <linux/cgroup.h>

struct cgroup *ka_probe(u64 id)
{
	return cgroup_get_from_id(id);
}
