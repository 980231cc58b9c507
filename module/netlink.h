/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETLINK_H
#define _KA_NETLINK_H

/* The family's multicast groups (ka_genl_mcgrps[]), by index. */
enum ka_mcgrp_idx {
	KA_MCGRP_IDX_EVENTS,	/* KA_MCGRP_EVENTS: events.c */
};

/* Events (events.c) are sent on it once ka_genl_init() registered it. */
extern struct genl_family ka_genl_family;

int ka_genl_init(void);
void ka_genl_exit(void);

#endif /* _KA_NETLINK_H */
