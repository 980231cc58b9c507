/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETLINK_H
#define _KA_NETLINK_H

int ka_genl_init(void);
void ka_genl_exit(void);

#endif /* _KA_NETLINK_H */
