/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETLINK_H
#define _KA_NETLINK_H

#include <linux/types.h>

/* The family's multicast groups (ka_genl_mcgrps[]), by index. */
enum ka_mcgrp_idx {
	KA_MCGRP_IDX_EVENTS,	/* KA_MCGRP_EVENTS: events.c */
};

/* Events (events.c) are sent on it once ka_genl_init() registered it. */
extern struct genl_family ka_genl_family;

/*
 * What the version request needs of the hooks. main.c passes hooks.c's
 * in: netlink.c leaves the hooks to those two.
 */
typedef int (*ka_hook_missed_fn)(const char *name, u64 missed, void *arg);

struct ka_genl_hooks {
	/*
	 * The reply's hooks: calls fn(name, missed, arg) for each attached
	 * one, stopping at fn's first nonzero return, which it returns.
	 */
	int (*missed_walk)(ka_hook_missed_fn fn, void *arg);
	/* Look at once whether anyone listens for events (kactl monitor). */
	void (*listeners_look)(void);
};

int ka_genl_init(const struct ka_genl_hooks *hooks);
void ka_genl_exit(void);

#endif /* _KA_NETLINK_H */
