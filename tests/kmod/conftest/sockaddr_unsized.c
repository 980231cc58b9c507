// SPDX-License-Identifier: GPL-2.0
/*
 * kernel_bind() and kernel_connect() take a struct sockaddr_unsized
 * (7.3 has it, 6.12 does not: "net: Convert proto_ops bind() and
 * connect() callbacks to use sockaddr_unsized"); before, a struct
 * sockaddr.
 */
#include <linux/socket.h>

int ka_probe(void)
{
	return sizeof(struct sockaddr_unsized);
}
