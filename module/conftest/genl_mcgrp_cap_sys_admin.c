// SPDX-License-Identifier: GPL-2.0
/*
 * struct genl_multicast_group's cap_sys_admin bit: the 5.10.y (and 4.x,
 * 5.4, 5.15) stable backport of "genetlink: add CAP_NET_ADMIN test for
 * multicast bind" (Dec 2023, drop_monitor's fix), whose genl_bind() also
 * refuses a group with GENL_UNS_ADMIN_PERM in .flags to a process without
 * CAP_NET_ADMIN over the namespace's user namespace. Mainline (6.7) and
 * its 6.1.y backport define GENL_MCAST_CAP_NET_ADMIN instead, which
 * compat.h tests directly.
 */
#include <net/genetlink.h>

struct genl_multicast_group ka_probe = { .cap_sys_admin = 1 };
