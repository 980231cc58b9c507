// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel socket takes a reference on its network namespace with
 * sk_net_refcnt_upgrade() (6.15, in stable kernels from 6.12.y), which
 * sunrpc, SMC, RDS-TCP and MPTCP call; before, each open-coded it.
 *
 * ka-conftest-export: sk_net_refcnt_upgrade
 */
#include <net/sock.h>

void ka_probe(struct sock *sk)
{
	sk_net_refcnt_upgrade(sk);
}
