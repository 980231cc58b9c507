/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_NETLINK_H
#define _KA_NETLINK_H

#include <linux/types.h>

struct genl_family;
struct ka_policy;
struct netlink_callback;
struct sk_buff;

int ka_genl_init(void);
void ka_genl_exit(void);

/* A policy as a nest of type attr (KA_POLICY_A_*), as list shows it. */
int ka_nl_put_policy(struct sk_buff *skb, int attr, const struct ka_policy *p,
		     const char *root, bool with_stats);

/* KA_CMD_SOCKET_GET (sockets.c). */
int ka_sockets_dump_start(struct netlink_callback *cb);
int ka_sockets_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    const struct genl_family *family);
int ka_sockets_dump_done(struct netlink_callback *cb);

#endif /* _KA_NETLINK_H */
