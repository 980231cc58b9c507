// SPDX-License-Identifier: GPL-2.0
/*
 * A dump's request as a struct genl_info, genl_info_dump(cb), its
 * attributes in ->attrs: 6.6, when struct genl_dumpit_info came to hold
 * a struct genl_info. 5.10 and 6.1 keep them in struct genl_dumpit_info's
 * own attrs.
 */
#include <net/genetlink.h>

struct nlattr **ka_probe(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
