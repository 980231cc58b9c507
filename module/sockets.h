/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KA_SOCKETS_H
#define _KA_SOCKETS_H

struct genl_family;
struct netlink_callback;
struct sk_buff;

/* KA_CMD_SOCKET_GET: netlink.c's op, with its family. */
int ka_sockets_dump_start(struct netlink_callback *cb);
int ka_sockets_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    const struct genl_family *family);
int ka_sockets_dump_done(struct netlink_callback *cb);

#endif /* _KA_SOCKETS_H */
