/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy's selector, on its own: the policy table (policy.c), its hash
 * (selhash.c) and its range index (ranges.c) all key on it, and the
 * latter two need nothing else of a policy.
 */
#ifndef _KA_SELECTOR_H
#define _KA_SELECTOR_H

#include <linux/types.h>
#include <linux/ka_policy.h>

/*
 * Which sockets a policy matches. It is also the policy's name and its
 * hash key, so every byte counts: build one with ka_selector_init().
 */
struct ka_selector {
	/*
	 * 0: any cgroup; else a cgroup's id (a policy by id: that object),
	 * or the key of a path (KA_CGPATH_KEY set: whatever cgroup is there)
	 */
	u64 cgroup_id;
	u16 port_min;		/* 0: any port */
	u16 port_max;		/* == port_min for a single port */
	u8 dir;			/* enum ka_dir; KA_DIR_BOTH without a port */
	u8 pad[3];
};

static inline bool ka_selector_has_port(const struct ka_selector *sel)
{
	return sel->port_min != 0;
}

static inline bool ka_selector_is_range(const struct ka_selector *sel)
{
	return sel->port_max != sel->port_min;
}

#endif /* _KA_SELECTOR_H */
