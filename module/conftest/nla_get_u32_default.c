// SPDX-License-Identifier: GPL-2.0
/*
 * nla_get_u8_default() and its siblings, an optional attribute's value or
 * a default (6.13; not in 6.12).
 */
#include <net/netlink.h>

u32 ka_probe(const struct nlattr *attr)
{
	return nla_get_u32_default(attr, 1);
}
