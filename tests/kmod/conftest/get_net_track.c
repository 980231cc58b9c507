// SPDX-License-Identifier: GPL-2.0
/*
 * A socket's reference on its network namespace has a tracker,
 * sk->ns_tracker, taken with get_net_track() (5.17, "net: add networking
 * namespace refcount tracker"); __sk_destruct() puts it with
 * put_net_track().
 */
#include <net/sock.h>

void ka_probe(struct sock *sk)
{
	get_net_track(sock_net(sk), &sk->ns_tracker, GFP_KERNEL);
}
