/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels ka_policy runs on, in one place, so
 * that the other files stay free of version checks. Verified on Debian's
 * 6.1.192; see shared notes on kernel hooks for later kernels.
 */
#ifndef _KA_COMPAT_H
#define _KA_COMPAT_H

/* Force-included first, so it sets the message prefix for every file. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/inet_connection_sock.h>
#include <net/sock.h>

/*
 * The socket a keepalive timer belongs to, from the timer_list that
 * tcp_keepalive_timer() receives. 6.1.y stable kernels with the MPTCP
 * timeout backport (Debian's 6.1.192) name it icsk_keepalive_timer.
 */
#define ka_keepalive_timer_sk(t) \
	(&container_of(t, struct inet_connection_sock, \
		       icsk_keepalive_timer)->icsk_inet.sk)

/*
 * ka_policy's own marks on a socket, kept in sk_flags bits that no kernel
 * flag uses (enum sock_flags stays far below them). They travel with the
 * socket and are inherited by accepted children (sock_copy), at no cost
 * per socket:
 *  KA_SK_APP_KEEPALIVE_OFF  the application set SO_KEEPALIVE to 0
 *  KA_SK_APPLIED_IN/_OUT    a policy was applied on accept / on connect
 */
#define KA_SK_APP_KEEPALIVE_OFF	(BITS_PER_LONG - 1)
#define KA_SK_APPLIED_IN	(BITS_PER_LONG - 2)
#define KA_SK_APPLIED_OUT	(BITS_PER_LONG - 3)

static inline void ka_compat_build_checks(void)
{
	BUILD_BUG_ON(SOCK_RCVMARK >= KA_SK_APPLIED_OUT);
}

#endif /* _KA_COMPAT_H */
